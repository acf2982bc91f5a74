//! The `mapper` command: everything happens in [`mapper::cli::run`].
#![forbid(unsafe_code)]

/// Reading pages allocates a string per XML element; mimalloc doubles a dry run's throughput
/// over the system allocator for 35 to 50 MiB more (docs/performance.md, "The allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mapper::cli::run().into()
}
