//! Rendering API v1 responses: a page of devices as `<Content><Items count=…>` XML, and the
//! `<Content><Error>` envelope. Written straight into one pre-sized String, with no whitespace
//! between elements, like the live API.

use std::fmt::Write;

use super::estate::{Device, Estate};
use super::options::DateFormat;
use super::schema::{self, Field, Item, Value};
use super::select::{Part, Selection};

const PROLOG: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;

/// Renders one page: `devices` are the page's devices, `total` the number matching the query
/// across all pages (the `count` attribute).
pub fn render_page(
    estate: &Estate,
    devices: &[Device],
    total: usize,
    selection: &Selection,
    dates: &DateFormat,
) -> String {
    let mut out = String::with_capacity(estimate(devices, selection));
    out.push_str(PROLOG);
    let _ = write!(out, r#"<Content><Items count="{total}">"#);
    for device in devices {
        render_device(&mut out, estate, device, selection, dates);
    }
    out.push_str("</Items></Content>");
    out
}

/// Renders the error envelope, e.g. for 400, 401 and 500 answers. Like the live API it has no
/// prolog and escapes quotes as `&#39;` and `&quot;`.
pub fn render_error(description: &str, code: u16) -> String {
    let mut out = String::with_capacity(80 + description.len());
    out.push_str("<Content><Error><Description>");
    escape_into(&mut out, description, true);
    let _ = write!(out, "</Description><Code>{code}</Code></Error></Content>");
    out
}

fn render_device(out: &mut String, estate: &Estate, device: &Device, selection: &Selection, dates: &DateFormat) {
    out.push_str("<Device>");
    for part in &selection.parts {
        match part {
            Part::Scalar(index) => {
                let field = &schema::DEVICE[*index];
                if let Some(value) = (field.get)(device) {
                    element(out, field.name, value, dates);
                }
            }
            Part::Child { item, attributes } => {
                let name = item.name();
                match item {
                    Item::Device => unreachable!("Device attributes are scalars"),
                    Item::InvDevice => {
                        child(out, name, Some(&device.inv_device), schema::INV_DEVICE, attributes, dates)
                    }
                    Item::InvOs => child(out, name, Some(&device.inv_os), schema::INV_OS, attributes, dates),
                    Item::InvSim => child(out, name, device.inv_sim.as_ref(), schema::INV_SIM, attributes, dates),
                    Item::User => child(out, name, device.user.as_ref(), schema::USER, attributes, dates),
                    Item::Location => child(out, name, device.location.as_ref(), schema::LOCATION, attributes, dates),
                    Item::Organization => {
                        child(out, name, device.organization.as_ref(), schema::ORGANIZATION, attributes, dates)
                    }
                    Item::Tag => {
                        list(out, *item, device.tags.iter().map(String::as_str), schema::TAG, attributes, dates)
                    }
                    Item::InvApplication => {
                        list(out, *item, estate.applications_of(device), schema::INV_APPLICATION, attributes, dates)
                    }
                    Item::InvStorage => {
                        list(out, *item, device.storages.iter(), schema::INV_STORAGE, attributes, dates)
                    }
                    // No data: nothing to render, as for an empty element.
                    Item::Bios
                    | Item::Client
                    | Item::Enrollment
                    | Item::Category
                    | Item::ReportedLocation
                    | Item::Security => {}
                }
            }
        }
    }
    out.push_str("</Device>");
}

/// A single-valued child item; left out when absent or when none of its selected values is.
fn child<T: ?Sized>(
    out: &mut String,
    name: &str,
    source: Option<&T>,
    fields: &[Field<T>],
    attributes: &[usize],
    dates: &DateFormat,
) {
    let Some(source) = source else { return };
    let start = out.len();
    out.push('<');
    out.push_str(name);
    out.push('>');
    let empty = out.len();
    for &index in attributes {
        let field = &fields[index];
        if let Some(value) = (field.get)(source) {
            element(out, field.name, value, dates);
        }
    }
    if out.len() == empty {
        out.truncate(start);
    } else {
        close(out, name);
    }
}

/// A list item inside its plural wrapper; the wrapper is left out when no entry renders.
fn list<'a, T: ?Sized + 'a>(
    out: &mut String,
    item: Item,
    entries: impl Iterator<Item = &'a T>,
    fields: &[Field<T>],
    attributes: &[usize],
    dates: &DateFormat,
) {
    let wrapper = item.wrapper().expect("list items have a wrapper");
    let start = out.len();
    out.push('<');
    out.push_str(wrapper);
    out.push('>');
    let empty = out.len();
    for entry in entries {
        child(out, item.name(), Some(entry), fields, attributes, dates);
    }
    if out.len() == empty {
        out.truncate(start);
    } else {
        close(out, wrapper);
    }
}

/// One attribute element; empty text is left out like a missing value.
fn element(out: &mut String, name: &str, value: Value<'_>, dates: &DateFormat) {
    if matches!(value, Value::Text("")) {
        return;
    }
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Text(text) => escape_into(out, text, false),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Time(time) => dates.write(out, time),
    }
    close(out, name);
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `text` with `&`, `<`, `>` (and with `quotes`, `'` and `"`) replaced by entities.
fn escape_into(out: &mut String, text: &str, quotes: bool) {
    let mut rest = text;
    while let Some(position) =
        rest.bytes().position(|byte| matches!(byte, b'&' | b'<' | b'>') || (quotes && matches!(byte, b'\'' | b'"')))
    {
        out.push_str(&rest[..position]);
        out.push_str(match rest.as_bytes()[position] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\'' => "&#39;",
            _ => "&quot;",
        });
        rest = &rest[position + 1..];
    }
    out.push_str(rest);
}

/// A generous guess of the page's length, so the String rarely grows.
fn estimate(devices: &[Device], selection: &Selection) -> usize {
    let mut per_device = 20;
    let mut per_application = 0;
    for part in &selection.parts {
        match part {
            Part::Scalar(_) => per_device += 48,
            Part::Child { item: Item::InvApplication, attributes } => per_application = 40 + 56 * attributes.len(),
            Part::Child { attributes, .. } => per_device += 24 + 56 * attributes.len(),
        }
    }
    let applications: usize =
        if per_application > 0 { devices.iter().map(|device| device.applications.len()).sum() } else { 0 };
    128 + devices.len() * per_device + applications * per_application
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miradore::estate::{Application, InvDevice, InvStorage, Platform, Timestamp, User};

    fn estate() -> Estate {
        let applications = vec![
            Application {
                name: "Tom & Jerry <Kids>".into(),
                version: Some("1.0".into()),
                identifier: None,
                size: Some(42),
            },
            Application { name: "Notes".into(), ..Application::default() },
        ];
        let device = Device {
            id: 7,
            platform: Platform::Ios,
            created: Timestamp::from_parts(2023, 7, 28, 13, 57, 54),
            inv_device: InvDevice {
                device_name: Some("Loaner’s iPhone “blue”".into()),
                serial_number: Some(String::new()),
                ..InvDevice::default()
            },
            user: Some(User {
                id: 3,
                name: Some("Åsa Öberg".into()),
                email: Some("o'brien@example.com".into()),
                ..User::default()
            }),
            tags: vec!["R&D".into()],
            applications: vec![0, 1],
            storages: vec![InvStorage { total_space: Some(128_000_000_000), ..InvStorage::default() }],
            ..Device::default()
        };
        Estate::new(applications, vec![device]).unwrap()
    }

    fn render(select: &str) -> String {
        let estate = estate();
        let selection = Selection::parse(select).unwrap();
        render_page(&estate, &estate.devices, 1, &selection, &DateFormat::default())
    }

    #[test]
    fn renders_in_select_order_with_escaping_and_wrappers() {
        assert_eq!(
            render(
                "ID,Created,InvDevice.DeviceName,User.Name,User.Email,Tag.Name,InvApplication.Name,InvApplication.Version"
            ),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><Content><Items count="1"><Device><ID>7</ID>"#,
                "<Created>28.07.2023 13:57:54</Created>",
                "<InvDevice><DeviceName>Loaner’s iPhone “blue”</DeviceName></InvDevice>",
                "<User><Name>Åsa Öberg</Name><Email>o'brien@example.com</Email></User>",
                "<Tags><Tag><Name>R&amp;D</Name></Tag></Tags>",
                "<InvApplications><InvApplication><Name>Tom &amp; Jerry &lt;Kids&gt;</Name><Version>1.0</Version></InvApplication>",
                "<InvApplication><Name>Notes</Name></InvApplication></InvApplications>",
                "</Device></Items></Content>"
            )
        );
    }

    #[test]
    fn leaves_out_empty_values_and_empty_children() {
        let xml = render(
            "InvDevice.SerialNumber,InvDevice.IMEI,Location.Name,InvApplication.Identifier,InvStorage.TotalSpace",
        );
        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><Content><Items count="1"><Device>"#,
                "<InvStorages><InvStorage><TotalSpace>128000000000</TotalSpace></InvStorage></InvStorages>",
                "</Device></Items></Content>"
            )
        );
    }

    #[test]
    fn renders_empty_pages_and_error_envelopes() {
        let estate = estate();
        let page = render_page(&estate, &[], 1, &Selection::default_set(), &DateFormat::default());
        assert!(page.ends_with(r#"<Content><Items count="1"></Items></Content>"#));
        assert_eq!(
            render_error("Entity 'InvApplication' does not have property 'Vendor'.", 400),
            "<Content><Error><Description>Entity &#39;InvApplication&#39; does not have property &#39;Vendor&#39;.</Description><Code>400</Code></Error></Content>"
        );
    }
}
