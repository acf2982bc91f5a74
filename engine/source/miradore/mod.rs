//! Source: the Miradore MDM API v1 client: paged device and software queries, retries,
//! complete-or-fail, streaming.

pub mod client;
pub mod error;
pub mod fetch;
pub mod paging;
pub mod settings;

pub use client::{Client, Query, QueryKind};
pub use error::FetchError;
pub use fetch::{FetchStats, PageObserver, fetch, queries};
pub use settings::{DEFAULT_BASE_URL, RetryPolicy, Settings};
