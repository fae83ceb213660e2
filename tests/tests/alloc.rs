//! The fast path allocates nothing per call: a counting global allocator
//! watches 10,000 calls of each benchmark shape (all but the string result,
//! which must allocate the copy), raylib's included. A count, not a timing,
//! so it is stable. And callbacks make no closure per call: 100,000 `qsort`
//! calls with a guest comparator leave the count of live closures as it was.
//!
//! Its own test binary, because the global allocator and the closure count
//! are the whole process's.

#![expect(unsafe_code, reason = "a global allocator is an unsafe impl")]
// The fast-path test and what only it uses are x86-64's (see below).
#![cfg_attr(not(target_arch = "x86_64"), allow(unused_imports, dead_code))]

use dlwit::{Libraries, WasiHost};
use dlwit_tests::{FIXTURE_LIB, Runner, bindings, engine, guest, raylib};
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

/// The counts are the whole process's: the tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The bench guest's shapes (`run`'s first argument), but 8, the string
/// result.
const SHAPES: [(u32, &str); 10] = [
    (0, "add"),
    (1, "rect-grow"),
    (2, "make-color"),
    (3, "bench-strlen"),
    (4, "hypot"),
    (5, "mixed10"),
    (6, "big-twice"),
    (7, "counter.get"),
    (9, "raylib check-collision-recs"),
    (10, "raylib fade"),
];

// The bench guest imports raylib, built for the host only (not under
// emulation).
#[cfg(target_arch = "x86_64")]
#[test]
fn fast_path_calls_allocate_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let b = bindings("tests/wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"));
    let mut linker: Linker<WasiHost> = Linker::new(engine());
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    dlwit::add_to_linker(&mut linker, &b).unwrap();
    // The bench guest also imports raylib (wit/raylib.wit).
    let rl =
        bindings("wit/raylib.wit", &Libraries::path(raylib())).unwrap_or_else(|e| panic!("{e}"));
    dlwit::add_to_linker(&mut linker, &rl).unwrap();
    // And zlib (wit/zlib.wit), for the bulk-data shapes.
    let z = bindings("wit/zlib.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    dlwit::add_to_linker(&mut linker, &z).unwrap();
    let component = Component::from_file(engine(), guest("bench")).unwrap();
    let host = WasiHost::new(WasiCtx::builder().build());
    let mut store = Store::new(engine(), host);
    let instance = dlwit::instantiate(&linker, &mut store, &component, &[&b, &rl, &z]).unwrap();
    let run = instance
        .get_typed_func::<(u32, u32), (u64,)>(&mut store, "run")
        .unwrap();
    let mut report = Vec::new();
    for (shape, name) in SHAPES {
        // Warm up: frames and scratch areas grow to their size once.
        run.call(&mut store, (shape, 100)).unwrap();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        run.call(&mut store, (shape, 10_000)).unwrap();
        let n = ALLOCATIONS.load(Ordering::Relaxed) - before;
        report.push(format!("{name}: {n}"));
    }
    println!("allocations per 10,000 calls: {}", report.join(", "));
    for (line, (_, name)) in report.iter().zip(SHAPES) {
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
    // A 16 MiB list C only reads is lent in place: nothing is copied, so
    // nothing is allocated (each call takes milliseconds: 20 of them).
    for (shape, name) in [(11, "crc32-z"), (12, "adler32-z")] {
        run.call(&mut store, (shape, 2)).unwrap();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        run.call(&mut store, (shape, 20)).unwrap();
        let n = ALLOCATIONS.load(Ordering::Relaxed) - before;
        assert!(n <= 4, "`{name}` over 16 MiB: {n} allocations for 20 calls");
    }
}

/// One libffi closure per callback export and store, made at the store's
/// first call and kept (C may still hold it) until the last holder of the
/// bindings is gone: 100,000 calls that C makes call back add one set, and
/// dropping everything brings the count back to zero. (The other test of
/// this binary binds no callbacks.)
#[test]
fn callbacks_make_no_closure_per_call() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(dlwit::live_closures(), 0);
    let b = bindings("wit/libc.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dlwit::live_closures(), 0, "made per store");
    let runner = Runner::new(&b);
    let out = runner.run("libc-demo", &["soak-callbacks"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(out.stdout.trim(), "soak: ok");
    assert_eq!(dlwit::live_closures(), 2, "compare-s32 and compare-point");
    assert_eq!(b.retired_closure_sets(), 1);
    drop((runner, b));
    assert_eq!(dlwit::live_closures(), 0);
}
