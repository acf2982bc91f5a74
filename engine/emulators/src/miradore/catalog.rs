//! Reference data for the estate generator: hardware models, people, places, tags and
//! applications, with the awkward characters real estates contain (unicode, `&`, `<`, quotes).

use super::estate::Platform;

/// A hardware model the generator can hand out.
pub(crate) struct Model {
    pub platform: Platform,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub marketing_name: &'static str,
    pub device_type: &'static str,
    /// Phones carry a SIM (and an IMEI).
    pub phone: bool,
    /// The word in a personal device name, `Åsa’s iPad`.
    pub nickname: &'static str,
}

const fn model(
    platform: Platform,
    manufacturer: &'static str,
    model: &'static str,
    marketing_name: &'static str,
    device_type: &'static str,
    phone: bool,
    nickname: &'static str,
) -> Model {
    Model { platform, manufacturer, model, marketing_name, device_type, phone, nickname }
}

use Platform::{Android, Ios, MacOs, WindowsDesktop, WindowsPhone};

pub(crate) const ANDROID_MODELS: &[Model] = &[
    model(Android, "samsung", "SM-G991B", "Galaxy S21 5G", "Phone", true, "Galaxy"),
    model(Android, "samsung", "SM-A546B", "Galaxy A54 5G", "Phone", true, "Galaxy"),
    model(Android, "Google", "Pixel 7", "Pixel 7", "Phone", true, "Pixel"),
    model(Android, "HMD Global", "Nokia G21", "Nokia G21", "Phone", true, "Nokia"),
    model(Android, "motorola", "moto g54 5G", "moto g54 5G", "Phone", true, "moto"),
    model(Android, "samsung", "SM-X200", "Galaxy Tab A8", "Tablet", false, "Tab"),
    model(Android, "Zebra Technologies", "TC52", "TC52", "Phone", false, "scanner"),
];

pub(crate) const IPHONE_MODELS: &[Model] = &[
    model(Ios, "Apple", "iPhone14,5", "iPhone 13", "iPhone", true, "iPhone"),
    model(Ios, "Apple", "iPhone15,2", "iPhone 14 Pro", "iPhone", true, "iPhone"),
    model(Ios, "Apple", "iPhone16,1", "iPhone 15 Pro", "iPhone", true, "iPhone"),
    model(Ios, "Apple", "iPhone12,8", "iPhone SE (2nd generation)", "iPhone", true, "iPhone"),
];

pub(crate) const IPAD_MODELS: &[Model] = &[
    model(Ios, "Apple", "iPad13,4", "iPad Pro 11-inch (3rd generation)", "iPad", false, "iPad"),
    model(Ios, "Apple", "iPad12,1", "iPad (9th generation)", "iPad", false, "iPad"),
    model(Ios, "Apple", "iPad13,18", "iPad (10th generation)", "iPad", false, "iPad"),
];

pub(crate) const MAC_MODELS: &[Model] = &[
    model(MacOs, "Apple", "Apple MacBookPro17,1", "MacBook Pro (13-inch, M1, 2020)", "Mac", false, "MacBook Pro"),
    model(MacOs, "Apple", "Apple MacBookAir10,1", "MacBook Air (M1, 2020)", "Mac", false, "MacBook Air"),
    model(MacOs, "Apple", "Apple Mac14,2", "MacBook Air (M2, 2022)", "Mac", false, "MacBook Air"),
];

pub(crate) const WINDOWS_MODELS: &[Model] = &[
    model(WindowsDesktop, "LENOVO", "20XW004MMX", "ThinkPad X1 Carbon Gen 9", "Laptop", false, "LAPTOP"),
    model(WindowsDesktop, "Dell Inc.", "Latitude 5420", "Latitude 5420", "Laptop", false, "LAPTOP"),
    model(WindowsDesktop, "HP", "HP EliteBook 840 G8 Notebook PC", "EliteBook 840 G8", "Laptop", false, "LAPTOP"),
    model(WindowsDesktop, "Microsoft Corporation", "Surface Pro 8", "Surface Pro 8", "Tablet", false, "SURFACE"),
    model(WindowsDesktop, "Dell Inc.", "OptiPlex 7090", "OptiPlex 7090", "Desktop", false, "DESKTOP"),
];

pub(crate) const WINDOWS_PHONE_MODELS: &[Model] = &[
    model(WindowsPhone, "Microsoft", "RM-1085", "Lumia 950 XL", "Phone", true, "Lumia"),
    model(WindowsPhone, "Microsoft", "RM-1104", "Lumia 950", "Phone", true, "Lumia"),
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Matti", "Liisa", "Åsa", "Jyrki", "Seán", "Zoë", "Ahmed", "Mei", "Björn", "Päivi", "Olivia", "Noah", "Chloé",
    "José", "Aino", "Eero", "Saara", "Tuomas", "Ingrid", "Oskar",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Virtanen",
    "Öberg",
    "Korhonen",
    "O'Brien",
    "Nieminen",
    "Mäkelä",
    "Müller",
    "García",
    "Lindström",
    "Chen",
    "Hämäläinen",
    "Smith",
    "Laine",
    "Järvinen",
    "Ngũgĩ",
    "D'Angelo",
];

/// `(Name, FullName)`; the ID is the position plus one.
pub(crate) const LOCATIONS: &[(&str, &str)] = &[
    ("Helsinki", "Finland / Helsinki"),
    ("Jyväskylä", "Finland / Jyväskylä"),
    ("Tampere", "Finland / Tampere"),
    ("Malmö", "Sweden / Malmö"),
    ("Göteborg", "Sweden / Göteborg"),
    ("R&D <Lab 2>", "Finland / Espoo / R&D <Lab 2>"),
    ("Warehouse “North”", "Finland / Oulu / Warehouse “North”"),
    ("Tallinn", "Estonia / Tallinn"),
];

/// `(Name, FullName)`.
pub(crate) const ORGANIZATIONS: &[(&str, &str)] = &[
    ("Acme Oy", "Acme Oy"),
    ("Sales & Marketing", "Acme Oy / Sales & Marketing"),
    ("Field Service", "Acme Oy / Field Service"),
    ("Åland Logistics", "Acme Oy / Åland Logistics"),
];

pub(crate) const TAGS: &[&str] =
    &["BYOD", "Corporate", "Kiosk", "R&D", "Field <Sales>", "VIP", "Loaner", "Pilot’s fleet"];

/// Device names for devices nobody owns, chosen now and then.
pub(crate) const SHARED_DEVICE_NAMES: &[&str] =
    &["Loaner’s iPhone", "“Kiosk” tablet <lobby> & café", "Reception's phone", "Warehouse scanner #3"];

/// `(Name, Identifier)` of well-known applications, per platform family.
pub(crate) const ANDROID_APPS: &[(&str, Option<&str>)] = &[
    ("Chrome", Some("com.android.chrome")),
    ("Gmail", Some("com.google.android.gm")),
    ("Maps", Some("com.google.android.apps.maps")),
    ("WhatsApp", Some("com.whatsapp")),
    ("Microsoft Teams", Some("com.microsoft.teams")),
    ("Outlook", Some("com.microsoft.office.outlook")),
    ("Slack", Some("com.Slack")),
    ("Miradore", Some("com.miradore.client.v2")),
    ("YouTube", Some("com.google.android.youtube")),
    ("Spotify", Some("com.spotify.music")),
    ("Zoom", Some("us.zoom.videomeetings")),
    ("Authenticator", Some("com.azure.authenticator")),
    ("Samsung Notes", Some("com.samsung.android.app.notes")),
    ("Tom & Jerry: Chase", Some("com.netease.tomjerry")),
    ("Ruokalista Jyväskylä", Some("fi.jyvaskyla.ruokalista")),
    ("Q&A <Beta>", None),
];

pub(crate) const IOS_APPS: &[(&str, Option<&str>)] = &[
    ("Safari", Some("com.apple.mobilesafari")),
    ("FaceTime", Some("com.apple.facetime")),
    ("Keynote", Some("com.apple.Keynote")),
    ("Pages", Some("com.apple.Pages")),
    ("Numbers", Some("com.apple.Numbers")),
    ("Microsoft Teams", Some("com.microsoft.skype.teams")),
    ("Outlook", Some("com.microsoft.Office.Outlook")),
    ("WhatsApp", Some("net.whatsapp.WhatsApp")),
    ("Slack", Some("com.tinyspeck.chatlyio")),
    ("Zoom", Some("us.zoom.videomeetings")),
    ("Authenticator", Some("com.microsoft.azureauthenticator")),
    ("Spotify", Some("com.spotify.client")),
    ("Åsa’s “Expense” Helper", Some("se.example.expense")),
    ("Tom & Jerry's <Run>", None),
];

pub(crate) const MAC_APPS: &[(&str, Option<&str>)] = &[
    ("Safari", Some("com.apple.Safari")),
    ("FaceTime", Some("com.apple.FaceTime")),
    ("Xcode", Some("com.apple.dt.Xcode")),
    ("Microsoft Word", Some("com.microsoft.Word")),
    ("Microsoft Excel", Some("com.microsoft.Excel")),
    ("Microsoft PowerPoint", Some("com.microsoft.Powerpoint")),
    ("Google Chrome", Some("com.google.Chrome")),
    ("Firefox", Some("org.mozilla.firefox")),
    ("Visual Studio Code", Some("com.microsoft.VSCode")),
    ("1Password 7", Some("com.agilebits.onepassword7")),
    ("Slack", Some("com.tinyspeck.slackmacgap")),
    ("zoom.us", Some("us.zoom.xos")),
];

pub(crate) const WINDOWS_APPS: &[(&str, Option<&str>)] = &[
    ("Microsoft Edge", None),
    ("Microsoft 365 Apps for enterprise - en-us", None),
    ("7-Zip 23.01 (x64)", None),
    ("Notepad++ (64-bit x64)", None),
    ("Google Chrome", None),
    ("Adobe Acrobat Reader DC", None),
    ("Microsoft Teams", Some("MSTeams_8wekyb3d8bbwe")),
    ("Zoom", None),
    ("VLC media player", None),
    ("Company Portal", Some("Microsoft.CompanyPortal_8wekyb3d8bbwe")),
];

pub(crate) const WINDOWS_PHONE_APPS: &[(&str, Option<&str>)] = &[
    ("Outlook Mail", Some("microsoft.windowscommunicationsapps")),
    ("Maps", Some("Microsoft.WindowsMaps")),
    ("Skype", Some("Microsoft.SkypeApp")),
];

/// Words combined into made-up line-of-business applications, to fill each family's catalog.
pub(crate) const APP_WORDS: (&[&str], &[&str]) = (
    &[
        "Field", "Nordic", "Smart", "Quick", "Secure", "Team", "Cloud", "Pocket", "Daily", "Metro", "Arctic", "Kiosk",
        "Sauna", "Lakeside",
    ],
    &[
        "Notes",
        "Scanner",
        "Timesheet",
        "Inventory",
        "Planner",
        "Reader",
        "Chat",
        "Wallet",
        "Fleet",
        "Survey",
        "Tickets",
        "Forms",
        "Rota",
        "Maps",
    ],
);
