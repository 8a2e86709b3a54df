//! What a text typed in a form may hold.

/// Why a text of a one-line field (a name, a place, a title) is refused: a line break or an
/// invisible character such as NUL would break the letters, mails and exports it goes
/// into. Browsers never put either in a one-line field: such a text was made by hand.
pub fn single_line_problem(text: &str) -> Option<&'static str> {
    text.chars()
        .any(char::is_control)
        .then_some("Ce champ tient sur une seule ligne : retirez les retours à la ligne et les caractères invisibles.")
}

/// Why a text of a multi-line field (an announcement, an address) is refused: an invisible
/// character other than a line break or a tab.
pub fn multi_line_problem(text: &str) -> Option<&'static str> {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .then_some("Ce texte contient un caractère invisible, par exemple copié d'un autre logiciel : retirez-le.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_belong_to_multi_line_fields_and_invisible_characters_to_none() {
        for refused in ["DUPONT\0", "DUPONT\r\nBcc: x", "A\tB", "\u{7}", "\u{85}"] {
            assert!(single_line_problem(refused).is_some(), "{refused:?}");
        }
        assert_eq!(single_line_problem("Jean-Paul D'ARTAGNAN-ÉLOI"), None);
        assert_eq!(
            multi_line_problem("Première ligne\r\nDeuxième\tcolonne"),
            None
        );
        for refused in ["fin\0", "cloche\u{7}", "\u{1b}[31m"] {
            assert!(multi_line_problem(refused).is_some(), "{refused:?}");
        }
    }
}
