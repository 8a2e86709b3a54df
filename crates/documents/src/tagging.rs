//! The structure tree of a tagged PDF (RGAA 13.3): which heading, paragraph or table cell each
//! piece of page content belongs to, so screen readers and reflow read the document in order.
//!
//! Elements are recorded while pages are drawn and written out once page references are known.

use pdf_writer::types::{StructRole, TableHeaderScope};
use pdf_writer::writers::StructTreeRoot;
use pdf_writer::{Finish, Name, Pdf, Ref};

/// Index of an element in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ElementId(usize);

struct Element {
    role: StructRole,
    parent: Option<ElementId>,
    kids: Vec<Kid>,
}

enum Kid {
    Element(ElementId),
    /// A marked-content sequence: its page index and marked-content identifier.
    Content {
        page: usize,
        mcid: i32,
    },
}

pub(crate) struct StructTree {
    elements: Vec<Element>,
    /// For each page, the element owning each marked-content identifier (the index).
    owners_by_page: Vec<Vec<ElementId>>,
}

impl StructTree {
    /// A tree holding only the `Document` element, returned as the root to add to.
    pub fn new() -> (Self, ElementId) {
        let root = Element {
            role: StructRole::Document,
            parent: None,
            kids: Vec::new(),
        };
        (
            StructTree {
                elements: vec![root],
                owners_by_page: Vec::new(),
            },
            ElementId(0),
        )
    }

    pub fn add(&mut self, parent: ElementId, role: StructRole) -> ElementId {
        let id = ElementId(self.elements.len());
        self.elements.push(Element {
            role,
            parent: Some(parent),
            kids: Vec::new(),
        });
        if let Some(parent) = self.elements.get_mut(parent.0) {
            parent.kids.push(Kid::Element(id));
        }
        id
    }

    /// Gives `element` a new marked-content sequence on `page`; returns its identifier and
    /// tag, to write in the content stream.
    pub fn mark(&mut self, element: ElementId, page: usize) -> (i32, Name<'static>) {
        if self.owners_by_page.len() <= page {
            self.owners_by_page.resize_with(page + 1, Vec::new);
        }
        let owners = &mut self.owners_by_page[page];
        let mcid = i32::try_from(owners.len()).unwrap_or(i32::MAX);
        owners.push(element);
        let element = &mut self.elements[element.0];
        element.kids.push(Kid::Content { page, mcid });
        (mcid, element.role.to_name())
    }

    /// Writes the tree; page `i` must carry `/StructParents i`. Returns the root's reference,
    /// for the catalog.
    pub fn write(&self, pdf: &mut Pdf, next_ref: &mut Ref, page_refs: &[Ref]) -> Ref {
        let root_ref = next_ref.bump();
        let element_refs: Vec<Ref> = self.elements.iter().map(|_| next_ref.bump()).collect();
        let parent_arrays: Vec<Ref> = page_refs.iter().map(|_| next_ref.bump()).collect();
        let reference = |element: ElementId| element_refs[element.0];

        let mut root = pdf.indirect(root_ref).start::<StructTreeRoot>();
        root.child(reference(ElementId(0)));
        let mut parent_tree = root.parent_tree();
        let mut numbers = parent_tree.nums();
        for (page, &array) in parent_arrays.iter().enumerate() {
            numbers.insert(page_key(page), array);
        }
        numbers.finish();
        parent_tree.finish();
        root.parent_tree_next_key(page_key(page_refs.len()));
        root.finish();

        for (page, &array) in parent_arrays.iter().enumerate() {
            let owners = self.owners_by_page.get(page).map_or(&[][..], Vec::as_slice);
            pdf.indirect(array)
                .array()
                .items(owners.iter().map(|&owner| reference(owner)));
        }

        for (element, &id) in self.elements.iter().zip(&element_refs) {
            let mut written = pdf.struct_element(id);
            written.kind(element.role);
            written.parent(element.parent.map_or(root_ref, reference));
            if element.role == StructRole::TH {
                written
                    .attributes()
                    .push()
                    .table()
                    .scope(TableHeaderScope::Column);
            }
            let mut kids = written.children();
            for kid in &element.kids {
                match *kid {
                    Kid::Element(child) => {
                        kids.struct_element(reference(child));
                    }
                    Kid::Content { page, mcid } => {
                        let mut content = kids.marked_content_ref();
                        if let Some(&page_ref) = page_refs.get(page) {
                            content.page(page_ref);
                        }
                        content.marked_content_id(mcid);
                    }
                }
            }
        }
        root_ref
    }
}

/// Parent-tree key of a page: its index (documents have a few pages, never 2³¹).
pub(crate) fn page_key(page: usize) -> i32 {
    i32::try_from(page).unwrap_or(i32::MAX)
}
