//! SOAP 1.1 envelopes of the PayFiP web-service, for the client and the simulated bank.
//!
//! They are written from a string template, since the schema is tiny and the children of
//! `arg0` and `return` carry no namespace, and read with quick-xml by local names, so that
//! whatever prefixes the other side picks do not matter.

use std::fmt::Write;

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;

/// The namespace of the operation elements.
const NS: &str = "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService";

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>"#;
const TAIL: &str = "</soap-env:Body></soap-env:Envelope>";

/// An envelope whose body is `operation` holding `wrapper` (`arg0` in a request, `return` in
/// a response) holding `fields`. Names are the protocol's constants; values are escaped.
pub(crate) fn envelope(operation: &str, wrapper: &str, fields: &[(&str, &str)]) -> String {
    let mut xml = format!(r#"{HEAD}<ns0:{operation} xmlns:ns0="{NS}"><{wrapper}>"#);
    for (name, value) in fields {
        // Writing to a String cannot fail.
        let _ = write!(xml, "<{name}>{}</{name}>", escape(*value));
    }
    let _ = write!(xml, "</{wrapper}></ns0:{operation}>{TAIL}");
    xml
}

/// A functional error, as PayFiP's JAX-WS stack reports it.
pub(crate) fn fault(code: &str, libelle: &str) -> String {
    format!(
        "{HEAD}<soap-env:Fault><faultcode>soap-env:Server</faultcode>\
         <faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>\
         <detail><ns0:FonctionnelleErreur xmlns:ns0=\"{NS}\"><code>{}</code><descriptif/>\
         <libelle>{}</libelle><severite>2</severite></ns0:FonctionnelleErreur></detail>\
         </soap-env:Fault>{TAIL}",
        escape(code),
        escape(libelle)
    )
}

/// The body of an envelope: the local name of its element (an operation, its response or
/// `Fault`) and every leaf element below it, in document order.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) operation: String,
    leaves: Vec<(String, String)>,
}

impl Body {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.leaves
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn is_fault(&self) -> bool {
        self.operation == "Fault"
    }
}

pub(crate) fn parse(xml: &str) -> Result<Body, String> {
    let mut reader = Reader::from_str(xml);
    // `<descriptif/>` is then a leaf with an empty value like any other.
    reader.config_mut().expand_empty_elements = true;
    // (local name, has child elements) of each open element.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut text = String::new();
    let mut body_depth = None;
    let mut operation: Option<(String, usize)> = None;
    let mut leaves = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if let Some(parent) = open.last_mut() {
                    parent.1 = true;
                }
                let depth = open.len();
                if body_depth.is_none() && depth == 1 && name == "Body" {
                    body_depth = Some(depth);
                } else if operation.is_none() && body_depth.is_some_and(|b| depth == b + 1) {
                    operation = Some((name.clone(), depth));
                }
                open.push((name, false));
                text.clear();
            }
            Event::End(_) => {
                let (name, has_children) = open.pop().ok_or("unbalanced end tag")?;
                if !has_children && operation.as_ref().is_some_and(|(_, d)| open.len() > *d) {
                    leaves.push((name, text.trim().to_owned()));
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(c) => text.push_str(&c),
            Event::GeneralRef(r) => match r.resolve_char_ref().map_err(|e| e.to_string())? {
                Some(c) => text.push(c),
                None => text.push_str(
                    resolve_predefined_entity(&r)
                        .ok_or_else(|| format!("unknown entity &{};", &*r))?,
                ),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let (operation, _) = operation.ok_or("no SOAP body")?;
    Ok(Body { operation, leaves })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_read_back() {
        let objet = r#"Cantine <mars> & "goûters" d'avril"#;
        let xml = envelope(
            "creerPaiementSecurise",
            "arg0",
            &[("objet", objet), ("refdet", "A1")],
        );
        assert!(xml.contains(
            "<objet>Cantine &lt;mars&gt; &amp; &quot;goûters&quot; d&apos;avril</objet>"
        ));
        let body = parse(&xml).unwrap();
        assert_eq!(body.operation, "creerPaiementSecurise");
        assert_eq!(body.get("objet"), Some(objet));
        assert_eq!(body.get("refdet"), Some("A1"));
    }

    #[test]
    fn reads_a_response_whatever_the_prefixes() {
        let xml = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
 <ns2:creerPaiementSecuriseResponse xmlns:ns2="NS"><return><idOp>cc0cb210-1cd4-11ea-8cca-0213ad91a103</idOp></return>
 </ns2:creerPaiementSecuriseResponse></S:Body></S:Envelope>"#;
        let body = parse(xml).unwrap();
        assert_eq!(body.operation, "creerPaiementSecuriseResponse");
        assert_eq!(
            body.get("idOp"),
            Some("cc0cb210-1cd4-11ea-8cca-0213ad91a103")
        );
        assert!(!body.is_fault());
    }

    #[test]
    fn reads_a_fault_with_its_code_and_libelle() {
        let body = parse(&fault("A2", "Adresse mél incorrecte")).unwrap();
        assert!(body.is_fault());
        assert_eq!(body.get("code"), Some("A2"));
        assert_eq!(body.get("libelle"), Some("Adresse mél incorrecte"));
        assert_eq!(body.get("descriptif"), Some(""));
    }

    #[test]
    fn character_references_are_resolved() {
        let xml = r#"<e:Envelope xmlns:e="x"><e:Body><op><arg0><objet>a&#233;b&#x20;c</objet></arg0></op></e:Body></e:Envelope>"#;
        assert_eq!(parse(xml).unwrap().get("objet"), Some("aéb c"));
    }

    #[test]
    fn rejects_what_is_not_a_soap_envelope() {
        assert!(parse("<html><body>502 Bad Gateway</body></html>").is_err());
        assert!(parse("not xml at all").is_err());
        assert!(parse(r#"<e:Envelope xmlns:e="x"><e:Body><op></e:Body></e:Envelope>"#).is_err());
    }
}
