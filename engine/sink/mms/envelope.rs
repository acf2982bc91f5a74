//! Sink: the MMS error envelope, `<Response MDVersion=".." StatusCode=".."><Error>
//! <StatusCode/><Description/><Details/></Error></Response>`. Only read for words to show:
//! decisions go by the HTTP status and the `X-MMS-Error` header, never by this text.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The texts of an error envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Envelope {
    /// The HTTP reason phrase, e.g. `Forbidden`.
    pub description: Option<String>,
    /// Human text for logs.
    pub details: Option<String>,
}

impl Envelope {
    /// The most telling text: `Details`, else `Description`.
    pub fn text(&self) -> Option<&str> {
        self.details.as_deref().or(self.description.as_deref()).filter(|text| !text.trim().is_empty())
    }
}

/// Reads an envelope; `None` when the body is not one (not XML, or another root element).
pub(super) fn parse(body: &[u8]) -> Option<Envelope> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut path: Vec<String> = Vec::new();
    let mut envelope = Envelope::default();
    let mut current = String::new();
    let mut seen_root = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_string();
                if path.is_empty() && name != "Response" {
                    return None;
                }
                seen_root = true;
                path.push(name);
                current.clear();
            }
            Event::Empty(start) if path.is_empty() => {
                return (start.local_name().as_ref() == "Response").then_some(envelope);
            }
            Event::Text(text) => current.push_str(&text.xml10_content()),
            Event::CData(data) => current.push_str(&data.xml10_content()),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => current.push(c),
                _ => current.push(match &*reference {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "apos" => '\'',
                    "quot" => '"',
                    _ => '?',
                }),
            },
            Event::End(_) => {
                if path.len() == 3 && path[1] == "Error" {
                    let value = Some(std::mem::take(&mut current));
                    match path[2].as_str() {
                        "Description" => envelope.description = value,
                        "Details" => envelope.details = value,
                        _ => {}
                    }
                }
                path.pop();
                current.clear();
            }
            // The root was `Response` (checked at its start), so whatever was read is the envelope.
            Event::Eof => return seen_root.then_some(envelope),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_details_with_entities() {
        let body = br#"<Response MDVersion="3.5.0" StatusCode="403"><Error><StatusCode>403</StatusCode><Description>Forbidden</Description><Details>Connector 'm' is not authorized: set it Active in System Settings &gt; Connectors</Details></Error></Response>"#;
        let envelope = parse(body).unwrap();
        assert_eq!(envelope.description.as_deref(), Some("Forbidden"));
        assert_eq!(
            envelope.details.as_deref(),
            Some("Connector 'm' is not authorized: set it Active in System Settings > Connectors")
        );
    }

    #[test]
    fn other_bodies_are_not_envelopes() {
        assert_eq!(parse(b"<html><body>Bad gateway</body></html>"), None);
        assert_eq!(parse(b"{\"results\": []}").and_then(|e| e.text().map(String::from)), None);
    }
}
