//! dlwit's integration tests, one binary: the fixture library and the guest
//! components are built once and shared.

mod cli;
mod echo;
mod handles;
mod held;
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
// raylib is built for the host only (scripts/raylib.sh): not under emulation.
#[cfg(target_arch = "x86_64")]
mod raylib;
mod sqlite;
mod threads;
