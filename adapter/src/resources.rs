//! C handles as WIT resources: a per-store table from the `rep` a guest's
//! handle carries to the C pointer, with the destructor to run.
//!
//! wasmtime checks handle indices and resource types; this table is what a
//! `rep` means. Entries leave it when the guest drops the handle (the
//! destructor runs), when an `own` handle is passed to a consuming C
//! function (it does not), or when the store — and with it this table — is
//! dropped: then every live handle is destroyed, newest first, so that
//! children made from a parent go before it.
//!
//! A resource held by value (raylib's `Image`) keeps its C struct here, in a
//! [`Blob`]; its "pointer" is the blob's address.

use crate::native::callback::Closures;
use crate::native::{Blob, Callable};
use std::sync::Arc;
use wasmtime::component::Func;

/// Gives dlwit its handle table inside a store's data, as `WasiView` gives
/// WASI its context.
pub trait DlwitView {
    /// The store's handle table.
    fn handles(&mut self) -> &mut Handles;

    /// The directories the store's guest was given (its WASI preopens), which
    /// `@ffi(path = ...)` parameters are resolved against. The default gives
    /// none, so every such parameter is refused; give the guest directories
    /// with [`crate::Preopens::preopen`] and return them here.
    fn preopens(&self) -> &crate::Preopens {
        crate::Preopens::none()
    }
}

/// The C handles a store's guests hold. Put one in the store data and
/// implement [`DlwitView`]; dropping it destroys every handle still alive.
#[derive(Default)]
pub struct Handles {
    entries: Vec<Option<Entry>>,
    vacant: Vec<u32>,
    next_seq: u64,
    /// The guest's callback exports, per bindings number, by callback
    /// index (see [`crate::instantiate`]).
    exports: Vec<(u64, Vec<Option<Func>>)>,
    /// Closures C may hold pointers to: kept until every handle above has
    /// been destroyed (a field after `entries`, dropped after them).
    keep: Vec<Arc<Closures>>,
    /// The bindings (by number) whose functions a component instantiated
    /// through [`crate::instantiate`] was checked against: dlwit's functions
    /// refuse to run in a store where no component was checked against
    /// their bindings.
    checked: Vec<u64>,
}

struct Entry {
    ptr: u64,
    /// For a resource held by value: the struct, at `ptr`.
    value: Option<Blob>,
    resource: u32,
    drop: Option<Arc<Callable>>,
    seq: u64,
}

impl Handles {
    /// Whether a component checked against the bindings numbered `set` was
    /// instantiated in this store.
    #[inline]
    pub(crate) fn checked(&self, set: u64) -> bool {
        self.checked.contains(&set)
    }

    pub(crate) fn set_checked(&mut self, set: u64) {
        if !self.checked(set) {
            self.checked.push(set);
        }
    }

    /// How many handles are alive.
    pub fn live(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    pub(crate) fn insert(&mut self, ptr: u64, resource: u32, drop: Option<Arc<Callable>>) -> u32 {
        self.insert_entry(ptr, None, resource, drop)
    }

    /// Inserts a handle that holds a copy of the C struct `bytes`.
    pub(crate) fn insert_value(
        &mut self,
        bytes: &[u8],
        resource: u32,
        drop: Option<Arc<Callable>>,
    ) -> u32 {
        let blob = Blob::new(bytes);
        self.insert_entry(blob.addr(), Some(blob), resource, drop)
    }

    fn insert_entry(
        &mut self,
        ptr: u64,
        value: Option<Blob>,
        resource: u32,
        drop: Option<Arc<Callable>>,
    ) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Some(Entry {
            ptr,
            value,
            resource,
            drop,
            seq,
        });
        match self.vacant.pop() {
            Some(rep) => {
                self.entries[rep as usize] = entry;
                rep
            }
            None => {
                self.entries.push(entry);
                (self.entries.len() - 1) as u32
            }
        }
    }

    #[inline]
    fn entry(&self, rep: u32, resource: u32) -> Result<&Entry, String> {
        match self.entries.get(rep as usize) {
            Some(Some(e)) if e.resource == resource => Ok(e),
            Some(Some(_)) => Err(format!("handle {rep} belongs to another resource type")),
            _ => Err(format!("handle {rep} is not alive")),
        }
    }

    /// The C pointer behind `rep`.
    #[inline]
    pub(crate) fn get(&self, rep: u32, resource: u32) -> Result<u64, String> {
        self.entry(rep, resource).map(|e| e.ptr)
    }

    /// Records the guest's callback exports for the bindings numbered `set`.
    pub(crate) fn set_exports(&mut self, set: u64, funcs: Vec<Option<Func>>) {
        self.exports.retain(|(s, _)| *s != set);
        self.exports.push((set, funcs));
    }

    /// The guest's export for callback `index` of bindings `set`.
    pub(crate) fn export(&self, set: u64, index: usize) -> Option<Func> {
        let (_, funcs) = self.exports.iter().find(|(s, _)| *s == set)?;
        funcs.get(index).copied().flatten()
    }

    /// Keeps `closures` alive as long as this table (C objects in it may
    /// hold pointers to them).
    pub(crate) fn keep(&mut self, closures: &Arc<Closures>) {
        if !self.keep.iter().any(|c| Arc::ptr_eq(c, closures)) {
            self.keep.push(closures.clone());
        }
    }

    /// Lends C's `ptr` to the guest for a callback: an entry without a
    /// destructor, taken out again when the callback returns.
    pub(crate) fn lend(&mut self, ptr: u64, resource: u32) -> u32 {
        self.insert_entry(ptr, None, resource, None)
    }

    /// The bytes of the struct `rep` holds by value.
    pub(crate) fn value(&self, rep: u32, resource: u32) -> Result<&[u8], String> {
        match &self.entry(rep, resource)?.value {
            Some(blob) => Ok(blob.bytes()),
            None => Err(format!("handle {rep} holds a pointer, not a struct")),
        }
    }

    /// Takes `rep` out of the table without destroying it (C consumed it).
    pub(crate) fn take(&mut self, rep: u32, resource: u32) -> Result<u64, String> {
        self.entry(rep, resource)?;
        let entry = self.entries[rep as usize].take().expect("checked above");
        self.vacant.push(rep);
        Ok(entry.ptr)
    }

    /// Destroys `rep`: takes it out and runs its destructor.
    pub(crate) fn destroy(&mut self, rep: u32, resource: u32) -> Result<(), String> {
        self.entry(rep, resource)?;
        let entry = self.entries[rep as usize].take().expect("checked above");
        self.vacant.push(rep);
        entry.destroy();
        Ok(())
    }
}

impl Entry {
    /// Runs the destructor: with the struct by value when the handle holds
    /// one and the destructor takes one, with the pointer otherwise.
    fn destroy(self) {
        let Some(d) = &self.drop else { return };
        match &self.value {
            Some(blob) if d.takes_struct() => d.call_with_struct(blob.bytes()),
            _ => {
                d.call_with(&[self.ptr]);
            }
        }
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        let mut live: Vec<Entry> = self.entries.drain(..).flatten().collect();
        live.sort_by_key(|e| std::cmp::Reverse(e.seq));
        for e in live {
            e.destroy();
        }
    }
}
