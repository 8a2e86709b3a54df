//! The two standard-14 fonts the documents use (Helvetica and Helvetica-Bold) in
//! WinAnsiEncoding, and their advance widths.
//!
//! Standard fonts are not embedded, so nothing measures text for us: right-aligned amounts and
//! line breaking need the widths of Adobe's Helvetica AFM files, copied here for the glyphs
//! WinAnsiEncoding can show.

use pdf_writer::Name;

/// Font size and face of a piece of text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    pub font: Font,
    pub size: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Self {
        Style {
            font: Font::Regular,
            size,
        }
    }

    pub const fn bold(size: f32) -> Self {
        Style {
            font: Font::Bold,
            size,
        }
    }

    /// Baseline-to-baseline distance for consecutive lines of this style.
    pub fn leading(self) -> f32 {
        self.size * 1.25
    }

    /// Width in points of already encoded text.
    pub fn width(self, text: &[u8]) -> f32 {
        let thousandths: u32 = text
            .iter()
            .map(|&byte| u32::from(self.font.advance(byte)))
            .sum();
        thousandths as f32 * self.size / 1000.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    /// Name of the font in the page resources.
    pub fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    pub fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
        }
    }

    /// Advance width in thousandths of the font size. Bytes `encode` never produces get the
    /// width of "?", which is what they would be replaced by anyway.
    fn advance(self, byte: u8) -> u16 {
        let ascii = match self {
            Font::Regular => &ASCII_REGULAR,
            Font::Bold => &ASCII_BOLD,
        };
        let extra_width = |glyph: &(char, u8, u16, u16)| match self {
            Font::Regular => glyph.2,
            Font::Bold => glyph.3,
        };
        match byte {
            0x20..=0x7E => ascii[usize::from(byte - 0x20)],
            _ => EXTRA
                .iter()
                .find(|glyph| glyph.1 == byte)
                .map_or(ascii[usize::from(REPLACEMENT - 0x20)], extra_width),
        }
    }
}

/// Shown for characters Helvetica cannot draw in WinAnsiEncoding.
const REPLACEMENT: u8 = b'?';

/// Text in WinAnsiEncoding, ready for a content stream.
pub(crate) struct Encoded {
    pub bytes: Vec<u8>,
    /// False when some character was approximated ("Ł" as "L") or replaced by "?": the PDF
    /// then carries the original text as `/ActualText` for screen readers and copy-paste.
    pub exact: bool,
}

/// Encodes text for the standard fonts: French needs only Latin-1, € and œ, but names from
/// elsewhere in Europe fall back on their base letter rather than on "?".
pub(crate) fn encode(text: &str) -> Encoded {
    let mut exact = true;
    let bytes = text
        .chars()
        .map(|c| {
            if let Some(byte) = win_ansi(c) {
                return byte;
            }
            // The narrow no-break space (French thousands separator) is not in WinAnsi; the
            // regular no-break space still keeps "1 234,56 €" on one line.
            if c == '\u{202F}' {
                return 0xA0;
            }
            exact = false;
            base_letter(c).unwrap_or(REPLACEMENT)
        })
        .collect();
    Encoded { bytes, exact }
}

fn win_ansi(c: char) -> Option<u8> {
    match c {
        ' '..='~' => u8::try_from(c).ok(),
        _ => EXTRA.iter().find(|glyph| glyph.0 == c).map(|glyph| glyph.1),
    }
}

/// Base letters of U+0100..U+017F (Polish, Czech, Romanian, Turkish… names), "?" where the
/// letter has none.
const LATIN_EXTENDED_A_BASES: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

fn base_letter(c: char) -> Option<u8> {
    match c {
        // Romanian comma-below letters, outside Latin Extended-A.
        'Ș' => Some(b'S'),
        'ș' => Some(b's'),
        'Ț' => Some(b'T'),
        'ț' => Some(b't'),
        _ => {
            let index = u32::from(c).checked_sub(0x100)?;
            LATIN_EXTENDED_A_BASES
                .get(usize::try_from(index).ok()?)
                .copied()
        }
    }
}

/// Helvetica widths of " " to "~" (WinAnsi 0x20..0x7E).
const ASCII_REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ␠ to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
];

/// Helvetica-Bold widths of " " to "~".
const ASCII_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278,
    278, // ␠ to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0 to ?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P to _
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // ` to o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p to ~
];

/// Non-ASCII characters: (character, WinAnsi code, Helvetica width, Helvetica-Bold width).
const EXTRA: [(char, u8, u16, u16); 84] = [
    ('€', 0x80, 556, 556),
    ('…', 0x85, 1000, 1000),
    ('Š', 0x8A, 667, 667),
    ('Œ', 0x8C, 1000, 1000),
    ('Ž', 0x8E, 611, 611),
    ('‘', 0x91, 222, 278),
    ('’', 0x92, 222, 278),
    ('“', 0x93, 333, 500),
    ('”', 0x94, 333, 500),
    ('•', 0x95, 350, 350),
    ('–', 0x96, 556, 556),
    ('—', 0x97, 1000, 1000),
    ('š', 0x9A, 500, 556),
    ('œ', 0x9C, 944, 944),
    ('ž', 0x9E, 500, 500),
    ('Ÿ', 0x9F, 667, 667),
    ('\u{A0}', 0xA0, 278, 278),
    ('«', 0xAB, 556, 556),
    ('°', 0xB0, 400, 400),
    ('»', 0xBB, 556, 556),
    ('À', 0xC0, 667, 722),
    ('Á', 0xC1, 667, 722),
    ('Â', 0xC2, 667, 722),
    ('Ã', 0xC3, 667, 722),
    ('Ä', 0xC4, 667, 722),
    ('Å', 0xC5, 667, 722),
    ('Æ', 0xC6, 1000, 1000),
    ('Ç', 0xC7, 722, 722),
    ('È', 0xC8, 667, 667),
    ('É', 0xC9, 667, 667),
    ('Ê', 0xCA, 667, 667),
    ('Ë', 0xCB, 667, 667),
    ('Ì', 0xCC, 278, 278),
    ('Í', 0xCD, 278, 278),
    ('Î', 0xCE, 278, 278),
    ('Ï', 0xCF, 278, 278),
    ('Ð', 0xD0, 722, 722),
    ('Ñ', 0xD1, 722, 722),
    ('Ò', 0xD2, 778, 778),
    ('Ó', 0xD3, 778, 778),
    ('Ô', 0xD4, 778, 778),
    ('Õ', 0xD5, 778, 778),
    ('Ö', 0xD6, 778, 778),
    ('×', 0xD7, 584, 584),
    ('Ø', 0xD8, 778, 778),
    ('Ù', 0xD9, 722, 722),
    ('Ú', 0xDA, 722, 722),
    ('Û', 0xDB, 722, 722),
    ('Ü', 0xDC, 722, 722),
    ('Ý', 0xDD, 667, 667),
    ('Þ', 0xDE, 667, 667),
    ('ß', 0xDF, 611, 611),
    ('à', 0xE0, 556, 556),
    ('á', 0xE1, 556, 556),
    ('â', 0xE2, 556, 556),
    ('ã', 0xE3, 556, 556),
    ('ä', 0xE4, 556, 556),
    ('å', 0xE5, 556, 556),
    ('æ', 0xE6, 889, 889),
    ('ç', 0xE7, 500, 556),
    ('è', 0xE8, 556, 556),
    ('é', 0xE9, 556, 556),
    ('ê', 0xEA, 556, 556),
    ('ë', 0xEB, 556, 556),
    ('ì', 0xEC, 278, 278),
    ('í', 0xED, 278, 278),
    ('î', 0xEE, 278, 278),
    ('ï', 0xEF, 278, 278),
    ('ð', 0xF0, 556, 611),
    ('ñ', 0xF1, 556, 611),
    ('ò', 0xF2, 556, 611),
    ('ó', 0xF3, 556, 611),
    ('ô', 0xF4, 556, 611),
    ('õ', 0xF5, 556, 611),
    ('ö', 0xF6, 556, 611),
    ('÷', 0xF7, 584, 584),
    ('ø', 0xF8, 611, 611),
    ('ù', 0xF9, 556, 611),
    ('ú', 0xFA, 556, 611),
    ('û', 0xFB, 556, 611),
    ('ü', 0xFC, 556, 611),
    ('ý', 0xFD, 500, 556),
    ('þ', 0xFE, 556, 611),
    ('ÿ', 0xFF, 500, 556),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_exact_in_win_ansi() {
        let encoded = encode("Œuvre « déjà » payée : 1\u{202F}234,56\u{A0}€ à l’école");
        assert!(encoded.exact);
        assert_eq!(
            encoded.bytes,
            b"\x8Cuvre \xAB d\xE9j\xE0 \xBB pay\xE9e : 1\xA0234,56\xA0\x80 \xE0 l\x92\xE9cole"
        );
    }

    #[test]
    fn other_latin_letters_fall_back_on_their_base_letter() {
        let encoded = encode("Łukasz Wójcik, Ștefan Şahin, 李");
        assert!(!encoded.exact);
        assert_eq!(encoded.bytes, b"Lukasz W\xF3jcik, Stefan Sahin, ?");
    }

    #[test]
    fn widths_follow_the_afm_files() {
        // "Wé€" in Helvetica: 944 + 556 + 556; in bold "i" is wider than in regular.
        assert!((Style::regular(10.0).width(b"W\xE9\x80") - 20.56).abs() < 1e-4);
        assert_eq!(Style::regular(1000.0).width(b"i"), 222.0);
        assert_eq!(Style::bold(1000.0).width(b"i"), 278.0);
        assert_eq!(
            Style::regular(1000.0).width(&[0x81]),
            556.0,
            "unused code: width of ?"
        );
    }
}
