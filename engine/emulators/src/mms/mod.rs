//! MMS connector-protocol emulator: the protocol of `docs/mms-protocol.md` over SQLite state,
//! with an admin API (authorize, configure, inspect) and fault injection.
//!
//! ```text
//! request -> server (routes, auth, idempotency) -> apply (operations, one transaction) -> db
//! ```

use std::io;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

mod admin;
mod apply;
mod auth;
pub mod cli;
mod clock;
mod db;
mod directory;
mod error;
mod faults;
pub mod protocol;
mod server;
#[cfg(test)]
mod tests;

pub use admin::{Admin, AdminError};
pub use auth::key_hash;
pub use db::{Asset, Connector};
pub use directory::{Directory, Location, User};
pub use faults::Faults;
pub use protocol::{AssetStatus, Configuration, ConnectorStatus, Identity, LogSeverity, Run, RunResult};

use crate::serve::{self, ServeOptions, ServerHandle};
use db::Store;
use faults::FaultState;

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct MmsConfig {
    /// The SQLite file; `:memory:` keeps nothing after the server stops.
    pub db_path: PathBuf,
    /// Users and locations to add to the database at start.
    pub directory: Directory,
    /// Faults to inject from the start.
    pub faults: Faults,
    /// The MMS instance name: the base URL is `<server>/<instance>`.
    pub instance: String,
}

impl Default for MmsConfig {
    fn default() -> Self {
        MmsConfig {
            db_path: PathBuf::from(":memory:"),
            directory: Directory::default(),
            faults: Faults::default(),
            instance: "miradore".to_string(),
        }
    }
}

/// A running emulator. Dropping it stops the server.
pub struct MmsServer {
    handle: ServerHandle,
    admin: Admin,
    faults: Arc<FaultState>,
    instance: String,
}

/// Opens the database, seeds the directory, and starts serving.
pub async fn start(config: MmsConfig, options: ServeOptions) -> io::Result<MmsServer> {
    let store = Store::open(&config.db_path).map_err(io::Error::other)?;
    store.seed_directory(&config.directory).map_err(io::Error::other)?;
    let store = Arc::new(Mutex::new(store));
    let faults = Arc::new(FaultState::new(config.faults));
    let state = server::AppState { store: store.clone(), faults: faults.clone() };
    let handle = serve::serve(server::router(state, &config.instance), options).await?;
    Ok(MmsServer { handle, admin: Admin::new(store), faults, instance: config.instance })
}

impl MmsServer {
    /// `http://127.0.0.1:PORT` or `https://localhost:PORT`.
    pub fn url(&self) -> String {
        self.handle.url()
    }

    /// The base URL a connector is given: `<url>/<instance>`.
    pub fn base_url(&self) -> String {
        format!("{}/{}", self.handle.url(), self.instance)
    }

    /// The self-signed certificate (PEM) when serving HTTPS.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.handle.certificate_pem.as_deref()
    }

    /// The server handle (address, certificate, stop).
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// Administration of this server's database.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Replaces the faults; batch numbers count again from 1.
    pub fn set_faults(&self, faults: Faults) {
        self.faults.set(faults);
    }

    /// Requests with a method other than GET or HEAD received so far (answered or not).
    pub fn writes_received(&self) -> u64 {
        self.faults.writes.load(Ordering::SeqCst)
    }

    /// Batch requests that passed authentication so far, retries included.
    pub fn batches_received(&self) -> u64 {
        self.faults.batches.load(Ordering::SeqCst)
    }

    /// Stops the server.
    pub fn stop(&self) {
        self.handle.stop();
    }
}
