//! The families' report mail after a processing run (R-NIGHT-2), in the layout of the
//! parents' guide: greeting, structure, number of movements received, then one section per
//! outcome, grouped by activity then child, days written « lun. 15/05 ».

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
    const ORDER: [Outcome; 4] = [Outcome::WaitingList, Outcome::Accepted, Outcome::Refused, Outcome::Cancelled];

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
    /// The plain-text mail. Activities and children keep the order in which they first
    /// appear in `lines`; days are sorted.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("{}\n\n", self.addressee));
        out.push_str(&format!(
            "Veuillez trouver ci-dessous un compte rendu des modifications apportées à vos demandes de réservation sur la structure : {}.\n\n",
            self.structure
        ));
        out.push_str(&format!(
            "{} mouvements sur vos demandes de réservations ont été reçus, dont :\n",
            self.new_requests + self.cancellations
        ));
        out.push_str(&format!("       - {} nouvelles demandes de réservation\n", self.new_requests));
        out.push_str(&format!("       - {} demandes d\u{2019}annulation\n", self.cancellations));
        for section in self.sections() {
            out.push_str(&format!("\n****************     {}     ****************\n", section.outcome.title()));
            for (activity, children) in &section.activities {
                out.push_str(&format!("--> Activité : {activity} :\n"));
                for (child, days) in children {
                    let days: Vec<String> = days.iter().map(|d| short_day(*d)).collect();
                    out.push_str(&format!("         {child} : {}\n", days.join(", ")));
                }
            }
        }
        out.push_str("Vous pouvez consulter l'état de vos réservations sur notre site Internet.\n");
        out
    }

    /// The non-empty sections, each grouped by activity then child.
    pub fn sections(&self) -> Vec<Section> {
        Outcome::ORDER
            .iter()
            .filter_map(|&outcome| {
                let mut activities: Vec<(String, Vec<(String, Vec<Date>)>)> = Vec::new();
                for line in self.lines.iter().filter(|l| l.outcome == outcome) {
                    let index = match activities.iter().position(|(a, _)| *a == line.activity) {
                        Some(i) => i,
                        None => {
                            activities.push((line.activity.clone(), Vec::new()));
                            activities.len() - 1
                        }
                    };
                    let children = &mut activities[index].1;
                    match children.iter_mut().find(|(c, _)| *c == line.child) {
                        Some((_, days)) => days.push(line.day),
                        None => children.push((line.child.clone(), vec![line.day])),
                    }
                }
                for (_, children) in &mut activities {
                    for (_, days) in children.iter_mut() {
                        days.sort();
                        days.dedup();
                    }
                }
                (!activities.is_empty()).then_some(Section { outcome, activities })
            })
            .collect()
    }
}

/// One part of the report: an outcome and its days by activity and child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub outcome: Outcome,
    pub activities: Vec<(String, Vec<(String, Vec<Date>)>)>,
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
        ReportLine { outcome, activity: activity.into(), child: child.into(), day: date(2023, 5, day) }
    }

    /// The parents' guide's example (May 2023): eleven requests and three cancellations
    /// for Amalia and Paolo, rebuilt and compared line by line.
    #[test]
    fn the_guides_example_mail_is_reproduced_line_by_line() {
        use Outcome::*;
        let mut lines = vec![line(WaitingList, "APS MATIN", "DUPONT Amalia", 16), line(WaitingList, "APS MATIN", "DUPONT Amalia", 15)];
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
        let text = report.text();
        let actual: Vec<&str> = text.lines().collect();
        for (i, (a, e)) in actual.iter().zip(expected.iter()).enumerate() {
            assert_eq!(a, e, "line {}", i + 1);
        }
        assert_eq!(actual.len(), expected.len());
    }

    #[test]
    fn empty_sections_are_left_out_and_refusals_come_before_cancellations() {
        use Outcome::*;
        let report = Report {
            addressee: "Mme MARTIN Claire".into(),
            structure: "Mairie de CarteVille".into(),
            new_requests: 1,
            cancellations: 1,
            lines: vec![line(Cancelled, "APS SOIR", "MARTIN Hugo", 12), line(Refused, "MERCREDI", "MARTIN Léa", 10)],
        };
        let text = report.text();
        assert!(!text.contains("ACCEPTEES") && !text.contains("LISTE D'ATTENTE"));
        assert!(text.find("REFUSEES").unwrap() < text.find("ANNULEES").unwrap());
        assert!(text.contains("2 mouvements"));
    }
}
