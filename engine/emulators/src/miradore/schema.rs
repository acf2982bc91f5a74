//! The schema the emulator knows: which items a Device has and which attributes each item has,
//! with the accessor that reads each attribute from the estate's structs.

use super::estate::{
    Application, Device, InvDevice, InvOs, InvSim, InvStorage, Location, Organization, Timestamp, User,
};

/// One attribute value, borrowed from the estate; rendered without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Text(&'a str),
    Number(u64),
    Time(Timestamp),
}

/// An attribute of an item of type `T`: its API name and how to read it.
pub(crate) struct Field<T: ?Sized> {
    pub name: &'static str,
    pub get: for<'a> fn(&'a T) -> Option<Value<'a>>,
}

/// The items reachable from a Device: the Device itself, its single-valued child items and its
/// list-valued child items (rendered inside a plural wrapper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    Device,
    InvDevice,
    InvOs,
    InvSim,
    User,
    Location,
    Organization,
    Tag,
    InvApplication,
    InvStorage,
    /// Documented items the emulator generates no data for: accepted in `select`, and left out
    /// of the records as the API leaves out empty elements.
    Bios,
    Client,
    Enrollment,
    Category,
    ReportedLocation,
    Security,
}

impl Item {
    /// Every child item, in the order `select=*`-style listings show them.
    pub const CHILDREN: [Item; 15] = [
        Item::InvDevice,
        Item::InvOs,
        Item::InvSim,
        Item::User,
        Item::Location,
        Item::Organization,
        Item::Tag,
        Item::InvApplication,
        Item::InvStorage,
        Item::Bios,
        Item::Client,
        Item::Enrollment,
        Item::Category,
        Item::ReportedLocation,
        Item::Security,
    ];

    /// The element name (and the entity name in error messages).
    pub fn name(self) -> &'static str {
        match self {
            Item::Device => "Device",
            Item::InvDevice => "InvDevice",
            Item::InvOs => "InvOS",
            Item::InvSim => "InvSim",
            Item::User => "User",
            Item::Location => "Location",
            Item::Organization => "Organization",
            Item::Tag => "Tag",
            Item::InvApplication => "InvApplication",
            Item::InvStorage => "InvStorage",
            Item::Bios => "BIOS",
            Item::Client => "Client",
            Item::Enrollment => "Enrollment",
            Item::Category => "Category",
            Item::ReportedLocation => "ReportedLocation",
            Item::Security => "Security",
        }
    }

    /// The plural wrapper element of a list item.
    pub fn wrapper(self) -> Option<&'static str> {
        match self {
            Item::Tag => Some("Tags"),
            Item::InvApplication => Some("InvApplications"),
            Item::InvStorage => Some("InvStorages"),
            _ => None,
        }
    }

    /// The child item called `name`, case-insensitively (so `InvSIM` finds `InvSim`).
    pub fn child(name: &str) -> Option<Item> {
        Item::CHILDREN.into_iter().find(|item| item.name().eq_ignore_ascii_case(name))
    }

    /// The attribute names of this item, in schema order.
    pub fn attributes(self) -> Vec<&'static str> {
        fn names<T: ?Sized>(fields: &[Field<T>]) -> Vec<&'static str> {
            fields.iter().map(|field| field.name).collect()
        }
        match self {
            Item::Device => names(DEVICE),
            Item::InvDevice => names(INV_DEVICE),
            Item::InvOs => names(INV_OS),
            Item::InvSim => names(INV_SIM),
            Item::User => names(USER),
            Item::Location => names(LOCATION),
            Item::Organization => names(ORGANIZATION),
            Item::Tag => names(TAG),
            Item::InvApplication => names(INV_APPLICATION),
            Item::InvStorage => names(INV_STORAGE),
            Item::Bios => BIOS.to_vec(),
            Item::Client => CLIENT.to_vec(),
            Item::Enrollment => ENROLLMENT.to_vec(),
            Item::Category => CATEGORY.to_vec(),
            Item::ReportedLocation => REPORTED_LOCATION.to_vec(),
            Item::Security => SECURITY.to_vec(),
        }
    }

    /// The index of the attribute called `name`, case-insensitively (so the spec's spelling
    /// `LocalIpAddress` finds `LocalIPAddress`, as on the live API).
    pub fn attribute(self, name: &str) -> Option<usize> {
        self.attributes().iter().position(|attribute| attribute.eq_ignore_ascii_case(name))
    }
}

fn text(value: &Option<String>) -> Option<Value<'_>> {
    value.as_deref().map(Value::Text)
}

fn number(value: Option<u64>) -> Option<Value<'static>> {
    value.map(Value::Number)
}

pub(crate) const DEVICE: &[Field<Device>] = &[
    Field { name: "ID", get: |d| Some(Value::Number(d.id.into())) },
    Field { name: "Platform", get: |d| Some(Value::Text(d.platform.as_str())) },
    Field { name: "Status", get: |d| Some(Value::Text(d.status.as_str())) },
    Field { name: "OnlineStatus", get: |d| Some(Value::Text(d.online_status.as_str())) },
    Field { name: "OSVersionName", get: |d| text(&d.os_version_name) },
    Field { name: "IPAddress", get: |d| text(&d.ip_address) },
    Field { name: "LocalIPAddress", get: |d| text(&d.local_ip_address) },
    Field { name: "MACAddress", get: |d| text(&d.mac_address) },
    Field { name: "LastReported", get: |d| d.last_reported.map(Value::Time) },
    Field { name: "Created", get: |d| Some(Value::Time(d.created)) },
    Field { name: "Modified", get: |d| Some(Value::Time(d.modified)) },
    // Documented, but not generated by the emulator: accepted in `select`, and left out of the
    // records as the API leaves out empty elements.
    Field { name: "AndroidID", get: |_| None },
    Field { name: "Source", get: |_| None },
    Field { name: "SerialNo", get: |_| None },
    Field { name: "PurchaseDate", get: |_| None },
    Field { name: "WarrantyEndDate", get: |_| None },
    Field { name: "LeaseStartDate", get: |_| None },
    Field { name: "LeaseEndDate", get: |_| None },
];

pub(crate) const INV_DEVICE: &[Field<InvDevice>] = &[
    Field { name: "DeviceName", get: |d| text(&d.device_name) },
    Field { name: "Manufacturer", get: |d| text(&d.manufacturer) },
    Field { name: "Model", get: |d| text(&d.model) },
    Field { name: "MarketingName", get: |d| text(&d.marketing_name) },
    Field { name: "SerialNumber", get: |d| text(&d.serial_number) },
    Field { name: "HardwareSerialNumber", get: |d| text(&d.hardware_serial_number) },
    Field { name: "IMEI", get: |d| text(&d.imei) },
    Field { name: "UDID", get: |d| text(&d.udid) },
    Field { name: "WiFiMAC", get: |d| text(&d.wifi_mac) },
    Field { name: "BluetoothMAC", get: |d| text(&d.bluetooth_mac) },
    Field { name: "DeviceType", get: |d| text(&d.device_type) },
    Field { name: "SoftwareVersion", get: |d| text(&d.software_version) },
    Field { name: "ProductName", get: |_| None },
    Field { name: "InventoryTime", get: |_| None },
];

pub(crate) const INV_OS: &[Field<InvOs>] = &[
    Field { name: "Platform", get: |o| text(&o.platform) },
    Field { name: "Version", get: |o| text(&o.version) },
    Field { name: "Build", get: |o| text(&o.build) },
    Field { name: "Language", get: |_| None },
];

pub(crate) const INV_SIM: &[Field<InvSim>] = &[Field { name: "PhoneNumber", get: |s| text(&s.phone_number) }];

pub(crate) const USER: &[Field<User>] = &[
    Field { name: "ID", get: |u| Some(Value::Number(u.id.into())) },
    Field { name: "Name", get: |u| text(&u.name) },
    Field { name: "Firstname", get: |u| text(&u.firstname) },
    Field { name: "Lastname", get: |u| text(&u.lastname) },
    Field { name: "Email", get: |u| text(&u.email) },
    Field { name: "PhoneNumber", get: |u| text(&u.phone_number) },
];

pub(crate) const LOCATION: &[Field<Location>] = &[
    Field { name: "ID", get: |l| Some(Value::Number(l.id.into())) },
    Field { name: "Name", get: |l| text(&l.name) },
    Field { name: "FullName", get: |l| text(&l.full_name) },
];

pub(crate) const ORGANIZATION: &[Field<Organization>] = &[
    Field { name: "Name", get: |o| text(&o.name) },
    Field { name: "FullName", get: |o| text(&o.full_name) },
    Field { name: "ID", get: |_| None },
];

pub(crate) const TAG: &[Field<str>] = &[Field { name: "Name", get: |t| Some(Value::Text(t)) }];

pub(crate) const INV_APPLICATION: &[Field<Application>] = &[
    Field { name: "Name", get: |a| Some(Value::Text(&a.name)) },
    Field { name: "Version", get: |a| text(&a.version) },
    Field { name: "Identifier", get: |a| text(&a.identifier) },
    Field { name: "Size", get: |a| number(a.size) },
    Field { name: "OSCategory", get: |_| None },
    Field { name: "InventoryTime", get: |_| None },
];

pub(crate) const INV_STORAGE: &[Field<InvStorage>] = &[
    Field { name: "TotalSpace", get: |s| number(s.total_space) },
    Field { name: "FreeSpace", get: |s| number(s.free_space) },
    Field { name: "Type", get: |s| text(&s.kind) },
    // "Real rows carry Type/TotalSpace/FreeSpace and no Volume at all" (the reference).
    Field { name: "Volume", get: |_| None },
];

// The attributes of the data-less items (the reference, section 3).
const BIOS: &[&str] = &["Manufacturer", "SerialNumber", "Version", "SMBIOSBIOSVersion"];
const CLIENT: &[&str] =
    &["ID", "Version", "BuildNumber", "DeviceOwnerType", "LostModeStatus", "Status", "ManagementType"];
const ENROLLMENT: &[&str] = &["ID", "Created", "Completed", "Type"];
const CATEGORY: &[&str] = &["ID", "Name"];
const REPORTED_LOCATION: &[&str] = &["Latitude", "Longitude"];
const SECURITY: &[&str] = &["PasscodeSet", "EncryptionStatus"];
