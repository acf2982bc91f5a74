//! CLI: `mapper sync`, the whole run (docs/design.md): authorization check, start event,
//! configuration, fetch, evaluate, guards, send, stop event (also when the run fails), summary
//! and report.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::args::{Format, SyncArgs};
use super::live::{consume_live, runtime};
use super::logging::Logging;
use super::{Exit, load_program_to_run, print_diagnostics};
use crate::compile::Program;
use crate::diag::{Diagnostic, render_text};
use crate::eval::{Outcome, evaluate};
use crate::ops::Summary;
use crate::ops::batch::{Batch, Batcher};
use crate::ops::guard::RetirementLimit;
use crate::ops::plan::{OwnedAssets, Planner, Retirements};
use crate::ops::report::{Problem, Report, RunResult};
use crate::sink::mms::{Client, Mms, MmsError, RunId, StopEvent, StopResult};
use crate::sink::sender::send_batches;

/// Batches waiting between the evaluator and the senders.
const QUEUED_BATCHES: usize = 16;

/// Runs the sync.
pub fn run(args: &SyncArgs, logging: &Logging) -> Exit {
    // A run that cannot start still leaves a report saying why, for the scheduler that reads it.
    let not_started = |exit: Exit, diagnostics: Vec<Diagnostic>| {
        print_diagnostics(&diagnostics, Format::Text);
        let reason = diagnostics.first().map_or_else(|| "the run did not start".into(), |d| d.message.clone());
        write_report(args, &Report { result: Some(RunResult::Failed), reason: Some(reason), ..Report::default() });
        exit
    };
    let program = match load_program_to_run(&args.rules) {
        Ok(program) => Arc::new(program),
        Err(diagnostics) => return not_started(Exit::InvalidInput, diagnostics),
    };
    let settings = match args.mms.settings() {
        Ok(Some(settings)) => settings,
        Ok(None) => {
            let missing = Diagnostic::error(crate::diag::Code::MmsSetup, "sync needs --mms-url URL");
            return not_started(Exit::InvalidInput, vec![missing]);
        }
        Err(diagnostic) => return not_started(Exit::InvalidInput, vec![diagnostic]),
    };
    let client = match Client::new(settings) {
        Ok(client) => Arc::new(client) as Arc<dyn Mms>,
        Err(error) => return not_started(Exit::InvalidInput, vec![error.diagnostic()]),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(diagnostic) => return not_started(Exit::Remote, vec![diagnostic]),
    };
    let (exit, report) = match runtime.block_on(sync(args, program, client, logging)) {
        (exit, Ok(report)) => (exit, report),
        (exit, Err(diagnostic)) => return not_started(exit, vec![diagnostic]),
    };
    println!("{}", report.summary);
    if !report.applied.is_empty() {
        let applied: Vec<String> = report
            .applied
            .iter()
            .map(|(operation, statuses)| {
                let statuses: Vec<String> =
                    statuses.iter().map(|(status, count)| format!("{status} {count}")).collect();
                format!("{operation} ({})", statuses.join(", "))
            })
            .collect();
        println!("applied:      {}", applied.join("; "));
    }
    println!("warnings:     {}", report.warnings.len());
    println!("not applied:  {}", report.not_applied.len());
    if let Some(reason) = &report.reason {
        println!("result:       Failed: {reason}");
    } else {
        println!("result:       Success");
    }
    write_report(args, &report);
    exit
}

/// Writes `report` to `--report FILE`, when given.
fn write_report(args: &SyncArgs, report: &Report) {
    let Some(path) = &args.report else {
        return;
    };
    let written = serde_json::to_string_pretty(report)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(path, json + "\n"));
    if let Err(error) = written {
        eprintln!("mapper: cannot write the report `{}`: {error}", path.display());
    }
}

/// Steps 2 to 9. Returns the exit and the report, or why the run never started.
async fn sync(
    args: &SyncArgs,
    program: Arc<Program>,
    mms: Arc<dyn Mms>,
    logging: &Logging,
) -> (Exit, Result<Report, Diagnostic>) {
    let state = match mms.status().await {
        Ok(state) => state,
        Err(error) => return (exit_of(&error), Err(error.diagnostic())),
    };
    if let Err(error) = state.require_active() {
        return (Exit::NotAuthorized, Err(error.diagnostic()));
    }
    let run = match mms.start_run().await {
        Ok(run) => run,
        Err(error) => return (exit_of(&error), Err(error.diagnostic())),
    };
    tracing::info!(run = %run, "run started");
    let mut report = Report::default();
    let exit = match body(args, &program, &mms, run, &mut report, logging).await {
        Ok(exit) => exit,
        Err((exit, diagnostic)) => {
            print_diagnostics(std::slice::from_ref(&diagnostic), Format::Text);
            report.reason.get_or_insert(diagnostic.message.clone());
            exit
        }
    };
    let failed = report.reason.is_some() || exit != Exit::Success;
    if failed && report.reason.is_none() {
        report.reason = Some(match exit {
            Exit::PartialFailure => {
                format!(
                    "{} failure(s), {} operation(s) not applied",
                    report.failures.len() + report.summary.failed as usize,
                    report.not_applied.len()
                )
            }
            _ => "the run did not complete".to_string(),
        });
    }
    report.result = Some(if failed { RunResult::Failed } else { RunResult::Success });
    let stop = StopEvent {
        result: if failed { StopResult::Failed } else { StopResult::Success },
        counts: counts(&report),
        reason: report.reason.clone(),
        log: None,
    };
    if let Err(error) = mms.stop_run(run, &stop).await {
        print_diagnostics(&[error.diagnostic()], Format::Text);
        return (if exit == Exit::Success { Exit::Remote } else { exit }, Ok(report));
    }
    (exit, Ok(report))
}

/// Steps 4 to 8, after the start event.
async fn body(
    args: &SyncArgs,
    program: &Arc<Program>,
    mms: &Arc<dyn Mms>,
    run: RunId,
    report: &mut Report,
    logging: &Logging,
) -> Result<Exit, (Exit, Diagnostic)> {
    let configuration = mms.configuration().await.map_err(|error| (exit_of(&error), error.diagnostic()))?;
    logging.configure_file_level(configuration.log_severity.as_filter());
    let settings = args
        .miradore
        .settings(configuration.miradore_site.as_deref(), configuration.miradore_api_key.as_ref())
        .map_err(|diagnostic| (Exit::InvalidInput, diagnostic))?;
    let owned: OwnedAssets = mms
        .assets(None)
        .await
        .map_err(|error| (exit_of(&error), error.diagnostic()))?
        .into_iter()
        .map(|asset| (asset.identity, asset.status.as_str().to_string()))
        .collect();

    let shared = Arc::new(Mutex::new(Report::default()));
    let progress = progress_bar();
    let (batch_tx, batch_rx) = mpsc::channel::<Batch>(QUEUED_BATCHES);
    let sender = tokio::spawn(send_batches(
        mms.clone(),
        run,
        batch_rx,
        args.batch_concurrency,
        shared.clone(),
        progress.clone(),
    ));
    let batch_size = args.batch_size.min(crate::sink::mms::MAX_BATCH_OPERATIONS);
    let consumer = {
        let program = program.clone();
        let progress = progress.clone();
        let batch_tx = batch_tx.clone();
        move |records: &mut dyn Iterator<Item = crate::source::Record>| {
            let mut state = Consumer {
                summary: Summary::default(),
                planner: Planner::default(),
                batcher: Batcher::new(batch_size),
                failures: Vec::new(),
            };
            let colour = std::io::stderr().is_terminal();
            for record in records {
                let outcome = evaluate(&program, &record);
                let operations = state.planner.plan(&outcome, &mut state.summary);
                if let Outcome::Mapped { device_id, passed_over, .. } = &outcome
                    && !passed_over.is_empty()
                {
                    let passed_over = crate::sink::preview::passed_over_text(passed_over);
                    tracing::debug!(device = %device_id, %passed_over, "identity keys passed over");
                }
                if let Outcome::Failed(error) = &outcome {
                    progress.suspend(|| eprintln!("{}", render_text(&error.diagnostic, colour)));
                    state.failures.push(Problem {
                        device_id: error.device_id.clone(),
                        operation: None,
                        code: error.diagnostic.code.as_str().into(),
                        reason: error.diagnostic.message.clone(),
                    });
                }
                if !operations.is_empty() {
                    progress.inc_length(operations.len() as u64);
                    if let Some(batch) = state.batcher.add_device(operations) {
                        let _ = batch_tx.blocking_send(batch);
                    }
                }
            }
            state
        }
    };
    let timeout = Duration::from_secs(args.miradore.fetch_timeout);
    let (consumed, fetched) = consume_live(settings, &program.query, timeout, None, consumer)
        .await
        .map_err(|diagnostic| (Exit::Remote, diagnostic))?;
    let mut state = consumed;
    let limit = RetirementLimit {
        max: args.max_retire,
        max_percent: args.max_retire_percent,
        allow_mass_retirement: args.allow_mass_retirement,
    };
    let retirements = state.planner.retirements(fetched.is_ok(), Some(&owned), &limit);
    state.summary.already_gone = state.planner.already_gone;
    let mut outcome = Ok(());
    let mut blocked = Vec::new();
    match retirements {
        Retirements::Send(operations) => {
            for operation in operations {
                state.summary.planned(std::slice::from_ref(&operation));
                progress.inc_length(1);
                if let Some(batch) = state.batcher.add_device(vec![operation]) {
                    let _ = batch_tx.send(batch).await;
                }
            }
        }
        Retirements::Incomplete { .. } => {}
        Retirements::Blocked { reason, held } => {
            outcome = Err((
                Exit::Blocked,
                Diagnostic::error(
                    crate::diag::Code::RetirementBlocked,
                    format!("{} retirements blocked: {reason}", held.len()),
                )
                .help("check the MDM; if the retirements are intended, run again with --allow-mass-retirement"),
            ));
            blocked = held
                .into_iter()
                .map(|operation| Problem {
                    device_id: operation.device_id,
                    operation: Some(operation.action.name().into()),
                    code: "retirement-blocked".into(),
                    reason: format!("not sent: {reason}"),
                })
                .collect();
        }
    }
    if let Some(batch) = state.batcher.close() {
        let _ = batch_tx.send(batch).await;
    }
    drop(batch_tx);
    let sent_batches = sender.await.unwrap_or_default();
    progress.finish_and_clear();

    let mut sent = std::mem::take(&mut *shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    report.summary = state.summary;
    report.applied = std::mem::take(&mut sent.applied);
    report.failures = state.failures;
    for failure in &state.planner.failures {
        tracing::error!(device = %failure.device_id, code = %failure.code, "{}", failure.reason);
    }
    report.failures.append(&mut state.planner.failures);
    report.failures.append(&mut sent.failures);
    report.warnings = state.planner.warnings;
    report.warnings.append(&mut sent.warnings);
    report.not_applied = sent.not_applied;
    report.not_applied.append(&mut blocked);
    for warning in &report.warnings {
        tracing::warn!(device = %warning.device_id, code = %warning.code, "{}", warning.reason);
    }
    if let Err(error) = fetched {
        return Err((Exit::Remote, error.diagnostic()));
    }
    if let Some(reason) = sent_batches.unreachable {
        let diagnostic = Diagnostic::error(
            crate::diag::Code::MmsUnreachable,
            format!("MMS stopped answering during the run: {reason}"),
        )
        .note(format!(
            "{} operation(s) were not applied or not confirmed; the report lists each; a rerun sends them again, safely",
            report.not_applied.len()
        ));
        return Err((Exit::Remote, diagnostic));
    }
    outcome?;
    if sent_batches.failed_batches > 0 || !report.failures.is_empty() || !report.not_applied.is_empty() {
        return Ok(Exit::PartialFailure);
    }
    Ok(Exit::Success)
}

struct Consumer {
    summary: Summary,
    planner: Planner,
    batcher: Batcher,
    failures: Vec<Problem>,
}

fn counts(report: &Report) -> std::collections::BTreeMap<String, u64> {
    let summary = &report.summary;
    let mut counts = std::collections::BTreeMap::from([
        ("devices_read".to_string(), summary.devices_read),
        ("imported".to_string(), summary.imported),
        ("skipped".to_string(), summary.skipped_total()),
        ("to_retire".to_string(), summary.to_retire),
        ("failed".to_string(), summary.failed),
        ("warnings".to_string(), report.warnings.len() as u64),
        ("not_applied".to_string(), report.not_applied.len() as u64),
    ]);
    for statuses in report.applied.values() {
        for (status, count) in statuses {
            *counts.entry(format!("applied_{status}")).or_default() += count;
        }
    }
    counts
}

/// The exit code for an MMS error.
pub fn exit_of(error: &MmsError) -> Exit {
    match error {
        MmsError::NotAuthorized { .. } | MmsError::Disabled { .. } => Exit::NotAuthorized,
        MmsError::Setup(_) => Exit::InvalidInput,
        _ => Exit::Remote,
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} operations sent {wide_bar} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
