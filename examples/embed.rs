//! A host that embeds dlwit the way it embeds WASI: load the bindings once,
//! add both to one linker, run a guest component.
//!
//! ```sh
//! (cd guest && cargo build --release --target wasm32-wasip2 -p libm-demo)
//! cargo run -p dlwit-examples --example embed -- wit/libm.wit guest/target/wasm32-wasip2/release/libm-demo.wasm
//! ```

use anyhow::{Context, Result, anyhow};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The store's data: WASI's state, and dlwit's table of C handles.
struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
    handles: dlwit::Handles,
}

impl dlwit::DlwitView for Host {
    fn handles(&mut self) -> &mut dlwit::Handles {
        &mut self.handles
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(wit), Some(guest)) = (args.next(), args.next()) else {
        return Err(anyhow!("usage: embed WIT COMPONENT"));
    };

    // Plan, open the libraries and resolve every symbol, once.
    #[expect(unsafe_code, reason = "the one contract dlwit cannot check")]
    // SAFETY: the WIT describes its library's real C signatures.
    let bindings = unsafe { dlwit::Bindings::load(wit.as_str(), &dlwit::Libraries::default()) }?;

    let mut config = Config::new();
    config.concurrency_support(false); // cheaper host calls; nothing here is async
    let engine = Engine::new(&config)?;
    let mut linker: Linker<Host> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    dlwit::add_to_linker(&mut linker, &bindings)?;

    let component = Component::from_file(&engine, &guest).map_err(|e| anyhow!("{e}"))?;
    let wasi = WasiCtx::builder().inherit_stdio().build();
    let mut store = Store::new(
        &engine,
        Host {
            wasi,
            table: ResourceTable::new(),
            handles: dlwit::Handles::default(),
        },
    );
    // Checks the component's declarations against the WIT, instantiates
    // it, and finds the exports C calls back (the WIT's
    // `@ffi(callbacks = true)` interfaces), if the world has any.
    let instance = dlwit::instantiate(&linker, &mut store, &component, &[&bindings])?;
    let command = Command::new(&mut store, &instance)?;
    command
        .wasi_cli_run()
        .call_run(&mut store)?
        .map_err(|()| anyhow!("the guest failed"))
        .context(guest)
}
