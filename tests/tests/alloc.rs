//! The fast path allocates nothing per call: a counting global allocator
//! watches 10,000 calls of each benchmark shape (all but the string result,
//! which must allocate the copy). A count, not a timing, so it is stable.
//!
//! Its own test binary, because the global allocator is the whole process's.

#![expect(unsafe_code, reason = "a global allocator is an unsafe impl")]

use dlwit::{Libraries, WasiHost};
use dlwit_tests::{FIXTURE_LIB, bindings, engine, guest};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::Store;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi::WasiCtx;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; counting
// is a relaxed atomic increment.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SHAPES: [&str; 8] = [
    "add",
    "rect-grow",
    "make-color",
    "bench-strlen",
    "hypot",
    "mixed10",
    "big-twice",
    "counter.get",
];

#[test]
fn fast_path_calls_allocate_nothing() {
    let b = bindings("tests/wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"));
    let mut linker: Linker<WasiHost> = Linker::new(engine());
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    dlwit::add_to_linker(&mut linker, &b).unwrap();
    let component = Component::from_file(engine(), guest("bench")).unwrap();
    let host = WasiHost::new(WasiCtx::builder().build());
    let mut store = Store::new(engine(), host);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<(u32, u32), (u64,)>(&mut store, "run")
        .unwrap();
    let mut report = Vec::new();
    for (shape, name) in SHAPES.iter().enumerate() {
        // Warm up: frames and scratch areas grow to their size once.
        run.call(&mut store, (shape as u32, 100)).unwrap();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        run.call(&mut store, (shape as u32, 10_000)).unwrap();
        let n = ALLOCATIONS.load(Ordering::Relaxed) - before;
        report.push(format!("{name}: {n}"));
    }
    println!("allocations per 10,000 calls: {}", report.join(", "));
    for (line, name) in report.iter().zip(SHAPES) {
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        // A borrowed handle makes wasmtime itself record the loan in a fresh
        // per-call `Vec` (`CallContext::lenders`, vm/component/resources.rs):
        // one allocation per call that any binding taking a borrow pays, a
        // hand-written `Resource<T>` one included. Nothing else may allocate.
        let allowed = if name == "counter.get" { 10_000 + 8 } else { 4 };
        assert!(
            n <= allowed,
            "`{name}`: {n} allocations for 10,000 calls; all: {}",
            report.join(", ")
        );
    }
}
