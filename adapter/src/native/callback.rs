//! C calling the guest back: one libffi closure per callback export, made
//! at load and kept as long as the bindings (and every store that used
//! them), so a function pointer C holds can never outlive its code.
//!
//! Each store (tenant) gets its own set of closures ([`Callbacks::for_store`],
//! at its first call that needs them), so the function pointer C holds says
//! whose it is. The host function that is calling C installs itself as this
//! thread's re-entry point ([`reenter_with`]) for the duration of the C
//! call; a callback through that store's closures that arrives then goes to
//! it. Any other callback — on another thread, with no dlwit call under way,
//! or through another store's closures — never enters a store: it is queued
//! in its own store's queue (when its arguments can be copied without the
//! store and C expects no answer) and delivered by that store's next call
//! into these bindings, or answered with the callback's fallback value. The
//! queue holds at most its store's limit; beyond it, and once the store is
//! gone, callbacks are dropped and counted. A gone store's closures stay
//! with the bindings (C may still call them) until the bindings are
//! dropped.

use super::Library;
use dlwit_ctype::{CType, Layouts};
use libffi::middle::{Cif, Closure};
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The most C arguments a callback has.
pub const MAX_ARGS: usize = 16;

/// What a host function in the middle of a C call does with a callback.
pub trait Reenter {
    /// The store's tenant number: only callbacks through its own closures
    /// enter it.
    fn tenant(&self) -> u64;
    /// Calls back callback `index` of the bindings numbered `set` with the C
    /// arguments' bytes; writes C's result into `ret` (at least 8 bytes).
    /// Returns false when the guest could not answer: C then gets the
    /// callback's fallback value.
    fn call_back(&mut self, set: u64, index: usize, args: &[&[u8]], ret: &mut [u8]) -> bool;
}

thread_local! {
    static CURRENT: Cell<Option<NonNull<dyn Reenter + 'static>>> = const { Cell::new(None) };
}

/// Runs `f` (which calls C) with `guest` as this thread's re-entry point.
pub fn reenter_with<R>(guest: &mut dyn Reenter, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<NonNull<dyn Reenter + 'static>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.set(self.0);
        }
    }
    let ptr = NonNull::from(guest);
    // SAFETY: only the lifetime is erased, to keep the pointer in the
    // thread-local. `Restore` puts the previous value back when `f` returns
    // or unwinds, before the borrow of `guest` ends, so the pointer is only
    // used (by the closure trampoline, on this thread) while it is valid;
    // the caller does not touch `guest` while `f` runs.
    let ptr: NonNull<dyn Reenter + 'static> = unsafe { std::mem::transmute(ptr) };
    let _restore = Restore(CURRENT.replace(Some(ptr)));
    f()
}

/// How one C argument of a queueable callback is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// Its bytes.
    Bytes,
    /// The NUL-terminated string it points at (NULL stays NULL).
    CString,
    /// The `len` bytes it points at.
    Pointee(usize),
}

/// One callback as C calls it.
#[derive(Debug, Clone)]
pub struct Sig {
    /// Its name, for messages.
    pub name: String,
    /// The C parameters.
    pub args: Vec<CType>,
    /// The C result.
    pub ret: CType,
    /// What C gets when the guest cannot answer (it trapped, or the call
    /// came from another thread).
    pub fallback: i64,
    /// How to copy each argument so that the callback can wait in its
    /// store's queue for a later call; `None` when it cannot wait (C reads
    /// its result, or an argument needs the store).
    pub detach: Option<Vec<Copy>>,
}

/// A callback that arrived outside a dlwit call, copied: its arguments'
/// bytes, pointer arguments pointing into `owned`.
pub struct Detached {
    /// Index into the callbacks' [`Sig`]s.
    pub index: usize,
    args: Vec<[u8; 8]>,
    sizes: Vec<usize>,
    _owned: Vec<Box<[u8]>>,
}

// SAFETY: the pointers inside `args` point into `_owned`, which moves with
// the value; nothing else is shared.
unsafe impl Send for Detached {}

impl Detached {
    /// The arguments, as the callback would have seen them.
    pub fn args(&self) -> Vec<&[u8]> {
        self.args
            .iter()
            .zip(&self.sizes)
            .map(|(a, n)| &a[..*n])
            .collect()
    }
}

/// Callbacks that arrived outside their store's dlwit call, for its next
/// call: at most `limit`, none once the store is gone.
pub struct Queue {
    pending: AtomicUsize,
    items: Mutex<Vec<Detached>>,
    /// Dropped here (this store's count).
    dropped: AtomicUsize,
    /// Dropped in every store of the bindings.
    total: Arc<AtomicUsize>,
    limit: AtomicUsize,
    closed: AtomicBool,
}

impl Queue {
    /// Takes every queued callback, oldest first.
    pub fn drain(&self) -> Vec<Detached> {
        if self.pending.load(Ordering::Acquire) == 0 {
            return Vec::new();
        }
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        self.pending.store(0, Ordering::Release);
        std::mem::take(&mut *items)
    }

    /// Callbacks that could neither be delivered nor queued.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sets how many callbacks may wait.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    fn drop_one(&self, n: usize) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    fn push(&self, item: Detached) {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        if self.closed.load(Ordering::Relaxed) || items.len() >= self.limit.load(Ordering::Relaxed)
        {
            drop(items);
            self.drop_one(1);
            return;
        }
        items.push(item);
        self.pending.store(items.len(), Ordering::Release);
    }

    /// The store is gone: what waits is dropped (and counted), and so is
    /// everything that arrives later.
    fn close(&self) {
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        self.closed.store(true, Ordering::Relaxed);
        let n = items.len();
        items.clear();
        self.pending.store(0, Ordering::Release);
        drop(items);
        self.drop_one(n);
    }
}

/// Copies the arguments of callback `index` so that they outlive the call.
fn detach(index: usize, how: &[Copy], views: &[&[u8]]) -> Detached {
    let mut owned: Vec<Box<[u8]>> = Vec::new();
    let mut args = Vec::new();
    for (view, copy) in views.iter().zip(how) {
        let mut word = [0u8; 8];
        word[..view.len().min(8)].copy_from_slice(&view[..view.len().min(8)]);
        let addr = u64::from_le_bytes(word);
        let copied: Option<Box<[u8]>> = match copy {
            Copy::Bytes => None,
            Copy::CString => super::c_str_at(addr).map(|s| s.to_bytes_with_nul().into()),
            Copy::Pointee(len) => pointee(addr, *len).map(Into::into),
        };
        if let Some(buf) = copied {
            word = (buf.as_ptr() as usize as u64).to_le_bytes();
            owned.push(buf);
        }
        args.push(word);
    }
    Detached {
        index,
        sizes: views.iter().map(|v| v.len().min(8)).collect(),
        args,
        _owned: owned,
    }
}

/// What the trampoline knows of one callback.
struct Info {
    set: u64,
    /// The store these closures belong to.
    tenant: u64,
    index: usize,
    arg_sizes: Box<[usize]>,
    fallback: i64,
    /// How to copy each argument, when the callback can be queued.
    detach: Option<Vec<Copy>>,
    queue: Arc<Queue>,
}

/// The closures of one set of bindings, by callback index.
pub struct Closures {
    /// Field order matters: the closures go before the data they point to.
    closures: Vec<Closure<'static>>,
    /// Boxed: each closure holds its `Info`'s address.
    #[allow(clippy::vec_box)]
    infos: Vec<Box<Info>>,
    /// Each closure's code address, as C gets it.
    addrs: Vec<u64>,
    queue: Arc<Queue>,
    _lib: Vec<Arc<Library>>,
}

// SAFETY: the closures and their `Info` are written once in `Closures::new`
// and only read afterwards (by libffi's trampolines, from any thread); the
// queue is behind a mutex.
unsafe impl Send for Closures {}
// SAFETY: as above.
unsafe impl Sync for Closures {}

/// Counts closures alive in the process (for the leak test).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Closures alive in the process.
pub fn live_closures() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The callback closures of one set of bindings: a set of closures per
/// store, made on demand, and those of stores that are gone, kept until the
/// bindings are dropped (C may still hold their pointers).
pub struct Callbacks {
    sigs: Vec<Sig>,
    layouts: Layouts,
    set: u64,
    libs: Vec<Arc<Library>>,
    /// Callbacks dropped in every store.
    dropped: Arc<AtomicUsize>,
    retired: Mutex<Vec<Arc<Closures>>>,
}

impl Callbacks {
    /// The callbacks `sigs` (their structs laid out in `layouts`), for the
    /// bindings numbered `set`; makes one set of closures to check that
    /// libffi can.
    pub fn new(
        sigs: Vec<Sig>,
        layouts: Layouts,
        set: u64,
        libs: Vec<Arc<Library>>,
    ) -> Result<Callbacks, String> {
        if let Some(sig) = sigs.iter().find(|s| s.args.len() > MAX_ARGS) {
            return Err(format!(
                "callback `{}`: more than {MAX_ARGS} C parameters",
                sig.name
            ));
        }
        let callbacks = Callbacks {
            sigs,
            layouts,
            set,
            libs,
            dropped: Arc::default(),
            retired: Mutex::default(),
        };
        callbacks.for_store(0, 0)?;
        Ok(callbacks)
    }

    /// A new set of closures for the store numbered `tenant`, whose queue
    /// holds at most `limit` callbacks.
    pub fn for_store(&self, tenant: u64, limit: usize) -> Result<Arc<Closures>, String> {
        Closures::new(
            &self.sigs,
            &self.layouts,
            self.set,
            self.libs.clone(),
            tenant,
            self.dropped.clone(),
            limit,
        )
        .map(Arc::new)
    }

    /// The bindings' number.
    pub fn set(&self) -> u64 {
        self.set
    }

    /// The store of `closures` is gone: its queue is dropped, and the
    /// closures stay here (C may still call them; such callbacks are
    /// dropped and counted).
    pub fn retire(&self, closures: Arc<Closures>) {
        closures.queue.close();
        if closures.addrs.is_empty() {
            return;
        }
        self.retired
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(closures);
    }

    /// Callbacks dropped in every store: C expected an answer the guest
    /// could not give on its thread, the arguments needed the store, the
    /// queue was full, or the store was gone.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sets of closures kept for stores that are gone.
    pub fn retired(&self) -> usize {
        self.retired.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Closures {
    /// One closure per callback of `sigs`, for the bindings numbered `set`
    /// and the store numbered `tenant`.
    fn new(
        sigs: &[Sig],
        layouts: &Layouts,
        set: u64,
        libs: Vec<Arc<Library>>,
        tenant: u64,
        total: Arc<AtomicUsize>,
        limit: usize,
    ) -> Result<Closures, String> {
        let queue = Arc::new(Queue {
            pending: AtomicUsize::new(0),
            items: Mutex::default(),
            dropped: AtomicUsize::new(0),
            total,
            limit: AtomicUsize::new(limit),
            closed: AtomicBool::new(false),
        });
        let mut infos = Vec::new();
        let mut closures = Vec::new();
        let mut addrs = Vec::new();
        for (index, cb) in sigs.iter().enumerate() {
            let cif = Cif::try_new(
                cb.args.iter().map(|t| super::ffi_type(layouts, *t)),
                super::ffi_type(layouts, cb.ret),
            )
            .map_err(|e| format!("callback `{}`: libffi cannot prepare it: {e:?}", cb.name))?;
            let info = Box::new(Info {
                set,
                tenant,
                index,
                arg_sizes: cb.args.iter().map(|t| layouts.size_align(*t).0).collect(),
                fallback: cb.fallback,
                detach: cb.detach.clone(),
                queue: queue.clone(),
            });
            let ptr: *const Info = &*info;
            // SAFETY: the reference is to the boxed `Info`, whose heap
            // address is stable and which `Closures` drops after the closure
            // (field order), so it outlives every use by the trampoline.
            let userdata: &'static Info = unsafe { &*ptr };
            let closure = Closure::try_new(cif, trampoline, userdata).map_err(|e| {
                format!(
                    "callback `{}`: libffi cannot make a closure: {e:?}",
                    cb.name
                )
            })?;
            addrs.push(*closure.code_ptr() as usize as u64);
            closures.push(closure);
            infos.push(info);
            LIVE.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Closures {
            closures,
            infos,
            addrs,
            queue,
            _lib: libs,
        })
    }

    /// The C function pointer of callback `index`.
    pub fn addrs(&self) -> &[u64] {
        &self.addrs
    }

    /// Callbacks that arrived outside a dlwit call.
    pub fn queue(&self) -> &Arc<Queue> {
        &self.queue
    }
}

impl Drop for Closures {
    fn drop(&mut self) {
        LIVE.fetch_sub(self.closures.len(), Ordering::Relaxed);
        self.closures.clear();
        self.infos.clear();
    }
}

/// libffi calls this for every callback: it hands the arguments to the
/// host function under way on this thread, or queues them.
unsafe extern "C" fn trampoline(
    cif: &libffi::low::ffi_cif,
    result: &mut u64,
    args: *const *const c_void,
    info: &Info,
) {
    let n = info.arg_sizes.len().min(MAX_ARGS);
    debug_assert_eq!(cif.nargs as usize, n);
    let mut views: [&[u8]; MAX_ARGS] = [&[]; MAX_ARGS];
    for (i, view) in views.iter_mut().enumerate().take(n) {
        // SAFETY: libffi passes one pointer per argument of the CIF, each
        // to a value of that argument's type and size (`arg_sizes`, from
        // the same types), valid for the duration of this call.
        *view =
            unsafe { std::slice::from_raw_parts((*args.add(i)).cast::<u8>(), info.arg_sizes[i]) };
    }
    let views = &views[..n];
    let mut ret = [0u8; 8];
    // Never unwind into C.
    let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: set by `reenter_with` on this thread for the duration of
        // the C call that is calling back now.
        let lent = CURRENT.get().map(|mut g| unsafe { g.as_mut() });
        match lent {
            Some(guest) if guest.tenant() == info.tenant => {
                guest.call_back(info.set, info.index, views, &mut ret)
            }
            // Another thread, no call under way, or another store's call:
            // only its own store may see it.
            _ => {
                match &info.detach {
                    Some(how) => info.queue.push(detach(info.index, how, views)),
                    None => info.queue.drop_one(1),
                }
                false
            }
        }
    }))
    .unwrap_or(false);
    *result = if answered {
        u64::from_le_bytes(ret)
    } else {
        info.fallback as u64
    };
}

/// The `len` bytes at `addr`, which a callback's C argument points at.
pub fn pointee<'a>(addr: u64, len: usize) -> Option<&'a [u8]> {
    if addr == 0 {
        return None;
    }
    // SAFETY: the callback's declared C type says the argument points at a
    // value of this size (the load contract); it is read at once, during
    // the callback.
    Some(unsafe { std::slice::from_raw_parts(addr as usize as *const u8, len) })
}

/// The `i`th pointer of the C array at `addr` (`char **`, `T **`).
pub fn array_item(addr: u64, i: usize) -> u64 {
    pointee(addr + 8 * i as u64, 8)
        .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
}
