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

/// The `Retry-After` delay a server asked for, in seconds (the form both remote systems use).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}
