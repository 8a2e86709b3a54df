//! The ids of the product's things, one type each, so that a family's id given where a
//! structure's is expected does not compile. The database's integer is inside; only the
//! URLs take it out. With the `sqlx` feature, which only the store turns on, an id is bound
//! and read as its column's integer, so no query unwraps it.

use std::{fmt, str::FromStr};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> $name {
                $name(raw)
            }

            /// The database's integer, for a query's parameter.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        /// As written in a URL: the bare number.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// As read from a URL or a form: a number, nothing else.
        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <i64 as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <i64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<$name, sqlx::error::BoxDynError> {
                <i64 as sqlx::Decode<'r, sqlx::Any>>::decode(value).map($name)
            }
        }
    };
}

id!(
    /// A family's account (« compte famille »).
    FamilyId
);
id!(
    /// A child of a family.
    ChildId
);
id!(
    /// A structure (« accueil »): the town's service a family books with and pays.
    StructureId
);
id!(
    /// A staff member's account (« personnel »).
    StaffId
);
id!(
    /// An activity (« activité ») a child is registered to and booked on.
    ActivityId
);
id!(
    /// A prepaid wallet (« porte-monnaie »).
    WalletId
);

id!(
    /// A fiche of a family's dossier (« fiche sanitaire », « fiche famille »…).
    FicheId
);
id!(
    /// A person a family names in its dossier (« contact »: to call, to pick up).
    ContactId
);
id!(
    /// A dossier campaign (« campagne »): the period fiches are asked for.
    CampaignId
);
id!(
    /// A published version of a legal text (RGPD notice, CGU, règlement intérieur).
    LegalTextId
);
id!(
    /// An announcement (« annonce ») shown on families' « Accueil ».
    AnnouncementId
);
id!(
    /// A payment (« règlement »), online or at the counter.
    PaymentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_writes_as_its_bare_number() {
        let id: FamilyId = "42".parse().unwrap();
        assert_eq!(id, FamilyId::new(42));
        assert_eq!(id.get(), 42);
        assert_eq!(id.to_string(), "42");
        assert!("42a".parse::<ChildId>().is_err());
        assert!("".parse::<StructureId>().is_err());
    }
}
