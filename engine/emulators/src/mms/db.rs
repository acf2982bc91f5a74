//! The emulator's state in SQLite: connectors (by key hash), runs, idempotency keys, assets,
//! users and locations. A file survives restarts; `:memory:` does not.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::clock;
use super::directory::Directory;
use super::protocol::{
    AssetStatus, AssetSummary, Configuration, ConnectorStatus, Identity, LogSeverity, Run, RunResult, Software,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS connectors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_sha256 TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    registered TEXT NOT NULL,
    last_contact TEXT,
    miradore_site TEXT,
    miradore_api_key TEXT,
    log_severity TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    connector_id INTEGER NOT NULL REFERENCES connectors(id),
    started TEXT NOT NULL,
    ended TEXT,
    result TEXT,
    reason TEXT,
    log TEXT,
    client TEXT,
    mode TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    applied TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS batches (
    connector_id INTEGER NOT NULL REFERENCES connectors(id),
    idempotency_key TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    request_sha256 TEXT NOT NULL,
    results TEXT NOT NULL,
    received TEXT NOT NULL,
    PRIMARY KEY (connector_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS assets (
    id INTEGER PRIMARY KEY,
    identity_kind TEXT NOT NULL,
    identity_value TEXT NOT NULL,
    device_id TEXT,
    imported_by INTEGER REFERENCES connectors(id),
    status TEXT NOT NULL,
    hardware TEXT NOT NULL,
    software TEXT NOT NULL,
    attributes TEXT NOT NULL,
    location TEXT,
    responsible_person TEXT,
    revision INTEGER NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (identity_kind, identity_value)
);
CREATE TABLE IF NOT EXISTS users (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT);
CREATE TABLE IF NOT EXISTS locations (name TEXT PRIMARY KEY);
";

/// A registered connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub id: i64,
    pub name: String,
    pub status: ConnectorStatus,
    pub registered: String,
    pub last_contact: Option<String>,
    pub configuration: Configuration,
}

/// An asset with everything the emulator stores about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub asset_id: i64,
    pub identity: Identity,
    pub device_id: Option<String>,
    /// The name of the connector that created it.
    pub imported_by: Option<String>,
    pub status: AssetStatus,
    pub hardware: BTreeMap<String, String>,
    pub software: Vec<Software>,
    pub attributes: BTreeMap<String, String>,
    pub location: Option<String>,
    pub responsible_person: Option<String>,
    pub revision: i64,
    pub created: String,
    pub modified: String,
}

/// A batch answer stored under its idempotency key.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub run_id: i64,
    pub request_sha256: String,
    pub results: String,
}

/// The database.
pub struct Store {
    pub(super) conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`; `:memory:` is a private in-memory one.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            let conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn
        };
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    // ---- connectors ----

    const CONNECTOR_COLUMNS: &str =
        "id, name, status, registered, last_contact, miradore_site, miradore_api_key, log_severity";

    fn connector_where(&self, condition: &str, value: &str) -> rusqlite::Result<Option<Connector>> {
        let sql = format!("SELECT {} FROM connectors WHERE {condition}", Self::CONNECTOR_COLUMNS);
        self.conn.query_row(&sql, [value], connector_from_row).optional()
    }

    pub fn connector_by_key_hash(&self, key_sha256: &str) -> rusqlite::Result<Option<Connector>> {
        self.connector_where("key_sha256 = ?1", key_sha256)
    }

    pub fn connector_by_name(&self, name: &str) -> rusqlite::Result<Option<Connector>> {
        self.connector_where("name = ?1", name)
    }

    pub fn connectors(&self) -> rusqlite::Result<Vec<Connector>> {
        let sql = format!("SELECT {} FROM connectors ORDER BY id", Self::CONNECTOR_COLUMNS);
        let mut statement = self.conn.prepare(&sql)?;
        statement.query_map([], connector_from_row)?.collect()
    }

    pub fn insert_connector(
        &self,
        name: &str,
        key_sha256: &str,
        status: ConnectorStatus,
    ) -> rusqlite::Result<Connector> {
        let now = clock::now();
        self.conn.execute(
            "INSERT INTO connectors (name, key_sha256, status, registered, last_contact) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![name, key_sha256, status.as_str(), now],
        )?;
        Ok(self.connector_by_name(name)?.expect("just inserted"))
    }

    pub fn touch_connector(&self, id: i64) -> rusqlite::Result<()> {
        self.conn.execute("UPDATE connectors SET last_contact = ?1 WHERE id = ?2", params![clock::now(), id]).map(drop)
    }

    /// Returns false when no connector has that name.
    pub fn set_connector_status(&self, name: &str, status: ConnectorStatus) -> rusqlite::Result<bool> {
        let changed =
            self.conn.execute("UPDATE connectors SET status = ?1 WHERE name = ?2", params![status.as_str(), name])?;
        Ok(changed > 0)
    }

    /// Replaces the configuration; returns false when no connector has that name.
    pub fn configure_connector(&self, name: &str, configuration: &Configuration) -> rusqlite::Result<bool> {
        let changed = self.conn.execute(
            "UPDATE connectors SET miradore_site = ?1, miradore_api_key = ?2, log_severity = ?3 WHERE name = ?4",
            params![
                configuration.miradore_site,
                configuration.miradore_api_key,
                configuration.log_severity.map(LogSeverity::as_str),
                name
            ],
        )?;
        Ok(changed > 0)
    }

    // ---- directory ----

    /// Adds users and locations (existing ones stay).
    pub fn seed_directory(&self, directory: &Directory) -> rusqlite::Result<()> {
        for user in &directory.users {
            self.conn.execute(
                "INSERT INTO users (email, name) VALUES (?1, ?2) ON CONFLICT(email) DO UPDATE SET name = excluded.name",
                params![user.email, user.name],
            )?;
        }
        for location in &directory.locations {
            self.conn.execute("INSERT OR IGNORE INTO locations (name) VALUES (?1)", [&location.name])?;
        }
        Ok(())
    }

    // ---- runs ----

    /// Starts a run; a run of the same connector still open becomes `N/A`.
    pub fn start_run(&mut self, connector_id: i64, client: Option<&str>, mode: Option<&str>) -> rusqlite::Result<Run> {
        let now = clock::now();
        let transaction = self.conn.transaction()?;
        let id: i64 = transaction.query_row(
            "INSERT INTO runs (connector_id, started, client, mode) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![connector_id, now, client, mode],
            |row| row.get(0),
        )?;
        transaction.execute(
            "UPDATE runs SET result = 'N/A', reason = 'no stop event before run ' || ?1 || ' started'
             WHERE connector_id = ?2 AND result IS NULL AND id <> ?1",
            params![id, connector_id],
        )?;
        transaction.commit()?;
        Ok(self.run(connector_id, id)?.expect("just inserted"))
    }

    const RUN_SELECT: &str = "SELECT r.id, c.name, r.started, r.ended, r.result, r.reason, r.log, r.client, r.mode,
        r.counts, r.applied FROM runs r JOIN connectors c ON c.id = r.connector_id";

    /// The run `run_id` when it belongs to `connector_id`.
    pub fn run(&self, connector_id: i64, run_id: i64) -> rusqlite::Result<Option<Run>> {
        let sql = format!("{} WHERE r.id = ?1 AND r.connector_id = ?2", Self::RUN_SELECT);
        self.conn.query_row(&sql, params![run_id, connector_id], run_from_row).optional()
    }

    /// All runs, newest first.
    pub fn runs(&self) -> rusqlite::Result<Vec<Run>> {
        let sql = format!("{} ORDER BY r.id DESC", Self::RUN_SELECT);
        let mut statement = self.conn.prepare(&sql)?;
        statement.query_map([], run_from_row)?.collect()
    }

    /// Records the stop event.
    pub fn stop_run(
        &self,
        run_id: i64,
        result: RunResult,
        counts: &BTreeMap<String, u64>,
        reason: Option<&str>,
        log: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE runs SET ended = ?1, result = ?2, counts = ?3, reason = ?4, log = ?5 WHERE id = ?6",
            params![clock::now(), result.as_str(), to_json(counts), reason, log, run_id],
        )?;
        Ok(())
    }

    // ---- idempotency ----

    pub fn stored_batch(&self, connector_id: i64, key: &str) -> rusqlite::Result<Option<StoredBatch>> {
        self.conn
            .query_row(
                "SELECT run_id, request_sha256, results FROM batches WHERE connector_id = ?1 AND idempotency_key = ?2",
                params![connector_id, key],
                |row| Ok(StoredBatch { run_id: row.get(0)?, request_sha256: row.get(1)?, results: row.get(2)? }),
            )
            .optional()
    }

    // ---- assets ----

    pub(super) const ASSET_SELECT: &str =
        "SELECT a.id, a.identity_kind, a.identity_value, a.device_id, c.name, a.status,
        a.hardware, a.software, a.attributes, a.location, a.responsible_person, a.revision, a.created, a.modified
        FROM assets a LEFT JOIN connectors c ON c.id = a.imported_by";

    /// Every asset, optionally only those in `status`, by id.
    pub fn assets(&self, status: Option<AssetStatus>) -> rusqlite::Result<Vec<Asset>> {
        let sql = format!("{} WHERE ?1 IS NULL OR a.status = ?1 ORDER BY a.id", Self::ASSET_SELECT);
        let mut statement = self.conn.prepare(&sql)?;
        statement.query_map([status.map(AssetStatus::as_str)], asset_from_row)?.collect()
    }

    /// One page of the assets `connector_id` imported, ids above `after`.
    pub fn assets_of(
        &self,
        connector_id: i64,
        status: Option<AssetStatus>,
        after: i64,
        limit: usize,
    ) -> rusqlite::Result<Vec<AssetSummary>> {
        let mut statement = self.conn.prepare(
            "SELECT id, identity_kind, identity_value, device_id, status, revision, modified FROM assets
             WHERE imported_by = ?1 AND (?2 IS NULL OR status = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
        )?;
        let rows = statement.query_map(
            params![connector_id, status.map(AssetStatus::as_str), after, limit as i64],
            |row| {
                Ok(AssetSummary {
                    asset_id: row.get(0)?,
                    identity: Identity { kind: row.get(1)?, value: row.get(2)? },
                    device_id: row.get(3)?,
                    status: parse_column(row, 4, AssetStatus::parse)?,
                    revision: row.get(5)?,
                    modified: row.get(6)?,
                })
            },
        )?;
        rows.collect()
    }
}

/// The stored e-mail of the user matching `email` without regard to case.
pub(super) fn find_user(connection: &Connection, email: &str) -> rusqlite::Result<Option<String>> {
    connection
        .prepare_cached("SELECT email FROM users WHERE email = ?1")?
        .query_row([email], |row| row.get(0))
        .optional()
}

/// The location named exactly `name`.
pub(super) fn find_location(connection: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    connection
        .prepare_cached("SELECT name FROM locations WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()
}

fn connector_from_row(row: &Row<'_>) -> rusqlite::Result<Connector> {
    let severity: Option<String> = row.get(7)?;
    Ok(Connector {
        id: row.get(0)?,
        name: row.get(1)?,
        status: parse_column(row, 2, ConnectorStatus::parse)?,
        registered: row.get(3)?,
        last_contact: row.get(4)?,
        configuration: Configuration {
            miradore_site: row.get(5)?,
            miradore_api_key: row.get(6)?,
            log_severity: severity.as_deref().and_then(LogSeverity::parse),
        },
    })
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    let result: Option<String> = row.get(4)?;
    Ok(Run {
        run_id: row.get(0)?,
        connector: row.get(1)?,
        started: row.get(2)?,
        ended: row.get(3)?,
        result: result.as_deref().and_then(RunResult::parse),
        reason: row.get(5)?,
        log: row.get(6)?,
        client: row.get(7)?,
        mode: row.get(8)?,
        counts: from_json_column(row, 9)?,
        applied: from_json_column(row, 10)?,
    })
}

pub(super) fn asset_from_row(row: &Row<'_>) -> rusqlite::Result<Asset> {
    Ok(Asset {
        asset_id: row.get(0)?,
        identity: Identity { kind: row.get(1)?, value: row.get(2)? },
        device_id: row.get(3)?,
        imported_by: row.get(4)?,
        status: parse_column(row, 5, AssetStatus::parse)?,
        hardware: from_json_column(row, 6)?,
        software: from_json_column(row, 7)?,
        attributes: from_json_column(row, 8)?,
        location: row.get(9)?,
        responsible_person: row.get(10)?,
        revision: row.get(11)?,
        created: row.get(12)?,
        modified: row.get(13)?,
    })
}

fn parse_column<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("bad value {text:?}").into(),
        )
    })
}

fn from_json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, error.into()))
}

/// Canonical JSON (serde_json maps are sorted), so equal content gives equal text.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}
