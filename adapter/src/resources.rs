//! C handles as WIT resources: a per-store table from the `rep` a guest's
//! handle carries to the C pointer, with the destructor to run.
//!
//! wasmtime checks handle indices and resource types; this table is what a
//! `rep` means. Entries leave it when the guest drops the handle (the
//! destructor runs), when an `own` handle is passed to a consuming C
//! function (it does not), or when the store — and with it this table — is
//! dropped: then every live handle is destroyed, children before their
//! parents, and otherwise newest first.
//!
//! A handle made by a function with `@ffi(parent = "p")` is a child of the
//! handle `p`: it holds a reference on its parent's entry. The guest
//! dropping the parent only hides it (its `rep` is no longer the guest's);
//! the C destructor runs once the last child is gone. A parent with live
//! children cannot be consumed by C (`own`); a child C consumed releases
//! its parent once that C call returned ([`Handles::release_consumed`]).
//!
//! A resource held by value (raylib's `Image`) keeps its C struct here, in a
//! [`Blob`]; its "pointer" is the blob's address. One held in place
//! (`z_stream`) keeps, beside its struct, the buffers its pointer fields
//! point at ([`Handles::give`], [`Handles::take_output`]).
//!
//! The table also keeps the store's memory limit: what dlwit allocates on
//! the host for this store's guests counts against it, checked before
//! allocating (see [`Handles::with_limit`]).

use crate::native::callback::{Callbacks, Closures};
use crate::native::{Blob, Budget, Destructor};
use crate::plan::Buffer;
use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use wasmtime::component::Func;

/// Gives dlwit its handle table inside a store's data, as `WasiView` gives
/// WASI its context.
pub trait DlwitView {
    /// The store's handle table.
    fn handles(&mut self) -> &mut Handles;

    /// The directories the store's guest was given (its WASI preopens), which
    /// `@ffi(path = ...)` parameters are resolved against. The default gives
    /// none, so every such parameter is refused; give the guest directories
    /// with [`crate::paths::Preopens::preopen`] and return them here.
    fn preopens(&self) -> &crate::paths::Preopens {
        crate::paths::Preopens::none()
    }
}

/// How many callbacks from C's threads wait for a store's next call, by
/// default ([`Handles::set_callback_queue_limit`]).
pub const CALLBACK_QUEUE_LIMIT: usize = 1024;

/// Numbers stores for their callbacks (0: not yet numbered).
static NEXT_TENANT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// How the guests of every store of the process hold one C object (C's
/// objects are the process's): owned handles, each destroying it once
/// (more than one only from functions that are `refcounted`), and handles
/// of it as C's own (`borrowed`) with no parent to keep an owner alive,
/// which must never see it destroyed. Not the host's objects (structs held
/// by value or in place), nor what callbacks are lent.
#[derive(Default)]
struct Held {
    owned: u32,
    borrowed: u32,
}

static HELD: LazyLock<Mutex<HashMap<u64, Held>>> = LazyLock::new(Default::default);

/// How many owned handles one C object may have ([`Handles::insert`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owners {
    /// One.
    One,
    /// Any number, each holding one of C's references (`refcounted`).
    Counted,
    /// Any number, not counted: C's functions, which nothing destroys.
    Any,
}

/// How an entry counts in [`HELD`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Claim {
    Owned,
    Borrowed,
}

/// Counts a new handle of `ptr`, unless it clashes with those there are:
/// `Err(Claim::Owned)` when a guest owns it (a second owner would destroy
/// it twice, unless `shared`; C's own object cannot be a guest's),
/// `Err(Claim::Borrowed)` when a guest holds it as C's own (an owner would
/// destroy it under that handle).
fn claim(ptr: u64, claim: Claim, shared: bool) -> Result<(), Claim> {
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    let h = held.entry(ptr).or_default();
    let clash = match claim {
        Claim::Owned if h.borrowed > 0 => Some(Claim::Borrowed),
        Claim::Owned if h.owned > 0 && !shared => Some(Claim::Owned),
        Claim::Owned => None,
        Claim::Borrowed => (h.owned > 0).then_some(Claim::Owned),
    };
    match (clash, claim) {
        (Some(clash), _) => {
            if h.owned == 0 && h.borrowed == 0 {
                held.remove(&ptr);
            }
            return Err(clash);
        }
        (None, Claim::Owned) => h.owned += 1,
        (None, Claim::Borrowed) => h.borrowed += 1,
    }
    Ok(())
}

/// Gives back what [`claim`] counted, before C destroys the object (after,
/// C could hand out its address again before it is given back).
fn unclaim(ptr: u64, claim: Claim) {
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    if let Slot::Occupied(mut o) = held.entry(ptr) {
        let h = o.get_mut();
        match claim {
            Claim::Owned => h.owned -= 1,
            Claim::Borrowed => h.borrowed -= 1,
        }
        if h.owned == 0 && h.borrowed == 0 {
            o.remove();
        }
    }
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
    /// index (see `dlwit::instantiate`).
    exports: Vec<(u64, Vec<Option<Func>>)>,
    /// This store's callback closures, per bindings: C may hold pointers to
    /// them, so they are handed back to their bindings (which keep them)
    /// only once every handle above has been destroyed.
    closures: Vec<(Arc<Callbacks>, Arc<Closures>)>,
    /// This store's number, which its closures carry (0 until needed).
    tenant: u64,
    /// How many callbacks from C's threads may wait for this store.
    queue_limit: usize,
    /// Parents of children C consumed during the call under way, released
    /// when it returned.
    consumed_parents: Vec<u32>,
    /// The bindings (by number) whose functions a component instantiated
    /// through `dlwit::instantiate` was checked against: dlwit's functions
    /// refuse to run in a store where no component was checked against
    /// their bindings.
    checked: Vec<u64>,
    /// How many calls into C that lent the store to callbacks are under
    /// way: meanwhile C may be using a held struct's buffers, which
    /// therefore cannot change.
    lent: u32,
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
    /// For a struct held in place: the buffer each of its buffer fields
    /// points at, once given.
    buffers: Vec<Option<Blob>>,
    resource: u32,
    drop: Option<Destructor>,
    seq: u64,
    /// The entry this handle keeps alive (`@ffi(parent = ...)`).
    parent: Option<u32>,
    /// Live children keeping this entry alive.
    children: u32,
    /// The guest dropped it while children were alive: no longer the
    /// guest's, destroyed with its last child.
    hidden: bool,
    /// C's own object, which C handed out (`@ffi(borrowed = true)`): no
    /// destructor runs, and C may not be given it as `own`.
    borrowed: bool,
    /// How it counts in [`HELD`], if it does.
    claim: Option<Claim>,
    /// Handed out as `const T *` by a `borrowed` function: only C
    /// parameters spelled `const T *` take it (it may be read-only memory).
    readonly: bool,
    /// How many C calls in progress that lent the store to callbacks use
    /// this object (were given it, or a child of it): while they run,
    /// only functions marked `reentrant` take it ([`Handles::lend_store`]).
    busy: u32,
}

/// `n` as the bytes of buffer `b`'s length field, if its type holds it.
fn length(b: &Buffer, n: u64) -> Result<Vec<u8>, String> {
    let size = b.len_type.size();
    let bits = 8 * size as u32 - u32::from(b.len_type.signed());
    if bits < 64 && n >> bits != 0 {
        return Err(format!(
            "{n} bytes do not fit `{}` ({}), the length of `{}`",
            b.len_name,
            b.len_type.spelling(),
            b.name
        ));
    }
    Ok(n.to_le_bytes()[..size].to_vec())
}

/// Refuses growing a buffer from `old` to `new` bytes over the budget.
fn grow(budget: &Budget, old: usize, new: usize, what: &str) -> Result<(), String> {
    let more = new.saturating_sub(old);
    budget
        .check(new, 0, more)
        .map_err(|over| over.message(&format!("{what} of {new} bytes")))
}

/// Points buffer field `b` of the held struct at `buffer`, its length field
/// holding `len`.
fn point(entry: &mut Entry, b: &Buffer, buffer: &Blob, len: &[u8]) {
    let value = entry.value.as_mut().expect("a held struct");
    value.write(b.ptr, &buffer.addr().to_le_bytes());
    value.write(b.len, len);
}

impl Entry {
    /// What it counts against the limit.
    fn cost(&self) -> usize {
        let buffers = self.buffers.iter().flatten().map(Blob::len).sum::<usize>();
        entry_cost(self.value.as_ref()) + buffers
    }
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

    /// Sets how many callbacks C makes from its own threads may wait for
    /// this store's next call (per bindings; [`CALLBACK_QUEUE_LIMIT`] by
    /// default). Beyond it they are dropped and counted
    /// ([`Handles::callbacks_dropped`]).
    pub fn set_callback_queue_limit(&mut self, limit: usize) {
        self.queue_limit = limit;
        for (_, c) in &self.closures {
            c.queue().set_limit(limit);
        }
    }

    /// Callbacks meant for this store that never reached it: beyond the
    /// queue limit, or answered with the fallback because C needed an
    /// answer on another thread.
    pub fn callbacks_dropped(&self) -> usize {
        self.closures.iter().map(|(_, c)| c.queue().dropped()).sum()
    }

    /// This store's number, which its callback closures carry.
    pub(crate) fn tenant(&mut self) -> u64 {
        if self.tenant == 0 {
            self.tenant = NEXT_TENANT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.tenant
    }

    /// This store's closures of `callbacks`, made at its first call.
    pub(crate) fn closures(
        &mut self,
        callbacks: &Arc<Callbacks>,
    ) -> Result<&Arc<Closures>, String> {
        let at = match self
            .closures
            .iter()
            .position(|(c, _)| c.set() == callbacks.set())
        {
            Some(at) => at,
            None => {
                let tenant = self.tenant();
                let made = callbacks.for_store(tenant, self.queue_limit)?;
                self.closures.push((callbacks.clone(), made));
                self.closures.len() - 1
            }
        };
        Ok(&self.closures[at].1)
    }

    /// An empty table for a store whose host allocations for its guests may
    /// total at most `bytes`.
    pub fn with_limit(bytes: usize) -> Handles {
        Handles {
            entries: Vec::new(),
            vacant: Vec::new(),
            next_seq: 0,
            exports: Vec::new(),
            closures: Vec::new(),
            tenant: 0,
            queue_limit: CALLBACK_QUEUE_LIMIT,
            consumed_parents: Vec::new(),
            checked: Vec::new(),
            lent: 0,
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
    /// this store); given back with [`Handles::release_bytes`].
    pub(crate) fn hold_bytes(&mut self, bytes: usize) {
        self.in_use += bytes;
    }

    /// Gives back what [`Handles::hold_bytes`] counted.
    pub(crate) fn release_bytes(&mut self, bytes: usize) {
        self.in_use -= bytes;
    }

    /// How many handles are alive (with parents the guest dropped whose C
    /// objects wait for their children).
    pub fn live(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    /// Of [`Handles::live`], parents the guest dropped whose C destructor
    /// waits for their last child.
    pub fn waiting_parents(&self) -> usize {
        self.entries.iter().flatten().filter(|e| e.hidden).count()
    }

    /// Inserts the handle C made, or, when its entry would go over the
    /// limit, destroys the C object and refuses. C's object must not be one
    /// a guest already owns a handle of (two handles would destroy it
    /// twice), unless it may have more `owners`, nor one a guest holds as
    /// C's own: else it is refused and left to its holder.
    pub(crate) fn insert(
        &mut self,
        ptr: u64,
        resource: u32,
        drop: Option<Destructor>,
        owners: Owners,
    ) -> Result<u32, String> {
        if owners == Owners::Any {
            self.check_entry(None, ptr, &drop, None)?;
            return Ok(self.insert_entry(ptr, None, resource, drop));
        }
        if let Err(clash) = claim(ptr, Claim::Owned, owners == Owners::Counted) {
            return Err(match clash {
                Claim::Owned => format!(
                    "C returned an object a guest already owns {}: a second owned handle would destroy it twice, so none is made (a function that hands out one object again, as ncurses' `initscr` does, is `@ffi(borrowed = true)` when the object is C's, or `@ffi(refcounted = true)` when C counts references to it)",
                    self.held(ptr, Claim::Owned)
                ),
                Claim::Borrowed => format!(
                    "C returned an object a guest holds {} as C's own (from a `borrowed` function): an owned handle would destroy it under that one, so none is made",
                    self.held(ptr, Claim::Borrowed)
                ),
            });
        }
        self.check_entry(None, ptr, &drop, Some(Claim::Owned))?;
        let rep = self.insert_entry(ptr, None, resource, drop);
        self.entries[rep as usize].as_mut().expect("inserted").claim = Some(Claim::Owned);
        Ok(rep)
    }

    /// Where this store holds `ptr` as `claim`: `as handle N`, or a
    /// phrase for another store (or a parent only hidden).
    fn held(&self, ptr: u64, claim: Claim) -> String {
        let rep = self.entries.iter().position(|e| {
            e.as_ref()
                .is_some_and(|e| e.claim == Some(claim) && e.ptr == ptr && !e.hidden)
        });
        match rep {
            Some(rep) => format!("as handle {rep}"),
            None => {
                "(in another store, or through a dropped handle whose children are alive)".into()
            }
        }
    }

    /// Inserts a handle to an object C owns (`@ffi(borrowed = true)`):
    /// dropping it runs no destructor, and no `own` parameter takes it;
    /// `readonly`: nor a `T *` one ([`Handles::get_for`]). Unless it is
    /// `kept` by a parent (`@ffi(parent = ...)`, which keeps the object's
    /// owner alive), the object must be none a guest owns: the owner's
    /// drop would destroy it under this handle.
    pub(crate) fn insert_borrowed(
        &mut self,
        ptr: u64,
        resource: u32,
        readonly: bool,
        kept: bool,
    ) -> Result<u32, String> {
        if !kept && claim(ptr, Claim::Borrowed, false).is_err() {
            return Err(format!(
                "C returned as its own (the function is `borrowed`) an object a guest owns {}: the owner's drop would destroy it under this handle, so none is made (give the function a `parent` that keeps the owner alive)",
                self.held(ptr, Claim::Owned)
            ));
        }
        let claim = (!kept).then_some(Claim::Borrowed);
        self.check_entry(None, ptr, &None, claim)?;
        let rep = self.insert_entry(ptr, None, resource, None);
        let e = self.entries[rep as usize].as_mut().expect("inserted");
        e.borrowed = true;
        e.readonly = readonly;
        e.claim = claim;
        Ok(rep)
    }

    /// Inserts a handle that holds a copy of the C struct `bytes` (or
    /// destroys it and refuses, as [`Handles::insert`]).
    pub(crate) fn insert_value(
        &mut self,
        bytes: &[u8],
        resource: u32,
        drop: Option<Destructor>,
    ) -> Result<u32, String> {
        let blob = Blob::new(bytes);
        self.check_entry(Some(&blob), blob.addr(), &drop, None)?;
        Ok(self.insert_entry(blob.addr(), Some(blob), resource, drop))
    }

    /// Refuses a new entry over the limit, destroying what C made (and
    /// giving back its [`claim`], if `claimed`, first).
    #[expect(
        unsafe_code,
        reason = "calls C through `Destructor::destroy`; see `SAFETY:`"
    )]
    fn check_entry(
        &self,
        value: Option<&Blob>,
        ptr: u64,
        drop: &Option<Destructor>,
        claimed: Option<Claim>,
    ) -> Result<(), String> {
        let cost = entry_cost(value);
        let Err(over) = self.budget().check(cost, 0, cost) else {
            return Ok(());
        };
        if let Some(claim) = claimed {
            unclaim(ptr, claim);
        }
        if let Some(d) = drop {
            // SAFETY: `ptr` (or the struct `value` holds) is what C just
            // made for this handle, not yet in the table: destroyed once,
            // here.
            unsafe { d.destroy(ptr, value.map(Blob::bytes)) };
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
        drop: Option<Destructor>,
    ) -> u32 {
        self.in_use += entry_cost(value.as_ref());
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Some(Entry {
            ptr,
            value,
            buffers: Vec::new(),
            resource,
            drop,
            seq,
            parent: None,
            children: 0,
            hidden: false,
            borrowed: false,
            claim: None,
            readonly: false,
            busy: 0,
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
            Some(Some(e)) if e.hidden => Err(format!("handle {rep} is not alive")),
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

    /// The C pointer of handle `rep`, for a C parameter `c_writes` says C
    /// may write through (asked only for a read-only handle, which such a
    /// parameter refuses), of a function that is `reentrant` or not (a
    /// busy handle only goes to one that is).
    #[inline]
    pub(crate) fn get_for(
        &self,
        rep: u32,
        resource: u32,
        reentrant: bool,
        c_writes: impl FnOnce() -> bool,
    ) -> Result<u64, String> {
        let e = self.entry(rep, resource)?;
        if e.readonly && c_writes() {
            return Err(format!(
                "handle {rep} is an object C handed out as `const T *` (its function is `borrowed`), perhaps in read-only memory: only a `const T *` parameter takes it, and C may write through this one"
            ));
        }
        if e.busy > 0 && !reentrant {
            return Err(format!(
                "handle {rep} is in use by the C call in progress that made this callback (it was given the object, or one of its children): only a function marked `@ffi(reentrant = true)` takes it until that call returns"
            ));
        }
        Ok(e.ptr)
    }

    /// Applies `f` to the busy count of `rep` and of each of its parents.
    fn walk_busy(&mut self, rep: u32, f: impl Fn(&mut u32)) {
        let mut at = Some(rep);
        while let Some(Some(e)) = at.and_then(|r| self.entries.get_mut(r as usize)) {
            f(&mut e.busy);
            at = e.parent;
        }
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

    /// Lends C's `ptr` to the guest for a callback: an entry without a
    /// destructor, taken out again when the callback returns.
    pub(crate) fn lend(&mut self, ptr: u64, resource: u32) -> u32 {
        self.insert_entry(ptr, None, resource, None)
    }

    /// Inserts a handle holding a new, zeroed struct of `size` bytes in
    /// place, with `buffers` buffer fields (none given yet).
    pub(crate) fn insert_held(
        &mut self,
        size: usize,
        buffers: usize,
        resource: u32,
        drop: Option<Destructor>,
    ) -> Result<u32, String> {
        let blob = Blob::zeroed(size);
        // Nothing of C's to destroy yet when it is refused.
        self.check_entry(Some(&blob), blob.addr(), &None, None)?;
        let rep = self.insert_entry(blob.addr(), Some(blob), resource, drop);
        let entry = self.entries[rep as usize].as_mut().expect("just made");
        entry.buffers = (0..buffers).map(|_| None).collect();
        Ok(rep)
    }

    /// Counts a C call that lent the store to callbacks, until
    /// [`Handles::unlend`], and marks the objects of the handles it was
    /// given (`busy`, by rep) busy, and their parents: a callback may not
    /// hand them to C again (but to a `reentrant` function) until the call
    /// returns. Neither they nor their parents can leave the table
    /// meanwhile: wasmtime lends a `borrow` for the call's duration, and a
    /// parent waits for its children.
    pub(crate) fn lend_store(&mut self, busy: &[u32]) {
        self.lent += 1;
        for &rep in busy {
            self.walk_busy(rep, |n| *n += 1);
        }
    }

    /// Ends what [`Handles::lend_store`] counted and marked.
    pub(crate) fn unlend(&mut self, busy: &[u32]) {
        self.lent -= 1;
        for &rep in busy {
            self.walk_busy(rep, |n| *n = n.saturating_sub(1));
        }
    }

    /// The entry of a struct held in place, to change: refused while C
    /// runs (a callback), which may be using it.
    fn held_mut(&mut self, rep: u32, resource: u32) -> Result<&mut Entry, String> {
        if self.lent > 0 {
            return Err("a held struct cannot change while C runs (in a callback)".into());
        }
        self.entry(rep, resource)?;
        match self.entries[rep as usize].as_mut() {
            Some(e) if e.value.is_some() => Ok(e),
            _ => Err(format!("handle {rep} holds a pointer, not a struct")),
        }
    }

    /// Writes `bytes` into the struct `rep` holds at `offset`.
    pub(crate) fn write_held(
        &mut self,
        rep: u32,
        resource: u32,
        offset: usize,
        bytes: &[u8],
    ) -> Result<(), String> {
        let value = self.held_mut(rep, resource)?.value.as_mut();
        value.expect("checked").write(offset, bytes);
        Ok(())
    }

    /// Copies `data` into a new buffer for buffer field `index` (`b`) of
    /// the struct `rep` holds, points the field at it and sets its length;
    /// the buffer it pointed at before is freed.
    pub(crate) fn give(
        &mut self,
        rep: u32,
        resource: u32,
        (index, b): (usize, &Buffer),
        data: &[u8],
    ) -> Result<(), String> {
        let len = length(b, data.len() as u64)?;
        let budget = self.budget();
        let entry = self.held_mut(rep, resource)?;
        let old = entry.buffers[index].as_ref().map_or(0, Blob::len);
        grow(&budget, old, data.len(), &format!("`{}`'s buffer", b.name))?;
        let buffer = Blob::new(data);
        point(entry, b, &buffer, &len);
        entry.buffers[index] = Some(buffer);
        self.in_use = self.in_use - old + data.len();
        Ok(())
    }

    /// The bytes C wrote into buffer field `index` (`b`) of the struct
    /// `rep` holds: from the buffer's start to where C left the field
    /// pointing; then the field points at a buffer of `capacity` bytes (the
    /// same one when it has that size), its length `capacity`.
    pub(crate) fn take_output(
        &mut self,
        rep: u32,
        resource: u32,
        (index, b): (usize, &Buffer),
        capacity: u64,
    ) -> Result<Vec<u8>, String> {
        let len = length(b, capacity)?;
        let budget = self.budget();
        let entry = self.held_mut(rep, resource)?;
        let bytes = entry.value.as_ref().expect("checked").bytes();
        let at = u64::from_le_bytes(bytes[b.ptr..b.ptr + 8].try_into().expect("8 bytes"));
        let buffer = &entry.buffers[index];
        let (start, old) = buffer.as_ref().map_or((0, 0), |x| (x.addr(), x.len()));
        let written = at
            .checked_sub(start)
            .filter(|n| *n <= old as u64)
            .ok_or_else(|| {
                format!(
                    "C left `{}` pointing outside the buffer the host gave it",
                    b.name
                )
            })?;
        let out = buffer
            .as_ref()
            .map_or(Vec::new(), |x| x.bytes()[..written as usize].to_vec());
        let capacity = capacity as usize;
        if buffer.is_none() || old != capacity {
            grow(&budget, old, capacity, &format!("`{}`'s buffer", b.name))?;
            entry.buffers[index] = Some(Blob::zeroed(capacity));
            self.in_use = self.in_use - old + capacity;
        }
        let entry = self.held_mut(rep, resource).expect("checked above");
        let buffer = entry.buffers[index].take().expect("made above");
        point(entry, b, &buffer, &len);
        entry.buffers[index] = Some(buffer);
        Ok(out)
    }

    /// The bytes of the struct `rep` holds by value.
    pub(crate) fn value(&self, rep: u32, resource: u32) -> Result<&[u8], String> {
        match &self.entry(rep, resource)?.value {
            Some(blob) => Ok(blob.bytes()),
            None => Err(format!("handle {rep} holds a pointer, not a struct")),
        }
    }

    /// Makes `keeper` keep `kept` alive from now on (`@ffi(keep = ...)`: C
    /// keeps `kept`'s object in `keeper`'s): `kept`'s destructor waits
    /// until `keeper` is gone. A handle keeps at most one other (keeping it
    /// again is nothing new), and never one that keeps it, however
    /// indirectly: neither could then be destroyed first.
    pub(crate) fn keep(&mut self, keeper: u32, kept: u32) -> Result<(), String> {
        let parent_of = |rep: u32| {
            self.entries
                .get(rep as usize)
                .and_then(Option::as_ref)
                .and_then(|e| e.parent)
        };
        match parent_of(keeper) {
            Some(p) if p == kept => return Ok(()),
            Some(p) => {
                return Err(format!(
                    "handle {keeper} keeps handle {p} alive already; C would keep handle {kept} in it too, and only one can be"
                ));
            }
            None => {}
        }
        let mut at = Some(kept);
        while let Some(rep) = at {
            if rep == keeper {
                return Err(format!(
                    "handle {kept} keeps handle {keeper} alive (or a handle that does); C would keep it in handle {keeper}, and neither could be destroyed first"
                ));
            }
            at = parent_of(rep);
        }
        self.adopt(keeper, kept)
    }

    /// Makes `child` (just inserted) keep `parent` alive: `parent`'s
    /// destructor waits until `child` is gone.
    pub(crate) fn adopt(&mut self, child: u32, parent: u32) -> Result<(), String> {
        match self.entries.get_mut(parent as usize) {
            Some(Some(p)) if !p.hidden => p.children += 1,
            _ => return Err(format!("parent handle {parent} is not alive")),
        }
        match self.entries.get_mut(child as usize) {
            Some(Some(c)) if c.parent.is_none() => c.parent = Some(parent),
            _ => unreachable!("adopt is called with a handle just made"),
        }
        Ok(())
    }

    /// Takes `rep` out of the table without destroying it (C consumed it).
    /// A handle with live children cannot be consumed: C would free what
    /// they point into. A child's parent is released by
    /// [`Handles::release_consumed`], once the consuming call returned.
    pub(crate) fn take(&mut self, rep: u32, resource: u32) -> Result<u64, String> {
        self.consumable(rep, resource)?;
        let entry = self.vacate(rep);
        if let Some(p) = entry.parent {
            self.consumed_parents.push(p);
        }
        Ok(entry.ptr)
    }

    fn consumable(&self, rep: u32, resource: u32) -> Result<(), String> {
        let e = self.entry(rep, resource)?;
        if e.borrowed {
            return Err(format!(
                "handle {rep} is an object C owns (the function that returned it is `borrowed`): it cannot be passed to C as `own` (consumed)"
            ));
        }
        match e.children {
            0 => Ok(()),
            n => Err(format!(
                "handle {rep} has {n} live child handle(s) that point into it; it cannot be passed to C as `own` (consumed) until they are dropped"
            )),
        }
    }

    /// Takes every `(rep, resource)` out of the table (C consumes them), or
    /// none when one of them cannot be taken.
    pub(crate) fn take_all(&mut self, handles: &[(u32, u32)]) -> Result<(), String> {
        for &(rep, resource) in handles {
            self.consumable(rep, resource)?;
        }
        for &(rep, resource) in handles {
            self.take(rep, resource)?;
        }
        Ok(())
    }

    /// Releases the parents of the children C consumed in the call that
    /// just returned (a parent the guest dropped is destroyed with its last
    /// child). Cheap when there are none.
    #[inline]
    pub(crate) fn release_consumed(&mut self) {
        let mut doomed = Doomed(Vec::new());
        while let Some(p) = self.consumed_parents.pop() {
            self.release(p, &mut doomed);
        }
        doomed.destroy();
    }

    /// Takes the live entry `rep` out of the table: its slot is free again,
    /// its cost given back, its pointer no longer the guest's.
    fn vacate(&mut self, rep: u32) -> Entry {
        let entry = self.entries[rep as usize].take().expect("a live entry");
        self.vacant.push(rep);
        self.in_use -= entry.cost();
        if let Some(claim) = entry.claim {
            unclaim(entry.ptr, claim);
        }
        entry
    }

    /// Takes `rep` out of the table for destruction: a parent with live
    /// children is only hidden from the guest, and destroyed with its last
    /// child. The caller runs the C destructors ([`Doomed::destroy`]) once
    /// the table is no longer borrowed, with the store lent to the
    /// callbacks C makes from them (`link.rs`).
    pub(crate) fn detach(&mut self, rep: u32, resource: u32) -> Result<Doomed, String> {
        let e = self.entry(rep, resource)?;
        let mut doomed = Doomed(Vec::new());
        if e.children > 0 {
            self.entries[rep as usize]
                .as_mut()
                .expect("checked above")
                .hidden = true;
            return Ok(doomed);
        }
        self.remove(rep, &mut doomed);
        Ok(doomed)
    }

    /// Takes the childless entry `rep` out for destruction (into `doomed`),
    /// and releases its parent.
    fn remove(&mut self, rep: u32, doomed: &mut Doomed) {
        let entry = self.vacate(rep);
        let parent = entry.parent;
        doomed.0.push(entry);
        if let Some(p) = parent {
            self.release(p, doomed);
        }
    }

    /// Drops one child's reference on `rep`; takes it out for destruction
    /// (into `doomed`, after the child) when the guest dropped it and this
    /// was its last child (and so on up the chain).
    fn release(&mut self, mut rep: u32, doomed: &mut Doomed) {
        loop {
            let Some(Some(e)) = self.entries.get_mut(rep as usize) else {
                return;
            };
            e.children = e.children.saturating_sub(1);
            if e.children > 0 || !e.hidden {
                return;
            }
            let entry = self.vacate(rep);
            let parent = entry.parent;
            doomed.0.push(entry);
            match parent {
                Some(p) => rep = p,
                None => return,
            }
        }
    }
}

/// Entries out of the table whose C destructors have yet to run, children
/// before their parents ([`Handles::detach`]). Dropping it without
/// [`Doomed::destroy`] would leak C's objects, so its `Drop` destroys them.
#[must_use = "the C destructors run in `destroy`"]
pub(crate) struct Doomed(Vec<Entry>);

impl Doomed {
    /// Whether there is nothing to destroy (a parent only hidden).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs the destructors, in order.
    pub(crate) fn destroy(mut self) {
        for entry in std::mem::take(&mut self.0) {
            entry.destroy();
        }
    }
}

impl Drop for Doomed {
    fn drop(&mut self) {
        for entry in std::mem::take(&mut self.0) {
            entry.destroy();
        }
    }
}

impl Entry {
    /// Runs the destructor: with the struct by value when the handle holds
    /// one and the destructor takes one, with the pointer otherwise.
    #[expect(
        unsafe_code,
        reason = "calls C through `Destructor::destroy`; see `SAFETY:`"
    )]
    fn destroy(self) {
        let Some(d) = &self.drop else { return };
        // SAFETY: the entry is leaving the table (it is consumed here), so
        // its object, which C made, is destroyed once.
        unsafe { d.destroy(self.ptr, self.value.as_ref().map(Blob::bytes)) };
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        self.release_consumed();
        // Children before their parents (a parent's children count is
        // nonzero while one lives), otherwise newest first.
        loop {
            let mut leaves: Vec<(u64, u32)> = self
                .entries
                .iter()
                .enumerate()
                .filter_map(|(rep, e)| {
                    e.as_ref()
                        .filter(|e| e.children == 0)
                        .map(|e| (e.seq, rep as u32))
                })
                .collect();
            if leaves.is_empty() {
                break;
            }
            leaves.sort_by_key(|&(seq, _)| std::cmp::Reverse(seq));
            for (_, rep) in leaves {
                let entry = self.entries[rep as usize].take().expect("a leaf");
                if let Some(p) = entry.parent
                    && let Some(Some(parent)) = self.entries.get_mut(p as usize)
                {
                    parent.children -= 1;
                }
                if let Some(claim) = entry.claim {
                    unclaim(entry.ptr, claim);
                }
                entry.destroy();
            }
        }
        // C objects that could call back are gone; C's threads may still.
        for (callbacks, closures) in self.closures.drain(..) {
            callbacks.retire(closures);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Handles, Owners};

    /// `keep`: a handle keeps one other alive; keeping it again is nothing
    /// new, another is refused, and so is a cycle, however long.
    #[test]
    fn a_handle_keeps_one_other_and_never_its_keeper() {
        let mut h = Handles::with_limit(1 << 20);
        let a = h.insert(0x11000, 0, None, Owners::One).unwrap();
        let b = h.insert(0x12000, 0, None, Owners::One).unwrap();
        let c = h.insert(0x13000, 0, None, Owners::One).unwrap();
        h.keep(a, b).unwrap();
        h.keep(a, b).unwrap();
        let e = h.keep(a, c).unwrap_err();
        assert!(
            e.contains(&format!("handle {a} keeps handle {b} alive already")),
            "{e}"
        );
        h.keep(b, c).unwrap();
        // c → a would close a → b → c.
        let e = h.keep(c, a).unwrap_err();
        assert!(e.contains("neither could be destroyed first"), "{e}");
        assert_eq!(h.live(), 3);
    }

    /// One C object is owned by one handle, unless its functions are
    /// `refcounted`: a second owned handle of it is refused while the first
    /// lives (as a hidden parent too, or in another store), and made again
    /// once it is gone; C's own objects (`borrowed`) are never owned, and
    /// an owned one is C's own only under a parent.
    #[test]
    fn an_object_the_guest_owns_is_not_handed_out_twice_unless_refcounted() {
        let mut h = Handles::with_limit(1 << 20);
        let a = h.insert(0x21000, 0, None, Owners::One).unwrap();
        let e = h.insert(0x21000, 0, None, Owners::One).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "C returned an object a guest already owns as handle {a}: a second owned handle would destroy it twice, so none is made"
            )),
            "{e}"
        );
        // Another resource type with the same pointer is the same object.
        assert!(h.insert(0x21000, 1, None, Owners::One).is_err());
        // Nor, as C's own, unless a parent keeps the owner alive.
        let e = h.insert_borrowed(0x21000, 0, false, false).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "C returned as its own (the function is `borrowed`) an object a guest owns as handle {a}: the owner's drop would destroy it under this handle, so none is made"
            )),
            "{e}"
        );
        let seen = h.insert_borrowed(0x21000, 0, false, true).unwrap();
        // Shared references are not refused.
        let b = h.insert(0x21000, 0, None, Owners::Counted).unwrap();
        let c = h.insert(0x21000, 0, None, Owners::Counted).unwrap();
        assert_eq!(h.live(), 4);
        for rep in [a, b, seen] {
            h.detach(rep, 0).unwrap().destroy();
        }
        assert!(h.insert(0x21000, 0, None, Owners::One).is_err());
        h.take(c, 0).unwrap();
        let child = h.insert(0x22000, 0, None, Owners::One).unwrap();
        let parent = h.insert(0x21000, 0, None, Owners::One).unwrap();
        h.adopt(child, parent).unwrap();
        assert!(h.detach(parent, 0).unwrap().is_empty());
        let e = h.insert(0x21000, 0, None, Owners::One).unwrap_err();
        assert!(
            e.contains("already owns (in another store, or through a dropped handle whose children are alive)"),
            "{e}"
        );
        h.detach(child, 0).unwrap().destroy();
        let mine = h.insert(0x21000, 0, None, Owners::One).unwrap();
        // C's objects are the process's: another store cannot own it too,
        // until this one is gone.
        let mut other = Handles::with_limit(1 << 20);
        assert!(other.insert(0x21000, 0, None, Owners::One).is_err());
        assert!(other.insert(0x21000, 0, None, Owners::Counted).is_ok());
        h.detach(mine, 0).unwrap().destroy();
        drop(other);
        // C's own object, held as such, is never a guest's.
        let own = h.insert_borrowed(0x23000, 0, false, false).unwrap();
        let also = h.insert_borrowed(0x23000, 0, false, false).unwrap();
        let e = h.insert(0x23000, 0, None, Owners::Counted).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "C returned an object a guest holds as handle {own} as C's own (from a `borrowed` function): an owned handle would destroy it under that one, so none is made"
            )),
            "{e}"
        );
        for rep in [own, also] {
            h.detach(rep, 0).unwrap().destroy();
        }
        assert!(h.insert(0x23000, 0, None, Owners::One).is_ok());
        // C's functions are nobody's: any number of handles, as any kind.
        for _ in 0..2 {
            h.insert(0x24000, 0, None, Owners::Any).unwrap();
        }
        h.insert_borrowed(0x24000, 0, false, false).unwrap();
        h.insert(0x24000, 0, None, Owners::Any).unwrap();
        assert!(h.insert(0x21000, 0, None, Owners::One).is_ok());
    }

    /// A C call that lends the store makes the handles it was given busy,
    /// and their parents, for as long as it runs (nested calls add up):
    /// only a `reentrant` function takes them meanwhile.
    #[test]
    fn handles_a_lending_call_was_given_are_busy_until_it_returns() {
        let mut h = Handles::with_limit(1 << 20);
        let db = h.insert(0x31000, 0, None, Owners::One).unwrap();
        let stmt = h.insert(0x32000, 0, None, Owners::One).unwrap();
        let other = h.insert(0x33000, 0, None, Owners::One).unwrap();
        h.adopt(stmt, db).unwrap();
        let take = |h: &Handles, rep, reentrant| h.get_for(rep, 0, reentrant, || true);
        h.lend_store(&[stmt]);
        h.lend_store(&[stmt]);
        for rep in [stmt, db] {
            let e = take(&h, rep, false).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "handle {rep} is in use by the C call in progress that made this callback (it was given the object, or one of its children): only a function marked `@ffi(reentrant = true)` takes it until that call returns"
                )
            );
            assert!(take(&h, rep, true).is_ok());
        }
        assert_eq!(take(&h, other, false), Ok(0x33000));
        h.unlend(&[stmt]);
        assert!(take(&h, db, false).is_err(), "the outer call still runs");
        h.unlend(&[stmt]);
        assert_eq!(take(&h, stmt, false), Ok(0x32000));
        assert_eq!(take(&h, db, false), Ok(0x31000));
    }
}
