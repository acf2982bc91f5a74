//! Emulators of the two remote systems mapper talks to, for tests and for trying mapper
//! without accounts: a Miradore MDM API v1 server and an MMS connector-protocol server.
//! Both listen on 127.0.0.1 only, over HTTP or HTTPS with a self-signed certificate.
#![forbid(unsafe_code)]

pub mod miradore;
pub mod mms;
pub mod serve;
