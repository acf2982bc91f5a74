//! Miradore MDM API v1 emulator.
