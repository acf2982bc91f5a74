//! Integration tests: the real `mapper` binary against emulators on 127.0.0.1, the published
//! schemas and the docs. All of them link into this one binary.

mod cli;
mod docs;
mod environment;
mod miradore;
mod mms_client;
mod support;
mod sync;
