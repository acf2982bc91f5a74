//! CLI: connection settings for Miradore from flags, environment and files. Secrets come from
//! the environment or a file, never from a flag value or the rules file.

use std::path::PathBuf;
use std::time::Duration;

use crate::diag::{Code, Diagnostic};
use crate::secret::Secret;
use crate::source::miradore::{DEFAULT_BASE_URL, Settings};

/// Flags that say how to reach Miradore.
#[derive(Debug, Clone, clap::Args)]
pub struct MiradoreArgs {
    /// Miradore base URL; requests go to <URL>/<site>/API/Device.
    #[arg(long, value_name = "URL", default_value = DEFAULT_BASE_URL)]
    pub miradore_url: String,
    /// Miradore site name (case-sensitive) [env: MIRADORE_SITE].
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// File holding the Miradore API key [default: the MIRADORE_API_KEY environment variable].
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Also trust the PEM certificate(s) in FILE (e.g. an emulator's self-signed certificate).
    #[arg(long, value_name = "FILE")]
    pub trust_cert: Option<PathBuf>,
    /// Pages fetched at once per query.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds one request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub request_timeout: u64,
    /// Seconds the whole read of Miradore may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub fetch_timeout: u64,
}

impl MiradoreArgs {
    /// Builds the settings; a site or key from MMS's connector configuration fills what the flags
    /// and environment leave empty.
    pub fn settings(
        &self,
        configured_site: Option<&str>,
        configured_key: Option<&Secret>,
    ) -> Result<Settings, Diagnostic> {
        let site = self
            .site
            .clone()
            .or_else(|| std::env::var("MIRADORE_SITE").ok().filter(|site| !site.trim().is_empty()))
            .or_else(|| configured_site.map(str::to_string))
            .ok_or_else(|| {
                Diagnostic::error(Code::MiradoreSetup, "no Miradore site: give --site NAME or set MIRADORE_SITE")
            })?;
        let key = match &self.api_key_file {
            Some(path) => Some(read_secret(path, Code::MiradoreSetup)?),
            None => std::env::var("MIRADORE_API_KEY").ok().filter(|key| !key.trim().is_empty()).map(Secret::new),
        };
        let key = key.or_else(|| configured_key.cloned()).ok_or_else(|| {
            Diagnostic::error(
                Code::MiradoreSetup,
                "no Miradore API key: set MIRADORE_API_KEY or give --api-key-file FILE",
            )
        })?;
        let mut settings = Settings::new(&self.miradore_url, site.trim(), key);
        if let Some(path) = &self.trust_cert {
            settings.trust_pem = Some(std::fs::read(path).map_err(|error| {
                Diagnostic::error(
                    Code::MiradoreSetup,
                    format!("cannot read the certificate `{}`: {error}", path.display()),
                )
            })?);
        }
        settings.concurrency = self.concurrency.max(1);
        settings.request_timeout = Duration::from_secs(self.request_timeout.max(1));
        if let Some(base) = retry_base_override() {
            settings.retry.base = base;
        }
        Ok(settings)
    }
}

/// The first retry backoff from `MAPPER_RETRY_BASE_MS`, if set: the end-to-end tests shorten
/// it so that faults that exhaust the retries take milliseconds, not seconds.
pub fn retry_base_override() -> Option<Duration> {
    std::env::var("MAPPER_RETRY_BASE_MS").ok().and_then(|ms| ms.trim().parse::<u64>().ok()).map(Duration::from_millis)
}

/// Reads a secret from a file, naming the file (never its content) on error with `code`.
pub fn read_secret(path: &std::path::Path, code: Code) -> Result<Secret, Diagnostic> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Diagnostic::error(code, format!("cannot read the key file `{}`: {error}", path.display())))?;
    let secret = Secret::new(text);
    if secret.expose().is_empty() {
        return Err(Diagnostic::error(code, format!("the key file `{}` is empty", path.display())));
    }
    Ok(secret)
}
