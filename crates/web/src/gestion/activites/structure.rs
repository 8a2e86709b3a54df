//! A structure's page: its settings (name, address, web site, school zone, accent colour,
//! processing mode) and its régie (payment provider and credentials; the Systempay
//! certificate is never shown back once saved).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::calendar::SchoolZone;
use ribambelle_usecases::payments::{Environment, Provider, Regie, RegieError, TypedRegie};
use ribambelle_usecases::{
    catalog::{self, StructureSettings},
    structures::StructureSummary,
};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    gestion::layout,
    layout::{Gestion, Layout},
    session::{Editor, Staff},
};

use super::structure_in_scope;

/// WCAG 2.1 AA asks 4.5:1 for normal text: the header, buttons and links put white text on
/// the accent colour (and the colour on white).
const MIN_CONTRAST: f64 = 4.5;

/// The contrast ratio of white on `#rrggbb` (WCAG 2.1 relative luminance); None for
/// anything else.
fn contrast_with_white(colour: &str) -> Option<f64> {
    let hex = colour
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()))?;
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).ok()?) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    let luminance = 0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?;
    Some(1.05 / (luminance + 0.05))
}

const ENVIRONMENTS: [(Environment, &str); 4] = [
    (Environment::Simulated, "simulee"),
    (Environment::Test, "test"),
    (Environment::Activation, "activation"),
    (Environment::Production, "production"),
];

fn provider_code(provider: Provider) -> &'static str {
    match provider {
        Provider::PayFip => "payfip",
        Provider::Systempay => "systempay",
    }
}

fn environment_code(environment: Environment) -> &'static str {
    ENVIRONMENTS
        .iter()
        .find(|(e, _)| *e == environment)
        .map_or("test", |(_, code)| code)
}

#[derive(Clone, Default, Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    nom: String,
    #[serde(default)]
    adresse: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    couleur: String,
    #[serde(default)]
    traitement: String,
}

impl SettingsForm {
    fn of(s: &StructureSettings) -> Self {
        SettingsForm {
            nom: s.name.clone(),
            adresse: s.address.clone(),
            site: s.website_url.clone(),
            zone: s.school_zone.as_str().to_owned(),
            couleur: s.accent_color.clone(),
            traitement: if s.immediate { "immediat" } else { "nuit" }.to_owned(),
        }
    }
}

#[derive(Clone, Default, Deserialize)]
pub(crate) struct RegieForm {
    #[serde(default)]
    prestataire: String,
    #[serde(default)]
    environnement: String,
    #[serde(default)]
    identifiant: String,
    /// Never shown back: the field is always empty on the page.
    #[serde(default)]
    certificat: String,
}

impl RegieForm {
    fn of(regie: Option<&Regie>) -> Self {
        RegieForm {
            prestataire: regie
                .map_or("payfip", |r| provider_code(r.provider))
                .to_owned(),
            environnement: regie
                .map_or("test", |r| environment_code(r.environment))
                .to_owned(),
            identifiant: regie.map(|r| r.merchant_id.clone()).unwrap_or_default(),
            certificat: String::new(),
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    #[serde(default)]
    enregistre: Option<String>,
    #[serde(default)]
    regie: Option<String>,
}

#[derive(Template)]
#[template(path = "gestion/activites/structure.html")]
struct StructurePage {
    layout: Layout,
    structure: StructureSummary,
    csrf: String,
    form: SettingsForm,
    errors: FormErrors,
    regie: Option<Regie>,
    regie_form: RegieForm,
    regie_errors: FormErrors,
    notice: Option<&'static str>,
    /// Whether the simulated bank may be chosen (the demo, development).
    simulated_bank: bool,
}

impl StructurePage {
    fn zones(&self) -> Vec<&'static str> {
        SchoolZone::ALL.iter().map(|z| z.as_str()).collect()
    }

    fn environments(&self) -> Vec<(&'static str, &'static str)> {
        ENVIRONMENTS
            .iter()
            .filter(|(e, _)| *e != Environment::Simulated || self.simulated_bank)
            .map(|(e, code)| (*code, catalog::environment_name(*e)))
            .collect()
    }

    fn regie_summary(&self) -> Option<String> {
        let r = self.regie.as_ref()?;
        let certificate = if r.secret.is_empty() {
            ""
        } else {
            ", certificat enregistré"
        };
        Some(format!(
            "{}, environnement {}, identifiant {}{certificate}",
            catalog::provider_name(r.provider),
            catalog::environment_name(r.environment),
            r.merchant_id
        ))
    }

    fn certificate_saved(&self) -> bool {
        self.regie.as_ref().is_some_and(|r| !r.secret.is_empty())
    }

    /// `aria-describedby` of a field: its hint (if any) and its message (if any).
    fn described(&self, errors: &FormErrors, name: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{name}-aide"));
        }
        if errors.get(name).is_some() {
            ids.push(format!("{name}-erreur"));
        }
        ids.join(" ")
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    structure: StructureSummary,
    form: Option<(SettingsForm, FormErrors)>,
    regie_form: Option<(RegieForm, FormErrors)>,
    notice: Option<&'static str>,
) -> Result<Html<String>, AppError> {
    let regie = state.payments().regie(structure.id).await?;
    let (form, errors) = match form {
        Some(typed) => typed,
        None => (
            SettingsForm::of(&catalog::settings(&state.db, structure.id).await?),
            FormErrors::default(),
        ),
    };
    let (regie_form, regie_errors) =
        regie_form.unwrap_or_else(|| (RegieForm::of(regie.as_ref()), FormErrors::default()));
    let path = format!("/gestion/structures/{}", structure.slug);
    let page = StructurePage {
        layout: layout(
            state,
            staff,
            Gestion::Activites,
            format!("Paramètres — {}", structure.name),
            &path,
        )
        .await?,
        structure,
        csrf: staff.session.csrf_token.clone(),
        form,
        errors,
        regie,
        regie_form,
        regie_errors,
        notice,
        simulated_bank: state.config.simulated_bank,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Html<String>, AppError> {
    let structure = structure_in_scope(&state, &staff, &slug).await?;
    let notice = if notice.enregistre.is_some() {
        Some("Les paramètres de la structure sont enregistrés.")
    } else if notice.regie.is_some() {
        Some("La régie est enregistrée.")
    } else {
        None
    };
    render(&state, &staff, structure, None, None, notice).await
}

/// The settings as typed, or the messages of the fields to correct.
fn checked_settings(form: &SettingsForm) -> Result<StructureSettings, FormErrors> {
    let mut errors = FormErrors::default();
    errors.require("nom", &form.nom, "le nom de la structure", 100);
    if form.adresse.chars().count() > 300 {
        errors.add("adresse", "L'adresse est limitée à 300 caractères.");
    }
    let site = form.site.trim();
    let valid_site = site.is_empty()
        || ((site.starts_with("https://") || site.starts_with("http://"))
            && site.len() <= 200
            && !site.contains(char::is_whitespace)
            && site
                .split_once("://")
                .is_some_and(|(_, host)| host.contains('.')));
    if !valid_site {
        errors.add("site", "Saisissez l'adresse complète du site, par exemple https://www.mairie.fr, ou laissez vide.");
    }
    let zone: Option<SchoolZone> = form.zone.parse().ok();
    if zone.is_none() {
        errors.add("zone", "Choisissez la zone scolaire A, B ou C.");
    }
    let colour = form.couleur.trim().to_lowercase();
    match contrast_with_white(&colour) {
        None => errors.add("couleur", "Saisissez une couleur au format #rrvvbb, par exemple #1f5f9e."),
        Some(ratio) if ratio < MIN_CONTRAST => errors.add(
            "couleur",
            format!(
                "Le texte blanc sur cette couleur n'est pas assez lisible (contraste de {}:1, il faut au moins 4,5:1) : choisissez une couleur plus foncée.",
                format!("{ratio:.1}").replace('.', ",")
            ),
        ),
        Some(_) => {}
    }
    if !["nuit", "immediat"].contains(&form.traitement.as_str()) {
        errors.add("traitement", "Choisissez quand les demandes sont traitées.");
    }
    match (zone, errors.is_empty()) {
        (Some(school_zone), true) => Ok(StructureSettings {
            name: form.nom.trim().to_owned(),
            address: form.adresse.trim().replace("\r\n", "\n"),
            website_url: site.to_owned(),
            school_zone,
            accent_color: colour,
            immediate: form.traitement == "immediat",
        }),
        _ => Err(errors),
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(slug): Path<String>,
    SignedForm(form): SignedForm<SettingsForm>,
) -> Result<Response, AppError> {
    let structure = structure_in_scope(&state, &staff, &slug).await?;
    match checked_settings(&form) {
        Ok(settings) => {
            catalog::save_settings(
                &state.db,
                staff.id(),
                structure.id,
                &settings,
                state.clock.now(),
            )
            .await?;
            Ok(Redirect::to(&format!("/gestion/structures/{slug}?enregistre=1")).into_response())
        }
        Err(errors) => Ok(invalid(
            render(&state, &staff, structure, Some((form, errors)), None, None)
                .await?
                .into_response(),
        )),
    }
}

pub(crate) async fn save_regie(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(slug): Path<String>,
    SignedForm(form): SignedForm<RegieForm>,
) -> Result<Response, AppError> {
    let structure = structure_in_scope(&state, &staff, &slug).await?;
    let mut errors = FormErrors::default();
    let provider = match form.prestataire.as_str() {
        "payfip" => Some(Provider::PayFip),
        "systempay" => Some(Provider::Systempay),
        _ => None,
    };
    let environment = ENVIRONMENTS
        .iter()
        .find(|(_, code)| *code == form.environnement)
        .map(|(e, _)| *e);
    if provider.is_none() {
        errors.add("prestataire", "Choisissez le prestataire de paiement.");
    }
    if environment.is_none() {
        errors.add("environnement", "Choisissez l'environnement.");
    }
    let environment = environment.filter(|e| {
        let refused = *e == Environment::Simulated && !state.config.simulated_bank;
        if refused {
            errors.add(
                "environnement",
                "La banque simulée ne sert qu'aux démonstrations : choisissez l'environnement de test, d'activation ou de production de votre prestataire.",
            );
        }
        !refused
    });
    if let (Some(provider), Some(environment)) = (provider, environment) {
        let typed = TypedRegie {
            provider,
            environment,
            merchant: &form.identifiant,
            certificate: &form.certificat,
        };
        match state
            .payments()
            .save_regie(
                staff.id(),
                (structure.id, &structure.name),
                typed,
                state.clock.now(),
            )
            .await?
        {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/gestion/structures/{slug}?regie=1")).into_response()
                );
            }
            Err(e @ RegieError::MissingCertificate) => errors.add(
                "certificat",
                format!(
                    "{} : collez-le depuis le back office Systempay.",
                    capitalized(&e.to_string())
                ),
            ),
            Err(e @ RegieError::MerchantId { .. }) => {
                errors.add("identifiant", format!("{}.", capitalized(&e.to_string())))
            }
            Err(RegieError::Refused(e)) => {
                tracing::info!(%e, "régie refused by the provider's checks");
                errors.add(
                    "identifiant",
                    "Le prestataire n'accepte pas ces identifiants : vérifiez-les.",
                );
            }
        }
    }
    let typed = RegieForm {
        certificat: String::new(),
        ..form
    };
    Ok(invalid(
        render(&state, &staff, structure, None, Some((typed, errors)), None)
            .await?
            .into_response(),
    ))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_text_needs_a_dark_enough_colour() {
        // Not a colour: NaN, which fails every comparison below.
        let ratio = |c: &str| contrast_with_white(c).unwrap_or(f64::NAN);
        assert!((ratio("#000000") - 21.0).abs() < 0.01);
        assert!((ratio("#ffffff") - 1.0).abs() < 0.01);
        // The demo's colours pass; a light blue and a yellow do not.
        assert!(ratio("#1f5f9e") >= MIN_CONTRAST);
        assert!(ratio("#2e6b30") >= MIN_CONTRAST);
        assert!(ratio("#6fa8dc") < MIN_CONTRAST);
        assert!(ratio("#ffd700") < MIN_CONTRAST);
        // #767676 is the classic lightest grey that passes on white.
        assert!(ratio("#767676") >= MIN_CONTRAST && ratio("#777777") < MIN_CONTRAST);
        assert_eq!(contrast_with_white("bleu"), None);
        assert_eq!(contrast_with_white("#12345g"), None);
    }
}
