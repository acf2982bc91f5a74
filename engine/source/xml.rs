//! Source stage: one Miradore API v1 response body (XML) -> a `Page` of JSON records.
//!
//! The format and its rules are documented for rule authors in `docs/records.md`. In short: elements
//! become object keys (local names), text stays text, empty elements are left out, plural list
//! wrappers (`Tags/Tag`) and repeated siblings become arrays, attributes other than `count` are
//! ignored. The parser streams over borrowed `quick-xml` events with a stack of open objects: no DOM.

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use serde_json::{Map, Value};

/// One JSON record: the fields of one item element (for example one `<Device>`).
pub type Record = Map<String, Value>;

/// One parsed response page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The `count` attribute of `Items` (or of `Content` when `Items` has none): the total number
    /// of items the query matches across all pages, not the number of records on this page.
    pub total: Option<u64>,
    /// One record per item element under `Content/Items`, in document order.
    pub records: Vec<Record>,
}

/// Why a response body did not give a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// Miradore answered with its error envelope `<Content><Error>…</Error></Content>`.
    #[error("Miradore returned error {}: {description}", code.map_or_else(|| "(no code)".to_owned(), |c| c.to_string()))]
    Envelope {
        /// The `Code` element (usually the HTTP status), when present and numeric.
        code: Option<u16>,
        /// The `Description` element, entities decoded; empty when missing.
        description: String,
    },
    /// The body is not a well-formed, complete Miradore v1 document.
    #[error("malformed Miradore response at byte {offset}: {message}")]
    Malformed {
        /// Byte offset into the body where the problem was found.
        offset: usize,
        /// What is wrong.
        message: String,
    },
}

/// Deeper nesting than this is refused: real records nest four levels, and a hostile body must not
/// make the recursive drop of `serde_json::Value` overflow the stack.
const MAX_DEPTH: usize = 64;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses one Miradore v1 response body into a [`Page`].
///
/// Errors: the error envelope gives [`PageError::Envelope`]; anything else that is not a complete
/// `<Content>` document with an `Items` element (bad XML, a body cut off before `</Content>`, a
/// different root element) gives [`PageError::Malformed`] with the byte offset.
pub fn parse_page(body: &[u8]) -> Result<Page, PageError> {
    // quick-xml skips a BOM but then counts positions after it; strip it here so offsets are the
    // body's own.
    let (base, xml) = match body.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, body),
    };
    let xml = match std::str::from_utf8(xml) {
        Ok(xml) => xml,
        Err(error) => {
            return Err(PageError::Malformed {
                offset: base + error.valid_up_to(),
                message: "the body is not valid UTF-8".to_owned(),
            });
        }
    };
    Parser::new(base, xml).run()
}

/// Where the parser is in the fixed `Content/Items/<Item>` skeleton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Before the root element.
    Prolog,
    /// Directly inside `Content`.
    Content,
    /// Directly inside `Items`.
    Items,
    /// Inside a record or the `Error` element: the frame stack is in use.
    Tree,
    /// Inside an element of `Content` that is neither `Items` nor `Error`, this many levels deep.
    Skip(usize),
    /// After `</Content>`.
    Done,
}

/// One open element whose value is being built.
struct Frame<'a> {
    name: &'a str,
    /// Text seen so far (borrowed while it is a single event).
    text: Cow<'a, str>,
    /// Fields from child elements (object mode).
    fields: Map<String, Value>,
    /// Values of child elements while this element may still be a plural list wrapper.
    items: Vec<Value>,
    /// `name` minus a trailing `s`, while every child element so far had that name.
    singular: Option<&'a str>,
    has_children: bool,
}

impl<'a> Frame<'a> {
    fn new(name: &'a str) -> Self {
        let singular = name.strip_suffix('s').filter(|s| !s.is_empty());
        Frame { name, text: Cow::Borrowed(""), fields: Map::new(), items: Vec::new(), singular, has_children: false }
    }

    fn push_text(&mut self, text: Cow<'a, str>) {
        if self.has_children {
            // Text between child elements (indentation, or mixed content) is not a value.
            return;
        }
        if self.text.is_empty() {
            self.text = text;
        } else {
            self.text.to_mut().push_str(&text);
        }
    }

    fn push_char(&mut self, c: char) {
        if !self.has_children {
            self.text.to_mut().push(c);
        }
    }

    /// Called when a child element starts: decides between list wrapper and object.
    fn child_started(&mut self, child: &str) {
        self.has_children = true;
        if self.singular.is_some_and(|s| s != child) {
            self.singular = None;
            let name = self.singular_name_of_items();
            for value in std::mem::take(&mut self.items) {
                insert_field(&mut self.fields, name, value);
            }
        }
    }

    /// The items collected so far all belong to the one child name the wrapper allowed.
    fn singular_name_of_items(&self) -> &'a str {
        self.name.strip_suffix('s').unwrap_or(self.name)
    }

    fn add_child(&mut self, name: &str, value: Value) {
        if self.singular.is_some() {
            self.items.push(value);
        } else {
            insert_field(&mut self.fields, name, value);
        }
    }

    /// The element's value, or `None` when it is empty and must be left out.
    fn finish(self) -> Option<Value> {
        if self.has_children {
            if self.singular.is_some() {
                (!self.items.is_empty()).then_some(Value::Array(self.items))
            } else {
                (!self.fields.is_empty()).then_some(Value::Object(self.fields))
            }
        } else if is_xml_whitespace(&self.text) {
            None
        } else {
            Some(Value::String(self.text.into_owned()))
        }
    }
}

/// Adds a field; a repeated name turns the field into an array (tolerance for lists without a
/// wrapper). A repeated wrapper appends its items to the same array.
fn insert_field(fields: &mut Map<String, Value>, name: &str, value: Value) {
    match fields.get_mut(name) {
        None => {
            fields.insert(name.to_owned(), value);
        }
        Some(Value::Array(existing)) => match value {
            Value::Array(more) => existing.extend(more),
            other => existing.push(other),
        },
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

fn is_xml_whitespace(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn local_name<'e>(start: &'e BytesStart<'_>) -> &'e str {
    let qualified: &str = start.name().0;
    qualified.rsplit_once(':').map_or(qualified, |(_, local)| local)
}

struct Parser<'a> {
    xml: &'a str,
    reader: Reader<&'a [u8]>,
    base: usize,
    place: Place,
    stack: Vec<Frame<'a>>,
    /// The frame stack holds the `Error` element, not a record.
    in_error: bool,
    content_count: Option<u64>,
    items_count: Option<u64>,
    seen_items: bool,
    records: Vec<Record>,
    /// Byte offset (within `xml`) where the current event starts.
    event_start: usize,
}

impl<'a> Parser<'a> {
    fn new(base: usize, xml: &'a str) -> Self {
        let mut reader = Reader::from_str(xml);
        // Never trim: the reader splits text at every entity reference, and trimming would eat
        // the spaces around `&#39;` in "Entity &#39;X&#39; does…". Whitespace is judged per element.
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;
        Parser {
            xml,
            reader,
            base,
            place: Place::Prolog,
            stack: Vec::with_capacity(8),
            in_error: false,
            content_count: None,
            items_count: None,
            seen_items: false,
            records: Vec::new(),
            event_start: 0,
        }
    }

    /// The local name of an element borrowed from the input, so frames cost no allocation.
    ///
    /// `BytesStart` only lends its name for the event's own lifetime; the reader sits on the `<`
    /// when the event starts, so the qualified name is the input right after it.
    fn name_of(&self, start: &BytesStart<'_>) -> Result<&'a str, PageError> {
        let qualified = start.name().0;
        let from = self.event_start + 1;
        let name = self
            .xml
            .get(from..from + qualified.len())
            .filter(|n| *n == qualified)
            .ok_or_else(|| self.malformed("internal: element name not found in the input"))?;
        Ok(name.rsplit_once(':').map_or(name, |(_, local)| local))
    }

    fn malformed(&self, message: impl Into<String>) -> PageError {
        PageError::Malformed { offset: self.base + self.event_start, message: message.into() }
    }

    fn run(mut self) -> Result<Page, PageError> {
        loop {
            self.event_start = position(self.reader.buffer_position());
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    // Encoding errors report position 0; never point before the event.
                    let at = position(self.reader.error_position()).max(self.event_start);
                    return Err(PageError::Malformed { offset: self.base + at, message: error.to_string() });
                }
            };
            match event {
                Event::Start(start) => self.open(&start, false)?,
                Event::Empty(start) => self.open(&start, true)?,
                Event::End(_) => {
                    if let Some(envelope) = self.close()? {
                        return Err(envelope);
                    }
                }
                Event::Text(text) => self.text(text.xml10_content())?,
                Event::CData(data) => self.text(data.xml10_content())?,
                Event::GeneralRef(reference) => self.reference(&reference)?,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
                Event::Eof => return self.finish(),
            }
        }
    }

    fn finish(self) -> Result<Page, PageError> {
        let at_end =
            |message: &str| PageError::Malformed { offset: self.base + self.event_start, message: message.to_owned() };
        match self.place {
            Place::Done if self.seen_items => {
                Ok(Page { total: self.items_count.or(self.content_count), records: self.records })
            }
            Place::Done => Err(at_end("`Content` holds neither `Items` nor `Error`")),
            Place::Prolog => Err(at_end("the body holds no XML element")),
            _ => Err(at_end("the body ends before `</Content>` (truncated response?)")),
        }
    }

    fn count_attribute(&self, start: &BytesStart<'_>) -> Result<Option<u64>, PageError> {
        let attribute = start.try_get_attribute("count").map_err(|e| self.malformed(e.to_string()))?;
        let Some(attribute) = attribute else {
            return Ok(None);
        };
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| self.malformed(e.to_string()))?;
        value.trim().parse::<u64>().map(Some).map_err(|_| self.malformed(format!("`count` is not a number: {value:?}")))
    }

    fn open(&mut self, start: &BytesStart<'a>, empty: bool) -> Result<(), PageError> {
        let name = local_name(start);
        match self.place {
            Place::Prolog => {
                if name != "Content" {
                    return Err(self.malformed(format!(
                        "the root element is `{}`, expected `Content` (not a Miradore v1 response)",
                        start.name().0
                    )));
                }
                self.content_count = self.count_attribute(start)?;
                self.place = if empty { Place::Done } else { Place::Content };
            }
            Place::Content => match name {
                "Items" => {
                    self.seen_items = true;
                    self.items_count = self.count_attribute(start)?;
                    if !empty {
                        self.place = Place::Items;
                    }
                }
                "Error" => {
                    self.in_error = true;
                    self.stack.push(Frame::new(self.name_of(start)?));
                    self.place = Place::Tree;
                    if empty {
                        return self.close().and_then(|e| e.map_or(Ok(()), Err));
                    }
                }
                _ if empty => {}
                _ => self.place = Place::Skip(1),
            },
            Place::Items => {
                if empty {
                    self.records.push(Map::new());
                } else {
                    self.stack.push(Frame::new(self.name_of(start)?));
                    self.place = Place::Tree;
                }
            }
            Place::Tree => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.malformed(format!("elements nest deeper than {MAX_DEPTH}")));
                }
                let parent = self.stack.last_mut().expect("a frame is open in Tree");
                parent.child_started(name);
                if !empty {
                    self.stack.push(Frame::new(self.name_of(start)?));
                }
            }
            Place::Skip(depth) => {
                if !empty {
                    self.place = Place::Skip(depth + 1);
                }
            }
            Place::Done => {
                return Err(self.malformed(format!("element `{}` after `</Content>`", start.name().0)));
            }
        }
        Ok(())
    }

    /// Closes the innermost open element; returns the envelope error when `</Error>` closes.
    fn close(&mut self) -> Result<Option<PageError>, PageError> {
        match self.place {
            Place::Content => self.place = Place::Done,
            Place::Items => self.place = Place::Content,
            Place::Skip(1) => self.place = Place::Content,
            Place::Skip(depth) => self.place = Place::Skip(depth - 1),
            Place::Tree => {
                let frame = self.stack.pop().expect("a frame is open in Tree");
                let name = frame.name;
                let value = frame.finish();
                if let Some(parent) = self.stack.last_mut() {
                    if let Some(value) = value {
                        parent.add_child(name, value);
                    }
                } else if self.in_error {
                    return Ok(Some(envelope(value)));
                } else {
                    self.place = Place::Items;
                    self.records.push(match value {
                        Some(Value::Object(fields)) => fields,
                        // A record that is a list wrapper or plain text: keep it addressable.
                        Some(other) => Map::from_iter([(name.to_owned(), other)]),
                        None => Map::new(),
                    });
                }
            }
            // The reader checks end names, so an end tag here has no start tag.
            Place::Prolog | Place::Done => return Err(self.malformed("unexpected end tag")),
        }
        Ok(None)
    }

    fn text(&mut self, text: Cow<'a, str>) -> Result<(), PageError> {
        match self.place {
            Place::Tree => {
                self.stack.last_mut().expect("a frame is open in Tree").push_text(text);
                Ok(())
            }
            Place::Done | Place::Prolog if !is_xml_whitespace(&text) => {
                Err(self.malformed("text outside the `Content` element"))
            }
            _ => Ok(()),
        }
    }

    fn reference(&mut self, reference: &BytesRef<'_>) -> Result<(), PageError> {
        let c = match reference.resolve_char_ref() {
            Ok(Some(c)) => c,
            Ok(None) => match &**reference {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "apos" => '\'',
                "quot" => '"',
                other => return Err(self.malformed(format!("unknown entity `&{other};`"))),
            },
            Err(e) => return Err(self.malformed(e.to_string())),
        };
        match self.place {
            Place::Tree => self.stack.last_mut().expect("a frame is open in Tree").push_char(c),
            Place::Prolog | Place::Done => {
                return Err(self.malformed("text outside the `Content` element"));
            }
            _ => {}
        }
        Ok(())
    }
}

fn envelope(value: Option<Value>) -> PageError {
    let mut fields = match value {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    let text = |value: Option<Value>| match value {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let description = text(fields.remove("Description"));
    let code = text(fields.remove("Code")).trim().parse::<u16>().ok();
    PageError::Envelope { code, description }
}

fn position(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records(xml: &str) -> Vec<Value> {
        let page = parse_page(xml.as_bytes()).expect("page parses");
        page.records.into_iter().map(Value::Object).collect()
    }

    fn one(device_inner: &str) -> Value {
        let xml = format!("<Content><Items count=\"1\"><Device>{device_inner}</Device></Items></Content>");
        let mut all = records(&xml);
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    fn malformed(xml: &[u8]) -> (usize, String) {
        match parse_page(xml) {
            Err(PageError::Malformed { offset, message }) => (offset, message),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// §4.1 of the Miradore reference: a real record, recorded 2026-08-26, byte for byte.
    const RECORDED: &str = r#"<?xml version="1.0" encoding="utf-8"?><Content><Items count="2"><Device><ID>21</ID><Platform>macOS</Platform><OSVersionName>macOS 11.5.2</OSVersionName><IPAddress>203.0.113.106</IPAddress><MACAddress>00:11:22:AA:00:21</MACAddress><InvDevice><DeviceName>Loaner's MacBook Pro</DeviceName><Manufacturer>Apple</Manufacturer><Model>Apple MacBookPro17,1</Model><SerialNumber>SN-MIR-0021</SerialNumber></InvDevice><InvOS><Platform>macOS</Platform><Version>11.5.2</Version></InvOS><Status>New</Status><User><Email>user3@example.com</Email></User><Security><PasscodeSet>Unknown</PasscodeSet><EncryptionStatus>Enabled</EncryptionStatus></Security><Enrollment><ID>314</ID><Created>28.07.2023 13:57:54</Created><Completed>28.07.2023 14:00:21</Completed><Type>EnrolledByMDM</Type></Enrollment><InvApplications><InvApplication><Name>FaceTime</Name><Version>5.0</Version><Identifier>com.apple.FaceTime</Identifier><Size>1</Size></InvApplication></InvApplications></Device><Device><ID>5</ID><Platform>macOS</Platform><Status>Deleted</Status><MACAddress>00:11:22:AA:00:22</MACAddress><InvDevice><DeviceName>retired-mac-05</DeviceName></InvDevice></Device></Items></Content>"#;

    #[test]
    fn recorded_sample() {
        let page = parse_page(RECORDED.as_bytes()).unwrap();
        assert_eq!(page.total, Some(2));
        let got: Vec<Value> = page.records.into_iter().map(Value::Object).collect();
        let expected = vec![
            json!({
                "ID": "21",
                "Platform": "macOS",
                "OSVersionName": "macOS 11.5.2",
                "IPAddress": "203.0.113.106",
                "MACAddress": "00:11:22:AA:00:21",
                "InvDevice": {
                    "DeviceName": "Loaner's MacBook Pro",
                    "Manufacturer": "Apple",
                    "Model": "Apple MacBookPro17,1",
                    "SerialNumber": "SN-MIR-0021"
                },
                "InvOS": { "Platform": "macOS", "Version": "11.5.2" },
                "Status": "New",
                "User": { "Email": "user3@example.com" },
                "Security": { "PasscodeSet": "Unknown", "EncryptionStatus": "Enabled" },
                "Enrollment": {
                    "ID": "314",
                    "Created": "28.07.2023 13:57:54",
                    "Completed": "28.07.2023 14:00:21",
                    "Type": "EnrolledByMDM"
                },
                "InvApplications": [
                    { "Name": "FaceTime", "Version": "5.0", "Identifier": "com.apple.FaceTime", "Size": "1" }
                ]
            }),
            json!({
                "ID": "5",
                "Platform": "macOS",
                "Status": "Deleted",
                "MACAddress": "00:11:22:AA:00:22",
                "InvDevice": { "DeviceName": "retired-mac-05" }
            }),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn envelope_unknown_attribute_with_char_refs() {
        let body = b"<Content><Error><Description>Entity &#39;InvApplication&#39; does not have property &#39;Vendor&#39;.</Description><Code>400</Code></Error></Content>";
        assert_eq!(
            parse_page(body),
            Err(PageError::Envelope {
                code: Some(400),
                description: "Entity 'InvApplication' does not have property 'Vendor'.".into(),
            })
        );
    }

    #[test]
    fn envelope_bad_key() {
        let body =
            b"<Content><Error><Description>Authentication failed</Description><Code>401</Code></Error></Content>";
        let error = parse_page(body).unwrap_err();
        assert_eq!(error, PageError::Envelope { code: Some(401), description: "Authentication failed".into() });
        assert_eq!(error.to_string(), "Miradore returned error 401: Authentication failed");
    }

    #[test]
    fn envelope_without_numeric_code() {
        let body = b"<Content><Error><Description>Internal server error</Description><Code>x</Code></Error></Content>";
        assert_eq!(
            parse_page(body),
            Err(PageError::Envelope { code: None, description: "Internal server error".into() })
        );
    }

    #[test]
    fn entities_and_unicode() {
        let device = one("<A>Loaner\u{2019}s &#x2019;x&#8217; &amp; &lt;b&gt; &quot;q&quot; &apos;</A>\
             <B>Jyv\u{e4}skyl\u{e4} \u{65e5}\u{672c} \u{1f600}</B><C><![CDATA[a < b & c]]></C>");
        assert_eq!(
            device,
            json!({
                "A": "Loaner\u{2019}s \u{2019}x\u{2019} & <b> \"q\" '",
                "B": "Jyv\u{e4}skyl\u{e4} \u{65e5}\u{672c} \u{1f600}",
                "C": "a < b & c"
            })
        );
    }

    #[test]
    fn text_stays_text() {
        assert_eq!(
            one("<ID>0021</ID><Flag>true</Flag><Size>1.50</Size><Pad> x </Pad>"),
            json!({ "ID": "0021", "Flag": "true", "Size": "1.50", "Pad": " x " })
        );
    }

    #[test]
    fn one_element_wrappers_are_arrays() {
        assert_eq!(
            one("<Tags><Tag><Name>a</Name></Tag></Tags>\
                 <InvStorages><InvStorage><Type>Internal</Type></InvStorage></InvStorages>\
                 <Widgets><Widget>w</Widget></Widgets>"),
            json!({
                "Tags": [{ "Name": "a" }],
                "InvStorages": [{ "Type": "Internal" }],
                "Widgets": ["w"]
            })
        );
    }

    #[test]
    fn plural_name_with_other_children_is_an_object() {
        assert_eq!(
            one("<Settings><Mode>x</Mode><Level>1</Level></Settings><Items2s><Items2>a</Items2><B>b</B></Items2s>"),
            json!({ "Settings": { "Mode": "x", "Level": "1" }, "Items2s": { "Items2": "a", "B": "b" } })
        );
        // A status-like leaf that ends in `s` stays text.
        assert_eq!(one("<Status>Active</Status>"), json!({ "Status": "Active" }));
    }

    #[test]
    fn empty_elements_are_left_out() {
        assert_eq!(
            one("<A/><B></B><C>  \n\t </C><User><Email/></User><Tags></Tags><InvApplications/>\
                 <Tags2s/><D>x</D><Tags><Tag/><Tag><Name/></Tag></Tags>"),
            json!({ "D": "x" })
        );
    }

    #[test]
    fn empty_items_in_a_wrapper_are_dropped() {
        assert_eq!(one("<Tags><Tag/><Tag><Name>b</Name></Tag></Tags>"), json!({ "Tags": [{ "Name": "b" }] }));
    }

    #[test]
    fn namespaces_are_ignored() {
        let xml = r#"<Content xmlns="http://www.online.miradore.com/xmlns/api/1.0"><Items count="1"><Device><ID>1</ID><m:InvDevice xmlns:m="urn:x"><m:SerialNumber>S1</m:SerialNumber></m:InvDevice></Device></Items></Content>"#;
        assert_eq!(records(xml), vec![json!({ "ID": "1", "InvDevice": { "SerialNumber": "S1" } })]);
    }

    #[test]
    fn count_on_content() {
        let page = parse_page(br#"<Content count="7"><Items><Device><ID>1</ID></Device></Items></Content>"#).unwrap();
        assert_eq!(page.total, Some(7));
        let page = parse_page(br#"<Content count="7"><Items count="3"></Items></Content>"#).unwrap();
        assert_eq!(page.total, Some(3));
        let page = parse_page(b"<Content><Items><Device><ID>1</ID></Device></Items></Content>").unwrap();
        assert_eq!(page.total, None);
    }

    #[test]
    fn empty_pages() {
        for body in [
            "<Content><Items/></Content>",
            "<Content><Items count=\"0\"/></Content>",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Content><Items count=\"0\"></Items></Content>",
            "\u{feff}<Content>\n  <Items count=\"0\">\n  </Items>\n</Content>\n",
        ] {
            let page = parse_page(body.as_bytes()).unwrap();
            assert!(page.records.is_empty(), "{body}");
        }
        assert_eq!(parse_page(b"<Content><Items/></Content>").unwrap().total, None);
    }

    #[test]
    fn pretty_printed_with_prolog_and_comments() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- page 1 -->\n<Content>\n  <Items count=\"1\">\n    <Device>\n      <ID>1</ID>\r\n      <Tags>\n        <Tag><Name>a</Name></Tag>\n      </Tags>\n    </Device>\n  </Items>\n</Content>\n";
        assert_eq!(records(xml), vec![json!({ "ID": "1", "Tags": [{ "Name": "a" }] })]);
    }

    #[test]
    fn repeated_siblings_become_arrays() {
        assert_eq!(
            one("<Tag><Name>a</Name></Tag><ID>1</ID><Tag><Name>b</Name></Tag><Tag><Name>c</Name></Tag>"),
            json!({ "Tag": [{ "Name": "a" }, { "Name": "b" }, { "Name": "c" }], "ID": "1" })
        );
        assert_eq!(one("<Tags><Tag>a</Tag></Tags><Tags><Tag>b</Tag></Tags>"), json!({ "Tags": ["a", "b"] }));
    }

    #[test]
    fn other_item_names_and_empty_item() {
        let xml = "<Content><Items count=\"2\"><User><Email>a@b</Email></User><User/></Items></Content>";
        assert_eq!(records(xml), vec![json!({ "Email": "a@b" }), json!({})]);
    }

    #[test]
    fn attributes_are_ignored() {
        assert_eq!(one("<ID kind=\"int\">3</ID><X a=\"1\"/>"), json!({ "ID": "3" }));
    }

    #[test]
    fn unknown_content_children_are_skipped() {
        let xml =
            "<Content><Meta><A><B>x</B></A></Meta><Items count=\"1\"><Device><ID>1</ID></Device></Items></Content>";
        assert_eq!(records(xml), vec![json!({ "ID": "1" })]);
    }

    #[test]
    fn truncated_bodies_are_errors_with_offsets() {
        let full = RECORDED.as_bytes();
        // Cut inside an element's text, inside a tag, and right before `</Content>`.
        let inside_text = RECORDED.find("SN-MIR").unwrap() + 3;
        let (offset, message) = malformed(&full[..inside_text]);
        assert!(offset <= inside_text, "{offset} {message}");
        assert!(message.contains("</Content>"), "{message}");

        let inside_tag = RECORDED.find("<InvOS>").unwrap() + 4;
        let (offset, _) = malformed(&full[..inside_tag]);
        assert_eq!(offset, inside_tag - 4);

        let before_end = RECORDED.len() - "</Content>".len();
        let (offset, message) = malformed(&full[..before_end]);
        assert_eq!(offset, before_end);
        assert!(message.contains("truncated"), "{message}");

        // Every prefix fails; none gives a shorter page.
        for cut in 0..full.len() {
            assert!(parse_page(&full[..cut]).is_err(), "prefix of {cut} bytes parsed");
        }
    }

    /// Whatever a server or a proxy garbles, the parser answers with a page or an error: it
    /// never panics (bytes flipped, dropped, duplicated, in a fixed pseudo-random sequence).
    #[test]
    fn garbled_bodies_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut random = rand::rngs::StdRng::seed_from_u64(17);
        let original = RECORDED.as_bytes();
        for _ in 0..3_000 {
            let mut body = original.to_vec();
            for _ in 0..random.random_range(1..8) {
                let at = random.random_range(0..body.len());
                match random.random_range(0..4) {
                    0 => body[at] = random.random(),
                    1 => body[at] = b"<>/&;\"="[random.random_range(0..7)],
                    2 => {
                        body.remove(at);
                    }
                    _ => {
                        let end = (at + random.random_range(1..40)).min(body.len());
                        let copy = body[at..end].to_vec();
                        body.splice(at..at, copy);
                    }
                }
            }
            let _ = parse_page(&body);
        }
    }

    #[test]
    fn malformed_bodies() {
        let (offset, message) = malformed(b"<html><body>Bad gateway</body></html>");
        assert_eq!(offset, 0);
        assert!(message.contains("`html`") && message.contains("Content"), "{message}");

        let (offset, message) = malformed(b"<Content><Items><Device><ID>1</Id></Device></Items></Content>");
        assert_eq!(offset, 29); // the `</Id>` tag
        assert!(message.contains("ID"), "{message}");

        let (_, message) = malformed(b"");
        assert!(message.contains("no XML element"), "{message}");
        let (_, message) = malformed(b"<Content></Content>");
        assert!(message.contains("neither"), "{message}");
        let (offset, _) = malformed(b"<Content><Items><Device><A>\xff</A></Device></Items></Content>");
        assert_eq!(offset, 27);
        let (_, message) = malformed(b"<Content><Items><Device><A>&nbsp;</A></Device></Items></Content>");
        assert!(message.contains("&nbsp;"), "{message}");
        let (_, message) = malformed(b"<Content><Items count=\"many\"/></Content>");
        assert!(message.contains("count"), "{message}");
        let (_, message) = malformed(b"<Content><Items/></Content><Content/>");
        assert!(message.contains("after"), "{message}");
        let deep = format!("<Content><Items><D>{}</D></Items></Content>", "<a>".repeat(100));
        let (_, message) = malformed(deep.as_bytes());
        assert!(message.contains("deeper"), "{message}");
    }

    /// Throughput on a realistic page; run with
    /// `cargo test --release --lib xml::tests::throughput -- --ignored --nocapture`.
    #[test]
    #[ignore = "benchmark"]
    fn throughput() {
        for (apps, label) in [(40, "40 apps"), (250, "250 apps")] {
            let page = sample_page(25, apps);
            let rounds = (200_000_000 / page.len()).max(3);
            let started = std::time::Instant::now();
            let mut records = 0;
            for _ in 0..rounds {
                records += parse_page(page.as_bytes()).unwrap().records.len();
            }
            let seconds = started.elapsed().as_secs_f64();
            let mb = (page.len() * rounds) as f64 / 1e6;
            println!(
                "{label}: record {} KB, {:.0} MB/s, {:.1} µs/record",
                page.len() / 25 / 1024,
                mb / seconds,
                seconds * 1e6 / records as f64
            );
        }
    }

    /// A page of `devices` devices shaped like §4.6 with `apps` applications each.
    pub(crate) fn sample_page(devices: usize, apps: usize) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><Content><Items count=\"1000\">");
        for d in 0..devices {
            xml.push_str(&format!(
                "<Device><ID>{d}</ID><Platform>macOS</Platform><OSVersionName>macOS 14.5</OSVersionName><IPAddress>203.0.113.{d}</IPAddress><MACAddress>00:11:22:AA:00:{d:02}</MACAddress><Status>Active</Status><OnlineStatus>Active</OnlineStatus><LastReported>17.08.2026 09:15:00</LastReported><Created>04.01.2025 08:00:00</Created><InvDevice><DeviceName>Loaner&#39;s MacBook {d}</DeviceName><Manufacturer>Apple</Manufacturer><Model>Apple MacBookPro17,1</Model><SerialNumber>SN-MIR-{d:04}</SerialNumber><WiFiMAC>00:11:22:AA:01:{d:02}</WiFiMAC></InvDevice><InvOS><Platform>macOS</Platform><Version>14.5</Version><Build>23F79</Build></InvOS><User><Name>Fixture User</Name><Email>user{d}@example.com</Email></User><Location><Name>Helsinki</Name></Location><Tags><Tag><Name>field</Name></Tag><Tag><Name>kiosk</Name></Tag></Tags><InvApplications>"
            ));
            for a in 0..apps {
                xml.push_str(&format!(
                    "<InvApplication><Name>Application number {a}</Name><Version>{a}.2.{d}</Version><Identifier>com.example.vendor.application{a}</Identifier><Size>{}</Size></InvApplication>",
                    a * 1024
                ));
            }
            xml.push_str("</InvApplications><InvStorages><InvStorage><TotalSpace>128000000000</TotalSpace><FreeSpace>64000000000</FreeSpace><Type>Internal</Type></InvStorage></InvStorages></Device>");
        }
        xml.push_str("</Items></Content>");
        xml
    }
}
