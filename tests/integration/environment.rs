//! The environment variables that would let the developer's shell change what a run of the
//! `mapper` binary does in a test or a bench. Shared by `support.rs` and `benches/support.rs`.

/// Removed from the environment of every `mapper` a test or bench starts.
pub const CLEARED: &[&str] = &[
    "MIRADORE_SITE",
    "MIRADORE_API_KEY",
    "MMS_CONNECTOR_KEY",
    "RUST_LOG",
    "MAPPER_RETRY_BASE_MS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];
