//! Binding a plan: open libraries → resolve symbols → prepare CIFs and
//! callback closures. Everything that can fail before a guest runs fails
//! here (the WIT and the plan before, in `load.rs`). The native layer sees
//! only C: each function's C types, the structs' layouts
//! ([`Plan::layouts`]) and each callback's [`callback::Sig`].

use crate::error::{Diagnostic, Error};
use crate::native::callback::{self, Callbacks};
use crate::native::{Callable, Library, jit};
use crate::plan::{CType, CbParam, Plan};
use std::path::PathBuf;
use std::sync::Arc;

/// Where to find the libraries a WIT names.
#[derive(Debug, Clone, Default)]
pub struct Libraries {
    /// Used for the WIT's library when it names exactly one, or none
    /// (`dlwit run --lib PATH`).
    pub default: Option<PathBuf>,
    /// Replaces the library the WIT names `soname` in `@ffi(lib = ...)`
    /// (`dlwit run --lib SONAME=PATH`).
    pub by_name: Vec<(String, PathBuf)>,
}

impl Libraries {
    /// Uses `path` for the WIT's one library.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Libraries {
            default: Some(path.into()),
            by_name: Vec::new(),
        }
    }
}

/// One planned function, ready to call.
#[derive(Clone)]
pub(crate) struct Bound {
    pub interface: usize,
    pub function: usize,
    pub callable: Arc<Callable>,
    /// `` `iface#func` (C `symbol` in `lib`) ``, for messages.
    pub context: String,
}

/// A WIT world bound to its native libraries: planned, opened and resolved.
/// Add it to a linker with [`crate::link::add_to_linker`]. Cloning is cheap: the
/// clones share everything.
#[derive(Clone)]
pub struct Bindings {
    pub(crate) plan: Arc<Plan>,
    pub(crate) bound: Vec<Bound>,
    /// The plan's auxiliary calls (destructors, `free`, message and length
    /// functions), bound like `plan.calls`.
    pub(crate) calls: Arc<[Arc<Callable>]>,
    /// Each resource's type tag (`ResourceType::host_dynamic`), unique in
    /// the process so that resources of different bindings never mix.
    pub(crate) payloads: Arc<[u32]>,
    /// One C-callable closure per callback export (`plan.callbacks`).
    pub(crate) closures: Arc<Callbacks>,
    /// A number unique in the process, which the closures carry.
    pub(crate) set: u64,
    /// Calls made of each bound function, when linked with
    /// `LinkOptions::count_calls`.
    pub(crate) counts: Arc<[std::sync::atomic::AtomicU64]>,
    /// The scratch bytes the reused frames of these bindings' functions
    /// hold, in every linker they were added to.
    pub(crate) frame_bytes: Arc<std::sync::atomic::AtomicUsize>,
}

/// The next bindings number.
static NEXT_SET: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The next resource type tag.
static NEXT_PAYLOAD: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

impl Bindings {
    /// Binds an already computed plan: opens its libraries, resolves every
    /// symbol, prepares every call. All problems found are reported at once.
    ///
    /// # Safety
    /// As for [`Bindings::load`].
    #[expect(
        unsafe_code,
        reason = "opens the WIT's libraries and prepares calls to their symbols, the load contract; see `SAFETY:`"
    )]
    pub unsafe fn bind(plan: Plan, libraries: &Libraries) -> Result<Bindings, Error> {
        let mut diags = Vec::new();
        let paths = library_paths(&plan, libraries, &mut diags);
        let layouts = plan.layouts();
        let mut opened = Vec::new();
        for (lib, path) in plan.libraries.iter().zip(&paths) {
            let Some(path) = path else {
                opened.push(None);
                continue;
            };
            // SAFETY: the caller trusts the libraries the WIT names.
            match unsafe { Library::open(path) } {
                Ok(l) => opened.push(Some(Arc::new(l))),
                Err(e) => {
                    diags.push(
                        Diagnostic::new(format!("cannot open library `{path}`: {e}"))
                            .at(lib.location.clone())
                            .hint("install the library, or give its path with `--lib PATH` or `--lib SONAME=PATH`"),
                    );
                    opened.push(None);
                }
            }
        }
        let mut bound = Vec::new();
        for (ii, iface) in plan.interfaces.iter().enumerate() {
            for (fi, f) in iface.functions.iter().enumerate() {
                let (Some(lib), Some(path)) = (&opened[f.library], &paths[f.library]) else {
                    continue;
                };
                let context = match f.callee() {
                    Some(r) => format!(
                        "`{}#{}` (C through a `{}` function pointer)",
                        iface.name, f.name, plan.resources[r].name
                    ),
                    None => format!(
                        "`{}#{}` (C `{}` in `{}`)",
                        iface.name, f.name, f.symbol, path
                    ),
                };
                // A call through a function pointer has no symbol: each
                // call gives the address (`Callable::call_at`).
                let addr = match f.callee() {
                    Some(_) => Ok(std::ptr::null_mut()),
                    None => lib.symbol(&f.symbol),
                };
                let addr = match addr {
                    Ok(a) => a,
                    Err(_) => {
                        diags.push(
                            Diagnostic::new(format!(
                                "symbol `{}` not found in `{path}`, for WIT function `{}#{}`",
                                f.symbol, iface.name, f.name
                            ))
                            .at(f.location.clone())
                            .hint("check the interface's `prefix` and `case`, or name the symbol with `@ffi(symbol = \"...\")`"),
                        );
                        continue;
                    }
                };
                let args: Vec<CType> = f.args.iter().map(|a| a.ty).collect();
                // SAFETY: `addr` is the symbol the WIT declares with these C
                // types; that they are its real types is the load contract.
                match unsafe {
                    Callable::new(&layouts, lib.clone(), addr, &args, f.ret_type, f.variadic)
                } {
                    Ok(mut callable) => {
                        if let Some(how) = f.variable {
                            callable.read_variable(how);
                        }
                        bound.push(Bound {
                            interface: ii,
                            function: fi,
                            callable: Arc::new(callable),
                            context,
                        })
                    }
                    Err(e) => diags
                        .push(Diagnostic::new(format!("{context}: {e}")).at(f.location.clone())),
                }
            }
        }
        let mut calls = Vec::new();
        // Auxiliary calls get compiled stubs where they can (see
        // `Callable::compile_aux_stub`); none when this machine has no
        // compiler for them.
        let mut jit = if plan.calls.is_empty() {
            None
        } else {
            jit::Jit::new().ok()
        };
        for c in &plan.calls {
            let (Some(lib), Some(path)) = (&opened[c.library], &paths[c.library]) else {
                continue;
            };
            let addr = match lib.symbol(&c.symbol) {
                Ok(a) => a,
                Err(_) => {
                    diags.push(
                        Diagnostic::new(format!("symbol `{}` not found in `{path}`", c.symbol))
                            .at(c.location.clone())
                            .hint("check the spelling of the function named in the annotation"),
                    );
                    continue;
                }
            };
            // SAFETY: the annotation names this symbol as a destructor, a
            // `free` or a message/length function with these C types.
            match unsafe { Callable::new(&layouts, lib.clone(), addr, &c.args, c.ret, None) } {
                Ok(mut callable) => {
                    if let Some(jit) = jit.as_mut() {
                        callable
                            .compile_aux_stub(jit)
                            .map_err(|e| {
                                diags.push(
                                    Diagnostic::new(format!("`{}`: {e}", c.symbol))
                                        .at(c.location.clone()),
                                )
                            })
                            .ok();
                    }
                    calls.push(Arc::new(callable))
                }
                Err(e) => diags
                    .push(Diagnostic::new(format!("`{}`: {e}", c.symbol)).at(c.location.clone())),
            }
        }
        let payloads = plan
            .resources
            .iter()
            .map(|_| NEXT_PAYLOAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            .collect();
        let set = NEXT_SET.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let libs = opened.iter().flatten().cloned().collect();
        let sigs = plan
            .callbacks
            .iter()
            .map(|cb| callback_sig(&plan, cb))
            .collect();
        let closures = match Callbacks::new(sigs, layouts, set, libs) {
            Ok(c) => Some(c),
            Err(e) => {
                diags.push(Diagnostic::new(e));
                None
            }
        };
        if let (true, Some(closures)) = (diags.is_empty(), closures) {
            Ok(Bindings {
                plan: Arc::new(plan),
                counts: bound.iter().map(|_| Default::default()).collect(),
                frame_bytes: Default::default(),
                bound,
                calls: calls.into(),
                payloads,
                closures: Arc::new(closures),
                set,
            })
        } else {
            Err(Error::Load(diags))
        }
    }

    /// The plan these bindings were made from.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// How many calls each function made into C (`iface#func`, most called
    /// first, functions never called left out), counted in every store
    /// linked with `LinkOptions::count_calls`.
    pub fn call_counts(&self) -> Vec<(String, u64)> {
        let mut counts: Vec<(String, u64)> = self
            .bound
            .iter()
            .zip(self.counts.iter())
            .map(|(b, n)| {
                let iface = &self.plan.interfaces[b.interface];
                let name = format!("{}#{}", iface.name, iface.functions[b.function].name);
                (name, n.load(std::sync::atomic::Ordering::Relaxed))
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }

    /// The scratch bytes the functions' reused frames hold now, in every
    /// linker these bindings were added to. Frames belong to the linker and
    /// are shared by its stores; a frame that grew past
    /// [`crate::native::TRIM_AT`] during a call gives its scratch back when
    /// the call is done, so this stays under that much per function.
    pub fn frame_bytes(&self) -> usize {
        self.frame_bytes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Callbacks, in every store, that never reached the guest: from
    /// another thread (or another store's call) when C expected an answer or
    /// the arguments need the store (C got the fallback value), beyond a
    /// store's queue limit, or for a store that was gone.
    pub fn callbacks_dropped(&self) -> usize {
        self.closures.dropped()
    }

    /// Sets of callback closures kept for stores that are gone (C may still
    /// hold their pointers): one per store that called into these bindings,
    /// freed with the bindings.
    pub fn retired_closure_sets(&self) -> usize {
        self.closures.retired()
    }

    /// How many functions call C directly (through the register-image
    /// trampoline, with stack arguments if need be), rather than through
    /// libffi: all but variadic ones and those needing more than
    /// [`MAX_STACK`](crate::native::abi::MAX_STACK) stack eightbytes.
    pub fn direct_calls(&self) -> usize {
        self.bound.iter().filter(|b| b.callable.is_direct()).count()
    }

    /// How many auxiliary calls (destructors, `free`, message and length
    /// functions) have a compiled stub: those whose parameters are all
    /// 8-byte integers or pointers.
    pub fn aux_stubs(&self) -> usize {
        self.calls.iter().filter(|c| c.has_aux_stub()).count()
    }

    /// Sends every call through libffi instead of the direct register-image
    /// path, to compare the two. Call it before adding the bindings to a
    /// linker.
    pub fn use_libffi_only(&mut self) {
        for b in &mut self.bound {
            if let Some(c) = Arc::get_mut(&mut b.callable) {
                c.use_libffi_only();
            }
        }
    }
}

/// The C destructor of `resource`'s handles, if it has one: its bound
/// auxiliary call (`calls`, bound from `plan.calls`).
pub(crate) fn destructor(
    plan: &Plan,
    calls: &[Arc<Callable>],
    resource: usize,
) -> Option<crate::native::Destructor> {
    let d = plan.resources[resource].drop?;
    Some(crate::native::Destructor::new(calls[d].clone()))
}

/// Callback `cb` as the native layer calls it: its C signature, its
/// fallback, and how each C argument is copied when it can wait in the
/// store's queue — only when C does not read its result and its parameters
/// need no store (values, strings, pointees).
fn callback_sig(plan: &Plan, cb: &crate::plan::Callback) -> callback::Sig {
    let detach = || {
        let mut how = vec![callback::Copy::Bytes; cb.args.len()];
        for p in &cb.params {
            match p {
                CbParam::Value { .. } => {}
                CbParam::String { arg, .. } => how[*arg] = callback::Copy::CString,
                CbParam::Pointee { arg, shape } => {
                    how[*arg] = callback::Copy::Pointee(plan.size_align(shape.ctype()).0)
                }
                _ => return None,
            }
        }
        Some(how)
    };
    callback::Sig {
        name: cb.name.clone(),
        args: cb.args.iter().map(|a| a.ty).collect(),
        ret: cb.ret_type,
        fallback: cb.fallback,
        detach: if cb.result.is_some() { None } else { detach() },
    }
}

/// Decides which file each library of the plan is opened from.
fn library_paths(
    plan: &Plan,
    libs: &Libraries,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<String>> {
    let named: Vec<&str> = plan
        .libraries
        .iter()
        .map(|l| l.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    let quoted = named
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for (soname, path) in &libs.by_name {
        if !named.contains(&soname.as_str()) {
            diags.push(
                Diagnostic::new(format!(
                    "`--lib {soname}={}` replaces no library: the WIT names {}",
                    path.display(),
                    if named.is_empty() { "none" } else { &quoted }
                ))
                .hint("use `--lib PATH` when the WIT names one library or none"),
            );
        }
    }
    if libs.default.is_some() && named.len() > 1 {
        diags.push(
            Diagnostic::new(format!(
                "`--lib PATH` is ambiguous: the WIT names {} libraries ({quoted})",
                named.len(),
            ))
            .hint("say which one it replaces with `--lib SONAME=PATH`"),
        );
    }
    plan.libraries
        .iter()
        .map(|lib| {
            if let Some((_, p)) = libs.by_name.iter().find(|(n, _)| *n == lib.name) {
                return Some(p.display().to_string());
            }
            if let Some(p) = &libs.default {
                return Some(p.display().to_string());
            }
            if lib.name.is_empty() {
                diags.push(
                    Diagnostic::new("the WIT names no library for its functions")
                        .at(lib.location.clone())
                        .hint("add `/// @ffi(lib = \"libfoo.so.1\")` above the interface, or pass `--lib PATH`"),
                );
                return None;
            }
            Some(lib.name.clone())
        })
        .collect()
}
