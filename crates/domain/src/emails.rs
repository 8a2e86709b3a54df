//! A family's e-mail addresses: several may be given, separated by « ; ». Reservation
//! reports go to all of them, payment tickets only to the first.

use email_address::EmailAddress;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailListError {
    Invalid(String),
    TooMany { max: usize },
    Duplicate(String),
}

impl EmailListError {
    pub fn message(&self) -> String {
        match self {
            EmailListError::Invalid(a) => {
                format!(
                    "« {a} » n'est pas une adresse e-mail valide (exemple : prenom.nom@exemple.fr)."
                )
            }
            EmailListError::TooMany { max } => {
                format!("Vous pouvez saisir au plus {max} adresses.")
            }
            EmailListError::Duplicate(a) => format!("L'adresse « {a} » est saisie deux fois."),
        }
    }
}

pub const MAX_EMAILS: usize = 5;

/// Parses « a@x.fr ; b@y.fr » into its addresses, in order. An empty text is an empty list.
pub fn parse_email_list(text: &str) -> Result<Vec<String>, EmailListError> {
    let mut addresses: Vec<String> = Vec::new();
    for part in text
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let valid = part.len() <= 254
            && EmailAddress::from_str(part)
                .is_ok_and(|a| a.domain().contains('.') && !part.contains(['<', '>', ' ']));
        if !valid {
            return Err(EmailListError::Invalid(part.to_owned()));
        }
        if addresses.iter().any(|a| a.eq_ignore_ascii_case(part)) {
            return Err(EmailListError::Duplicate(part.to_owned()));
        }
        addresses.push(part.to_owned());
    }
    if addresses.len() > MAX_EMAILS {
        return Err(EmailListError::TooMany { max: MAX_EMAILS });
    }
    Ok(addresses)
}

/// The stored form: addresses joined by « ; ».
pub fn join_email_list(addresses: &[String]) -> String {
    addresses.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_addresses_keep_their_order() {
        assert_eq!(
            parse_email_list(" claire.martin@example.fr ; paul.martin@example.fr;").unwrap(),
            vec!["claire.martin@example.fr", "paul.martin@example.fr"]
        );
        assert_eq!(parse_email_list("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn each_address_is_validated() {
        assert_eq!(
            parse_email_list("claire@example.fr; pas-une-adresse"),
            Err(EmailListError::Invalid("pas-une-adresse".into()))
        );
        assert!(parse_email_list("a@localhost").is_err());
        assert!(parse_email_list("Claire <claire@example.fr>").is_err());
        assert_eq!(
            parse_email_list("a@b.fr;A@b.fr"),
            Err(EmailListError::Duplicate("A@b.fr".into()))
        );
        assert_eq!(
            parse_email_list("a@b.fr;b@b.fr;c@b.fr;d@b.fr;e@b.fr;f@b.fr"),
            Err(EmailListError::TooMany { max: 5 })
        );
    }
}
