//! The checks of a family's and a child's fields, shared by the back office's forms and its
//! CSV import so that a file is held to exactly what a form would accept. Each answers the clean value or a
//! French message.

use crate::{dossier::parse_french_date, emails::parse_email_list, text::single_line_problem};
use jiff::civil::Date;

/// The civilités a letter may start with.
pub const CIVILITIES: [&str; 2] = ["M.", "Mme"];

pub const MAX_TEXT: usize = 100;

/// « M. » or « Mme », also from the ways people write them (« M », « Monsieur », « madame »).
pub fn civility(raw: &str) -> Result<&'static str, String> {
    match raw.trim().to_lowercase().as_str() {
        "m." | "m" | "monsieur" => Ok("M."),
        "mme" | "mme." | "madame" => Ok("Mme"),
        _ => Err("Choisissez la civilité : « M. » ou « Mme ».".to_owned()),
    }
}

/// A required name; last names are kept in capitals, as on the town hall's letters.
pub fn name(raw: &str, what: &str, capitals: bool) -> Result<String, String> {
    if let Some(problem) = single_line_problem(raw.trim()) {
        return Err(problem.to_owned());
    }
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(format!("Saisissez {what}."));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("Ce champ est limité à {MAX_TEXT} caractères."));
    }
    Ok(if capitals {
        value.to_uppercase()
    } else {
        value
    })
}

/// An identifiant: what the family types to log in, in lower case.
pub fn identifiant(raw: &str) -> Result<String, String> {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        return Err("Saisissez l'identifiant de connexion de la famille.".to_owned());
    }
    let allowed =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
    if !(3..=50).contains(&value.chars().count()) || !value.chars().all(allowed) {
        return Err("L'identifiant compte de 3 à 50 caractères : lettres sans accent, chiffres, points, tirets ou soulignés (exemple : dupont.marie).".to_owned());
    }
    Ok(value)
}

pub const IDENTIFIANT_TAKEN: &str =
    "Cet identifiant est déjà celui d'une autre famille : choisissez-en un autre.";

/// Addresses separated by « ; »; none is allowed (the letter is then posted).
pub fn emails(raw: &str) -> Result<Vec<String>, String> {
    parse_email_list(raw).map_err(|e| e.message())
}

/// A birth date in « jj/mm/aaaa », not after today.
pub fn birth_date(raw: &str, today: Date) -> Result<Date, String> {
    if raw.trim().is_empty() {
        return Err("Saisissez la date de naissance au format jj/mm/aaaa.".to_owned());
    }
    match parse_french_date(raw) {
        None => Err(format!(
            "« {} » n'est pas une date au format jj/mm/aaaa.",
            raw.trim()
        )),
        Some(date) if date > today => {
            Err("La date de naissance ne peut pas être dans le futur.".to_owned())
        }
        Some(date) => Ok(date),
    }
}

/// The school, optional.
pub fn school(raw: &str) -> Result<String, String> {
    if let Some(problem) = single_line_problem(raw.trim()) {
        return Err(problem.to_owned());
    }
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.chars().count() > MAX_TEXT {
        return Err(format!("Ce champ est limité à {MAX_TEXT} caractères."));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cleaned_or_refused_in_french() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(civility(" madame ")?, "Mme");
        assert!(civility("Dr").is_err());
        assert_eq!(name("  Le  Goff ", "le nom", true)?, "LE GOFF");
        assert_eq!(name("", "le nom", true).unwrap_err(), "Saisissez le nom.");
        assert_eq!(identifiant(" Dupont.Marie ")?, "dupont.marie");
        assert!(identifiant("é").is_err());
        let today = Date::new(2026, 5, 5)?;
        assert_eq!(birth_date("15/05/2016", today)?, Date::new(2016, 5, 15)?);
        assert!(
            birth_date("31/02/2016", today)
                .unwrap_err()
                .contains("jj/mm/aaaa")
        );
        assert!(birth_date("06/05/2026", today).is_err());
        Ok(())
    }
}
