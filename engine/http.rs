//! Edges: the one HTTP client setup, shared by the Miradore source and the MMS sink: rustls with the ring provider, HTTP/2 where
//! offered, gzip, timeouts, and optionally an extra certificate to trust.

use std::time::Duration;

/// Installs the process-wide TLS crypto provider (ring); harmless when already installed.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client with the given timeouts that also trusts the PEM certificates in `trust_pem`.
pub fn client(connect: Duration, request: Duration, trust_pem: Option<&[u8]>) -> Result<reqwest::Client, String> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(connect)
        .timeout(request)
        .pool_idle_timeout(Duration::from_secs(60))
        .gzip(true)
        .user_agent(concat!("mapper/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = trust_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|error| format!("cannot read the certificate to trust: {error}"))?;
        if certificates.is_empty() {
            return Err("the certificate file holds no PEM certificate".into());
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|error| format!("cannot build the HTTP client: {error}"))
}

/// The `Retry-After` delay a server asked for: seconds, or an HTTP date (RFC 9110, 10.2.3); a
/// date already past asks for no wait.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(value: &str) -> Option<Duration> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, value.parse().unwrap());
        retry_after(&headers)
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(asked("120"), Some(Duration::from_secs(120)));
        assert_eq!(asked(" 0 "), Some(Duration::ZERO));
        assert_eq!(asked("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO), "a date in the past");
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(90));
        let wait = asked(&soon).expect("a date");
        assert!((Duration::from_secs(88)..=Duration::from_secs(90)).contains(&wait), "{wait:?}");
        assert_eq!(asked("soon"), None);
    }
}
