//! The `skillhub` binary, run as a user runs it: commands in a fresh temporary directory, and
//! the server as a real process, and schemathesis against its OpenAPI document. One test
//! binary for the crate.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backoffice;
mod commands;
mod demo;
mod mail;
mod schemathesis;
mod serve;
