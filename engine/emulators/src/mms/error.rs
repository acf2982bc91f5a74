//! MMS error answers: the one XML `<Response MDVersion=".." StatusCode="..">` envelope, plus a
//! stable machine-readable code in the `X-MMS-Error` header.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::protocol::{ADMIN_PATH, ConnectorStatus, ERROR_HEADER, MD_VERSION};

/// An error answer: HTTP status, stable code, and the `<Details>` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub details: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, details: impl Into<String>) -> Self {
        ApiError { status, code, details: details.into() }
    }

    pub fn authentication(details: impl Into<String>) -> Self {
        let details = format!("Authentication failed: {}", details.into());
        Self::new(StatusCode::FORBIDDEN, "authentication-failed", details)
    }

    /// The answer to a registered connector that is not `Active`.
    pub fn not_active(name: &str, status: ConnectorStatus) -> Self {
        let (code, what) = match status {
            ConnectorStatus::Disabled => ("connector-disabled", "is disabled"),
            _ => ("connector-not-authorized", "is not authorized"),
        };
        let details =
            format!("Connector '{name}' {what} (status {status}): an administrator must set it Active in {ADMIN_PATH}");
        Self::new(StatusCode::FORBIDDEN, code, details)
    }

    pub fn bad_request(code: &'static str, details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, details)
    }

    pub fn not_found(details: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", details)
    }

    pub fn conflict(code: &'static str, details: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, details)
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal-error", "Internal error")
    }

    /// The XML body.
    pub fn envelope(&self) -> String {
        let code = self.status.as_u16();
        let description = self.status.canonical_reason().unwrap_or("Error");
        format!(
            "<Response MDVersion=\"{MD_VERSION}\" StatusCode=\"{code}\"><Error><StatusCode>{code}</StatusCode>\
             <Description>{}</Description><Details>{}</Details></Error></Response>",
            escape(description),
            escape(&self.details)
        )
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.envelope()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
        headers.insert(ERROR_HEADER, HeaderValue::from_static(self.code));
        response
    }
}

/// Escapes element text (the envelope has no attributes with free text).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_header_envelope_matches_the_mms_help_page() {
        let error = ApiError::authentication("Authorization header is missing");
        assert_eq!(
            error.envelope(),
            "<Response MDVersion=\"3.5.0\" StatusCode=\"403\"><Error><StatusCode>403</StatusCode>\
             <Description>Forbidden</Description><Details>Authentication failed: Authorization header is missing\
             </Details></Error></Response>"
        );
    }

    #[test]
    fn details_are_escaped() {
        let error = ApiError::bad_request("invalid-request", "a <b> & 'c'");
        assert!(error.envelope().contains("<Details>a &lt;b&gt; &amp; 'c'</Details>"));
    }
}
