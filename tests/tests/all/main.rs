//! dlwit's integration tests, one binary: the fixture library and the guest
//! components are built once and shared.

mod cli;
mod echo;
mod handles;
mod hostile_format;
mod import;
mod imports;
mod langs;
mod layout;
mod libs;
mod lifetimes;
mod memory;
mod paths;
mod plan;
mod preconditions;
mod raylib;
mod sqlite;
mod threads;
