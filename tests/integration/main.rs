//! Integration tests: the real `mapper` binary, the published schemas and the docs.

mod cli;
mod docs;
mod mms_client;
