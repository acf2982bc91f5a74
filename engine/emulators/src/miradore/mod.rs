//! Miradore MDM API v1 emulator: serves an [`Estate`] of devices as the live XML API does
//! (`GET /<site>/API/Device[/<id>]?auth=…&select=…&options=rows=…,page=…`), with faults to inject.
//!
//! Pipeline: [`estate`] (the devices; [`generate`] makes realistic ones) -> [`select`] (which
//! attributes) -> [`xml`] (a page of XML) -> [`server`] (HTTP, auth, paging, [`faults`], [`log`]).
//! Behaviour follows the public reference on the API; where it is unknown the choice is
//! documented on the item that makes it (default rows, 404 for an unknown id, `filters` ignored).

mod catalog;
pub mod cli;
pub mod estate;
pub mod faults;
pub mod generate;
pub mod log;
pub mod options;
mod schema;
pub mod select;
pub mod server;
pub mod xml;

#[cfg(test)]
mod tests;

use std::ops::Deref;
use std::sync::Arc;

pub use estate::{Device, Estate};
pub use faults::{FaultAction, FaultRule, Faults, QueryKind, Repeat};
pub use log::{Counters, RequestRecord};
pub use select::{SelectError, Selection};

use crate::serve::{ServeOptions, ServerHandle, serve};

/// What one emulated Miradore site serves.
#[derive(Debug, Clone)]
pub struct MiradoreConfig {
    /// The site name, the first path segment (case-sensitive), e.g. `acme`.
    pub site: String,
    /// The API key that `auth` must carry (after percent-decoding).
    pub api_key: String,
    /// The devices.
    pub estate: Arc<Estate>,
    /// Faults to inject.
    pub faults: Faults,
}

/// A running Miradore emulator; derefs to its [`ServerHandle`] (`url()`, `certificate_pem`,
/// `stop()`). Dropping it stops the server.
pub struct MiradoreServer {
    handle: ServerHandle,
    site: String,
    log: log::RequestLog,
}

impl MiradoreServer {
    /// The API base for this site, `<url>/<site>/API`; append `/Device`.
    pub fn api_url(&self) -> String {
        format!("{}/{}/API", self.handle.url(), self.site)
    }

    /// Every request answered so far, oldest first, with the key redacted.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.records()
    }

    /// Totals over [`requests`](Self::requests).
    pub fn counters(&self) -> Counters {
        self.log.counters()
    }
}

impl Deref for MiradoreServer {
    type Target = ServerHandle;

    fn deref(&self) -> &ServerHandle {
        &self.handle
    }
}

/// Starts the emulator on 127.0.0.1 and returns once it listens.
pub async fn start(config: MiradoreConfig, options: ServeOptions) -> std::io::Result<MiradoreServer> {
    let site = config.site.clone();
    let (router, log) = server::router(config);
    let handle = serve(router, options).await?;
    Ok(MiradoreServer { handle, site, log })
}

/// Every page of `GET /<site>/API/Device?select=<select>&options=rows=<rows>,page=N` exactly as
/// the server answers it, page 1 first. An empty estate still has page 1 (`count="0"`); an
/// empty `select` means the default set, as in a request.
pub fn render_pages(estate: &Estate, select: &str, rows: usize) -> Result<Vec<String>, SelectError> {
    Ok(pages(estate, select, rows)?.collect())
}

/// Like [`render_pages`], rendering each page only when the iterator reaches it, so that a large
/// estate can be written out one page at a time.
pub fn pages<'a>(
    estate: &'a Estate,
    select: &str,
    rows: usize,
) -> Result<impl Iterator<Item = String> + 'a, SelectError> {
    let selection = Selection::parse_or_default(Some(select))?;
    let rows = rows.max(1);
    let dates = options::DateFormat::default();
    let total = estate.devices.len();
    let count = total.div_ceil(rows).max(1);
    Ok((0..count).map(move |page| {
        let start = page * rows;
        let end = (start + rows).min(total);
        xml::render_page(estate, &estate.devices[start..end], total, &selection, &dates)
    }))
}
