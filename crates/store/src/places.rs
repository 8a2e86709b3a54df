//! The places held per activity and day (table `day_places`). The processing run moves the
//! counter as it decides; loaders that write accepted reservations directly recount it.

use sqlx::{Any, Transaction};

use crate::StoreError;

/// Sets every day's counter from the accepted reservations, for data written without the
/// processing run (the demo's history).
pub(crate) async fn recount(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM day_places").execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO day_places (activity_id, day, taken) \
         SELECT activity_id, day, COUNT(*) FROM reservations WHERE state = 'acceptee' GROUP BY activity_id, day",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
