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
//!
//! The table also keeps the store's memory limit: what dlwit allocates on
//! the host for this store's guests counts against it, checked before
//! allocating (see [`Handles::with_limit`]).

use crate::native::callback::Closures;
use crate::native::{Blob, Budget, Callable};
use std::sync::Arc;
use wasmtime::component::Func;

/// Gives dlwit its handle table inside a store's data, as `WasiView` gives
/// WASI its context.
pub trait DlwitView {
    /// The store's handle table.
    fn handles(&mut self) -> &mut Handles;
}

/// The default of [`Handles::limit`]: 64 MiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 << 20;

/// The C handles a store's guests hold, and the store's memory limit. Put
/// one in the store data and implement [`DlwitView`]; dropping it destroys
/// every handle still alive.
///
/// # The memory limit
///
/// What dlwit allocates on the host on a guest's behalf counts against a
/// per-store limit ([`DEFAULT_MEMORY_LIMIT`] unless set with
/// [`Handles::with_limit`] or [`Handles::set_limit`]), checked before
/// anything is allocated: a call's copies of strings and lists, the
/// out-buffers sized by a guest's capacity, the results copied out on the
/// general path, and the handle table's entries (with the structs held by
/// value). The limit bounds what the store holds at once: the table's
/// entries while they live, a call's copies and buffers while it runs
/// (nested calls, from callbacks into the same store, add up). A call over
/// it traps, naming the function and the sizes; the store goes on serving.
pub struct Handles {
    entries: Vec<Option<Entry>>,
    vacant: Vec<u32>,
    next_seq: u64,
    /// The guest's callback exports, per bindings number, by callback
    /// index (see [`crate::bind_exports`]).
    exports: Vec<(u64, Vec<Option<Func>>)>,
    /// Closures C may hold pointers to: kept until every handle above has
    /// been destroyed (a field after `entries`, dropped after them).
    keep: Vec<Arc<Closures>>,
    /// The memory limit, in bytes.
    limit: usize,
    /// What counts against it now: live entries, and the copies of calls
    /// in progress that lent the store to callbacks.
    in_use: usize,
}

impl Default for Handles {
    fn default() -> Handles {
        Handles::with_limit(DEFAULT_MEMORY_LIMIT)
    }
}

/// What an entry counts against the limit: its slot, and a struct held by
/// value.
fn entry_cost(value: Option<&Blob>) -> usize {
    std::mem::size_of::<Option<Entry>>() + value.map_or(0, |b| b.bytes().len())
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
    /// An empty table for a store whose host allocations for its guests may
    /// total at most `bytes`.
    pub fn with_limit(bytes: usize) -> Handles {
        Handles {
            entries: Vec::new(),
            vacant: Vec::new(),
            next_seq: 0,
            exports: Vec::new(),
            keep: Vec::new(),
            limit: bytes,
            in_use: 0,
        }
    }

    /// The store's memory limit, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the limit; what is already held stays (later allocations
    /// are refused until it is under the new limit).
    pub fn set_limit(&mut self, bytes: usize) {
        self.limit = bytes;
    }

    /// The bytes that count against the limit now.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// What a call may allocate now.
    #[inline]
    pub(crate) fn budget(&self) -> Budget {
        Budget {
            left: self.limit.saturating_sub(self.in_use),
            limit: self.limit,
        }
    }

    /// Counts `bytes` a call holds while C runs (and may call back into
    /// this store); given back with [`Handles::release`].
    pub(crate) fn hold(&mut self, bytes: usize) {
        self.in_use += bytes;
    }

    /// Gives back what [`Handles::hold`] counted.
    pub(crate) fn release(&mut self, bytes: usize) {
        self.in_use -= bytes;
    }

    /// How many handles are alive.
    pub fn live(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    /// Inserts the handle C made, or, when its entry would go over the
    /// limit, destroys the C object and refuses.
    pub(crate) fn insert(
        &mut self,
        ptr: u64,
        resource: u32,
        drop: Option<Arc<Callable>>,
    ) -> Result<u32, String> {
        self.check_entry(None, ptr, &drop)?;
        Ok(self.insert_entry(ptr, None, resource, drop))
    }

    /// Inserts a handle that holds a copy of the C struct `bytes` (or
    /// destroys it and refuses, as [`Handles::insert`]).
    pub(crate) fn insert_value(
        &mut self,
        bytes: &[u8],
        resource: u32,
        drop: Option<Arc<Callable>>,
    ) -> Result<u32, String> {
        let blob = Blob::new(bytes);
        self.check_entry(Some(&blob), blob.addr(), &drop)?;
        Ok(self.insert_entry(blob.addr(), Some(blob), resource, drop))
    }

    /// Refuses a new entry over the limit, destroying what C made.
    fn check_entry(
        &self,
        value: Option<&Blob>,
        ptr: u64,
        drop: &Option<Arc<Callable>>,
    ) -> Result<(), String> {
        let cost = entry_cost(value);
        let Err(over) = self.budget().check(cost, 0, cost) else {
            return Ok(());
        };
        if let Some(d) = drop {
            match value {
                Some(blob) if d.takes_struct() => d.call_with_struct(blob.bytes()),
                _ => {
                    d.call_with(&[ptr]);
                }
            }
        }
        Err(format!(
            "{}; C's object was destroyed",
            over.message(&format!(
                "the guest asked for a new handle ({cost} bytes, with {} alive)",
                self.live()
            ))
        ))
    }

    fn insert_entry(
        &mut self,
        ptr: u64,
        value: Option<Blob>,
        resource: u32,
        drop: Option<Arc<Callable>>,
    ) -> u32 {
        self.in_use += entry_cost(value.as_ref());
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
        self.in_use -= entry_cost(entry.value.as_ref());
        Ok(entry.ptr)
    }

    /// Destroys `rep`: takes it out and runs its destructor.
    pub(crate) fn destroy(&mut self, rep: u32, resource: u32) -> Result<(), String> {
        self.entry(rep, resource)?;
        let entry = self.entries[rep as usize].take().expect("checked above");
        self.vacant.push(rep);
        self.in_use -= entry_cost(entry.value.as_ref());
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
