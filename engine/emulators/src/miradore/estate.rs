//! The estate: the devices (and their inventory) that the Miradore emulator serves.
//!
//! Plain data, saved and loaded as JSON. Applications are kept once in an estate-wide catalog and
//! referenced by index from each device, so that 100,000 devices with 40 applications each stay
//! small in memory and on disk.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every device of one Miradore site, ordered by ID, plus the application catalog they refer to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Estate {
    /// Distinct installed applications; `Device::applications` holds indices into this list.
    #[serde(default)]
    pub applications: Vec<Application>,
    /// The devices, in ascending `id` order once the estate went through [`Estate::new`].
    pub devices: Vec<Device>,
}

/// Why an estate cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum EstateError {
    /// Two devices share an ID.
    #[error("device ID {0} appears more than once")]
    DuplicateId(u32),
    /// A device refers to an application the catalog does not have.
    #[error("device {device} refers to application {index}, but the catalog has {catalog} entries")]
    UnknownApplication {
        /// The device's ID.
        device: u32,
        /// The index it holds.
        index: u32,
        /// The catalog's length.
        catalog: usize,
    },
    /// The JSON could not be read or written.
    #[error("estate JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Estate {
    /// Checks an estate and sorts its devices by ID, as the API lists them.
    pub fn new(applications: Vec<Application>, mut devices: Vec<Device>) -> Result<Self, EstateError> {
        devices.sort_by_key(|device| device.id);
        if let Some(pair) = devices.windows(2).find(|pair| pair[0].id == pair[1].id) {
            return Err(EstateError::DuplicateId(pair[0].id));
        }
        for device in &devices {
            if let Some(&index) = device.applications.iter().find(|&&index| index as usize >= applications.len()) {
                return Err(EstateError::UnknownApplication { device: device.id, index, catalog: applications.len() });
            }
        }
        Ok(Self { applications, devices })
    }

    /// Reads an estate from JSON (as written by [`Estate::to_json`]) and checks it.
    pub fn from_json(json: &str) -> Result<Self, EstateError> {
        let estate: Estate = serde_json::from_str(json)?;
        Self::new(estate.applications, estate.devices)
    }

    /// Writes the estate as compact JSON.
    pub fn to_json(&self) -> Result<String, EstateError> {
        Ok(serde_json::to_string(self)?)
    }

    /// The device with this ID.
    pub fn device(&self, id: u32) -> Option<&Device> {
        self.devices.binary_search_by_key(&id, |device| device.id).ok().map(|index| &self.devices[index])
    }

    /// The applications installed on `device`, in catalog order.
    pub fn applications_of<'a>(&'a self, device: &'a Device) -> impl Iterator<Item = &'a Application> {
        device.applications.iter().map(|&index| &self.applications[index as usize])
    }
}

/// One managed (or once managed) device, with the attributes and child items API v1 exposes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Device {
    /// `ID`: per-site integer, starting at 1.
    pub id: u32,
    /// `Platform`.
    pub platform: Platform,
    /// `Status`: the record's life-cycle state.
    pub status: Status,
    /// `OnlineStatus`.
    pub online_status: OnlineStatus,
    /// `OSVersionName`, e.g. `iOS 17.5.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version_name: Option<String>,
    /// `IPAddress`: the public egress address the service saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// `LocalIPAddress` (selected as `LocalIpAddress`); live sites rarely report it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_ip_address: Option<String>,
    /// `MACAddress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    /// `LastReported`: the last check-in; none for a device that never reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reported: Option<Timestamp>,
    /// `Created`.
    pub created: Timestamp,
    /// `Modified`.
    pub modified: Timestamp,
    /// `InvDevice`: hardware inventory.
    pub inv_device: InvDevice,
    /// `InvOS`: operating system inventory.
    pub inv_os: InvOs,
    /// `InvSim`: the SIM, for devices that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inv_sim: Option<InvSim>,
    /// `User`: the responsible person, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// `Location`: an organisational location, not GPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// `Organization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// `Tags/Tag/Name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `InvApplications/InvApplication`: indices into [`Estate::applications`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<u32>,
    /// `InvStorages/InvStorage`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storages: Vec<InvStorage>,
}

/// `InvDevice`: hardware identity. Every field is optional; absent ones are not rendered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the InvDevice attribute of the same name.
pub struct InvDevice {
    pub device_name: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub marketing_name: Option<String>,
    pub serial_number: Option<String>,
    pub hardware_serial_number: Option<String>,
    pub imei: Option<String>,
    pub udid: Option<String>,
    pub wifi_mac: Option<String>,
    pub bluetooth_mac: Option<String>,
    pub device_type: Option<String>,
    pub software_version: Option<String>,
}

/// `InvOS`: operating system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the InvOS attribute of the same name.
pub struct InvOs {
    pub platform: Option<String>,
    pub version: Option<String>,
    pub build: Option<String>,
}

/// `InvSim`: the SIM card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InvSim {
    /// `PhoneNumber`.
    pub phone_number: Option<String>,
}

/// `User`: the device's responsible person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the User attribute of the same name.
pub struct User {
    pub id: u32,
    pub name: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

/// `Location`: where the device belongs in the organisation, e.g. `Finland / Jyväskylä`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the Location attribute of the same name.
pub struct Location {
    pub id: u32,
    pub name: Option<String>,
    pub full_name: Option<String>,
}

/// `Organization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the Organization attribute of the same name.
pub struct Organization {
    pub name: Option<String>,
    pub full_name: Option<String>,
}

/// `InvApplication`: one installed application. Only `Name` is always present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    /// `Name`.
    pub name: String,
    /// `Version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `Identifier`: bundle or package id; many entries have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// `Size` (unit unknown on the live API; the generator uses bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// `InvStorage`: one storage volume, sizes in bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // Each field is the InvStorage attribute of the same name.
pub struct InvStorage {
    pub total_space: Option<u64>,
    pub free_space: Option<u64>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Declares a closed vocabulary whose JSON and XML spelling is the API's.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// The value as the API writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// `Platform`. There is no iPadOS: iPads are `iOS` with an iPad model.
    Platform {
        /// Android.
        #[default]
        Android = "Android",
        /// iPhone and iPad.
        Ios = "iOS",
        /// macOS.
        MacOs = "macOS",
        /// Windows 10/11 desktops and laptops.
        WindowsDesktop = "WindowsDesktop",
        /// Windows Phone / Windows 10 Mobile.
        WindowsPhone = "WindowsPhone",
        /// Another platform.
        Other = "Other",
        /// Not known.
        Unknown = "Unknown",
    }
}

vocabulary! {
    /// `Status`: the record's life-cycle state. Deleted records are still listed by the API.
    Status {
        /// Managed.
        #[default]
        Active = "Active",
        /// Enrolled, not yet activated.
        New = "New",
        /// Removed from management; still returned by the API.
        Deleted = "Deleted",
        /// A placeholder for a device seen but not managed.
        AutoGenerated = "AutoGenerated",
    }
}

vocabulary! {
    /// `OnlineStatus`.
    OnlineStatus {
        /// Reporting.
        #[default]
        Active = "Active",
        /// Not reporting lately.
        Inactive = "Inactive",
        /// Unreachable.
        Unavailable = "Unavailable",
        /// Not managed.
        Unmanaged = "Unmanaged",
    }
}

/// A local date and time (no zone, as the API has none), to the second.
///
/// Stored as seconds since 1970-01-01 00:00:00; written `dd.MM.yyyy HH:mm:ss` in JSON and XML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The timestamp of a calendar date and time.
    pub fn from_parts(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        let days = days_from_civil(year, month, day);
        Self(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
    }

    /// Year, month, day, hour, minute, second.
    pub fn parts(self) -> (i32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let seconds = self.0.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        (year, month, day, seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// Parses `dd.MM.yyyy HH:mm:ss`.
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.trim().split_once(' ')?;
        let mut date = date.split('.').map(str::parse::<u32>);
        let mut time = time.split(':').map(str::parse::<u32>);
        let (day, month, year) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
        let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
        let valid = (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24 && minute < 60 && second < 60;
        valid.then(|| Self::from_parts(year as i32, month, day, hour, minute, second))
    }
}

impl fmt::Display for Timestamp {
    /// `dd.MM.yyyy HH:mm:ss`, the API's default date format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day, hour, minute, second) = self.parts();
        write!(f, "{day:02}.{month:02}.{year:04} {hour:02}:{minute:02}:{second:02}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("expected dd.MM.yyyy HH:mm:ss, found {text:?}")))
    }
}

// Howard Hinnant's proleptic Gregorian calendar conversions.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_the_api_format() {
        let time = Timestamp::from_parts(2023, 7, 28, 13, 57, 54);
        assert_eq!(time.to_string(), "28.07.2023 13:57:54");
        assert_eq!(Timestamp::parse("28.07.2023 13:57:54"), Some(time));
        assert_eq!(Timestamp::from_parts(1970, 1, 1, 0, 0, 0), Timestamp(0));
        assert_eq!(Timestamp::from_parts(2024, 2, 29, 23, 59, 59).to_string(), "29.02.2024 23:59:59");
        assert_eq!(Timestamp::parse("2023-07-28 13:57:54"), None);
    }

    #[test]
    fn estates_reject_duplicate_ids_and_dangling_applications() {
        let device = |id| Device { id, ..Device::default() };
        assert!(matches!(Estate::new(vec![], vec![device(2), device(2)]), Err(EstateError::DuplicateId(2))));
        let dangling = Device { applications: vec![0], ..device(1) };
        assert!(Estate::new(vec![], vec![dangling]).is_err());
        let estate = Estate::new(vec![], vec![device(3), device(1)]).unwrap();
        assert_eq!(estate.devices[0].id, 1);
        assert_eq!(estate.device(3).map(|d| d.id), Some(3));
        assert!(estate.device(2).is_none());
    }
}
