//! Page flow: text goes down A4 pages, a new page starts when the next block does not fit, and
//! every piece of text is tagged as it is drawn, so the structure tree follows the content
//! order. Decorations (rules, backgrounds, page footers, repeated table headers) are artifacts,
//! which assistive technologies skip.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{ArtifactType, StructRole, TabOrder};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use xmp_writer::{LangId, XmpWriter};

use crate::fonts::{Font, Style, encode};
use crate::tagging::{ElementId, StructTree, page_key};

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const LEFT: f32 = 50.0;
pub(crate) const RIGHT: f32 = PAGE_WIDTH - 50.0;
const TOP: f32 = PAGE_HEIGHT - 50.0;
/// Lowest point content may reach: the footer lives below.
const BOTTOM: f32 = 60.0;
const FOOTER_BASELINE: f32 = 32.0;

pub(crate) const TITLE: Style = Style::bold(16.0);
pub(crate) const SUBTITLE: Style = Style::bold(12.0);
pub(crate) const BODY: Style = Style::regular(10.0);
pub(crate) const STRONG: Style = Style::bold(10.0);
const FOOTER: Style = Style::regular(8.0);

/// A name in `style` above its address lines: the sender's and the recipient's blocks of
/// a letter or an invoice.
pub(crate) fn name_and_address<'a>(
    name: &'a str,
    style: Style,
    address: &'a [String],
) -> Vec<(&'a str, Style)> {
    std::iter::once((name, style))
        .chain(address.iter().map(|line| (line.as_str(), BODY)))
        .collect()
}

/// Room kept under a heading (a table's header and first row), so no page ends on a heading.
const KEEP_WITH_HEADING: f32 = 48.0;

/// Long free text (names, addresses) is cut after this many lines, with an ellipsis, so no
/// input can push a block past a page.
const MAX_BLOCK_LINES: usize = 4;

/// Text broken into lines that fit a width, in WinAnsi bytes.
pub(crate) struct Wrapped {
    pub lines: Vec<Vec<u8>>,
    pub style: Style,
    /// False when encoding approximated a character or lines were cut.
    pub exact: bool,
}

impl Wrapped {
    pub fn height(&self) -> f32 {
        self.lines.len() as f32 * self.style.leading()
    }
}

/// Breaks `text` at spaces (never at no-break spaces, which glue amounts to "€"); a word wider
/// than `width` is split wherever it must. Past `max_lines`, the last line ends with "…".
pub(crate) fn wrap(text: &str, style: Style, width: f32, max_lines: usize) -> Wrapped {
    let encoded = encode(text);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in encoded
        .bytes
        .split(|&byte| byte == b' ')
        .filter(|word| !word.is_empty())
    {
        let mut candidate = current.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if style.width(&candidate) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        while style.width(rest) > width {
            let fits = (1..rest.len())
                .rev()
                .find(|&end| style.width(&rest[..end]) <= width);
            let (line, tail) = rest.split_at(fits.unwrap_or(1));
            lines.push(line.to_vec());
            rest = tail;
        }
        current = rest.to_vec();
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let cut = lines.len() > max_lines;
    if cut {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && style.width(&[&last[..], &[ELLIPSIS]].concat()) > width {
                last.pop();
            }
            last.push(ELLIPSIS);
        }
    }
    Wrapped {
        lines,
        style,
        exact: encoded.exact && !cut,
    }
}

/// "…" in WinAnsiEncoding.
const ELLIPSIS: u8 = 0x85;

/// How a table column aligns its text: amounts and quantities go right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A flowing PDF document under construction.
pub(crate) struct Document {
    title: String,
    done: Vec<Content>,
    page: Content,
    /// Top of the free space on the current page.
    y: f32,
    tree: StructTree,
    root: ElementId,
}

impl Document {
    /// `title` goes into the metadata and every page footer.
    pub fn new(title: &str) -> Self {
        let (tree, root) = StructTree::new();
        Document {
            title: title.to_owned(),
            done: Vec::new(),
            page: Content::new(),
            y: TOP,
            tree,
            root,
        }
    }

    pub fn root(&self) -> ElementId {
        self.root
    }

    pub fn element(&mut self, parent: ElementId, role: StructRole) -> ElementId {
        self.tree.add(parent, role)
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn advance(&mut self, height: f32) {
        self.y -= height;
    }

    /// Starts a new page unless `height` points are still free; tells whether it did.
    pub fn make_room(&mut self, height: f32) -> bool {
        if self.y - height >= BOTTOM || self.y >= TOP {
            return false;
        }
        self.done
            .push(std::mem::replace(&mut self.page, Content::new()));
        self.y = TOP;
        true
    }

    /// Draws pieces of text as one marked-content sequence of `element`. When the drawn text
    /// is not exactly `source` (approximated letters, cut lines), the source is attached as
    /// `/ActualText` so assistive technologies read the real text.
    pub fn show_tagged(&mut self, element: ElementId, source: &str, pieces: &[Piece]) {
        let (mcid, tag) = self.tree.mark(element, self.done.len());
        let mut marked = self.page.begin_marked_content_with_properties(tag);
        let mut properties = marked.properties();
        properties.identify(mcid);
        if pieces.iter().any(|piece| !piece.text.exact) {
            properties.actual_text(TextStr(source));
        }
        properties.finish();
        marked.finish();
        show_pieces(&mut self.page, pieces);
        self.page.end_marked_content();
    }

    /// Draws text that repeats what was already read (a table header on a later page).
    pub fn show_artifact(&mut self, pieces: &[Piece]) {
        self.artifact(ArtifactType::Pagination, |page| show_pieces(page, pieces));
    }

    /// Draws a light gray band, behind text drawn afterwards.
    pub fn band(&mut self, top: f32, height: f32) {
        self.artifact(ArtifactType::Layout, |page| {
            page.set_fill_gray(0.9)
                .rect(LEFT, top - height, RIGHT - LEFT, height)
                .fill_nonzero();
            page.set_fill_gray(0.0);
        });
    }

    /// Draws a thin horizontal line across the content width.
    pub fn rule(&mut self, y: f32) {
        self.artifact(ArtifactType::Layout, |page| {
            page.set_stroke_gray(0.7)
                .set_line_width(0.5)
                .move_to(LEFT, y)
                .line_to(RIGHT, y)
                .stroke();
        });
    }

    fn artifact(&mut self, kind: ArtifactType, draw: impl FnOnce(&mut Content)) {
        let mut marked = self
            .page
            .begin_marked_content_with_properties(Name(b"Artifact"));
        marked.properties().artifact().kind(kind);
        marked.finish();
        draw(&mut self.page);
        self.page.end_marked_content();
    }

    /// A heading (`H1`, `H2`…) across the page.
    pub fn heading(&mut self, role: StructRole, text: &str, style: Style) {
        self.make_room(style.leading() * 2.0 + KEEP_WITH_HEADING);
        self.advance(style.size * 0.5);
        let element = self.element(self.root, role);
        self.block(element, &[(text, style)], LEFT, RIGHT - LEFT);
        self.advance(style.size * 0.3);
    }

    /// A paragraph across the page.
    pub fn paragraph(&mut self, text: &str, style: Style) {
        self.side_by_side(&[(text, style)], &[]);
    }

    /// Two paragraphs made of lines of several styles (e.g. a name in bold above an address),
    /// one on the left half and one on the right half; the right one is read second. The
    /// right one is skipped when empty, and the left one then spans the page.
    pub fn side_by_side(&mut self, left: &[(&str, Style)], right: &[(&str, Style)]) {
        let half = (RIGHT - LEFT) / 2.0;
        let left_width = if right.is_empty() {
            RIGHT - LEFT
        } else {
            half - 10.0
        };
        let height = |lines: &[(&str, Style)], width: f32| -> f32 {
            lines
                .iter()
                .map(|&(text, style)| wrap(text, style, width, MAX_BLOCK_LINES).height())
                .sum()
        };
        self.make_room(height(left, left_width).max(height(right, half)));
        let top = self.y;
        let mut bottom = top;
        for (lines, x, width) in [(left, LEFT, left_width), (right, LEFT + half, half)] {
            if lines.is_empty() {
                continue;
            }
            self.y = top;
            let element = self.element(self.root, StructRole::P);
            self.block(element, lines, x, width);
            bottom = bottom.min(self.y);
        }
        self.y = bottom;
    }

    /// Lines of several styles as one marked-content sequence of `element`, from the cursor.
    fn block(&mut self, element: ElementId, lines: &[(&str, Style)], x: f32, width: f32) {
        let mut top = self.y;
        let pieces: Vec<Piece> = lines
            .iter()
            .map(|&(text, style)| {
                let text = wrap(text, style, width, MAX_BLOCK_LINES);
                let piece = Piece {
                    at: Placement::Left(x),
                    top,
                    text,
                };
                top -= piece.text.height();
                piece
            })
            .collect();
        let source = lines
            .iter()
            .map(|&(text, _)| text)
            .collect::<Vec<_>>()
            .join("\n");
        self.show_tagged(element, &source, &pieces);
        self.y = top;
    }

    /// The finished file: every page gets its footer ("Page 2 / 3"), then the catalog,
    /// structure tree and metadata are written.
    pub fn finish(mut self) -> Vec<u8> {
        self.done.push(self.page);
        let count = self.done.len();
        for (index, page) in self.done.iter_mut().enumerate() {
            footer(page, &self.title, index + 1, count);
        }

        let mut next_ref = Ref::new(1);
        let catalog_ref = next_ref.bump();
        let tree_ref = next_ref.bump();
        let info_ref = next_ref.bump();
        let metadata_ref = next_ref.bump();
        let font_refs: Vec<(Font, Ref)> = Font::ALL
            .iter()
            .map(|&font| (font, next_ref.bump()))
            .collect();
        let page_refs: Vec<Ref> = self.done.iter().map(|_| next_ref.bump()).collect();
        let content_refs: Vec<Ref> = self.done.iter().map(|_| next_ref.bump()).collect();

        let mut pdf = Pdf::new();
        let struct_root = self.tree.write(&mut pdf, &mut next_ref, &page_refs);

        let mut catalog = pdf.catalog(catalog_ref);
        catalog
            .pages(tree_ref)
            .lang(TextStr("fr-FR"))
            .metadata(metadata_ref);
        catalog.pair(Name(b"StructTreeRoot"), struct_root);
        catalog.mark_info().marked(true);
        catalog.viewer_preferences().display_doc_title(true);
        catalog.finish();

        pdf.pages(tree_ref)
            .kids(page_refs.iter().copied())
            .count(page_key(count));
        for (index, (content, (&page_ref, &content_ref))) in self
            .done
            .into_iter()
            .zip(page_refs.iter().zip(&content_refs))
            .enumerate()
        {
            let mut page = pdf.page(page_ref);
            page.parent(tree_ref)
                .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .contents(content_ref)
                .struct_parents(page_key(index))
                .tab_order(TabOrder::StructureOrder);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            for &(font, font_ref) in &font_refs {
                fonts.pair(font.resource(), font_ref);
            }
            fonts.finish();
            resources.finish();
            page.finish();
            let deflated = compress_to_vec_zlib(&content.finish(), 6);
            pdf.stream(content_ref, &deflated)
                .filter(Filter::FlateDecode);
        }
        for &(font, font_ref) in &font_refs {
            pdf.type1_font(font_ref)
                .base_font(font.base_font())
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }

        pdf.document_info(info_ref)
            .title(TextStr(&self.title))
            .creator(TextStr("Ribambelle"));
        let mut xmp = XmpWriter::new();
        xmp.title([(None, self.title.as_str())])
            .language([LangId("fr-FR")])
            .format("application/pdf")
            .creator_tool("Ribambelle");
        let xmp = xmp.finish(None);
        pdf.metadata(metadata_ref, xmp.as_bytes());
        pdf.finish()
    }
}

/// Where lines go horizontally: from a left edge, or ending at a right edge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Placement {
    Left(f32),
    Right(f32),
}

impl Placement {
    pub fn within(align: Align, left: f32, right: f32) -> Self {
        match align {
            Align::Left => Placement::Left(left),
            Align::Right => Placement::Right(right),
        }
    }
}

/// Wrapped text and where its first line's box starts.
pub(crate) struct Piece {
    pub text: Wrapped,
    pub at: Placement,
    pub top: f32,
}

/// One text object per line: text extraction then sees a line break between lines.
fn show_pieces(page: &mut Content, pieces: &[Piece]) {
    for Piece { text, at, top } in pieces {
        for (index, line) in text.lines.iter().enumerate() {
            let x = match *at {
                Placement::Left(x) => x,
                Placement::Right(x) => x - text.style.width(line),
            };
            let baseline = top - index as f32 * text.style.leading() - text.style.size;
            page.begin_text()
                .set_font(text.style.font.resource(), text.style.size)
                .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, baseline])
                .show(Str(line))
                .end_text();
        }
    }
}

fn footer(page: &mut Content, title: &str, number: usize, count: usize) {
    let mut marked = page.begin_marked_content_with_properties(Name(b"Artifact"));
    marked
        .properties()
        .artifact()
        .kind(ArtifactType::Pagination);
    marked.finish();
    page.set_fill_gray(0.35);
    let top = FOOTER_BASELINE + FOOTER.size;
    let numbering = wrap(&format!("Page {number} / {count}"), FOOTER, RIGHT - LEFT, 1);
    let numbering_width: f32 = numbering.lines.iter().map(|line| FOOTER.width(line)).sum();
    let title = wrap(title, FOOTER, RIGHT - LEFT - numbering_width - 20.0, 1);
    show_pieces(
        page,
        &[
            Piece {
                text: numbering,
                at: Placement::Right(RIGHT),
                top,
            },
            Piece {
                text: title,
                at: Placement::Left(LEFT),
                top,
            },
        ],
    );
    page.set_fill_gray(0.0);
    page.end_marked_content();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_with_an_ellipsis() {
        let style = Style::regular(10.0);
        // At 10 points "Restauration" is 56.7 points wide, "scolaire du midi" 69.5.
        let wrapped = wrap("Restauration scolaire du midi", style, 65.0, 5);
        assert_eq!(
            wrapped.lines,
            vec![
                b"Restauration".to_vec(),
                b"scolaire du".to_vec(),
                b"midi".to_vec()
            ]
        );
        assert!(wrapped.exact);

        let cut = wrap("Restauration scolaire du midi", style, 65.0, 2);
        assert_eq!(cut.lines.len(), 2);
        assert_eq!(cut.lines[1].last(), Some(&ELLIPSIS));
        assert!(style.width(&cut.lines[1]) <= 65.0);
        assert!(!cut.exact);
    }

    #[test]
    fn keeps_amounts_whole_and_splits_overlong_words() {
        let style = Style::regular(10.0);
        let amount = wrap("Total 1\u{202F}234,56\u{A0}€", style, 60.0, 5);
        assert_eq!(
            amount.lines,
            vec![b"Total".to_vec(), b"1\xA0234,56\xA0\x80".to_vec()]
        );

        let word = wrap("Wwwwwwwwwwwwwwwwwwww", style, 50.0, 10);
        assert!(word.lines.len() > 1);
        assert!(word.lines.iter().all(|line| style.width(line) <= 50.0));
        assert_eq!(word.lines.concat(), b"Wwwwwwwwwwwwwwwwwwww");
    }
}
