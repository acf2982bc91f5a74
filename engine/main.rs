//! The `mapper` command: everything happens in [`mapper::cli::run`].
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    mapper::cli::run().into()
}
