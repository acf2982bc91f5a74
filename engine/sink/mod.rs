//! Sink: where operations go: printed for a dry run, or sent to MMS.

pub mod mms;
pub mod preview;
pub mod sender;
