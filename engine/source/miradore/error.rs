//! Source: what can go wrong reading Miradore, as data; [`FetchError::diagnostic`] words it.

use crate::diag::{Code, Diagnostic};

/// Why a fetch failed. A failed fetch is incomplete: nothing may be retired because of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// 401: the key was rejected.
    Unauthorized,
    /// 400 with the API's description; `origin` names the rule that asked for an unknown attribute.
    Rejected {
        /// The API's description.
        description: String,
        /// The rule that asked for the attribute, when it is one.
        origin: Option<String>,
    },
    /// 500 on the first request: the site name is most likely wrong.
    UnknownSite {
        /// The site as given.
        site: String,
        /// Attempts that all got 500.
        attempts: u32,
    },
    /// A page could not be fetched after every retry.
    Page {
        /// Which query.
        query: &'static str,
        /// The page number.
        page: u32,
        /// The last reason.
        reason: String,
    },
    /// A page repeated the previous one.
    RepeatedPage {
        /// Which query.
        query: &'static str,
        /// The page number.
        page: u32,
    },
    /// The pages held a different number of devices than the API announced.
    CountMismatch {
        /// Which query.
        query: &'static str,
        /// `Items@count`.
        announced: u64,
        /// Devices received.
        received: u64,
    },
    /// `Items@count` changed between pages: the site changed during the walk.
    CountChanged {
        /// Which query.
        query: &'static str,
        /// The page where it changed.
        page: u32,
        /// The count on page 1.
        first: u64,
        /// The count on this page.
        now: u64,
    },
    /// The whole run took longer than allowed.
    Timeout {
        /// The limit, in seconds.
        seconds: u64,
    },
    /// The client could not be set up (bad URL or certificate).
    Setup(String),
}

impl FetchError {
    /// The diagnostic for this error.
    pub fn diagnostic(&self) -> Diagnostic {
        let incomplete = "the fetch is incomplete: nothing is retired because of it";
        match self {
            FetchError::Unauthorized => Diagnostic::error(Code::MiradoreUnauthorized, "Miradore rejected the API key (401 Authentication failed)")
                .help("check MIRADORE_API_KEY or --api-key-file; keys are created in Miradore under System > Infrastructure diagram > API"),
            FetchError::Rejected { description, origin } => {
                let diagnostic = Diagnostic::error(Code::MiradoreError, format!("Miradore rejected the query: {description}"));
                match origin {
                    Some(origin) => diagnostic.note(format!("the attribute was asked for by {origin}")),
                    None => diagnostic,
                }
            }
            FetchError::UnknownSite { site, attempts } => Diagnostic::error(Code::MiradoreUnknownSite, format!("Miradore answered 500 to all {attempts} attempts of the first request for the site `{site}`: the site name is most likely wrong, or Miradore is failing"))
                .help("the site is the part after the host in https://online.miradore.com/<site>/, and it is case-sensitive")
                .note(incomplete),
            FetchError::Page { query, page, reason } => Diagnostic::error(Code::MiradoreIncomplete, format!("page {page} of the {query} query could not be fetched: {reason}"))
                .note(incomplete),
            FetchError::RepeatedPage { query, page } => Diagnostic::error(Code::MiradoreIncomplete, format!("page {page} of the {query} query repeats the previous page"))
                .note(incomplete),
            FetchError::CountMismatch { query, announced, received } => Diagnostic::error(
                Code::MiradoreIncomplete,
                format!("the {query} query announced {announced} devices but {received} arrived"),
            )
            .note(incomplete),
            FetchError::CountChanged { query, page, first, now } => Diagnostic::error(
                Code::MiradoreIncomplete,
                format!("the {query} query announced {first} devices on page 1 but {now} on page {page}: the site changed during the read"),
            )
            .note(incomplete),
            FetchError::Timeout { seconds } => Diagnostic::error(Code::MiradoreIncomplete, format!("reading Miradore took longer than {seconds} s")).note(incomplete),
            FetchError::Setup(reason) => Diagnostic::error(Code::MiradoreSetup, format!("cannot set up the Miradore client: {reason}")),
        }
    }
}
