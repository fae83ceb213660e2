//! A host that runs the SQLite guest: dlwit's handle table lives in the
//! store data beside WASI's state, and a temporary directory is given to
//! the guest as `/data` — to WASI and to the C functions that take paths
//! at once — with `/data/demo.db` as the guest's argument: the native
//! sqlite opens the host file it resolves to, and nothing outside.
//!
//! ```sh
//! (cd guest && cargo build --release --target wasm32-wasip2 -p sqlite-demo)
//! cargo run -p dlwit-examples --example sqlite
//! cargo run -p dlwit-examples --example sqlite -- wit/sqlite.wit guest/target/wasm32-wasip2/release/sqlite-demo.wasm
//! ```

use anyhow::{Context, Result, anyhow};
use dlwit::WasiHost;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx};

/// A directory under the temporary directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() -> Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the examples live in the repository")?;
    let mut args = std::env::args().skip(1);
    let wit = args
        .next()
        .map_or_else(|| root.join("wit/sqlite.wit"), Into::into);
    let guest = args.next().map_or_else(
        || root.join("guest/target/wasm32-wasip2/release/sqlite-demo.wasm"),
        Into::into,
    );

    #[expect(unsafe_code, reason = "the one contract dlwit cannot check")]
    // SAFETY: wit/sqlite.wit describes libsqlite3's real C signatures.
    let bindings = unsafe { dlwit::Bindings::load(&wit, &dlwit::Libraries::default()) }?;

    let mut config = Config::new();
    config.concurrency_support(false);
    let engine = Engine::new(&config)?;
    let mut linker: Linker<WasiHost> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    dlwit::add_to_linker(&mut linker, &bindings)?;

    let component = Component::from_file(&engine, &guest)
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("cannot load `{}`", guest.display()))?;
    let dir = TempDir(std::env::temp_dir().join(format!("dlwit-sqlite-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().args(&["sqlite-demo", "/data/demo.db"]);
    let mut preopens = dlwit::Preopens::new();
    WasiHost::preopened_dir(
        &mut wasi,
        &mut preopens,
        &dir.0,
        "/data",
        FsPerms::ReadWrite,
    )?;
    let mut store = Store::new(&engine, WasiHost::with_preopens(wasi.build(), preopens));
    // Checks the component against the WIT, instantiates it, and records
    // what sqlite calls back (the guest's row callback and SQL function)
    // before anything calls C.
    let instance = dlwit::instantiate(&linker, &mut store, &component, &[&bindings])?;
    let command = Command::new(&mut store, &instance)?;
    let result = command.wasi_cli_run().call_run(&mut store);
    // Handles the guest left alive are closed when the store is dropped.
    let live = store.data().handles.live();
    drop(store);
    result?
        .map_err(|()| anyhow!("the guest failed"))
        .with_context(|| guest.display().to_string())?;
    println!("host: {live} handles were alive when the guest returned");
    Ok(())
}
