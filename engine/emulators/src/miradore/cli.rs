//! `mapper-emulators miradore …`: serve the emulator, write a generated estate, or write the pages
//! of an estate as the server would answer them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use super::estate::Estate;
use super::faults::{FaultAction, FaultRule, Faults, QueryKind};
use super::generate::GenerateOptions;
use super::{MiradoreConfig, pages, start};
use crate::serve::ServeOptions;

/// The environment variable holding the API key when no `--api-key-file` is given.
pub const API_KEY_VARIABLE: &str = "MIRADORE_API_KEY";

/// `mapper-emulators miradore`.
#[derive(Debug, Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API on 127.0.0.1 until Ctrl-C; prints `url=… site=… api=… [cert=…]` on one line.
    Serve(ServeArgs),
    /// Write a generated estate as JSON.
    Estate(EstateArgs),
    /// Write every page of `GET /<site>/API/Device` as `DIR/device-0001.xml`, … exactly as served.
    Pages(PagesArgs),
}

/// Where the devices come from.
#[derive(Debug, clap::Args)]
struct Source {
    /// Serve this estate (JSON written by `miradore estate`) instead of a generated one.
    #[arg(long, value_name = "FILE.json", conflicts_with_all = ["devices", "seed", "mean_applications"])]
    estate: Option<PathBuf>,
    /// How many devices to generate.
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// Seed of the generator: the same seed gives the same estate.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Average applications per mobile device (desktops get three times as many).
    #[arg(long, default_value_t = 40)]
    mean_applications: usize,
}

impl Source {
    fn load(&self) -> Result<Estate, String> {
        match &self.estate {
            Some(path) => {
                let json = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
                Estate::from_json(&json).map_err(|error| format!("{}: {error}", path.display()))
            }
            None => Ok(Estate::generate_with(GenerateOptions {
                devices: self.devices,
                seed: self.seed,
                mean_applications: self.mean_applications,
            })),
        }
    }
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The site name: the first path segment, case-sensitive.
    #[arg(long, default_value = "acme")]
    site: String,
    /// Read the API key from this file (surrounding whitespace ignored); otherwise it comes from
    /// the environment variable MIRADORE_API_KEY. The key is never printed.
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve HTTPS with a fresh self-signed certificate, written to --cert-out.
    #[arg(long, requires = "cert_out")]
    tls: bool,
    /// Where to write the certificate (PEM) for clients to trust.
    #[arg(long, value_name = "FILE.pem")]
    cert_out: Option<PathBuf>,
    /// Delay every request by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Answer 429 to the first N requests.
    #[arg(long, value_name = "N")]
    rate_limit_first: Option<u32>,
    /// Answer 429 on this page.
    #[arg(long, value_name = "PAGE")]
    rate_limit_page: Option<usize>,
    /// The Retry-After of 429 answers, in seconds.
    #[arg(long, default_value_t = 1, value_name = "SECONDS")]
    retry_after: u32,
    /// Answer 500 on this page.
    #[arg(long, value_name = "PAGE")]
    fail_page: Option<usize>,
    /// Cut the XML of this page in the middle.
    #[arg(long, value_name = "PAGE")]
    truncate_page: Option<usize>,
    /// Send half of this page, then close the connection.
    #[arg(long, value_name = "PAGE")]
    drop_page: Option<usize>,
    /// Answer this page with the previous page's devices.
    #[arg(long, value_name = "PAGE")]
    repeat_page: Option<usize>,
    /// Announce this many devices more (or, negative, fewer) in `Items@count` than there are,
    /// on every list response.
    #[arg(long, value_name = "DELTA", allow_hyphen_values = true)]
    miscount: Option<i64>,
    /// Page faults fire on every matching request, not just the first.
    #[arg(long, alias = "fail-always")]
    fault_always: bool,
    /// Page faults apply only to this kind of query.
    #[arg(long, value_enum)]
    fault_query: Option<Kind>,
    /// Send every list response in chunks of this many bytes …
    #[arg(long, value_name = "BYTES", requires = "slow_body_delay_ms")]
    slow_body_chunk: Option<usize>,
    /// … with this pause between chunks.
    #[arg(long, value_name = "MS", requires = "slow_body_chunk")]
    slow_body_delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// Queries without InvApplication.
    Device,
    /// Queries whose select includes InvApplication.
    Software,
}

impl ServeArgs {
    fn api_key(&self) -> Result<String, String> {
        match &self.api_key_file {
            Some(path) => std::fs::read_to_string(path)
                .map(|key| key.trim().to_string())
                .map_err(|error| format!("{}: {error}", path.display())),
            None => std::env::var(API_KEY_VARIABLE)
                .map_err(|_| format!("no API key: give --api-key-file or set {API_KEY_VARIABLE}")),
        }
        .and_then(|key| if key.is_empty() { Err("the API key is empty".to_string()) } else { Ok(key) })
    }

    fn faults(&self) -> Faults {
        let mut faults = Faults::default().with_latency(Duration::from_millis(self.latency_ms));
        if let Some(requests) = self.rate_limit_first {
            faults = faults.with(FaultRule::rate_limit_first(requests, self.retry_after));
        }
        let page_faults = [
            (self.rate_limit_page, FaultAction::RateLimit { retry_after: self.retry_after }),
            (self.fail_page, FaultAction::ServerError),
            (self.truncate_page, FaultAction::Truncate),
            (self.drop_page, FaultAction::DropConnection),
            (self.repeat_page, FaultAction::RepeatPreviousPage),
        ];
        for (page, action) in page_faults {
            let Some(page) = page else { continue };
            faults = faults.with(self.narrow(FaultRule::new(action).on_page(page)));
        }
        if let Some(delta) = self.miscount {
            faults = faults.with(self.narrow(FaultRule::new(FaultAction::Miscount { delta })).always());
        }
        if let (Some(chunk_bytes), Some(delay)) = (self.slow_body_chunk, self.slow_body_delay_ms) {
            let action = FaultAction::SlowBody { chunk_bytes, delay: Duration::from_millis(delay) };
            faults = faults.with(self.narrow(FaultRule::new(action)).always());
        }
        faults
    }

    fn narrow(&self, mut rule: FaultRule) -> FaultRule {
        if self.fault_always {
            rule = rule.always();
        }
        match self.fault_query {
            Some(Kind::Device) => rule.on_query(QueryKind::Device),
            Some(Kind::Software) => rule.on_query(QueryKind::Software),
            None => rule,
        }
    }
}

#[derive(Debug, clap::Args)]
struct EstateArgs {
    #[command(flatten)]
    source: Source,
    /// Where to write the JSON.
    #[arg(long, value_name = "FILE.json")]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
struct PagesArgs {
    #[command(flatten)]
    source: Source,
    /// The `select` of the query.
    #[arg(long, default_value = super::select::DEFAULT_SELECT)]
    select: String,
    /// Rows per page.
    #[arg(long, default_value_t = super::options::DEFAULT_ROWS)]
    rows: usize,
    /// The folder to write the pages to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs a `miradore` subcommand; errors go to stderr.
pub fn run(args: Args) -> ExitCode {
    let result = match args.command {
        Command::Serve(serve) => run_serve(serve),
        Command::Estate(estate) => run_estate(estate),
        Command::Pages(pages) => run_pages(pages),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mapper-emulators miradore: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(args: ServeArgs) -> Result<(), String> {
    let config = MiradoreConfig {
        site: args.site.clone(),
        api_key: args.api_key()?,
        estate: Arc::new(args.source.load()?),
        faults: args.faults(),
    };
    let options = ServeOptions { port: args.port, tls: args.tls };
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let server = start(config, options).await.map_err(|error| format!("cannot listen: {error}"))?;
        let mut line = format!("url={} site={} api={}", server.url(), args.site, server.api_url());
        if let (Some(pem), Some(path)) = (&server.certificate_pem, &args.cert_out) {
            write(path, pem.as_bytes())?;
            line.push_str(&format!(" cert={}", path.display()));
        }
        println!("{line}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c().await.map_err(|error| error.to_string())?;
        server.stop();
        Ok(())
    })
}

fn run_estate(args: EstateArgs) -> Result<(), String> {
    let json = args.source.load()?.to_json().map_err(|error| error.to_string())?;
    write(&args.out, json.as_bytes())
}

fn run_pages(args: PagesArgs) -> Result<(), String> {
    let estate = args.source.load()?;
    let pages = pages(&estate, &args.select, args.rows).map_err(|error| error.to_string())?;
    std::fs::create_dir_all(&args.out).map_err(|error| format!("{}: {error}", args.out.display()))?;
    for (index, page) in pages.enumerate() {
        write(&args.out.join(format!("device-{:04}.xml", index + 1)), page.as_bytes())?;
    }
    Ok(())
}

fn write(path: &Path, contents: &[u8]) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|error| format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Command {
        let args = Args::try_parse_from(std::iter::once("miradore").chain(args.iter().copied())).unwrap();
        args.command
    }

    #[test]
    fn fault_flags_become_fault_rules() {
        let Command::Serve(serve) = parse(&[
            "serve",
            "--latency-ms",
            "20",
            "--rate-limit-first",
            "3",
            "--retry-after",
            "9",
            "--fail-page",
            "2",
            "--truncate-page",
            "4",
            "--repeat-page",
            "3",
            "--miscount",
            "-2",
            "--fail-always",
            "--fault-query",
            "software",
            "--slow-body-chunk",
            "100",
            "--slow-body-delay-ms",
            "5",
        ]) else {
            panic!("not serve")
        };
        let faults = serve.faults();
        assert_eq!(faults.latency, Duration::from_millis(20));
        let software = |action| FaultRule::new(action).always().on_query(QueryKind::Software);
        assert_eq!(
            faults.rules,
            vec![
                FaultRule::rate_limit_first(3, 9),
                software(FaultAction::ServerError).on_page(2),
                software(FaultAction::Truncate).on_page(4),
                software(FaultAction::RepeatPreviousPage).on_page(3),
                software(FaultAction::Miscount { delta: -2 }),
                software(FaultAction::SlowBody { chunk_bytes: 100, delay: Duration::from_millis(5) }),
            ]
        );
    }

    #[test]
    fn tls_needs_a_certificate_path_and_an_estate_file_excludes_generation() {
        let with = |args: &[&str]| Args::try_parse_from(std::iter::once("miradore").chain(args.iter().copied()));
        assert!(with(&["serve", "--tls"]).is_err());
        assert!(with(&["serve", "--estate", "e.json", "--devices", "5"]).is_err());
    }

    #[test]
    fn pages_are_written_as_served() {
        let out = std::env::temp_dir().join(format!("miradore-pages-{}", std::process::id()));
        let Command::Pages(pages) = parse(&[
            "pages",
            "--devices",
            "7",
            "--seed",
            "2",
            "--select",
            "ID,Tag.Name",
            "--rows",
            "3",
            "--out",
            out.to_str().unwrap(),
        ]) else {
            panic!("not pages")
        };
        run_pages(pages).unwrap();
        let estate = Estate::generate(7, 2);
        let expected = super::super::render_pages(&estate, "ID,Tag.Name", 3).unwrap();
        for (index, page) in expected.iter().enumerate() {
            let written = std::fs::read_to_string(out.join(format!("device-{:04}.xml", index + 1))).unwrap();
            assert_eq!(&written, page);
        }
        assert!(!out.join("device-0004.xml").exists());
        std::fs::remove_dir_all(out).unwrap();
    }
}
