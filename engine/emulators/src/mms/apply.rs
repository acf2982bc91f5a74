//! Applying a batch: every operation in order, in one transaction, with its answer stored under
//! the batch's idempotency key (the semantics are in `docs/mms-protocol.md`, "Operations").

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Deserialize;

use super::clock;
use super::db::{Asset, Store, StoredBatch, asset_from_row, find_location, find_user, to_json};
use super::protocol::{AssetStatus, Identity, Operation, OperationResult, ResultStatus, Software};

/// What became of a batch request.
#[derive(Debug)]
pub enum Applied {
    /// Applied now; these are the results (also stored).
    Now(Vec<OperationResult>),
    /// The key was already stored (by a concurrent or earlier request); nothing was applied.
    Before(StoredBatch),
}

impl Store {
    /// Applies `operations` for `connector_id` in run `run_id` and stores the results under `key`,
    /// all in one transaction.
    pub fn apply_batch(
        &mut self,
        connector_id: i64,
        run_id: i64,
        key: &str,
        request_sha256: &str,
        operations: &[serde_json::Value],
    ) -> rusqlite::Result<Applied> {
        let transaction = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored = transaction
            .query_row(
                "SELECT run_id, request_sha256, results FROM batches WHERE connector_id = ?1 AND idempotency_key = ?2",
                params![connector_id, key],
                |row| Ok(StoredBatch { run_id: row.get(0)?, request_sha256: row.get(1)?, results: row.get(2)? }),
            )
            .optional()?;
        if let Some(stored) = stored {
            return Ok(Applied::Before(stored));
        }
        let mut results = Vec::with_capacity(operations.len());
        for (index, value) in operations.iter().enumerate() {
            // Deserialized from a borrow: cloning each operation's JSON first cost as much as applying it.
            let mut result = match Operation::deserialize(value) {
                Ok(operation) => match validate(&operation) {
                    Ok(()) => apply(&transaction, connector_id, &operation)?,
                    Err(message) => outcome(ResultStatus::Failed, "invalid-operation", message),
                },
                Err(error) => outcome(ResultStatus::Failed, "invalid-operation", error.to_string()),
            };
            result.index = index;
            results.push(result);
        }
        let applied: String = transaction
            .prepare_cached("SELECT applied FROM runs WHERE id = ?1")?
            .query_row([run_id], |row| row.get(0))?;
        let mut tally: BTreeMap<String, u64> = serde_json::from_str(&applied).unwrap_or_default();
        *tally.entry("batches".into()).or_default() += 1;
        *tally.entry("operations".into()).or_default() += results.len() as u64;
        for result in &results {
            *tally.entry(result.status.as_str().into()).or_default() += 1;
        }
        transaction
            .prepare_cached("UPDATE runs SET applied = ?1 WHERE id = ?2")?
            .execute(params![to_json(&tally), run_id])?;
        transaction
            .prepare_cached(
                "INSERT INTO batches (connector_id, idempotency_key, run_id, request_sha256, results, received)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![connector_id, key, run_id, request_sha256, to_json(&results), clock::now()])?;
        transaction.commit()?;
        Ok(Applied::Now(results))
    }
}

fn outcome(status: ResultStatus, code: &str, message: impl Into<String>) -> OperationResult {
    OperationResult {
        index: 0,
        status,
        code: Some(code.to_string()),
        message: Some(message.into()),
        asset_id: None,
        asset_status: None,
    }
}

fn done(status: ResultStatus, asset: &Asset) -> OperationResult {
    OperationResult {
        index: 0,
        status,
        code: None,
        message: None,
        asset_id: Some(asset.asset_id),
        asset_status: Some(asset.status),
    }
}

fn with_asset(mut result: OperationResult, asset: &Asset) -> OperationResult {
    result.asset_id = Some(asset.asset_id);
    result.asset_status = Some(asset.status);
    result
}

fn is_name(text: &str, first: fn(char) -> bool, max: usize) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(first) && text.len() <= max && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn validate(operation: &Operation) -> Result<(), String> {
    let (device_id, identity) = match operation {
        Operation::ImportInventory { device_id, identity, .. }
        | Operation::SetAttributes { device_id, identity, .. }
        | Operation::Activate { device_id, identity }
        | Operation::Retire { device_id, identity } => (device_id, identity),
    };
    if device_id.is_empty() || device_id.len() > 256 {
        return Err("device_id must be 1 to 256 characters".into());
    }
    if !is_name(&identity.kind, |c| c.is_ascii_lowercase(), 32) || identity.kind.chars().any(|c| c.is_ascii_uppercase())
    {
        return Err(format!("identity kind {:?} must match ^[a-z][a-z0-9_]{{0,31}}$", identity.kind));
    }
    if identity.value.trim().is_empty() || identity.value.len() > 256 {
        return Err("identity value must be 1 to 256 characters, not only spaces".into());
    }
    let check_map = |what: &str, map: &BTreeMap<String, Option<String>>| -> Result<(), String> {
        for (key, value) in map {
            if !is_name(key, |c| c.is_ascii_alphabetic(), 64) {
                return Err(format!("{what} name {key:?} must match ^[A-Za-z][A-Za-z0-9_]{{0,63}}$"));
            }
            if value.as_ref().is_some_and(|v| v.len() > 4096) {
                return Err(format!("{what} {key:?} is longer than 4096 bytes"));
            }
        }
        Ok(())
    };
    match operation {
        Operation::ImportInventory { hardware, software, .. } => {
            check_map("hardware field", hardware)?;
            if software.len() > 10_000 {
                return Err("more than 10000 software entries".into());
            }
            if let Some(entry) = software.iter().find(|s| s.name.trim().is_empty()) {
                return Err(format!("software entry {entry:?} has an empty name"));
            }
            Ok(())
        }
        Operation::SetAttributes { attributes, .. } => check_map("attribute", attributes),
        Operation::Activate { .. } | Operation::Retire { .. } => Ok(()),
    }
}

/// The asset with `identity` and the id of the connector that imported it.
fn find(connection: &Connection, identity: &Identity) -> rusqlite::Result<Option<(Asset, Option<i64>)>> {
    // Cached statements: preparing each statement anew (SQL parsing) was a tenth of the CPU time
    // of a large sync against the emulator.
    let found: Option<(i64, Option<i64>)> = connection
        .prepare_cached("SELECT id, imported_by FROM assets WHERE identity_kind = ?1 AND identity_value = ?2")?
        .query_row(params![identity.kind, identity.value], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((id, owner)) = found else { return Ok(None) };
    let sql = format!("{} WHERE a.id = ?1", Store::ASSET_SELECT);
    let asset = connection.prepare_cached(&sql)?.query_row([id], asset_from_row)?;
    Ok(Some((asset, owner)))
}

/// Writes `asset` back with the next revision and a new modified time.
fn save(connection: &Connection, asset: &mut Asset) -> rusqlite::Result<()> {
    asset.revision += 1;
    asset.modified = clock::now();
    connection
        .prepare_cached(
            "UPDATE assets SET device_id = ?1, status = ?2, hardware = ?3, software = ?4, attributes = ?5,
         location = ?6, responsible_person = ?7, revision = ?8, modified = ?9 WHERE id = ?10",
        )?
        .execute(params![
            asset.device_id,
            asset.status.as_str(),
            to_json(&asset.hardware),
            to_json(&asset.software),
            to_json(&asset.attributes),
            asset.location,
            asset.responsible_person,
            asset.revision,
            asset.modified,
            asset.asset_id
        ])?;
    Ok(())
}

fn apply(connection: &Connection, connector_id: i64, operation: &Operation) -> rusqlite::Result<OperationResult> {
    let identity = operation.identity();
    let found = find(connection, identity)?;
    if let Some((asset, owner)) = &found {
        if *owner != Some(connector_id) {
            let message = format!("asset {identity} was not imported by this connector; it is left as it is");
            return Ok(with_asset(outcome(ResultStatus::Failed, "not-owner", message), asset));
        }
    }
    let found = found.map(|(asset, _)| asset);
    match operation {
        Operation::ImportInventory { device_id, hardware, software, .. } => {
            let hardware: BTreeMap<String, String> =
                hardware.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect();
            let mut software: Vec<Software> = software.clone();
            software.sort();
            software.dedup();
            import(connection, connector_id, identity, device_id, hardware, software, found)
        }
        Operation::SetAttributes { attributes, .. } => match found {
            None => Ok(unknown_asset(identity, ResultStatus::Failed)),
            Some(asset) => set_attributes(connection, asset, attributes),
        },
        Operation::Activate { .. } => match found {
            None => Ok(unknown_asset(identity, ResultStatus::Failed)),
            Some(asset) => activate(connection, asset),
        },
        Operation::Retire { .. } => match found {
            None => Ok(unknown_asset(identity, ResultStatus::Skipped)),
            Some(asset) if asset.status == AssetStatus::Retired => Ok(done(ResultStatus::Unchanged, &asset)),
            Some(mut asset) => {
                asset.status = AssetStatus::Retired;
                save(connection, &mut asset)?;
                Ok(done(ResultStatus::Updated, &asset))
            }
        },
    }
}

fn unknown_asset(identity: &Identity, status: ResultStatus) -> OperationResult {
    outcome(status, "unknown-asset", format!("no asset has identity {identity}"))
}

fn import(
    connection: &Connection,
    connector_id: i64,
    identity: &Identity,
    device_id: &str,
    hardware: BTreeMap<String, String>,
    software: Vec<Software>,
    found: Option<Asset>,
) -> rusqlite::Result<OperationResult> {
    let Some(mut asset) = found else {
        let now = clock::now();
        connection
            .prepare_cached(
                "INSERT INTO assets (identity_kind, identity_value, device_id, imported_by, status, hardware, software,
             attributes, revision, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}', 1, ?8, ?8)",
            )?
            .execute(params![
                identity.kind,
                identity.value,
                device_id,
                connector_id,
                AssetStatus::AutoGenerated.as_str(),
                to_json(&hardware),
                to_json(&software),
                now
            ])?;
        let (asset, _) = find(connection, identity)?.expect("just inserted");
        return Ok(done(ResultStatus::Created, &asset));
    };
    let before = asset.clone();
    asset.device_id = Some(device_id.to_string());
    asset.hardware = hardware;
    asset.software = software;
    if asset.status == AssetStatus::Retired {
        asset.status = AssetStatus::AutoGenerated;
    }
    if asset == before {
        return Ok(done(ResultStatus::Unchanged, &asset));
    }
    save(connection, &mut asset)?;
    Ok(done(ResultStatus::Updated, &asset))
}

fn set_attributes(
    connection: &Connection,
    mut asset: Asset,
    attributes: &BTreeMap<String, Option<String>>,
) -> rusqlite::Result<OperationResult> {
    let before = asset.clone();
    let mut unknown_user = None;
    let mut unknown_location = None;
    for (name, value) in attributes {
        let value = value.as_deref().filter(|v| !v.is_empty());
        match (name.as_str(), value) {
            ("responsible_person", None) => asset.responsible_person = None,
            ("responsible_person", Some(email)) => match find_user(connection, email)? {
                Some(stored) => asset.responsible_person = Some(stored),
                None => unknown_user = Some(email.to_string()),
            },
            ("location", None) => asset.location = None,
            ("location", Some(location)) => match find_location(connection, location)? {
                Some(stored) => asset.location = Some(stored),
                None => unknown_location = Some(location.to_string()),
            },
            (_, None) => {
                asset.attributes.remove(name);
            }
            (_, Some(value)) => {
                asset.attributes.insert(name.clone(), value.to_string());
            }
        }
    }
    if asset != before {
        save(connection, &mut asset)?;
    }
    let kept = |current: &Option<String>| match current {
        Some(value) => format!("kept {value:?}"),
        None => "left unset".to_string(),
    };
    let user_message = unknown_user.map(|email| {
        format!("responsible_person {email:?} is not a user in MMS ({})", kept(&asset.responsible_person))
    });
    let location_message =
        unknown_location.map(|name| format!("location {name:?} is not a location in MMS ({})", kept(&asset.location)));
    let warning = match (user_message, location_message) {
        (Some(user), Some(location)) => Some(("unknown-user-and-location", format!("{user}; {location}"))),
        (Some(user), None) => Some(("unknown-user", user)),
        (None, Some(location)) => Some(("unknown-location", location)),
        (None, None) => None,
    };
    Ok(match warning {
        Some((code, message)) => with_asset(outcome(ResultStatus::Warning, code, message), &asset),
        None if asset != before => done(ResultStatus::Updated, &asset),
        None => done(ResultStatus::Unchanged, &asset),
    })
}

fn activate(connection: &Connection, mut asset: Asset) -> rusqlite::Result<OperationResult> {
    match asset.status {
        AssetStatus::Active => return Ok(done(ResultStatus::Unchanged, &asset)),
        AssetStatus::Retired => {
            let message = format!("asset {} is Retired; import it again before activating it", asset.identity);
            return Ok(with_asset(outcome(ResultStatus::Failed, "asset-retired", message), &asset));
        }
        AssetStatus::AutoGenerated => {}
    }
    let warning = match (&asset.responsible_person, &asset.location) {
        (Some(_), Some(_)) => None,
        (None, Some(_)) => Some(("missing-responsible-person", "no responsible person")),
        (Some(_), None) => Some(("missing-location", "no location")),
        (None, None) => {
            Some(("missing-responsible-person-and-location", "neither a responsible person nor a location"))
        }
    };
    if let Some((code, missing)) = warning {
        let message = format!("asset {} stays AutoGenerated: it has {missing}", asset.identity);
        return Ok(with_asset(outcome(ResultStatus::Warning, code, message), &asset));
    }
    asset.status = AssetStatus::Active;
    save(connection, &mut asset)?;
    Ok(done(ResultStatus::Updated, &asset))
}
