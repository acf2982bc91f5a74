//! `mapper-emulators mms serve | admin`: run the emulator, or administer its database.
//! Secrets (connector keys, Miradore API keys) come from files or environment variables and are
//! never printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use super::{Admin, AssetStatus, ConnectorStatus, Directory, Faults, LogSeverity, MmsConfig};
use crate::serve::ServeOptions;

/// The environment variable holding a connector key.
pub const CONNECTOR_KEY_ENV: &str = "MMS_CONNECTOR_KEY";
/// The environment variable holding a Miradore API key for `admin configure`.
pub const MIRADORE_API_KEY_ENV: &str = "MIRADORE_API_KEY";

/// The MMS connector-protocol emulator.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the protocol on 127.0.0.1; prints the base URL on one line, runs until Ctrl-C.
    Serve(ServeArgs),
    /// Administer the database: connectors, configuration, assets, runs.
    Admin(AdminArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// SQLite database file (created if missing; `:memory:` keeps nothing).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// JSON file of users and locations: {"users": ["a@example.com"], "locations": ["Helsinki"]}.
    #[arg(long, value_name = "FILE")]
    pub directory: Option<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The MMS instance name in the base URL.
    #[arg(long, default_value = "miradore")]
    pub instance: String,
    /// Serve HTTPS with a fresh self-signed certificate.
    #[arg(long)]
    pub tls: bool,
    /// Write the self-signed certificate (PEM) here.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cert_out: Option<PathBuf>,
    /// Sleep this long before answering each request.
    #[arg(long, value_name = "N")]
    pub latency_ms: Option<u64>,
    /// Answer the Nth batch request with 503 (once; nothing applied).
    #[arg(long, value_name = "N")]
    pub fail_batch: Option<u64>,
    /// Answer the Nth batch request with 503, and every retry of that batch (same
    /// Idempotency-Key) too: a batch that fails for good.
    #[arg(long, value_name = "N")]
    pub fail_batch_always: Option<u64>,
    /// Send `Retry-After: SECONDS` with the injected 503s.
    #[arg(long, value_name = "SECONDS")]
    pub fail_retry_after: Option<u64>,
    /// Apply the Nth batch request, then drop the connection without answering (once).
    #[arg(long, value_name = "N")]
    pub drop_after_batch: Option<u64>,
    /// From the Nth batch request on, drop every connection without answering: MMS goes away.
    #[arg(long, value_name = "N")]
    pub down_from_batch: Option<u64>,
    /// Register a connector with this name before serving, keyed by $MMS_CONNECTOR_KEY or --key-file.
    #[arg(long, value_name = "NAME")]
    pub register: Option<String>,
    /// The file holding the key for --register.
    #[arg(long, value_name = "FILE", requires = "register")]
    pub key_file: Option<PathBuf>,
    /// Make the connector given with --register Active at once.
    #[arg(long, requires = "register")]
    pub active: bool,
}

#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// SQLite database file.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// List connectors with their last run (the Connectors tab).
    Connectors,
    /// Register a connector, keyed by $MMS_CONNECTOR_KEY or --key-file.
    Register {
        name: String,
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Make it Active at once.
        #[arg(long)]
        active: bool,
    },
    /// Set a connector Active (or Disabled with --disable).
    Authorize {
        name: String,
        #[arg(long)]
        disable: bool,
    },
    /// Set a connector's configuration.
    Configure {
        name: String,
        #[arg(long, value_name = "SITE")]
        miradore_site: Option<String>,
        /// File holding the Miradore API key (or set $MIRADORE_API_KEY).
        #[arg(long, value_name = "FILE")]
        miradore_api_key_file: Option<PathBuf>,
        #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
        log_severity: LogSeverity,
    },
    /// Add users and locations from a directory file.
    Seed {
        #[arg(long, value_name = "FILE")]
        directory: PathBuf,
    },
    /// List assets.
    Assets {
        #[arg(long, value_name = "STATUS", value_parser = parse_asset_status)]
        status: Option<AssetStatus>,
    },
    /// List runs, newest first.
    Runs,
}

fn parse_severity(text: &str) -> Result<LogSeverity, String> {
    LogSeverity::parse(text).ok_or_else(|| "one of error, warning, info, debug, trace".to_string())
}

fn parse_asset_status(text: &str) -> Result<AssetStatus, String> {
    AssetStatus::parse(text).ok_or_else(|| "one of AutoGenerated, Active, Retired".to_string())
}

/// Runs the command; the exit code is 0 on success, 1 on failure, 2 on bad input.
pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        Command::Serve(serve) => run_serve(serve),
        Command::Admin(admin) => run_admin(admin),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read_secret(file: Option<&Path>, env: &str) -> Result<String, String> {
    let secret = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => std::env::var(env).map_err(|_| format!("give the secret in a file or in ${env}"))?,
    };
    Ok(secret.trim_end_matches(['\r', '\n']).to_string())
}

fn run_serve(args: ServeArgs) -> Result<(), String> {
    let directory = match &args.directory {
        Some(path) => Directory::load(path).map_err(|e| e.to_string())?,
        None => Directory::default(),
    };
    let registration = match &args.register {
        Some(name) => Some((name.clone(), read_secret(args.key_file.as_deref(), CONNECTOR_KEY_ENV)?)),
        None => None,
    };
    let config = MmsConfig {
        db_path: args.db.clone(),
        directory,
        faults: Faults {
            latency: args.latency_ms.map(Duration::from_millis),
            fail_batch: args.fail_batch,
            fail_batch_always: args.fail_batch_always,
            retry_after: args.fail_retry_after,
            drop_after_batch: args.drop_after_batch,
            down_from_batch: args.down_from_batch,
        },
        instance: args.instance.clone(),
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let server =
            super::start(config, ServeOptions { port: args.port, tls: args.tls }).await.map_err(|e| e.to_string())?;
        if let Some((name, key)) = registration {
            let admin = server.admin();
            let status = if args.active { ConnectorStatus::Active } else { ConnectorStatus::NotAuthorized };
            match admin.connector(&name).map_err(|e| e.to_string())? {
                Some(_) if args.active => admin.authorize(&name).map_err(|e| e.to_string())?,
                Some(_) => {}
                None => drop(admin.register_connector(&name, &key, status).map_err(|e| e.to_string())?),
            }
        }
        if let (Some(path), Some(pem)) = (&args.cert_out, server.certificate_pem()) {
            std::fs::write(path, pem).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        println!("{}", server.base_url());
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
        server.stop();
        Ok(())
    })
}

fn run_admin(args: AdminArgs) -> Result<(), String> {
    let admin = Admin::open(&args.db).map_err(|e| e.to_string())?;
    let fail = |e: super::AdminError| e.to_string();
    match args.command {
        AdminCommand::Connectors => {
            let runs = admin.runs().map_err(fail)?;
            let rows = admin.connectors().map_err(fail)?.into_iter().map(|c| {
                let last = runs.iter().find(|r| r.connector == c.name);
                let text = |value: Option<&str>| value.unwrap_or("-").to_string();
                vec![
                    c.name.clone(),
                    c.status.to_string(),
                    text(last.map(|r| r.started.as_str())),
                    text(last.and_then(|r| r.ended.as_deref())),
                    text(last.map(|r| r.result.map_or("running", |r| r.as_str()))),
                    text(last.and_then(|r| r.reason.as_deref().or(r.log.as_deref()))),
                    text(c.configuration.miradore_site.as_deref()),
                    if c.configuration.miradore_api_key.is_some() { "set" } else { "-" }.to_string(),
                    c.configuration.log_severity.map_or("info", LogSeverity::as_str).to_string(),
                ]
            });
            print_table(
                &["CONNECTOR", "STATUS", "START TIME", "END TIME", "RESULT", "LOG", "SITE", "API KEY", "SEVERITY"],
                rows.collect(),
            );
        }
        AdminCommand::Register { name, key_file, active } => {
            let key = read_secret(key_file.as_deref(), CONNECTOR_KEY_ENV)?;
            let status = if active { ConnectorStatus::Active } else { ConnectorStatus::NotAuthorized };
            admin.register_connector(&name, &key, status).map_err(fail)?;
            println!("registered '{name}' as {status}");
        }
        AdminCommand::Authorize { name, disable } => {
            let status = if disable { ConnectorStatus::Disabled } else { ConnectorStatus::Active };
            admin.set_status(&name, status).map_err(fail)?;
            println!("'{name}' is now {status}");
        }
        AdminCommand::Configure { name, miradore_site, miradore_api_key_file, log_severity } => {
            let key = match (&miradore_api_key_file, std::env::var_os(MIRADORE_API_KEY_ENV)) {
                (None, None) => None,
                _ => Some(read_secret(miradore_api_key_file.as_deref(), MIRADORE_API_KEY_ENV)?),
            };
            let mut configuration = admin
                .connector(&name)
                .map_err(fail)?
                .ok_or_else(|| format!("no connector is named '{name}'"))?
                .configuration;
            if miradore_site.is_some() {
                configuration.miradore_site = miradore_site;
            }
            if key.is_some() {
                configuration.miradore_api_key = key;
            }
            configuration.log_severity = Some(log_severity);
            admin.configure(&name, &configuration).map_err(fail)?;
            println!("configured '{name}'");
        }
        AdminCommand::Seed { directory } => {
            let directory = Directory::load(&directory).map_err(|e| e.to_string())?;
            admin.seed_directory(&directory).map_err(fail)?;
            println!("{} users, {} locations", directory.users.len(), directory.locations.len());
        }
        AdminCommand::Assets { status } => {
            let rows = admin.assets(status).map_err(fail)?.into_iter().map(|a| {
                vec![
                    a.asset_id.to_string(),
                    a.identity.to_string(),
                    a.device_id.unwrap_or_else(|| "-".into()),
                    a.status.to_string(),
                    a.imported_by.unwrap_or_else(|| "-".into()),
                    a.responsible_person.unwrap_or_else(|| "-".into()),
                    a.location.unwrap_or_else(|| "-".into()),
                    format!("{} / {}", a.hardware.len(), a.software.len()),
                    a.revision.to_string(),
                    a.modified,
                ]
            });
            print_table(
                &[
                    "ID",
                    "IDENTITY",
                    "DEVICE",
                    "STATUS",
                    "CONNECTOR",
                    "RESPONSIBLE",
                    "LOCATION",
                    "HW / SW",
                    "REV",
                    "MODIFIED",
                ],
                rows.collect(),
            );
        }
        AdminCommand::Runs => {
            let counts = |map: &std::collections::BTreeMap<String, u64>| {
                map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
            };
            let rows = admin.runs().map_err(fail)?.into_iter().map(|r| {
                vec![
                    r.run_id.to_string(),
                    r.connector.clone(),
                    r.started.clone(),
                    r.ended.clone().unwrap_or_else(|| "-".into()),
                    r.result.map_or("running", |r| r.as_str()).to_string(),
                    counts(&r.applied),
                    counts(&r.counts),
                    r.reason.clone().unwrap_or_else(|| "-".into()),
                ]
            });
            print_table(
                &["RUN", "CONNECTOR", "START TIME", "END TIME", "RESULT", "APPLIED", "REPORTED", "REASON"],
                rows.collect(),
            );
        }
    }
    Ok(())
}

/// Prints a table to stdout; stops quietly when stdout is closed (`... assets | head`).
fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    use std::io::Write;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let mut line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        writeln!(out, "{}", padded.join("  ").trim_end())
    };
    let written = line(headers.iter().map(|h| h.to_string()).collect())
        .and_then(|()| if rows.is_empty() { line(vec!["(none)".into()]) } else { Ok(()) })
        .and_then(|()| rows.into_iter().try_for_each(&mut line));
    if let Err(error) = written
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the table: {error}");
    }
}
