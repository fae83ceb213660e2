//! Store data for hosts that need WASI and dlwit and nothing else — what
//! `dlwit run` uses. A host with state of its own implements `WasiView` and
//! [`DlwitView`] on its own type instead (see examples/embed.rs).

use crate::paths::Preopens;
use crate::resources::{DlwitView, Handles};
use std::path::Path;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// A WASI context, its resource table, dlwit's handle table and the
/// directories the guest was given.
pub struct WasiHost {
    /// The guest's WASI context.
    pub wasi: WasiCtx,
    /// WASI's resources.
    pub table: ResourceTable,
    /// The C handles the guest holds.
    pub handles: Handles,
    /// The directories the guest was given, for `@ffi(path = ...)`
    /// parameters: the same as its WASI preopens when both were made by
    /// [`WasiHost::preopened_dir`].
    pub preopens: Preopens,
}

impl WasiHost {
    /// Store data around `wasi`, with no directories for C functions that
    /// take paths (they refuse every path).
    pub fn new(wasi: WasiCtx) -> WasiHost {
        WasiHost::with_preopens(wasi, Preopens::new())
    }

    /// Store data around `wasi`, with `preopens` for C functions that take
    /// paths (made by [`WasiHost::preopened_dir`] along with `wasi`).
    pub fn with_preopens(wasi: WasiCtx, preopens: Preopens) -> WasiHost {
        WasiHost {
            wasi,
            table: ResourceTable::new(),
            handles: Handles::default(),
            preopens,
        }
    }

    /// Gives the host directory `host` to the guest as `guest`, to WASI in
    /// `wasi` and to dlwit's path parameters in `preopens` at once (what
    /// `dlwit run --dir HOST::GUEST` does); then build the store data with
    /// [`WasiHost::with_preopens`].
    pub fn preopened_dir(
        wasi: &mut WasiCtxBuilder,
        preopens: &mut Preopens,
        host: impl AsRef<Path>,
        guest: &str,
        perms: FsPerms,
    ) -> wasmtime::Result<()> {
        preopens.preopen(wasi, host, guest, perms)
    }
}

impl WasiView for WasiHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl DlwitView for WasiHost {
    fn handles(&mut self) -> &mut Handles {
        &mut self.handles
    }

    fn preopens(&self) -> &Preopens {
        &self.preopens
    }
}
