//! `ribambelle regie`: a structure's contract with its payment provider, from the command
//! line (the back office's structure page does the same). The credentials are checked the
//! way a payment would use them before they are saved.

use ribambelle_store::{
    payments::{self, Environment, Provider},
    portal,
};
use ribambelle_usecases::payments::{RegieError, checked_regie};

use crate::{
    config::{EnvironmentArg, ProviderArg, RegieArgs},
    setup::{self, AppError},
};

pub async fn run(args: RegieArgs) -> Result<(), AppError> {
    let (db, _) = setup::open(&args.common).await?;
    let structure = portal::structure_by_slug(&db, args.structure.trim())
        .await?
        .ok_or_else(|| AppError::UnknownStructure(args.structure.clone()))?;
    let provider = match args.provider {
        ProviderArg::Payfip => Provider::PayFip,
        ProviderArg::Systempay => Provider::Systempay,
    };
    let environment = match args.environment {
        EnvironmentArg::Test => Environment::Test,
        EnvironmentArg::Activation => Environment::Activation,
        EnvironmentArg::Production => Environment::Production,
        EnvironmentArg::Simulee => Environment::Simulated,
    };
    let merchant = args.merchant.trim();
    let regie = checked_regie(
        (structure.id, &structure.name),
        provider,
        environment,
        merchant,
        args.certificate.as_deref().unwrap_or(""),
    )
    .map_err(|e| {
        AppError::Regie(match e {
            RegieError::MissingCertificate => format!("{e} (RIBAMBELLE_REGIE_CERTIFICATE)"),
            RegieError::MerchantId { .. } => format!("{e} (reçu « {merchant} »)"),
            RegieError::Refused(_) => e.to_string(),
        })
    })?;
    payments::set_regie(
        &db,
        structure.id,
        provider,
        environment,
        &regie.merchant_id,
        &regie.secret,
    )
    .await?;
    db.close().await;
    println!(
        "Régie de « {} » enregistrée : {}, identifiant {}.",
        structure.name,
        provider.label(),
        regie.merchant_id
    );
    Ok(())
}
