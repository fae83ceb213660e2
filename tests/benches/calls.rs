//! The cost of one guest → native call, per call shape, for three bindings
//! of the same C functions (tests/fixture/bench.c and handles.c, two of
//! raylib's: `CheckCollisionRecs` and `Fade`, which need no window, and, for
//! bulk data, zlib's `crc32_z` and `adler32_z` over a 16 MiB `list<u8>` and
//! `strlen` of a 1 MiB string):
//!
//! * **native direct**: Rust calls the C functions through function pointers
//!   from libloading, in a loop that mirrors the guest's (no wasm at all);
//! * **hand-written**: the guest component (guest/bench) calls a typed
//!   `Linker::func_wrap` binding per function, written as a user would
//!   (derived record types, `WasmStr`, a host resource with a small table);
//! * **dlwit**: the same guest, the same loop, bound by `dlwit::Bindings::load`
//!   and `dlwit::add_to_linker` from tests/wit (and from wit/raylib.wit
//!   against the raylib that scripts/raylib.sh builds, and wit/zlib.wit
//!   against the system's zlib, in the same linker);
//!   and, for comparison, the same bindings with the fast path off
//!   (`LinkOptions { fast_path: false }`, every call through `func_new` and
//!   `Val`s; not measured for the 16 MiB lists, which that path lifts as
//!   one `Val` per byte).
//!
//! For each shape, one N (calibrated so that the slowest binding takes about
//! 0.25 s) is used for all of them; each binding runs `run(shape, N)` three
//! times, interleaved, and the best time divided by N is reported, raw (the
//! loop's own cost is included and nothing is subtracted). Times are the
//! thread's CPU time, so that other processes on a busy machine do not
//! count. The checksums must agree, which also checks that the bindings
//! compute the same thing. From the two raylib shapes it estimates what
//! the calls of one game frame cost: it runs guest/raylib-game for
//! `GAME_FRAMES` frames under Xvfb with `dlwit run --count-calls`, and
//! prices the calls per frame at the mean ns/call of the two. It then times `Bindings::load` and
//! `add_to_linker` for a generated 500-function world, and the compilation
//! of the guest component.
//!
//! `cargo bench -p dlwit-tests --bench calls`; the table is printed and
//! written to `target/bench/calls.md`. With `DLWIT_BENCH_PROFILE=SHAPE`
//! (or `SHAPE,hand`) it runs only that shape's loop on dlwit (or the
//! hand-written binding) for 5 s, to profile; with
//! `DLWIT_BENCH_ONLY=0,5,7` it measures only those shapes (numbered from 0
//! in table order) and prints their ratios, to compare two builds quickly.

#![expect(
    unsafe_code,
    reason = "the native baseline and the hand-written binding call C through function pointers, and loading bindings is unsafe by contract"
)]

use dlwit::{Bindings, Libraries, WitSource};
use dlwit_tests::{FIXTURE_LIB, raylib, root};
use std::ffi::{CStr, CString, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use wasmtime::component::{
    Component, ComponentType, Lift, Linker, Lower, Resource, ResourceType, TypedFunc, WasmList,
    WasmStr,
};
use wasmtime::{Config, Engine, Result, Store, bail, format_err};

/// The shapes, numbered as `run`'s `shape` argument in guest/bench.
const SHAPES: [&str; 14] = [
    "add (2 int → int)",
    "rect-grow (16-byte float struct in/out)",
    "make-color (4 int → 4-byte struct)",
    "bench-strlen (string param)",
    "hypot (2 double → double)",
    "mixed10 (10 mixed scalars)",
    "big-twice (24-byte struct in/out, memory)",
    "counter.get (method on a handle)",
    "strdup-count (string result, freed)",
    "raylib check-collision-recs (2 Rectangle → bool)",
    "raylib fade (Color + float → Color)",
    "zlib crc32-z (16 MiB list<u8>)",
    "zlib adler32-z (16 MiB list<u8>)",
    "bench-strlen (1 MiB string)",
];
/// The bulk-data shapes (`SHAPES` indices): a few calls take milliseconds.
const BULK_SHAPES: [usize; 3] = [11, 12, 13];
/// The shapes the `Val` path does not run (a 16 MiB `list<u8>` would be
/// lifted as 16 Mi `Val`s, over wasmtime's hostcall fuel).
const NO_VAL_SHAPES: [usize; 2] = [11, 12];
/// Must equal the guest's `BULK_BYTES`.
const BULK_BYTES: usize = 16 << 20;
/// Must equal the guest's `LONG_TEXT_BYTES`.
const LONG_TEXT_BYTES: usize = 1 << 20;
/// The raylib shapes (`SHAPES` indices), whose mean prices a frame.
const RAYLIB_SHAPES: [usize; 2] = [9, 10];
/// Frames of guest/raylib-game counted for the per-frame call count.
const GAME_FRAMES: u64 = 120;
/// Must equal the guest's `STRLEN_TEXT`.
const STRLEN_TEXT: &CStr = c"the quick brown fox jumps over the lazy dog";
/// Must equal the guest's `STRDUP_TEXT`.
const STRDUP_TEXT: &CStr = c"hello, benchmark";
/// What the slowest binding's measurement of a shape should take.
const TARGET: Duration = Duration::from_millis(100);
/// Measurements per binding and shape; the best one counts.
const REPEATS: usize = 7;
/// Measurements of each one-time cost (each takes milliseconds).
const ONE_TIME_REPEATS: usize = 7;

// ---- the C functions ---------------------------------------------------

/// `struct rect`; also the WIT record `rect`, as a user would bind it.
#[derive(Clone, Copy, ComponentType, Lift, Lower)]
#[component(record)]
#[repr(C)]
struct Rect {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

/// `struct rgba`; also the WIT record `rgba`.
#[derive(Clone, Copy, ComponentType, Lift, Lower)]
#[component(record)]
#[repr(C)]
struct Rgba {
    r: u8,
    g: u8,
    b: u8,
    a: u8,
}

/// `struct big`; also the WIT record `big`.
#[derive(Clone, Copy, ComponentType, Lift, Lower)]
#[component(record)]
#[repr(C)]
struct Big {
    a: f64,
    b: i64,
    c: f32,
    d: u8,
}

type Checksum = unsafe extern "C" fn(c_ulong, *const u8, usize) -> c_ulong;

/// zlib's `crc32_z` and `adler32_z`, resolved once; zlib stays loaded for
/// the whole process.
struct Zlib {
    _lib: libloading::Library,
    crc32_z: Checksum,
    adler32_z: Checksum,
}

/// The system's zlib (the one wit/zlib.wit names), opened once.
fn zlib() -> &'static Zlib {
    static Z: OnceLock<Zlib> = OnceLock::new();
    Z.get_or_init(|| {
        // SAFETY: zlib's initialisers are harmless.
        let lib = unsafe { libloading::Library::new("libz.so.1") }
            .unwrap_or_else(|e| panic!("cannot open libz.so.1: {e}"));
        // SAFETY: `uLong crc32_z(uLong, const Bytef *, z_size_t)` and the
        // same for `adler32_z` (zlib.h; `uLong` is `unsigned long`,
        // `z_size_t` is `size_t`), and the library is never unloaded.
        let crc32_z = *unsafe { lib.get(b"crc32_z") }.unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: as above.
        let adler32_z = *unsafe { lib.get(b"adler32_z") }.unwrap_or_else(|e| panic!("{e}"));
        Zlib {
            crc32_z,
            adler32_z,
            _lib: lib,
        }
    })
}

impl Zlib {
    #[inline]
    fn crc32_z(&self, crc: u64, data: &[u8]) -> u64 {
        // SAFETY: `data` is `len` readable bytes for the whole call.
        unsafe { (self.crc32_z)(crc, data.as_ptr(), data.len()) }
    }
    #[inline]
    fn adler32_z(&self, adler: u64, data: &[u8]) -> u64 {
        // SAFETY: as for `crc32_z`.
        unsafe { (self.adler32_z)(adler, data.as_ptr(), data.len()) }
    }
}

/// The guest's 16 MiB list: byte `i` is `i * 31 + (i >> 8)`.
fn bulk() -> &'static [u8] {
    static BULK: OnceLock<Vec<u8>> = OnceLock::new();
    BULK.get_or_init(|| {
        (0..BULK_BYTES)
            .map(|i| (i.wrapping_mul(31) + (i >> 8)) as u8)
            .collect()
    })
}

/// The guest's 1 MiB string, NUL-terminated here: byte `i` is
/// `b'a' + i % 26`.
fn long_text() -> &'static CStr {
    static TEXT: OnceLock<CString> = OnceLock::new();
    TEXT.get_or_init(|| {
        CString::new(
            (0..LONG_TEXT_BYTES)
                .map(|i| b'a' + (i % 26) as u8)
                .collect::<Vec<u8>>(),
        )
        .expect("no NUL")
    })
}

/// raylib's `Rectangle`: the same four floats as `struct rect`, and the
/// same WIT fields, so the same Rust type serves.
type Rectangle = Rect;
/// raylib's `Color`: the same four bytes as `rgba`, and the same WIT fields.
type Color = Rgba;

type Mixed10 =
    unsafe extern "C" fn(c_int, f64, c_long, f32, c_int, f64, c_uint, f32, c_long, f64) -> f64;

/// `mixed10`'s parameters, as the hand-written binding lifts them.
type Mixed10Args = (i32, f64, i64, f32, i32, f64, u32, f32, i64, f64);

/// The fixture library's functions, resolved once; the library stays loaded
/// for the whole process.
struct C {
    _lib: libloading::Library,
    add: unsafe extern "C" fn(c_int, c_int) -> c_int,
    rect_grow: unsafe extern "C" fn(Rect) -> Rect,
    make_color: unsafe extern "C" fn(c_int, c_int, c_int, c_int) -> Rgba,
    bench_strlen: unsafe extern "C" fn(*const c_char) -> usize,
    hypot: unsafe extern "C" fn(f64, f64) -> f64,
    mixed10: Mixed10,
    big_twice: unsafe extern "C" fn(Big) -> Big,
    counter_new: unsafe extern "C" fn(c_int) -> *mut c_void,
    counter_get: unsafe extern "C" fn(*const c_void) -> c_int,
    counter_free: unsafe extern "C" fn(*mut c_void),
    strdup_count: unsafe extern "C" fn(*const c_char) -> *mut c_char,
    free_count: unsafe extern "C" fn(*mut c_void),
}

/// The fixture library, opened once.
fn c() -> &'static C {
    static C: OnceLock<C> = OnceLock::new();
    C.get_or_init(|| {
        // SAFETY: the fixture library's initialisers are harmless (it has
        // none but libc's).
        let lib = unsafe { libloading::Library::new(FIXTURE_LIB) }
            .unwrap_or_else(|e| panic!("cannot open {FIXTURE_LIB}: {e}"));
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: each type below is the function's prototype in
                // tests/fixture/bench.h and handles.h (`struct counter *` as
                // `void *`, `struct rect`, `rgba`, `big` as the repr(C)
                // structs above), and the library is never unloaded.
                *unsafe { lib.get($name) }.unwrap_or_else(|e| panic!("{e}"))
            };
        }
        C {
            add: sym!(b"fx_add"),
            rect_grow: sym!(b"fx_rect_grow"),
            make_color: sym!(b"fx_make_color"),
            bench_strlen: sym!(b"fx_bench_strlen"),
            hypot: sym!(b"fx_hypot"),
            mixed10: sym!(b"fx_mixed10"),
            big_twice: sym!(b"fx_big_twice"),
            counter_new: sym!(b"fx_counter_new"),
            counter_get: sym!(b"fx_counter_get"),
            counter_free: sym!(b"fx_counter_free"),
            strdup_count: sym!(b"fx_strdup_count"),
            free_count: sym!(b"fx_free_count"),
            _lib: lib,
        }
    })
}

/// The two raylib functions measured, resolved once; raylib stays loaded
/// for the whole process. Neither needs a window or any raylib state.
struct Raylib {
    _lib: libloading::Library,
    check_collision_recs: unsafe extern "C" fn(Rectangle, Rectangle) -> bool,
    fade: unsafe extern "C" fn(Color, f32) -> Color,
}

/// raylib (built by scripts/raylib.sh once), opened once.
fn rl() -> &'static Raylib {
    static RL: OnceLock<Raylib> = OnceLock::new();
    RL.get_or_init(|| {
        let path = raylib();
        // SAFETY: opening raylib runs the initialisers of it and of the X11
        // and GL libraries it links, which open nothing by themselves.
        let lib = unsafe { libloading::Library::new(&path) }
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        // SAFETY: the types are the prototypes in raylib.h (`Rectangle` and
        // `Color` as the repr(C) structs above, C `bool` as `bool`), and
        // the library is never unloaded.
        let check_collision_recs =
            *unsafe { lib.get(b"CheckCollisionRecs") }.unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: as above.
        let fade = *unsafe { lib.get(b"Fade") }.unwrap_or_else(|e| panic!("{e}"));
        Raylib {
            check_collision_recs,
            fade,
            _lib: lib,
        }
    })
}

impl Raylib {
    #[inline]
    fn check_collision_recs(&self, a: Rectangle, b: Rectangle) -> bool {
        // SAFETY: two structs by value in, a bool out; no raylib state.
        unsafe { (self.check_collision_recs)(a, b) }
    }
    #[inline]
    fn fade(&self, color: Color, alpha: f32) -> Color {
        // SAFETY: a struct and a float in, a struct out; no raylib state.
        unsafe { (self.fade)(color, alpha) }
    }
}

/// Safe wrappers, each a direct call through the function pointer.
impl C {
    #[inline]
    fn add(&self, a: i32, b: i32) -> i32 {
        // SAFETY: plain integers in and out.
        unsafe { (self.add)(a, b) }
    }
    #[inline]
    fn rect_grow(&self, r: Rect) -> Rect {
        // SAFETY: a struct by value in and out.
        unsafe { (self.rect_grow)(r) }
    }
    #[inline]
    fn make_color(&self, r: i32, g: i32, b: i32, a: i32) -> Rgba {
        // SAFETY: integers in, a struct by value out.
        unsafe { (self.make_color)(r, g, b, a) }
    }
    #[inline]
    fn bench_strlen(&self, s: &CStr) -> usize {
        // SAFETY: `s` is NUL-terminated and outlives the call.
        unsafe { (self.bench_strlen)(s.as_ptr()) }
    }
    #[inline]
    fn hypot(&self, x: f64, y: f64) -> f64 {
        // SAFETY: doubles in and out.
        unsafe { (self.hypot)(x, y) }
    }
    #[inline]
    #[expect(clippy::too_many_arguments, reason = "the C function has ten")]
    fn mixed10(
        &self,
        a: i32,
        b: f64,
        c: i64,
        d: f32,
        e: i32,
        f: f64,
        g: u32,
        h: f32,
        i: i64,
        j: f64,
    ) -> f64 {
        // SAFETY: scalars in and out.
        unsafe { (self.mixed10)(a, b, c, d, e, f, g, h, i, j) }
    }
    #[inline]
    fn big_twice(&self, b: Big) -> Big {
        // SAFETY: a struct by value in and out.
        unsafe { (self.big_twice)(b) }
    }
    /// A new counter (NULL when `start < 0`).
    fn counter_new(&self, start: i32) -> *mut c_void {
        // SAFETY: an integer in, a new object (or NULL) out.
        unsafe { (self.counter_new)(start) }
    }
    /// # Safety
    /// `counter` is a live counter from `counter_new`.
    #[inline]
    unsafe fn counter_get(&self, counter: *const c_void) -> i32 {
        // SAFETY: the caller's promise.
        unsafe { (self.counter_get)(counter) }
    }
    /// # Safety
    /// `counter` is a live counter from `counter_new`, never used again.
    unsafe fn counter_free(&self, counter: *mut c_void) {
        // SAFETY: the caller's promise.
        unsafe { (self.counter_free)(counter) }
    }
    /// `fx_strdup_count(s)`, copied into a `String` and freed with
    /// `fx_free_count`.
    #[inline]
    fn strdup_count(&self, s: &CStr) -> Result<String> {
        // SAFETY: `s` is NUL-terminated; C returns a malloc'd copy or NULL.
        let p = unsafe { (self.strdup_count)(s.as_ptr()) };
        if p.is_null() {
            bail!("fx_strdup_count returned NULL");
        }
        // SAFETY: `p` is the NUL-terminated string C just made; it is read
        // before it is freed, once.
        let copy = unsafe { CStr::from_ptr(p) }.to_str().map(str::to_owned);
        // SAFETY: `p` came from fx_strdup_count and is not used again.
        unsafe { (self.free_count)(p.cast()) };
        Ok(copy?)
    }
}

// ---- native direct: the guest's loop, in Rust ---------------------------

/// guest/bench's `run`, line for line, calling C directly.
fn native_run(shape: u32, iterations: u32) -> Result<u64> {
    let c = c();
    let mut sum: u64 = 0;
    match shape {
        0 => {
            for i in 0..iterations {
                let r = c.add(black_box(i as i32), black_box(7));
                sum = sum.wrapping_add(black_box(r) as u32 as u64);
            }
        }
        1 => {
            for i in 0..iterations {
                let r = c.rect_grow(black_box(Rect {
                    x: i as f32,
                    y: 1.0,
                    width: 2.0,
                    height: 3.0,
                }));
                let r = black_box(r);
                sum = sum.wrapping_add(u64::from(r.x.to_bits() ^ r.height.to_bits()));
            }
        }
        2 => {
            for i in 0..iterations {
                let col = c.make_color(
                    black_box(i as i32),
                    black_box((i >> 8) as i32),
                    black_box(3),
                    black_box(255),
                );
                let col = black_box(col);
                sum = sum.wrapping_add(
                    u64::from(col.r) + u64::from(col.g) + u64::from(col.b) + u64::from(col.a),
                );
            }
        }
        3 => {
            for _ in 0..iterations {
                let n = c.bench_strlen(black_box(STRLEN_TEXT));
                sum = sum.wrapping_add(black_box(n) as u64);
            }
        }
        4 => {
            for i in 0..iterations {
                let r = c.hypot(black_box(f64::from(i)), black_box(4.0));
                sum = sum.wrapping_add(black_box(r).to_bits());
            }
        }
        5 => {
            for i in 0..iterations {
                let r = c.mixed10(
                    black_box(i as i32),
                    black_box(1.5),
                    black_box(i64::from(i)),
                    black_box(2.5),
                    black_box(3),
                    black_box(4.5),
                    black_box(i),
                    black_box(5.5),
                    black_box(-6),
                    black_box(7.5),
                );
                sum = sum.wrapping_add(black_box(r).to_bits());
            }
        }
        6 => {
            for i in 0..iterations {
                let b = c.big_twice(black_box(Big {
                    a: f64::from(i),
                    b: i64::from(i),
                    c: 1.5,
                    d: i as u8,
                }));
                let b = black_box(b);
                sum = sum
                    .wrapping_add(b.a.to_bits())
                    .wrapping_add(b.b as u64)
                    .wrapping_add(u64::from(b.c.to_bits()))
                    .wrapping_add(u64::from(b.d));
            }
        }
        7 => {
            let counter = c.counter_new(42);
            assert!(!counter.is_null());
            for _ in 0..iterations {
                // SAFETY: `counter` is alive until the free below.
                let v = unsafe { c.counter_get(black_box(counter)) };
                sum = sum.wrapping_add(black_box(v) as u32 as u64);
            }
            // SAFETY: made above, not used again.
            unsafe { c.counter_free(counter) };
        }
        8 => {
            for _ in 0..iterations {
                let s = c.strdup_count(black_box(STRDUP_TEXT))?;
                sum = sum.wrapping_add(black_box(s).len() as u64);
            }
        }
        9 => {
            let rl = rl();
            let fixed = Rectangle {
                x: 20.0,
                y: 0.0,
                width: 10.0,
                height: 10.0,
            };
            for i in 0..iterations {
                let moving = Rectangle {
                    x: (i % 32) as f32,
                    y: 5.0,
                    width: 10.0,
                    height: 10.0,
                };
                let hit = rl.check_collision_recs(black_box(moving), black_box(fixed));
                sum = sum.wrapping_add(u64::from(black_box(hit)));
            }
        }
        10 => {
            let rl = rl();
            for i in 0..iterations {
                let color = Color {
                    r: i as u8,
                    g: (i >> 8) as u8,
                    b: 3,
                    a: 255,
                };
                let col = rl.fade(black_box(color), black_box((i % 101) as f32 / 100.0));
                let col = black_box(col);
                sum = sum.wrapping_add(
                    u64::from(col.r) + u64::from(col.g) + u64::from(col.b) + u64::from(col.a),
                );
            }
        }
        11 => {
            let (z, data) = (zlib(), bulk());
            for i in 0..iterations {
                let r = z.crc32_z(black_box(u64::from(i)), black_box(data));
                sum = sum.wrapping_add(black_box(r));
            }
        }
        12 => {
            let (z, data) = (zlib(), bulk());
            for i in 0..iterations {
                let r = z.adler32_z(black_box(u64::from(i)), black_box(data));
                sum = sum.wrapping_add(black_box(r));
            }
        }
        13 => {
            let text = long_text();
            for _ in 0..iterations {
                let n = c.bench_strlen(black_box(text));
                sum = sum.wrapping_add(black_box(n) as u64);
            }
        }
        _ => bail!("no shape {shape}"),
    }
    Ok(sum)
}

// ---- the store: dlwit's handle table and the hand-written one -----------

/// The guest handle of a counter in the hand-written binding.
struct Counter;

/// The hand-written binding's handle table: `rep` indexes `slots`.
#[derive(Default)]
struct Counters {
    slots: Vec<Option<*mut c_void>>,
    free: Vec<u32>,
}

impl Counters {
    fn insert(&mut self, p: *mut c_void) -> u32 {
        match self.free.pop() {
            Some(rep) => {
                self.slots[rep as usize] = Some(p);
                rep
            }
            None => {
                self.slots.push(Some(p));
                (self.slots.len() - 1) as u32
            }
        }
    }
    fn get(&self, rep: u32) -> Result<*mut c_void> {
        self.slots
            .get(rep as usize)
            .copied()
            .flatten()
            .ok_or_else(|| format_err!("no counter {rep}"))
    }
    fn remove(&mut self, rep: u32) -> Result<*mut c_void> {
        let p = self
            .slots
            .get_mut(rep as usize)
            .and_then(Option::take)
            .ok_or_else(|| format_err!("no counter {rep}"))?;
        self.free.push(rep);
        Ok(p)
    }
}

#[derive(Default)]
struct Host {
    handles: dlwit::Handles,
    counters: Counters,
}

impl dlwit::DlwitView for Host {
    fn handles(&mut self) -> &mut dlwit::Handles {
        &mut self.handles
    }
}

// ---- the hand-written binding -------------------------------------------

/// `dlwit:fixture/bench` and the parts of `dlwit:fixture/handles` and
/// `dlwit:raylib/raylib` the guest imports, written by hand.
fn hand_written(engine: &Engine) -> Result<Linker<Host>> {
    let c = c();
    let rl = rl();
    let mut linker = Linker::<Host>::new(engine);

    let mut bench = linker.instance("dlwit:fixture/bench")?;
    bench.func_wrap("add", move |_, (a, b): (i32, i32)| Ok((c.add(a, b),)))?;
    bench.func_wrap("rect-grow", move |_, (r,): (Rect,)| Ok((c.rect_grow(r),)))?;
    bench.func_wrap(
        "make-color",
        move |_, (r, g, b, a): (i32, i32, i32, i32)| Ok((c.make_color(r, g, b, a),)),
    )?;
    bench.func_wrap("bench-strlen", move |store, (s,): (WasmStr,)| {
        let s = CString::new(s.to_str(&store)?.as_bytes())?;
        Ok((c.bench_strlen(&s) as u64,))
    })?;
    bench.func_wrap("hypot", move |_, (x, y): (f64, f64)| Ok((c.hypot(x, y),)))?;
    bench.func_wrap(
        "mixed10",
        move |_, (a, b, c_, d, e, f, g, h, i, j): Mixed10Args| {
            Ok((c.mixed10(a, b, c_, d, e, f, g, h, i, j),))
        },
    )?;
    bench.func_wrap("big-twice", move |_, (b,): (Big,)| Ok((c.big_twice(b),)))?;

    let mut handles = linker.instance("dlwit:fixture/handles")?;
    handles.resource(
        "counter",
        ResourceType::host::<Counter>(),
        move |mut store, rep| {
            let p = store.data_mut().counters.remove(rep)?;
            // SAFETY: the table held it, so it is alive; it has left the
            // table, so it is not used again.
            unsafe { c.counter_free(p) };
            Ok(())
        },
    )?;
    handles.func_wrap(
        "[constructor]counter",
        move |mut store, (start,): (i32,)| {
            let p = c.counter_new(start);
            if p.is_null() {
                bail!("fx_counter_new({start}) returned NULL");
            }
            let rep = store.data_mut().counters.insert(p);
            Ok((Resource::<Counter>::new_own(rep),))
        },
    )?;
    handles.func_wrap(
        "[method]counter.get",
        move |store, (this,): (Resource<Counter>,)| {
            let p = store.data().counters.get(this.rep())?;
            // SAFETY: counters in the table are alive.
            Ok((unsafe { c.counter_get(p) },))
        },
    )?;
    handles.func_wrap("strdup-count", move |store, (s,): (WasmStr,)| {
        let s = CString::new(s.to_str(&store)?.as_bytes())?;
        Ok((c.strdup_count(&s)?,))
    })?;

    let mut raylib = linker.instance("dlwit:raylib/raylib")?;
    raylib.func_wrap(
        "check-collision-recs",
        move |_, (a, b): (Rectangle, Rectangle)| Ok((rl.check_collision_recs(a, b),)),
    )?;
    raylib.func_wrap("fade", move |_, (color, alpha): (Color, f32)| {
        Ok((rl.fade(color, alpha),))
    })?;

    // The lists are read where they are in guest memory, as a user would.
    let z = zlib();
    let mut zlib = linker.instance("dlwit:zlib/zlib")?;
    zlib.func_wrap("crc32-z", move |store, (crc, buf): (u64, WasmList<u8>)| {
        Ok((z.crc32_z(crc, buf.as_le_slice(&store)),))
    })?;
    zlib.func_wrap(
        "adler32-z",
        move |store, (adler, buf): (u64, WasmList<u8>)| {
            Ok((z.adler32_z(adler, buf.as_le_slice(&store)),))
        },
    )?;
    Ok(linker)
}

// ---- running ------------------------------------------------------------

/// An instance of the guest and its `run` export.
struct Guest {
    store: Store<Host>,
    run: TypedFunc<(u32, u32), (u64,)>,
}

impl Guest {
    fn new(
        engine: &Engine,
        linker: &Linker<Host>,
        component: &Component,
        bindings: &[&Bindings],
    ) -> Result<Guest> {
        let mut store = Store::new(engine, Host::default());
        let instance = dlwit::instantiate(linker, &mut store, component, bindings)?;
        let run = instance.get_typed_func::<(u32, u32), (u64,)>(&mut store, "run")?;
        Ok(Guest { store, run })
    }

    fn run(&mut self, shape: u32, iterations: u32) -> Result<u64> {
        Ok(self.run.call(&mut self.store, (shape, iterations))?.0)
    }
}

/// The bindings, in table order: native, hand-written, dlwit, dlwit `Val`.
const BINDINGS: usize = 4;

/// The bindings, in table order.
enum Binding<'a> {
    Native,
    Guest(&'a mut Guest),
}

impl Binding<'_> {
    /// Runs the loop; returns the CPU time this thread spent in it.
    fn run(&mut self, shape: u32, iterations: u32) -> Result<(Duration, u64)> {
        let start = thread_cpu_time();
        let sum = match self {
            Binding::Native => native_run(shape, iterations)?,
            Binding::Guest(g) => g.run(shape, iterations)?,
        };
        Ok((thread_cpu_time() - start, sum))
    }
}

/// `struct timespec` on x86-64 Linux.
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: c_int, ts: *mut Timespec) -> c_int;
}

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): unlike
/// wall time, it does not count time the thread was preempted, so the
/// numbers hold on a busy machine.
fn thread_cpu_time() -> Duration {
    const CLOCK_THREAD_CPUTIME_ID: c_int = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid `struct timespec` to write to, and the clock
    // id is Linux's.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Best ns/call per binding for one shape, and the N used.
fn measure(shape: u32, bindings: &mut [Binding<'_>; BINDINGS]) -> Result<([f64; BINDINGS], u32)> {
    // Warm up (caches, frames, the guest's allocator), then calibrate on the
    // slowest binding.
    // Bulk shapes take milliseconds a call: few calls, and the `Val` path
    // only where it can lift the arguments.
    let bulk = BULK_SHAPES.contains(&(shape as usize));
    let (probe, least) = if bulk { (4, 3.0) } else { (20_000, 10_000.0) };
    let skip = |k: usize| k == 3 && NO_VAL_SHAPES.contains(&(shape as usize));
    let mut slowest = Duration::ZERO;
    for (k, b) in bindings.iter_mut().enumerate() {
        if skip(k) {
            continue;
        }
        b.run(shape, probe / 4)?;
        slowest = slowest.max(b.run(shape, probe)?.0);
    }
    let per_call = slowest.as_secs_f64() / f64::from(probe);
    let n = (TARGET.as_secs_f64() / per_call).clamp(least, 200_000_000.0) as u32;

    let mut best = [Duration::MAX; BINDINGS];
    for _ in 0..REPEATS {
        let mut sums = [0u64; BINDINGS];
        for (k, b) in bindings.iter_mut().enumerate() {
            if skip(k) {
                continue;
            }
            let (t, sum) = b.run(shape, n)?;
            best[k] = best[k].min(t);
            sums[k] = sum;
        }
        if (0..BINDINGS).any(|k| !skip(k) && sums[k] != sums[0]) {
            bail!(
                "shape {shape} ({}): checksums differ (native, hand-written, dlwit, dlwit Val path): {sums:#x?}",
                SHAPES[shape as usize],
            );
        }
    }
    // A binding not run is NaN, printed as `—`.
    let ns = best.map(|t| match t {
        Duration::MAX => f64::NAN,
        t => t.as_nanos() as f64 / f64::from(n),
    });
    Ok((ns, n))
}

/// A table cell of ns per call: `—` for a binding not measured.
fn ns_cell(ns: f64) -> String {
    if ns.is_nan() {
        "—".into()
    } else {
        format!("{ns:.1}")
    }
}

/// Best of `ONE_TIME_REPEATS` runs of `f`, in wall time (dropping what it
/// made is not timed).
fn best_of<R>(mut f: impl FnMut() -> Result<R>) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..ONE_TIME_REPEATS {
        let start = Instant::now();
        let made = black_box(f()?);
        best = best.min(start.elapsed());
        drop(made);
    }
    Ok(best)
}

/// A WIT package with `count` functions, each bound with `symbol` to one of
/// the fixture's echo functions (cycling through them).
fn generated_world(count: usize) -> String {
    const SIGS: [(&str, &str); 30] = [
        ("fx_pass_bool", "(x: bool) -> bool"),
        ("fx_pass_s8", "(x: s8) -> s8"),
        ("fx_pass_u8", "(x: u8) -> u8"),
        ("fx_pass_s16", "(x: s16) -> s16"),
        ("fx_pass_u16", "(x: u16) -> u16"),
        ("fx_pass_s32", "(x: s32) -> s32"),
        ("fx_pass_u32", "(x: u32) -> u32"),
        ("fx_pass_s64", "(x: s64) -> s64"),
        ("fx_pass_u64", "(x: u64) -> u64"),
        ("fx_pass_f32", "(x: f32) -> f32"),
        ("fx_pass_f64", "(x: f64) -> f64"),
        ("fx_pass_char", "(x: char) -> char"),
        ("fx_pass_cint", "(x: c-int) -> c-int"),
        ("fx_pass_cuint", "(x: c-uint) -> c-uint"),
        ("fx_pass_clong", "(x: c-long) -> c-long"),
        ("fx_pass_size", "(x: size) -> size"),
        ("fx_pass_cbool", "(x: c-bool) -> c-bool"),
        ("fx_pass_rgba", "(x: rgba) -> rgba"),
        ("fx_pass_vec2", "(x: vec2) -> vec2"),
        ("fx_pass_vec3", "(x: vec3) -> vec3"),
        ("fx_pass_rect", "(x: rect) -> rect"),
        ("fx_pass_mixed", "(x: mixed) -> mixed"),
        ("fx_pass_tagged", "(x: tagged) -> tagged"),
        ("fx_pass_big", "(x: big) -> big"),
        ("fx_pass_line", "(x: line) -> line"),
        ("fx_pass_pair", "(x: tuple<s32, f64>) -> tuple<s32, f64>"),
        ("fx_pass_string", "(s: string) -> string"),
        ("fx_string_length", "(s: string) -> size"),
        ("fx_sum_bytes", "(data: list<u8>) -> u64"),
        ("fx_rect_area", "(r: option<rect>) -> f32"),
    ];
    let mut wit = String::from(
        "package dlwit:generated;\n\n\
         /// @ffi(lib = \"libdlwit_fixture.so\")\n\
         interface many {\n\
         \x20 use dlwit:c/types.{c-int, c-uint, c-long, size, c-bool};\n\
         \x20 record rgba { r: u8, g: u8, b: u8, a: u8 }\n\
         \x20 record vec2 { x: f32, y: f32 }\n\
         \x20 record vec3 { x: f32, y: f32, z: f32 }\n\
         \x20 record rect { x: f32, y: f32, width: f32, height: f32 }\n\
         \x20 record mixed { id: s32, scale: f32, weight: f64 }\n\
         \x20 record tagged { value: f64, tag: u8 }\n\
         \x20 record big { a: f64, b: s64, c: f32, d: u8 }\n\
         \x20 record line { start: vec2, end: vec2, color: rgba, width: f32 }\n\n",
    );
    for i in 0..count {
        let (symbol, sig) = SIGS[i % SIGS.len()];
        let _ = writeln!(
            wit,
            "  /// @ffi(symbol = \"{symbol}\")\n  call{i}: func{sig};"
        );
    }
    wit.push_str("}\n");
    wit
}

/// Builds guest/bench (in its own workspace) and returns the component's path.
/// Runs guest/raylib-game for `GAME_FRAMES` frames on a virtual display
/// with `dlwit run --count-calls`: (raylib calls made, frames).
fn frame_calls() -> Result<(u64, u64)> {
    let game = root().join("guest/target/wasm32-wasip2/release/raylib-game.wasm");
    if !game.exists() {
        bail!("{} is not built", game.display());
    }
    let out = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(dlwit_tests::cli())
        .args(["run", "--count-calls", "--wit"])
        .arg(root().join("wit/raylib.wit"))
        .arg("--lib")
        .arg(raylib())
        .arg(&game)
        .arg(GAME_FRAMES.to_string())
        .output()
        .map_err(|e| format_err!("cannot run xvfb-run ({e}); scripts/raylib.sh installs Xvfb"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("the game failed under Xvfb:\n{stdout}\n{stderr}");
    }
    let calls = stderr
        .lines()
        .find_map(|l| l.strip_prefix("dlwit: ")?.strip_suffix(" calls into C"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format_err!("no call count in:\n{stderr}"))?;
    let frames = stdout
        .split_once("raylib-game: ")
        .and_then(|(_, r)| r.split_once(" frames"))
        .and_then(|(n, _)| n.parse().ok())
        .ok_or_else(|| format_err!("no frame count in:\n{stdout}"))?;
    Ok((calls, frames))
}

fn build_guest() -> PathBuf {
    let dir = root().join("guest");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "bench",
            "-p",
            "raylib-game",
        ])
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("cannot run cargo to build guest/bench and guest/raylib-game");
    assert!(
        status.success(),
        "building guest/bench and guest/raylib-game failed"
    );
    dir.join("target/wasm32-wasip2/release/bench.wasm")
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench
    // binaries without it, and should not spend a minute here.
    if !std::env::args().any(|a| a == "--bench") {
        println!("calls: skipped (run it with `cargo bench -p dlwit-tests --bench calls`)");
        return Ok(());
    }
    let total = Instant::now();
    let guest_wasm = build_guest();

    let mut config = Config::new();
    config.concurrency_support(false);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, &guest_wasm)?;

    // The guest must import exactly the three interfaces (and the C
    // prelude's types, an instance without functions), and no WASI.
    let mut imports: Vec<String> = component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    imports.sort();
    if imports
        != [
            "dlwit:c/types",
            "dlwit:fixture/bench",
            "dlwit:fixture/handles",
            "dlwit:raylib/raylib",
            "dlwit:zlib/zlib",
        ]
    {
        bail!(
            "guest/bench imports {imports:?}, expected only the bench, handles, raylib and zlib interfaces"
        );
    }

    let hand_linker = hand_written(&engine)?;
    let mut dlwit_linker = Linker::<Host>::new(&engine);
    // SAFETY: tests/wit describes the fixture library's real signatures
    // (and the `c` prototypes on every bench function are checked). Only
    // its own package is bound: the raylib dependency is not.
    let bindings =
        unsafe { Bindings::load(root().join("tests/wit"), &Libraries::path(FIXTURE_LIB)) }
            .map_err(|e| format_err!("{e}"))?;
    // SAFETY: wit/raylib.wit describes raylib 5.5's real signatures, and
    // the `c` prototype of every function is checked; the two measured
    // need no window.
    let raylib_bindings =
        unsafe { Bindings::load(root().join("wit/raylib.wit"), &Libraries::path(raylib())) }
            .map_err(|e| format_err!("{e}"))?;
    // SAFETY: wit/zlib.wit describes zlib's real signatures, and the `c`
    // prototype of every function is checked.
    let zlib_bindings =
        unsafe { Bindings::load(root().join("wit/zlib.wit"), &Libraries::path("libz.so.1")) }
            .map_err(|e| format_err!("{e}"))?;
    dlwit::add_to_linker(&mut dlwit_linker, &bindings)?;
    dlwit::add_to_linker(&mut dlwit_linker, &raylib_bindings)?;
    dlwit::add_to_linker(&mut dlwit_linker, &zlib_bindings)?;
    // The same bindings through the general `Val` path only, for comparison.
    let mut val_linker = Linker::<Host>::new(&engine);
    let val_only = dlwit::LinkOptions {
        fast_path: false,
        ..Default::default()
    };
    dlwit::add_to_linker_with(&mut val_linker, &bindings, val_only)?;
    dlwit::add_to_linker_with(&mut val_linker, &raylib_bindings, val_only)?;
    dlwit::add_to_linker_with(&mut val_linker, &zlib_bindings, val_only)?;
    let both = [&bindings, &raylib_bindings, &zlib_bindings];
    let mut hand = Guest::new(&engine, &hand_linker, &component, &[])?;
    let mut dl = Guest::new(&engine, &dlwit_linker, &component, &both)?;
    let mut dl_val = Guest::new(&engine, &val_linker, &component, &both)?;

    // `DLWIT_BENCH_PROFILE=SHAPE[,hand]`: only that shape's loop, on dlwit
    // (or the hand-written binding), for about 5 s: something to run
    // `perf record` on.
    if let Ok(spec) = std::env::var("DLWIT_BENCH_PROFILE") {
        let (shape, who) = spec.split_once(',').unwrap_or((&spec, "dlwit"));
        let shape: u32 = shape.parse()?;
        let guest = if who == "hand" { &mut hand } else { &mut dl };
        let start = Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < Duration::from_secs(5) {
            guest.run(shape, 1_000_000)?;
            calls += 1_000_000;
        }
        let ns = start.elapsed().as_nanos() as f64 / calls as f64;
        println!(
            "{who}: shape {shape} ({}): {ns:.1} ns/call",
            SHAPES[shape as usize]
        );
        return Ok(());
    }

    // `DLWIT_BENCH_ONLY=0,5,7`: only those shapes, printed, nothing else
    // measured or written (for comparing two builds quickly).
    let only: Option<Vec<usize>> = std::env::var("DLWIT_BENCH_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::parse).collect())
        .transpose()?;
    let mut rows = Vec::new();
    for (shape, name) in SHAPES.iter().enumerate() {
        if only.as_ref().is_some_and(|o| !o.contains(&shape)) {
            continue;
        }
        let mut bindings = [
            Binding::Native,
            Binding::Guest(&mut hand),
            Binding::Guest(&mut dl),
            Binding::Guest(&mut dl_val),
        ];
        let (ns, n) = measure(shape as u32, &mut bindings)?;
        eprintln!(
            "{name}: N = {n}, {:.1} / {:.1} / {:.1} / {:.1} ns",
            ns[0], ns[1], ns[2], ns[3]
        );
        rows.push((*name, ns, n));
    }
    if only.is_some() {
        for (name, ns, _) in &rows {
            println!(
                "{name}: dlwit / hand-written {:.2}, dlwit / native {:.2}",
                ns[2] / ns[1],
                ns[2] / ns[0]
            );
        }
        return Ok(());
    }

    // One-time costs: a 500-function world, and compiling the component.
    let wit = generated_world(500);
    let source = || WitSource::Text {
        name: "generated-500.wit".into(),
        text: wit.clone(),
    };
    let libs = Libraries::path(FIXTURE_LIB);
    let load = best_of(|| {
        // SAFETY: every generated function has its symbol's real signature
        // (echo.wit's, which the echo tests check).
        unsafe { Bindings::load(source(), &libs) }.map_err(|e| format_err!("{e}"))
    })?;
    // SAFETY: as above.
    let big = unsafe { Bindings::load(source(), &libs) }.map_err(|e| format_err!("{e}"))?;
    let link = best_of(|| {
        let mut linker = Linker::<Host>::new(&engine);
        dlwit::add_to_linker(&mut linker, &big)?;
        Ok(linker)
    })?;
    let load_and_link = best_of(|| {
        // SAFETY: as above.
        let b = unsafe { Bindings::load(source(), &libs) }.map_err(|e| format_err!("{e}"))?;
        let mut linker = Linker::<Host>::new(&engine);
        dlwit::add_to_linker(&mut linker, &b)?;
        Ok(linker)
    })?;
    let compile = best_of(|| Component::from_file(&engine, &guest_wasm))?;
    let wasm_size = std::fs::metadata(&guest_wasm)?.len();

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut md = String::new();
    let _ = writeln!(md, "# Call speed: native, hand-written, dlwit\n");
    let _ = writeln!(
        md,
        "`cargo bench -p dlwit-tests --bench calls` on {} ({} threads available); \
         ns per call (thread CPU time), best of {REPEATS}, the guest loop's own cost included.\n",
        cpu(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let _ = writeln!(
        md,
        "| shape | native direct | hand-written | dlwit | dlwit / hand-written | dlwit / native | dlwit, `Val` path only |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    for (name, ns, _) in &rows {
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {:.2} | {:.2} | {} |",
            ns_cell(ns[0]),
            ns_cell(ns[1]),
            ns_cell(ns[2]),
            ns[2] / ns[1],
            ns[2] / ns[0],
            ns_cell(ns[3])
        );
    }
    let _ = writeln!(
        md,
        "\nCalls per measurement (N, the same for every binding of a shape): {}.",
        rows.iter()
            .map(|(_, _, n)| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // What the raylib calls of one frame of the game cost: the count
    // measured (the game under Xvfb, counted by `dlwit run --count-calls`),
    // each call priced at the raylib shapes' mean.
    match frame_calls() {
        Ok((calls, frames)) => {
            let per_frame = calls as f64 / frames as f64;
            let frame_us = |k: usize| {
                let mean = RAYLIB_SHAPES.iter().map(|&s| rows[s].1[k]).sum::<f64>()
                    / RAYLIB_SHAPES.len() as f64;
                mean * per_frame / 1e3
            };
            let (native_frame, hand_frame, dlwit_frame) = (frame_us(0), frame_us(1), frame_us(2));
            let _ = writeln!(
                md,
                "\n**raylib frame**: guest/raylib-game made {calls} raylib calls in {frames} \
                 frames ({per_frame:.0} per frame, counted by `dlwit run --count-calls` under \
                 Xvfb; the first frame's include building two images). Priced at the mean \
                 ns/call of the two raylib shapes above, a frame's calls cost \
                 {dlwit_frame:.1} µs in dlwit vs {hand_frame:.1} µs hand-written \
                 ({native_frame:.2} µs native direct): the cost of the calls themselves, not \
                 of the work raylib's drawing does. A 60 fps frame has 16.7 ms; these dlwit \
                 calls take {:.2}% of it.",
                dlwit_frame / 16_666.7 * 100.0,
            );
        }
        Err(e) => {
            let _ = writeln!(md, "\n**raylib frame**: not measured: {e}");
        }
    }
    let _ = writeln!(
        md,
        "\nNative direct is the same loop in Rust through libloading function pointers; \
         its string result is copied into a `String` and freed, like the guest's. \
         The hand-written binding copies each string parameter into a `CString`. \
         The last column is dlwit with `LinkOptions {{ fast_path: false }}`: every call \
         through wasmtime's `func_new` and `Val`s.\n"
    );
    let _ = writeln!(
        md,
        "## One-time costs\n\nWall time, best of {ONE_TIME_REPEATS}.\n"
    );
    let _ = writeln!(md, "| what | ms |");
    let _ = writeln!(md, "|---|---:|");
    let _ = writeln!(
        md,
        "| `Bindings::load`, generated world of 500 functions | {:.2} |",
        ms(load)
    );
    let _ = writeln!(
        md,
        "| `add_to_linker`, the same 500 functions | {:.2} |",
        ms(link)
    );
    let _ = writeln!(md, "| both, in one go | {:.2} |", ms(load_and_link));
    let _ = writeln!(
        md,
        "| for comparison: `Component::from_file` of guest/bench ({} KiB) | {:.2} |",
        wasm_size / 1024,
        ms(compile)
    );

    println!("\n{md}");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root().join("target"), |d| root().join(d))
        .join("bench");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("calls.md");
    std::fs::write(&file, &md)?;
    println!(
        "written to {} in {:.1} s",
        file.display(),
        total.elapsed().as_secs_f64()
    );
    Ok(())
}
