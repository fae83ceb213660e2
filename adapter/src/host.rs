//! Store data for hosts that need WASI and dlwit and nothing else — what
//! `dlwit run` uses. A host with state of its own implements `WasiView` and
//! [`DlwitView`] on its own type instead (see examples/embed.rs).

use crate::resources::{DlwitView, Handles};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// A WASI context, its resource table, and dlwit's handle table.
pub struct WasiHost {
    /// The guest's WASI context.
    pub wasi: WasiCtx,
    /// WASI's resources.
    pub table: ResourceTable,
    /// The C handles the guest holds.
    pub handles: Handles,
}

impl WasiHost {
    /// Store data around `wasi`.
    pub fn new(wasi: WasiCtx) -> WasiHost {
        WasiHost {
            wasi,
            table: ResourceTable::new(),
            handles: Handles::default(),
        }
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
}
