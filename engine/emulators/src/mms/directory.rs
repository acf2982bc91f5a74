//! The MMS directory the emulator resolves against: users (by e-mail) and locations (by name),
//! seeded from a JSON file given with `--directory`.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Users and locations that exist in MMS.
///
/// The file is JSON: `{"users": ["user3@example.com", {"email": "a@b", "name": "A B"}],
/// "locations": ["Helsinki", {"name": "Espoo"}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub locations: Vec<Location>,
}

/// A user, matched by e-mail without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "UserEntry")]
pub struct User {
    pub email: String,
    pub name: Option<String>,
}

/// A location, matched by its exact name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LocationEntry")]
pub struct Location {
    pub name: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum UserEntry {
    Email(String),
    Full {
        email: String,
        #[serde(default)]
        name: Option<String>,
    },
}

impl From<UserEntry> for User {
    fn from(entry: UserEntry) -> Self {
        match entry {
            UserEntry::Email(email) => User { email, name: None },
            UserEntry::Full { email, name } => User { email, name },
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LocationEntry {
    Name(String),
    Full { name: String },
}

impl From<LocationEntry> for Location {
    fn from(entry: LocationEntry) -> Self {
        match entry {
            LocationEntry::Name(name) | LocationEntry::Full { name } => Location { name },
        }
    }
}

impl Directory {
    /// Reads a directory file.
    pub fn load(path: &Path) -> std::io::Result<Directory> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|error| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {error}", path.display()))
        })
    }

    /// A directory from e-mails and location names.
    pub fn new<U: Into<String>, L: Into<String>>(
        users: impl IntoIterator<Item = U>,
        locations: impl IntoIterator<Item = L>,
    ) -> Directory {
        Directory {
            users: users.into_iter().map(|email| User { email: email.into(), name: None }).collect(),
            locations: locations.into_iter().map(|name| Location { name: name.into() }).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_strings_and_objects() {
        let text = r#"{"users": ["a@example.com", {"email": "b@example.com", "name": "B"}],
                       "locations": ["Helsinki", {"name": "Espoo"}]}"#;
        let directory: Directory = serde_json::from_str(text).unwrap();
        assert_eq!(directory.users[1].name.as_deref(), Some("B"));
        assert_eq!(directory.locations[1].name, "Espoo");
    }
}
