use ribambelle_domain::password::generate_initial_password;
use ribambelle_store::accounts;

use crate::{config::ResetPasswordArgs, setup};

/// `ribambelle reset-password --identifiant X`: staff issue a new initial password (the
/// back office will do the same from a page); the family's sessions end and it is back in
/// first-login state. Nobody can read the old password, so nothing else can be done.
pub async fn run(args: ResetPasswordArgs) -> Result<(), setup::AppError> {
    let (db, hashing) = setup::open(&args.common).await?;
    let clock = setup::clock(&args.common, &db, false).await?;
    let family_id = accounts::family_id_by_identifiant(&db, &args.identifiant)
        .await?
        .ok_or_else(|| setup::AppError::UnknownFamily(args.identifiant.clone()))?;
    let password = generate_initial_password();
    let hash = hashing.hash(&password)?;
    accounts::set_family_password(&db, family_id, &hash, false, None, None, clock.now()).await?;
    db.close().await;
    println!(
        "Nouveau mot de passe initial de « {} » : {password}",
        args.identifiant.trim()
    );
    println!("La famille devra choisir son propre mot de passe à sa prochaine connexion.");
    Ok(())
}
