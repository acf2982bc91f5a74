//! Compile: the device attributes Miradore API v1 is known to return (the public record, see
//! docs/records.md), so that a selector naming another one is a warning with a suggestion.
//! Element names in records are case-exact (`select` is not), so `InvDevice.WifiMac` is asked
//! for fine but never found in a record: it is reported with the spelling that is.
//!
//! A warning, not an error: Miradore may return attributes the public record does not show.

use std::sync::Arc;

use super::{Field, FieldSource, Software};
use crate::diag::{Code, Diagnostic, SourceFile};

/// Every documented attribute as `select` names it: device-level ones bare, child items' as
/// `Item.Attribute`, nested security items as `Security.iOS.Attribute`.
const KNOWN: &[&str] = &[
    // The device itself.
    "ID",
    "Platform",
    "Status",
    "OnlineStatus",
    "OSVersionName",
    "IPAddress",
    "LocalIpAddress",
    "LocalIPAddress",
    "MACAddress",
    "LastReported",
    "Created",
    "Modified",
    "AndroidID",
    "Source",
    "SerialNo",
    "IMEI",
    "UDID",
    "PurchaseDate",
    "WarrantyEndDate",
    "LeaseStartDate",
    "LeaseEndDate",
    // Hardware and operating system.
    "InvDevice.DeviceName",
    "InvDevice.DeviceType",
    "InvDevice.Manufacturer",
    "InvDevice.Model",
    "InvDevice.MarketingName",
    "InvDevice.ProductName",
    "InvDevice.SerialNumber",
    "InvDevice.HardwareSerialNumber",
    "InvDevice.IMEI",
    "InvDevice.UDID",
    "InvDevice.WiFiMAC",
    "InvDevice.BluetoothMAC",
    "InvDevice.SoftwareVersion",
    "InvDevice.InventoryTime",
    "InvOS.Platform",
    "InvOS.Version",
    "InvOS.Build",
    "InvOS.Language",
    "BIOS.Manufacturer",
    "BIOS.SerialNumber",
    "BIOS.Version",
    "BIOS.SMBIOSBIOSVersion",
    "Client.ID",
    "Client.Version",
    "Client.BuildNumber",
    "Client.DeviceOwnerType",
    "Client.LostModeStatus",
    "Client.Status",
    "Client.ManagementType",
    // Phone and SIM (the item is spelt both ways).
    "InvSim.PhoneNumber",
    "InvSIM.PhoneNumber",
    // Lifecycle, ownership, grouping.
    "Enrollment.ID",
    "Enrollment.Created",
    "Enrollment.Completed",
    "Enrollment.Type",
    "User.Email",
    "User.Name",
    "User.Firstname",
    "User.Lastname",
    "User.ID",
    "User.PhoneNumber",
    "Location.Name",
    "Location.FullName",
    "Location.ID",
    "Organization.Name",
    "Organization.FullName",
    "Organization.ID",
    "Category.ID",
    "Category.Name",
    "Tag.Name",
    "ReportedLocation.Latitude",
    "ReportedLocation.Longitude",
    // Storage and security.
    "InvStorage.Volume",
    "InvStorage.TotalSpace",
    "InvStorage.FreeSpace",
    "InvStorage.Type",
    "Security.PasscodeSet",
    "Security.EncryptionStatus",
    "Security.iOS.ActivationLock",
    "Security.iOS.DeviceLocatorService",
    "Security.iOS.HardwareEncryption",
    "Security.iOS.PasscodeCompliant",
    "Security.iOS.PasscodeCompliantWithProfiles",
    "Security.iOS.PasscodePresent",
    "Security.iOS.ProfileJailBroken",
    "Security.iOS.SoftwareJailBroken",
    "Security.iOS.Supervised",
    "Security.Android.Rooted",
    "Security.Android.PasscodeSufficient",
    "Security.Android.StorageEncryptionRequired",
    "Security.Android.StorageEncryptionStatus",
    "Security.Android.SecurityPatchLevel",
    "Security.Android.DeviceAdministrationEnabled",
    "Security.Android.SAFEStatus",
    "Security.Android.PasswordComplexityRequirement",
    "Security.Android.PasswordMinLength",
    "Security.Android.PasswordQualityRequirement",
    "Security.Android.PasswordSet",
    "Security.macOS.ActivationLockEnabled",
    "Security.Windows.SecureBootState",
    "Security.Windows.AntivirusStatus",
    "Security.Windows.AntivirusSignatureStatus",
    "Security.Windows.AntispywareStatus",
    "Security.Windows.FirewallStatus",
    "Security.Windows.UserAccountControlStatus",
    "Security.Windows.TrustedPlatformModuleSpecificationVersion",
    "Security.Windows.CompliesWithEnterpriseEncryptionPolicy",
    // Applications.
    "InvApplication.Name",
    "InvApplication.Version",
    "InvApplication.Identifier",
    "InvApplication.Size",
    "InvApplication.OSCategory",
    "InvApplication.InventoryTime",
];

/// Why `attribute` (as `select` names it; `Item.*` for a whole item) is not a documented one,
/// with the documented spelling nearest to it; `None` when it is documented.
pub fn unknown(attribute: &str) -> Option<Option<&'static str>> {
    if let Some(item) = attribute.strip_suffix(".*") {
        let prefix = format!("{item}.");
        if KNOWN.iter().any(|known| known.starts_with(&prefix)) {
            return None;
        }
        let items = KNOWN.iter().filter_map(|known| known.rsplit_once('.').map(|(item, _)| item));
        return Some(crate::diag::closest(item, items));
    }
    if KNOWN.contains(&attribute) {
        return None;
    }
    let same_case = KNOWN.iter().find(|known| known.eq_ignore_ascii_case(attribute)).copied();
    Some(same_case.or_else(|| crate::diag::closest(attribute, KNOWN.iter().copied())))
}

/// A warning for every selector field of `fields` (and of the software rule) that names an
/// attribute Miradore does not document. `attribute_of` turns a selector's member chain into the
/// attribute as `select` names it.
pub fn warnings(
    file: &Arc<SourceFile>,
    fields: &[Field],
    software: Option<&Software>,
    attribute_of: impl Fn(&[Option<String>]) -> Option<String>,
) -> Vec<Diagnostic> {
    let item = software
        .and_then(|software| software.each.chain().and_then(&attribute_of))
        .map(|each| each.trim_end_matches(".*").to_string());
    let device = fields.iter().map(|field| (field, None));
    let applications = software.into_iter().flat_map(|software| &software.fields).map(|field| (field, item.as_deref()));
    let mut warnings = Vec::new();
    for (field, within) in device.chain(applications) {
        let FieldSource::Select(selector, _) = &field.source else { continue };
        let Some(attribute) = selector.chain().and_then(&attribute_of) else { continue };
        let attribute = match within {
            Some(item) => format!("{item}.{attribute}"),
            None => attribute,
        };
        let Some(suggestion) = unknown(&attribute) else { continue };
        let mut warning = Diagnostic::warning(
            Code::UnknownAttribute,
            format!("field `{}` selects `{attribute}`, which Miradore is not known to return", field.name),
        )
        .at(file, field.span.clone(), "selector names an undocumented attribute")
        .note("element names in records are case-exact; the attributes are listed in docs/records.md");
        if let Some(suggestion) = suggestion {
            warning = warning.help(format!("did you mean `{suggestion}`?"));
        }
        warnings.push(warning);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_attributes_pass_and_others_get_the_nearest_spelling() {
        for known in ["ID", "InvDevice.SerialNumber", "InvDevice.*", "Tag.Name", "Security.iOS.Supervised"] {
            assert_eq!(unknown(known), None, "{known}");
        }
        assert_eq!(unknown("InvDevice.SerialNumbr"), Some(Some("InvDevice.SerialNumber")));
        assert_eq!(unknown("InvDevice.WifiMac"), Some(Some("InvDevice.WiFiMAC")), "element names are case-exact");
        assert_eq!(unknown("InvDevise.*"), Some(Some("InvDevice")));
        assert_eq!(unknown("Nothing.Like.It"), Some(None));
    }
}
