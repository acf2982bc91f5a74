//! The `mapper` command.
#![forbid(unsafe_code)]

fn main() {}
