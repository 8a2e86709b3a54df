//! What the base template needs on every page.

use ribambelle_store::portal::StructureSummary;

use crate::assets;

pub(crate) struct Layout {
    /// The page's own title; the browser tab shows it before the portal's name.
    pub title: String,
    pub structure: Option<StructureSummary>,
    pub css_url: String,
    pub favicon_url: String,
}

impl Layout {
    pub fn new(title: impl Into<String>, structure: Option<StructureSummary>) -> Layout {
        Layout { title: title.into(), structure, css_url: assets::url("app.css"), favicon_url: assets::url("favicon.svg") }
    }

    /// For pages shown before we know who is asking (errors).
    pub fn anonymous(title: impl Into<String>) -> Layout {
        Layout::new(title, None)
    }

    pub fn portal_name(&self) -> &str {
        self.structure.as_ref().map_or("Portail Famille", |s| s.name.as_str())
    }

    pub fn theme_url(&self) -> Option<String> {
        self.structure.as_ref().map(|s| format!("/theme/{}.css", s.slug))
    }
}
