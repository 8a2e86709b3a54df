//! Pieces of SQL the portable `Any` driver cannot bind.

use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, StaffId, StructureId, WalletId};

/// A column's integer: what an `IN` list may hold.
pub(crate) trait Integer: Copy {
    fn integer(self) -> i64;
}

impl Integer for i64 {
    fn integer(self) -> i64 {
        self
    }
}

macro_rules! integer_ids {
    ($($id:ident),*) => {
        $(impl Integer for $id {
            fn integer(self) -> i64 {
                self.get()
            }
        })*
    };
}

integer_ids!(
    ActivityId,
    ChildId,
    FamilyId,
    StaffId,
    StructureId,
    WalletId
);

/// `(1, 2, 3)` for an `IN` clause: sqlx's `Any` driver binds no lists. Integers only, so
/// formatting them into a statement injects nothing; an empty list matches nothing.
pub(crate) fn id_list<T: Integer>(ids: &[T]) -> String {
    if ids.is_empty() {
        return "(NULL)".to_owned();
    }
    format!(
        "({})",
        ids.iter()
            .map(|id| id.integer().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}
