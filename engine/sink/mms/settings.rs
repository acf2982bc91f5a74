//! Sink: how to reach MMS: base URL, connector key and name, trust, timeouts and retries.

use std::time::Duration;

use crate::secret::Secret;
pub use crate::source::miradore::RetryPolicy;

/// The name a connector registers under unless told otherwise.
pub const DEFAULT_CONNECTOR_NAME: &str = "mapper-miradore";

/// Connection settings for the MMS connector protocol.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `<server>/<instance>` (`--mms-url`), e.g. `https://mms.example.com/miradore`.
    pub base_url: String,
    /// The connector key: it identifies the connector.
    pub connector_key: Secret,
    /// The name the connector registers under on its first contact.
    pub connector_name: String,
    /// Extra certificates to trust, PEM (for an MMS or emulator with a self-signed certificate).
    pub trust_pem: Option<Vec<u8>>,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one request, body included.
    pub request_timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Assets asked for per page (1 to 5000).
    pub asset_page_size: u32,
}

impl Settings {
    /// Settings with the documented defaults.
    pub fn new(base_url: impl Into<String>, connector_key: Secret) -> Settings {
        Settings {
            base_url: base_url.into().trim().trim_end_matches('/').to_string(),
            connector_key,
            connector_name: DEFAULT_CONNECTOR_NAME.to_string(),
            trust_pem: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            asset_page_size: 1000,
        }
    }
}
