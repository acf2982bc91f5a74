//! CLI: the process exit codes, from one place. Documented in docs/cli.md.

use std::process::ExitCode;

/// Why mapper exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success,
    /// The run finished, but some devices or operations failed (see the report).
    PartialFailure,
    /// The rules or the command-line arguments are invalid.
    InvalidInput,
    /// A guard blocked the run (retirement threshold, identity conflicts).
    Blocked,
    /// MMS has not authorized this connector.
    NotAuthorized,
    /// Miradore or MMS is unreachable, refused, or answered incompletely.
    Remote,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::PartialFailure => 1,
            Exit::InvalidInput => 2,
            Exit::Blocked => 3,
            Exit::NotAuthorized => 4,
            Exit::Remote => 5,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}
