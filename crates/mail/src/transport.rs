use std::path::PathBuf;

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use ribambelle_store::outbox::QueuedMail;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {address:?}: {reason}")]
    Address { address: String, reason: String },
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the .eml file: {0}")]
    File(#[from] lettre::transport::file::Error),
    #[error("creating the outbox folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing the HTML preview {path}: {source}")]
    Preview {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text; only for a relay on the same machine or a test sink.
    None,
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Clone, Debug)]
pub enum TransportSettings {
    /// Write each mail as `<folder>/<uuid>.eml`, and its HTML part, if any, beside it as
    /// `<uuid>.html` to be opened in a browser.
    Folder(PathBuf),
    Smtp(SmtpSettings),
}

/// Where mails go, with the sender address they carry.
#[derive(Clone)]
pub struct Transport {
    from: Mailbox,
    kind: Kind,
    /// The portal's address, under every mail: a family reads a mail and acts on the
    /// portal (cancel a waiting place, pay an invoice, complete a fiche).
    portal_url: Option<String>,
}

#[derive(Clone)]
enum Kind {
    Folder {
        path: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn new(from: &str, settings: &TransportSettings) -> Result<Transport, MailError> {
        let from: Mailbox = parse_mailbox(from)?;
        let kind = match settings {
            TransportSettings::Folder(path) => {
                std::fs::create_dir_all(path).map_err(|source| MailError::Folder {
                    path: path.clone(),
                    source,
                })?;
                Kind::Folder {
                    path: path.clone(),
                    transport: AsyncFileTransport::new(path),
                }
            }
            TransportSettings::Smtp(smtp) => Kind::Smtp(smtp_transport(smtp)?),
        };
        Ok(Transport {
            from,
            kind,
            portal_url: None,
        })
    }

    /// Every mail ends with a link to the portal at `url`.
    pub fn with_portal_link(mut self, url: &str) -> Transport {
        self.portal_url = Some(url.to_owned());
        self
    }

    /// The mail's parts with the portal's address at their end.
    fn bodies(&self, mail: &QueuedMail) -> (String, Option<String>) {
        let Some(url) = &self.portal_url else {
            return (mail.body_text.clone(), mail.body_html.clone());
        };
        let text = format!(
            "{}\n\n--\nPortail Famille : {url}\n",
            mail.body_text.trim_end()
        );
        let html = mail.body_html.as_ref().map(|html| {
            // The address is the portal's own configuration, escaped all the same: it lands
            // in an attribute.
            let url = url
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            let footer = format!("<p>Portail Famille : <a href=\"{url}\">{url}</a></p>\n");
            match html.rfind("</body>") {
                Some(end) => format!("{}{footer}{}", &html[..end], &html[end..]),
                None => format!("{html}{footer}"),
            }
        });
        (text, html)
    }

    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Folder { .. } => "dossier de fichiers .eml".to_owned(),
            Kind::Smtp(_) => "SMTP".to_owned(),
        }
    }

    pub async fn deliver(&self, mail: &QueuedMail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match &self.kind {
            Kind::Folder { path, transport } => {
                let id = transport.send(message).await?;
                if let (_, Some(html)) = self.bodies(mail) {
                    let path = path.join(format!("{id}.html"));
                    tokio::fs::write(&path, html)
                        .await
                        .map_err(|source| MailError::Preview { path, source })?;
                }
            }
            Kind::Smtp(t) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }

    fn message(&self, mail: &QueuedMail) -> Result<Message, MailError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(&mail.subject);
        for address in &mail.recipients {
            builder = builder.to(parse_mailbox(address)?);
        }
        let (text, html) = self.bodies(mail);
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(text);
        let message = match html {
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
            )?,
            None => builder.singlepart(text)?,
        };
        Ok(message)
    }
}

fn parse_mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address {
            address: address.to_owned(),
            reason: e.to_string(),
        })
}

fn smtp_transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let mut builder = match s.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
    }
    .port(s.port)
    .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}
