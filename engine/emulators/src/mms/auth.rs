//! Authentication: `Authorization: Connector <key>`. The key identifies the connector; the first
//! request with an unknown key and an `X-Connector-Name` header registers it as `NotAuthorized`.
//! Only the key's SHA-256 is stored.

use axum::http::{HeaderMap, StatusCode, header};

use super::db::{Connector, Store};
use super::error::ApiError;
use super::protocol::{AUTH_SCHEME, ConnectorStatus, NAME_HEADER};

/// The hex SHA-256 of a connector key: what the database keeps instead of the key.
pub fn key_hash(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    hex(digest.as_ref())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `key` is acceptable as a connector key: 16 to 256 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (16..=256).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether `name` is acceptable as a connector name: 1 to 100 of letters, digits, `-`, `_`, `.`, space.
pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

/// The connector the request's key belongs to, registering it on first contact.
pub(super) fn authenticate(store: &Store, headers: &HeaderMap) -> Result<Connector, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::authentication("Authorization header is missing"));
    };
    let key = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(AUTH_SCHEME))
        .map(|(_, key)| key.trim())
        .ok_or_else(|| ApiError::authentication("Authorization header must be 'Connector <key>'"))?;
    if !valid_key(key) {
        return Err(ApiError::authentication("connector key must be 16 to 256 visible ASCII characters"));
    }
    let hash = key_hash(key);
    if let Some(connector) = store.connector_by_key_hash(&hash)? {
        store.touch_connector(connector.id)?;
        return Ok(connector);
    }
    let Some(name) = headers.get(NAME_HEADER) else {
        return Err(ApiError::authentication(
            "unknown connector key; send the X-Connector-Name header to register a new connector",
        ));
    };
    let name = name.to_str().unwrap_or("").trim();
    if !valid_name(name) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-connector-name",
            "X-Connector-Name must be 1 to 100 letters, digits, '-', '_', '.' or spaces",
        ));
    }
    if store.connector_by_name(name)?.is_some() {
        return Err(ApiError::conflict(
            "connector-name-taken",
            format!("A connector named '{name}' is already registered with another key"),
        ));
    }
    let connector = store.insert_connector(name, &hash, ConnectorStatus::NotAuthorized)?;
    tracing::info!(connector = name, "registered a new connector as NotAuthorized");
    Ok(connector)
}

/// Refuses a connector that is not `Active`.
pub(super) fn require_active(connector: &Connector) -> Result<(), ApiError> {
    match connector.status {
        ConnectorStatus::Active => Ok(()),
        status => Err(ApiError::not_active(&connector.name, status)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_with_sha256() {
        assert_eq!(super::key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
