//! MMS connector-protocol emulator.
