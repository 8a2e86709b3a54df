//! The families' report mail after a processing run (R-NIGHT-2), in the layout of the
//! parents' guide: greeting, structure, number of movements received, then one section per
//! outcome, grouped by activity then child, days written « lun. 15/05 ».

use askama::Template;
use jiff::civil::Date;

use crate::french::short_day;

/// What happened to one requested day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    WaitingList,
    Accepted,
    Refused,
    Cancelled,
}

impl Outcome {
    /// The sections in the order the mail shows them.
    const ORDER: [Outcome; 4] = [
        Outcome::WaitingList,
        Outcome::Accepted,
        Outcome::Refused,
        Outcome::Cancelled,
    ];

    /// The section's heading in the HTML part, in sentence case for screen readers.
    pub fn heading(self) -> &'static str {
        match self {
            Outcome::WaitingList => "Réservations mises en liste d’attente",
            Outcome::Accepted => "Réservations acceptées",
            Outcome::Refused => "Réservations refusées",
            Outcome::Cancelled => "Réservations annulées",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Outcome::WaitingList => "RESERVATIONS MISES EN LISTE D'ATTENTE",
            Outcome::Accepted => "RESERVATIONS ACCEPTEES",
            Outcome::Refused => "RESERVATIONS REFUSEES",
            Outcome::Cancelled => "RESERVATIONS ANNULEES",
        }
    }
}

/// One requested day and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLine {
    pub outcome: Outcome,
    pub activity: String,
    /// « DUPONT Amalia »
    pub child: String,
    pub day: Date,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// « M. DUPONT Jean-Paul »
    pub addressee: String,
    pub structure: String,
    pub new_requests: usize,
    pub cancellations: usize,
    pub lines: Vec<ReportLine>,
}

impl Report {
    /// « Mairie de CarteVille : compte rendu de vos réservations »
    pub fn subject(&self) -> String {
        format!("{} : compte rendu de vos réservations", self.structure)
    }

    /// The plain-text mail. Activities and children keep the order in which they first
    /// appear in `lines`; days are sorted.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("{}\n\n", self.addressee));
        out.push_str(&format!(
            "Veuillez trouver ci-dessous un compte rendu des modifications apportées à vos demandes de réservation sur la structure : {}.\n\n",
            self.structure
        ));
        out.push_str(&format!("{}\n", self.movements()));
        out.push_str(&format!("       - {}\n", self.new_requests_line()));
        out.push_str(&format!("       - {}\n", self.cancellations_line()));
        for section in self.sections() {
            out.push_str(&format!(
                "\n****************     {}     ****************\n",
                section.outcome.title()
            ));
            for ActivityDays { activity, children } in &section.activities {
                out.push_str(&format!("--> Activité : {activity} :\n"));
                for ChildDays { child, days } in children {
                    let days: Vec<String> = days.iter().map(|d| short_day(*d)).collect();
                    out.push_str(&format!("         {child} : {}\n", days.join(", ")));
                }
            }
        }
        out.push_str("Vous pouvez consulter l'état de vos réservations sur notre site Internet.\n");
        out
    }

    /// « 14 mouvements … ont été reçus, dont : », agreeing with the number (French puts 0
    /// and 1 in the singular).
    pub fn movements(&self) -> String {
        match self.new_requests + self.cancellations {
            n @ (0 | 1) => {
                format!("{n} mouvement sur vos demandes de réservations a été reçu, dont :")
            }
            n => format!("{n} mouvements sur vos demandes de réservations ont été reçus, dont :"),
        }
    }

    pub fn new_requests_line(&self) -> String {
        match self.new_requests {
            n @ (0 | 1) => format!("{n} nouvelle demande de réservation"),
            n => format!("{n} nouvelles demandes de réservation"),
        }
    }

    pub fn cancellations_line(&self) -> String {
        match self.cancellations {
            n @ (0 | 1) => format!("{n} demande d’annulation"),
            n => format!("{n} demandes d’annulation"),
        }
    }

    /// The HTML part: the same words, with headings and lists a screen reader can walk.
    pub fn html(&self) -> Result<String, askama::Error> {
        ReportHtml {
            report: self,
            sections: self.sections(),
        }
        .render()
    }

    /// The non-empty sections, each grouped by activity then child.
    pub fn sections(&self) -> Vec<Section> {
        Outcome::ORDER
            .iter()
            .filter_map(|&outcome| {
                let mut activities: Vec<ActivityDays> = Vec::new();
                for line in self.lines.iter().filter(|l| l.outcome == outcome) {
                    let index = match activities.iter().position(|a| a.activity == line.activity) {
                        Some(i) => i,
                        None => {
                            activities.push(ActivityDays {
                                activity: line.activity.clone(),
                                children: Vec::new(),
                            });
                            activities.len() - 1
                        }
                    };
                    let children = &mut activities[index].children;
                    match children.iter_mut().find(|c| c.child == line.child) {
                        Some(child) => child.days.push(line.day),
                        None => children.push(ChildDays {
                            child: line.child.clone(),
                            days: vec![line.day],
                        }),
                    }
                }
                for child in activities.iter_mut().flat_map(|a| a.children.iter_mut()) {
                    child.days.sort();
                    child.days.dedup();
                }
                (!activities.is_empty()).then_some(Section {
                    outcome,
                    activities,
                })
            })
            .collect()
    }
}

/// One part of the report: an outcome and its days by activity and child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub outcome: Outcome,
    pub activities: Vec<ActivityDays>,
}

/// An activity of a section, with the days of each child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityDays {
    pub activity: String,
    pub children: Vec<ChildDays>,
}

/// A child's days, in order, once each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildDays {
    pub child: String,
    pub days: Vec<Date>,
}

#[derive(Template)]
#[template(path = "mail/compte-rendu.html")]
struct ReportHtml<'a> {
    report: &'a Report,
    sections: Vec<Section>,
}

impl ReportHtml<'_> {
    fn day(&self, day: &Date) -> String {
        short_day(*day)
    }
}

impl Section {
    pub fn title(&self) -> &'static str {
        self.outcome.title()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn line(outcome: Outcome, activity: &str, child: &str, day: i8) -> ReportLine {
        ReportLine {
            outcome,
            activity: activity.into(),
            child: child.into(),
            day: date(2023, 5, day),
        }
    }

    /// The parents' guide's example (May 2023): eleven requests and three cancellations
    /// for Amalia and Paolo, rebuilt and compared line by line.
    #[test]
    fn the_guides_example_mail_is_reproduced_line_by_line() {
        use Outcome::*;
        let mut lines = vec![
            line(WaitingList, "APS MATIN", "DUPONT Amalia", 16),
            line(WaitingList, "APS MATIN", "DUPONT Amalia", 15),
        ];
        for day in [9, 10, 11, 12, 15, 16, 17, 18, 19] {
            lines.push(line(Accepted, "APS MATIN", "DUPONT Paolo", day));
        }
        lines.push(line(Cancelled, "APS MATIN", "DUPONT Amalia", 5));
        lines.push(line(Cancelled, "APS MATIN", "DUPONT Amalia", 9));
        lines.push(line(Cancelled, "RESTAURATION", "DUPONT Paolo", 5));
        let report = Report {
            addressee: "M. DUPONT Jean-Paul".into(),
            structure: "Mairie de CarteVille".into(),
            new_requests: 11,
            cancellations: 3,
            lines,
        };
        let expected = [
            "M. DUPONT Jean-Paul",
            "",
            "Veuillez trouver ci-dessous un compte rendu des modifications apportées à vos demandes de réservation sur la structure : Mairie de CarteVille.",
            "",
            "14 mouvements sur vos demandes de réservations ont été reçus, dont :",
            "       - 11 nouvelles demandes de réservation",
            "       - 3 demandes d\u{2019}annulation",
            "",
            "****************     RESERVATIONS MISES EN LISTE D'ATTENTE     ****************",
            "--> Activité : APS MATIN :",
            "         DUPONT Amalia : lun. 15/05, mar. 16/05",
            "",
            "****************     RESERVATIONS ACCEPTEES     ****************",
            "--> Activité : APS MATIN :",
            "         DUPONT Paolo : mar. 09/05, mer. 10/05, jeu. 11/05, ven. 12/05, lun. 15/05, mar. 16/05, mer. 17/05, jeu. 18/05, ven. 19/05",
            "",
            "****************     RESERVATIONS ANNULEES     ****************",
            "--> Activité : APS MATIN :",
            "         DUPONT Amalia : ven. 05/05, mar. 09/05",
            "--> Activité : RESTAURATION :",
            "         DUPONT Paolo : ven. 05/05",
            "Vous pouvez consulter l'état de vos réservations sur notre site Internet.",
        ];
        assert_eq!(
            report.subject(),
            "Mairie de CarteVille : compte rendu de vos réservations"
        );
        let text = report.text();
        let actual: Vec<&str> = text.lines().collect();
        for (i, (a, e)) in actual.iter().zip(expected.iter()).enumerate() {
            assert_eq!(a, e, "line {}", i + 1);
        }
        assert_eq!(actual.len(), expected.len());
    }

    #[test]
    fn the_html_part_says_the_same_with_headings_and_lists() {
        use Outcome::*;
        let report = Report {
            addressee: "M. DUPONT Jean-Paul".into(),
            structure: "Mairie <Carte> & Ville".into(),
            new_requests: 3,
            cancellations: 1,
            lines: vec![
                line(Accepted, "APS MATIN", "DUPONT Paolo", 10),
                line(WaitingList, "APS MATIN", "DUPONT Amalia", 16),
                line(WaitingList, "APS MATIN", "DUPONT Amalia", 15),
                line(Cancelled, "RESTAURATION", "DUPONT Paolo", 5),
            ],
        };
        let html = report.html().unwrap();
        assert!(html.contains(r#"<html lang="fr">"#));
        // The structure's name is escaped, never markup.
        assert!(
            html.contains("sur la structure : Mairie &#60;Carte&#62; &#38; Ville.")
                || html.contains("sur la structure : Mairie &lt;Carte&gt; &amp; Ville."),
            "{html}"
        );
        assert!(
            html.contains(
                "<p>4 mouvements sur vos demandes de réservations ont été reçus, dont :</p>"
            ),
            "{html}"
        );
        let waiting = html
            .find("Réservations mises en liste d’attente</h2>")
            .unwrap();
        let accepted = html.find("Réservations acceptées</h2>").unwrap();
        let cancelled = html.find("Réservations annulées</h2>").unwrap();
        assert!(waiting < accepted && accepted < cancelled);
        assert!(!html.contains("Réservations refusées"));
        assert!(html.contains(
            r#"<li>DUPONT Amalia : <time datetime="2023-05-15">lun. 15/05</time>, <time datetime="2023-05-16">mar. 16/05</time></li>"#
        ), "{html}");
        assert!(
            html.contains("<h3 style=\"font-size:16px;\">Activité : RESTAURATION</h3>"),
            "{html}"
        );
    }

    #[test]
    fn empty_sections_are_left_out_and_refusals_come_before_cancellations() {
        use Outcome::*;
        let report = Report {
            addressee: "Mme MARTIN Claire".into(),
            structure: "Mairie de CarteVille".into(),
            new_requests: 1,
            cancellations: 1,
            lines: vec![
                line(Cancelled, "APS SOIR", "MARTIN Hugo", 12),
                line(Refused, "MERCREDI", "MARTIN Léa", 10),
            ],
        };
        let text = report.text();
        assert!(!text.contains("ACCEPTEES") && !text.contains("LISTE D'ATTENTE"));
        assert!(text.find("REFUSEES").unwrap() < text.find("ANNULEES").unwrap());
        assert!(
            text.contains("2 mouvements sur vos demandes de réservations ont été reçus, dont :\n")
        );
        assert!(
            text.contains(
                "       - 1 nouvelle demande de réservation\n       - 1 demande d’annulation\n"
            ),
            "{text}"
        );
    }
}
