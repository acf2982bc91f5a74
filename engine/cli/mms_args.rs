//! CLI: how to reach MMS, from flags, environment and files. The connector key comes from
//! `MMS_CONNECTOR_KEY` or a file, never from a flag value.

use std::path::PathBuf;

use super::connection::{read_secret, retry_base_override};
use crate::diag::{Code, Diagnostic};
use crate::secret::Secret;
use crate::sink::mms::{DEFAULT_CONNECTOR_NAME, Settings};

/// Flags that say how to reach MMS.
#[derive(Debug, Clone, clap::Args)]
pub struct MmsArgs {
    /// MMS server and instance, e.g. https://mms.example.com/miradore.
    #[arg(long, value_name = "URL")]
    pub mms_url: Option<String>,
    /// File holding the connector key [default: the MMS_CONNECTOR_KEY environment variable].
    #[arg(long, value_name = "FILE")]
    pub connector_key_file: Option<PathBuf>,
    /// The connector's name, as it appears in MMS under System Settings > Connectors.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CONNECTOR_NAME)]
    pub connector_name: String,
    /// Also trust the PEM certificate(s) in FILE for MMS.
    #[arg(long, value_name = "FILE")]
    pub mms_trust_cert: Option<PathBuf>,
}

impl MmsArgs {
    /// The MMS settings, or `None` when no `--mms-url` was given.
    pub fn settings(&self) -> Result<Option<Settings>, Diagnostic> {
        let Some(url) = &self.mms_url else { return Ok(None) };
        let key = match &self.connector_key_file {
            Some(path) => read_secret(path, Code::MmsSetup)?,
            None => std::env::var("MMS_CONNECTOR_KEY")
                .ok()
                .filter(|key| !key.trim().is_empty())
                .map(Secret::new)
                .ok_or_else(|| {
                    Diagnostic::error(
                        Code::MmsSetup,
                        "no MMS connector key: set MMS_CONNECTOR_KEY or give --connector-key-file FILE",
                    )
                })?,
        };
        let mut settings = Settings::new(url, key);
        if let Some(base) = retry_base_override() {
            settings.retry.base = base;
        }
        settings.connector_name = self.connector_name.clone();
        if let Some(path) = &self.mms_trust_cert {
            settings.trust_pem = Some(std::fs::read(path).map_err(|error| {
                Diagnostic::error(Code::MmsSetup, format!("cannot read the certificate `{}`: {error}", path.display()))
            })?);
        }
        Ok(Some(settings))
    }
}
