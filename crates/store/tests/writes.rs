//! `Db::write`: jobs sent together share a transaction on SQLite; one that fails leaves the
//! others recorded and gets its own error, and nothing is answered before it is committed.

use std::sync::Arc;

use ribambelle_store::StoreError;
use ribambelle_testkit::TestDb;

#[tokio::test]
async fn a_failing_job_fails_alone_and_the_others_are_recorded() {
    let t = TestDb::new().await;
    let db = Arc::new(t.db.clone());
    let mut jobs = Vec::new();
    for n in 0..60i64 {
        let db = db.clone();
        jobs.push(tokio::spawn(async move {
            db.write(move |tx| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO app_state (key, value) VALUES ($1, 'ecrit')")
                        .bind(format!("essai-{n}"))
                        .execute(&mut **tx)
                        .await?;
                    if n % 20 == 7 {
                        // Written, then failed: its row must not stay.
                        return Err(StoreError::Reference(format!("job {n} refused")));
                    }
                    Ok(n)
                })
            })
            .await
        }));
    }
    let mut answers = Vec::new();
    for job in jobs {
        answers.push(job.await.unwrap());
    }
    for (n, answer) in answers.iter().enumerate() {
        match answer {
            Ok(value) => assert_eq!(*value, n as i64),
            Err(e) => assert!(
                n % 20 == 7 && e.to_string().contains(&format!("job {n} refused")),
                "job {n}: {e}"
            ),
        }
    }
    assert_eq!(answers.iter().filter(|a| a.is_err()).count(), 3);
    let written: Vec<String> =
        sqlx::query_scalar("SELECT key FROM app_state WHERE key LIKE 'essai-%' ORDER BY key")
            .fetch_all(t.db.reader())
            .await
            .unwrap();
    let expected: Vec<String> = {
        let mut keys: Vec<String> = (0..60)
            .filter(|n| n % 20 != 7)
            .map(|n| format!("essai-{n}"))
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(written, expected);
}
