//! The mail telling a family that waiting reservations got a place (the guide: « Vous
//! serez averti par mail … lorsque des réservations en liste d'attente seront acceptées »).

use askama::Template;
use jiff::civil::Date;

use crate::french::short_day;

/// A reservation taken off the waiting list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromotedDay {
    pub activity: String,
    /// The child's first name.
    pub child: String,
    pub day: Date,
}

#[derive(Clone, Debug, PartialEq, Eq, Template)]
#[template(path = "mail/liste-attente.html")]
pub struct Promotion {
    /// « M. DUPONT Jean-Paul »
    pub addressee: String,
    pub structure: String,
    /// In date order.
    pub lines: Vec<PromotedDay>,
}

impl Promotion {
    pub fn subject(&self) -> String {
        format!(
            "{} : réservations en liste d'attente acceptées",
            self.structure
        )
    }

    pub fn text(&self) -> String {
        let mut body = format!(
            "{}\n\nDes places se sont libérées : les réservations suivantes, qui étaient en liste d'attente, sont acceptées sur la structure : {}.\n\n",
            self.addressee, self.structure
        );
        for line in &self.lines {
            body.push_str(&format!(
                "--> {} : {} : {}\n",
                line.activity,
                line.child,
                short_day(line.day)
            ));
        }
        body.push_str("\nSi ces places ne vous intéressent plus, pensez à les annuler le plus tôt possible.\n");
        body.push_str(
            "Vous pouvez consulter l'état de vos réservations sur notre site Internet.\n",
        );
        body
    }

    /// The HTML part, saying the same as the text.
    pub fn html(&self) -> Result<String, askama::Error> {
        self.render()
    }

    fn day(&self, day: &Date) -> String {
        short_day(*day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn promotion() -> Promotion {
        Promotion {
            addressee: "M. DUPONT Jean-Paul".into(),
            structure: "Mairie de CarteVille".into(),
            lines: vec![PromotedDay {
                activity: "MERCREDI".into(),
                child: "Paolo".into(),
                day: date(2023, 5, 17),
            }],
        }
    }

    #[test]
    fn the_text_names_each_day_given_a_place() {
        let text = promotion().text();
        assert!(
            text.starts_with("M. DUPONT Jean-Paul\n\nDes places se sont libérées"),
            "{text}"
        );
        assert!(
            text.contains("--> MERCREDI : Paolo : mer. 17/05\n"),
            "{text}"
        );
    }

    #[test]
    fn the_html_part_says_the_same_in_french_markup() {
        let html = promotion().html().unwrap();
        assert!(html.contains(r#"<html lang="fr">"#));
        assert!(
            html.contains(
                "<title>Réservations en liste d’attente acceptées — Mairie de CarteVille</title>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<li>MERCREDI : Paolo : <time datetime="2023-05-17">mer. 17/05</time></li>"#
            ),
            "{html}"
        );
    }
}
