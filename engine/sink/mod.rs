//! Sink: where operations go: printed for a dry run, or sent to MMS.

pub mod preview;
