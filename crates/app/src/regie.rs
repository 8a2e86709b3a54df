//! `ribambelle regie`: a structure's contract with its payment provider, until the back
//! office has a page for it. The credentials are checked the way a payment would use them
//! before they are saved.

use ribambelle_store::{
    payments::{self, Environment, Provider, Regie},
    portal,
};

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
    let secret = match (provider, args.certificate) {
        (Provider::Systempay, Some(certificate)) if !certificate.trim().is_empty() => certificate.trim().to_owned(),
        (Provider::Systempay, _) => return Err(AppError::Regie("Systempay demande le certificat de la plateforme (RIBAMBELLE_REGIE_CERTIFICATE)".into())),
        (Provider::PayFip, _) => String::new(),
    };
    let merchant = args.merchant.trim();
    let digits = match provider {
        Provider::PayFip => 6,
        Provider::Systempay => 8,
    };
    if merchant.len() != digits || !merchant.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::Regie(format!("l'identifiant {} compte {digits} chiffres (reçu « {merchant} »)", provider_name(provider))));
    }
    let regie = Regie {
        structure_id: structure.id,
        structure_name: structure.name.clone(),
        provider,
        environment,
        merchant_id: merchant.to_owned(),
        secret,
    };
    // Any address will do: only the credentials are being checked.
    ribambelle_web::payments::provider(&regie, "https://portail.invalid").map_err(|e| AppError::Regie(e.to_string()))?;
    payments::set_regie(&db, structure.id, provider, environment, &regie.merchant_id, &regie.secret).await?;
    db.close().await;
    println!("Régie de « {} » enregistrée : {}, identifiant {}.", structure.name, provider.label(), regie.merchant_id);
    Ok(())
}

fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::PayFip => "PayFiP (numcli)",
        Provider::Systempay => "Systempay (boutique)",
    }
}
