//! What an MMS administrator does in System Settings > Connectors, as a Rust API for tests and
//! for `mapper-emulators mms admin`: register, authorize and configure connectors, read assets
//! and runs.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use super::auth::{key_hash, valid_key, valid_name};
use super::db::{Asset, Connector, Store};
use super::directory::Directory;
use super::protocol::{AssetStatus, Configuration, ConnectorStatus, Identity, Run};

/// An administrator's failure.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("no connector is named '{0}'")]
    UnknownConnector(String),
    #[error("a connector named '{0}' already exists")]
    NameTaken(String),
    #[error("that key already belongs to another connector")]
    KeyTaken,
    #[error("{0}")]
    Invalid(String),
}

/// Administration over the emulator's database (shared with a running server, or opened alone).
#[derive(Clone)]
pub struct Admin {
    store: Arc<Mutex<Store>>,
}

impl Admin {
    pub(super) fn new(store: Arc<Mutex<Store>>) -> Admin {
        Admin { store }
    }

    /// Opens the database at `db_path` (it may be in use by a running server).
    pub fn open(db_path: &Path) -> Result<Admin, AdminError> {
        Ok(Admin::new(Arc::new(Mutex::new(Store::open(db_path)?))))
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a connector as if it had made its first contact, with `status`.
    pub fn register_connector(&self, name: &str, key: &str, status: ConnectorStatus) -> Result<Connector, AdminError> {
        if !valid_name(name) {
            return Err(AdminError::Invalid(format!("'{name}' is not a valid connector name")));
        }
        if !valid_key(key) {
            return Err(AdminError::Invalid("a connector key is 16 to 256 visible ASCII characters".into()));
        }
        let store = self.store();
        if store.connector_by_name(name)?.is_some() {
            return Err(AdminError::NameTaken(name.to_string()));
        }
        let hash = key_hash(key);
        if store.connector_by_key_hash(&hash)?.is_some() {
            return Err(AdminError::KeyTaken);
        }
        Ok(store.insert_connector(name, &hash, status)?)
    }

    /// Sets a connector's status (`Active` authorizes it).
    pub fn set_status(&self, name: &str, status: ConnectorStatus) -> Result<(), AdminError> {
        match self.store().set_connector_status(name, status)? {
            true => Ok(()),
            false => Err(AdminError::UnknownConnector(name.to_string())),
        }
    }

    /// Sets a connector `Active`.
    pub fn authorize(&self, name: &str) -> Result<(), AdminError> {
        self.set_status(name, ConnectorStatus::Active)
    }

    /// Replaces a connector's configuration.
    pub fn configure(&self, name: &str, configuration: &Configuration) -> Result<(), AdminError> {
        match self.store().configure_connector(name, configuration)? {
            true => Ok(()),
            false => Err(AdminError::UnknownConnector(name.to_string())),
        }
    }

    /// Adds users and locations.
    pub fn seed_directory(&self, directory: &Directory) -> Result<(), AdminError> {
        Ok(self.store().seed_directory(directory)?)
    }

    /// All connectors, in registration order.
    pub fn connectors(&self) -> Result<Vec<Connector>, AdminError> {
        Ok(self.store().connectors()?)
    }

    /// The connector named `name`.
    pub fn connector(&self, name: &str) -> Result<Option<Connector>, AdminError> {
        Ok(self.store().connector_by_name(name)?)
    }

    /// All assets, or those in `status`, by id.
    pub fn assets(&self, status: Option<AssetStatus>) -> Result<Vec<Asset>, AdminError> {
        Ok(self.store().assets(status)?)
    }

    /// The asset with `identity`.
    pub fn asset(&self, identity: &Identity) -> Result<Option<Asset>, AdminError> {
        Ok(self.assets(None)?.into_iter().find(|asset| &asset.identity == identity))
    }

    /// All runs of all connectors, newest first.
    pub fn runs(&self) -> Result<Vec<Run>, AdminError> {
        Ok(self.store().runs()?)
    }
}
