//! Tables that continue over pages with their column headers repeated, and the lines of totals
//! under them; shared by invoices and histories.

use pdf_writer::types::StructRole;

use crate::fonts::Style;
use crate::layout::{Align, Document, LEFT, Piece, Placement, RIGHT, wrap};
use crate::tagging::ElementId;

const CELL: Style = Style::regular(9.0);
const HEADER: Style = Style::bold(9.0);
const PADDING_X: f32 = 4.0;
const PADDING_Y: f32 = 3.0;
/// Rows stay short enough to read; longer cells end with "…" (the full text stays readable
/// by assistive technologies).
const MAX_CELL_LINES: usize = 3;
const TOTALS_GAP: f32 = 6.0;
/// Space the amounts of the totals take, right-aligned on the tables' right edge.
const TOTAL_AMOUNT_WIDTH: f32 = 100.0;

pub(crate) struct Column {
    pub header: &'static str,
    /// Share of the page width, relative to the other columns.
    pub weight: f32,
    pub align: Align,
}

/// Horizontal room of each column's text, padding excluded.
struct Bounds {
    left: f32,
    right: f32,
}

fn bounds<const N: usize>(columns: &[Column; N]) -> [Bounds; N] {
    let total: f32 = columns.iter().map(|column| column.weight).sum();
    let unit = (RIGHT - LEFT) / total;
    let mut left = LEFT;
    columns.each_ref().map(|column| {
        let right = left + column.weight * unit;
        let room = Bounds {
            left: left + PADDING_X,
            right: right - PADDING_X,
        };
        left = right;
        room
    })
}

/// A row's cells wrapped in their columns, positioned from `top`, and the row's height.
fn layout_row<const N: usize>(
    texts: [&str; N],
    columns: &[Column; N],
    bounds: &[Bounds; N],
    style: Style,
    top: f32,
) -> ([Piece; N], f32) {
    let cells: [Piece; N] = std::array::from_fn(|index| {
        let room = &bounds[index];
        Piece {
            text: wrap(texts[index], style, room.right - room.left, MAX_CELL_LINES),
            at: Placement::within(columns[index].align, room.left, room.right),
            top: top - PADDING_Y,
        }
    });
    let height = cells
        .iter()
        .map(|cell| cell.text.height())
        .fold(0.0, f32::max);
    (cells, height + 2.0 * PADDING_Y)
}

impl Document {
    /// A table of `rows` under `columns`' headers, continued on as many pages as needed.
    pub fn table<const N: usize>(&mut self, columns: &[Column; N], rows: &[[String; N]]) {
        let bounds = bounds(columns);
        let table = self.element(self.root(), StructRole::Table);
        let head = self.element(table, StructRole::THead);
        let header_row = self.element(head, StructRole::TR);
        let body = self.element(table, StructRole::TBody);

        // Keeps the header with the first row.
        let header_height = layout_row(
            columns.each_ref().map(|c| c.header),
            columns,
            &bounds,
            HEADER,
            0.0,
        )
        .1;
        let first_row_height = rows.first().map_or(0.0, |row| {
            layout_row(
                row.each_ref().map(String::as_str),
                columns,
                &bounds,
                CELL,
                0.0,
            )
            .1
        });
        self.make_room(header_height + first_row_height);
        self.table_header(columns, &bounds, Some(header_row));

        for row in rows {
            let texts = row.each_ref().map(String::as_str);
            let (mut cells, mut height) = layout_row(texts, columns, &bounds, CELL, self.y());
            if self.make_room(height) {
                self.table_header(columns, &bounds, None);
                (cells, height) = layout_row(texts, columns, &bounds, CELL, self.y());
            }
            let row_element = self.element(body, StructRole::TR);
            for (cell, text) in cells.into_iter().zip(texts) {
                let cell_element = self.element(row_element, StructRole::TD);
                self.show_tagged(cell_element, text, &[cell]);
            }
            self.advance(height);
            self.rule(self.y());
        }
    }

    /// The header row: tagged the first time, an artifact when repeated on a later page so
    /// that it is read once.
    fn table_header<const N: usize>(
        &mut self,
        columns: &[Column; N],
        bounds: &[Bounds; N],
        row: Option<ElementId>,
    ) {
        let top = self.y();
        let texts = columns.each_ref().map(|column| column.header);
        let (cells, height) = layout_row(texts, columns, bounds, HEADER, top);
        self.band(top, height);
        match row {
            Some(row) => {
                for (cell, text) in cells.into_iter().zip(texts) {
                    let cell_element = self.element(row, StructRole::TH);
                    self.show_tagged(cell_element, text, &[cell]);
                }
            }
            None => self.show_artifact(&cells),
        }
        self.advance(height);
    }

    /// Lines of a label and an amount (« Total », « Reste à payer »…), kept together, the
    /// amounts aligned on the right edge of the tables; each line is a paragraph.
    pub fn totals(&mut self, lines: &[(&str, String, Style)]) {
        let amount_right = RIGHT - PADDING_X;
        let label_right = amount_right - TOTAL_AMOUNT_WIDTH - PADDING_X;
        let height: f32 = lines
            .iter()
            .map(|(_, _, style)| style.leading() + PADDING_Y)
            .sum();
        self.make_room(height + TOTALS_GAP);
        self.advance(TOTALS_GAP);
        for (label, amount, style) in lines {
            let top = self.y();
            let pieces = [
                Piece {
                    text: wrap(label, *style, label_right - LEFT, 1),
                    at: Placement::Right(label_right),
                    top,
                },
                Piece {
                    text: wrap(amount, *style, TOTAL_AMOUNT_WIDTH, 1),
                    at: Placement::Right(amount_right),
                    top,
                },
            ];
            let paragraph = self.element(self.root(), StructRole::P);
            self.show_tagged(paragraph, &format!("{label} : {amount}"), &pieces);
            self.advance(style.leading() + PADDING_Y);
        }
    }
}
