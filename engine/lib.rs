//! mapper: moves device inventory from Miradore MDM into Miradore Management Suite.
//!
//! The pipeline: a rules file is loaded into a [`rules::RuleSet`] (spans on every node) and
//! compiled once into an immutable [`compile::Program`]. The [`source`] reads Miradore API v1 XML
//! pages into [`source::Record`]s; [`eval`] applies the program to each record and gives an
//! [`eval::Outcome`]: skipped with a reason, operations, or an error naming the device. [`ops`]
//! holds the operation model and the plan; the [`sink`] prints operations (dry-run) or sends them
//! to MMS. [`diag`] is the one diagnostic model every stage reports through; [`cli`] is the edge.
#![forbid(unsafe_code)]

pub mod cli;
pub mod compile;
pub mod diag;
pub mod eval;
pub mod http;
pub mod ops;
pub mod rules;
pub mod secret;
pub mod sink;
pub mod source;
