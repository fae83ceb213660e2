//! dlwit's integration tests, one binary: the fixture library and the guest
//! components are built once and shared.

mod cli;
mod echo;
mod handles;
mod import;
mod layout;
mod libs;
mod memory;
mod plan;
mod raylib;
mod sqlite;
mod threads;
