//! A fiche's fields as the form shows them: the same description drives every fiche, so a
//! field is labelled, hinted, marked required and given its error message in one place.

use ribambelle_domain::dossier::{Field, FieldError, FieldKind, Values, display_value};

/// One field, ready for the template.
pub(crate) struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// « text », « tel », « email », « textarea », « select », « yesno ».
    pub control: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub value: String,
    pub options: &'static [&'static str],
    pub error: Option<String>,
}

impl FieldView {
    /// The ids of the hint and message, under the form's id `prefix`.
    pub fn described_by(&self, prefix: &str) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{prefix}{}-aide", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{prefix}{}-erreur", self.name));
        }
        ids.join(" ")
    }

    pub fn is(&self, option: &str) -> bool {
        self.value == option
    }
}

/// The fields of a fiche with `values` (as stored, or as just typed) and `errors`.
pub(crate) fn views(
    fields: &'static [Field],
    values: &Values,
    errors: &[FieldError],
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| {
            let (control, inputmode, options) = match f.kind {
                FieldKind::Text => ("text", "text", &[][..]),
                FieldKind::Date => ("text", "numeric", &[][..]),
                FieldKind::Postcode | FieldKind::Number => ("text", "numeric", &[][..]),
                FieldKind::LongText => ("textarea", "text", &[][..]),
                FieldKind::Phone => ("tel", "tel", &[][..]),
                FieldKind::Email => ("email", "email", &[][..]),
                FieldKind::Choice(options) => ("select", "text", options),
                FieldKind::YesNo => ("yesno", "text", &[][..]),
            };
            FieldView {
                name: f.name,
                label: f.label,
                hint: f.hint,
                control,
                inputmode,
                autocomplete: f.autocomplete,
                required: f.required,
                value: values
                    .get(f.name)
                    .map(|v| display_value(f, v))
                    .unwrap_or_default(),
                options,
                error: errors
                    .iter()
                    .find(|e| e.field == f.name)
                    .map(|e| e.message.clone()),
            }
        })
        .collect()
}

/// A stored value as the read-only fiche shows it.
pub(crate) fn shown(f: &Field, values: &Values) -> String {
    match values.get(f.name) {
        Some(v) if v == "oui" && f.kind == FieldKind::YesNo => "Oui".to_owned(),
        Some(v) if v == "non" && f.kind == FieldKind::YesNo => "Non".to_owned(),
        Some(v) => display_value(f, v),
        None => "Non renseigné".to_owned(),
    }
}
