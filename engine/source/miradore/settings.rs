//! Source: how to reach Miradore: base URL, site, key, trust, timeouts and retries.

use std::time::Duration;

use crate::secret::Secret;

/// The Miradore MDM service; the LogMeIn Resolve form and emulators are set with `--miradore-url`.
pub const DEFAULT_BASE_URL: &str = "https://online.miradore.com";

/// Connection settings for the Miradore API v1.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL; requests go to `<base>/<site>/API/Device`.
    pub base_url: String,
    /// The site name, case-sensitive.
    pub site: String,
    /// The API key.
    pub api_key: Secret,
    /// Extra certificates to trust, PEM (for emulators with a self-signed certificate).
    pub trust_pem: Option<Vec<u8>>,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one request, body included.
    pub request_timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Pages fetched at once.
    pub concurrency: usize,
}

impl Settings {
    /// Settings with the documented defaults.
    pub fn new(base_url: impl Into<String>, site: impl Into<String>, api_key: Secret) -> Settings {
        Settings {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            site: site.into(),
            api_key,
            trust_pem: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            concurrency: 4,
        }
    }
}

/// Exponential backoff with full jitter, honouring `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The first backoff.
    pub base: Duration,
    /// The longest backoff of its own (a server's `Retry-After` may ask for longer).
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, base: Duration::from_millis(250), cap: Duration::from_secs(30) }
    }
}

/// The longest `Retry-After` honoured: a server asking for more is asked again after this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

impl RetryPolicy {
    /// The wait before attempt `attempt` (1 = the first retry), or what the server asked for
    /// (up to [`MAX_RETRY_AFTER`]).
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(MAX_RETRY_AFTER);
        }
        let exponential = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.cap);
        // Full jitter: anywhere between half and all of the exponential step.
        let millis = exponential.as_millis() as u64;
        Duration::from_millis(millis / 2 + rand::random_range(0..=millis / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        for _ in 0..200 {
            for (attempt, step) in [(1, 500), (2, 1_000), (3, 2_000), (4, 4_000), (10, 30_000)] {
                let wait = policy.backoff(attempt, None).as_millis() as u64;
                assert!(
                    (step / 2..=step).contains(&wait),
                    "attempt {attempt}: {wait} ms outside {}..={step}",
                    step / 2
                );
            }
        }
        assert_eq!(policy.backoff(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(policy.backoff(1, Some(Duration::from_secs(45))), Duration::from_secs(45));
        assert_eq!(policy.backoff(1, Some(Duration::from_secs(3_600))), MAX_RETRY_AFTER);
    }
}
