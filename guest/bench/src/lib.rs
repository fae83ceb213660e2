//! Guest component for dlwit's call-speed benchmark (tests/benches/calls.rs).
//!
//! It imports `dlwit:fixture/bench` and `dlwit:fixture/handles`
//! (tests/wit/bench.wit, tests/wit/handles.wit), `dlwit:raylib/raylib` and
//! `dlwit:zlib/zlib` (wit/raylib.wit, wit/zlib.wit, linked into
//! tests/wit/deps), and exports
//! `run(shape, iterations)`: `iterations` calls of one shape, with arguments
//! that change every iteration, folded into a checksum so that no call can be
//! skipped. The host runs this same loop against each binding, and mirrors it
//! in Rust for the native baseline; the shapes (and their numbers) must stay
//! in step with `SHAPES` there:
//!
//! 0. `add`: two `int`s, an `int` back
//! 1. `rect-grow`: a 16-byte float struct by value, in and out
//! 2. `make-color`: four `int`s, a 4-byte struct back
//! 3. `bench-strlen`: a string parameter
//! 4. `hypot`: two doubles, a double back
//! 5. `mixed10`: ten mixed integer and float parameters
//! 6. `big-twice`: a 24-byte struct (passed in memory), in and out
//! 7. `counter.get`: a method on a resource handle made before the loop
//! 8. `strdup-count`: a string result, copied into the guest and freed by C
//! 9. raylib `check-collision-recs`: two 16-byte float structs, a bool back
//! 10. raylib `fade`: a 4-byte struct and a float, a 4-byte struct back
//! 11. zlib `crc32-z`: a 16 MiB `list<u8>` ([`bulk`])
//! 12. zlib `adler32-z`: the same 16 MiB
//! 13. `bench-strlen` of a 1 MiB string ([`long_text`])

wit_bindgen::generate!({
    path: "../../tests/wit",
    world: "dlwit:fixture/bench-guest",
    generate_all,
});

use dlwit::fixture::bench::{
    Big, Rect, add, bench_strlen, big_twice, hypot, make_color, mixed10, rect_grow,
};
use dlwit::fixture::handles::{Counter, strdup_count};
use dlwit::raylib::raylib::{Color, Rectangle, check_collision_recs, fade};
use dlwit::zlib::zlib::{adler32_z, crc32_z};
use std::sync::atomic::{AtomicPtr, Ordering};

/// The string `bench-strlen` measures.
const STRLEN_TEXT: &str = "the quick brown fox jumps over the lazy dog";
/// The string `strdup-count` copies.
const STRDUP_TEXT: &str = "hello, benchmark";

/// The size of the list `crc32-z` and `adler32-z` read.
const BULK_BYTES: usize = 16 << 20;
/// The length of the string `bench-strlen` measures in shape 13.
const LONG_TEXT_BYTES: usize = 1 << 20;

/// `len` bytes made by `byte`, once, kept for the instance's life (empty
/// if they cannot be allocated). Made with the raw allocator, not a
/// `OnceLock` or a `Vec`: their panics (poisoning, capacity overflow,
/// allocation failure) would make the component import WASI's stderr, and
/// the benchmark's guest imports nothing but the measured interfaces.
fn leaked(cell: &AtomicPtr<u8>, len: usize, byte: fn(usize) -> u8) -> &'static [u8] {
    let mut p = cell.load(Ordering::Acquire);
    if p.is_null() {
        let Ok(layout) = std::alloc::Layout::array::<u8>(len) else {
            return &[];
        };
        // SAFETY: `layout` is `len` > 0 bytes.
        p = unsafe { std::alloc::alloc(layout) };
        if p.is_null() {
            return &[];
        }
        for i in 0..len {
            // SAFETY: `i < len`, inside the allocation.
            unsafe { p.add(i).write(byte(i)) };
        }
        cell.store(p, Ordering::Release);
    }
    // SAFETY: `p` is the start of the `len` bytes written above (the guest
    // has one thread, and each cell is used with one length), never
    // written or freed after.
    unsafe { std::slice::from_raw_parts(p, len) }
}

/// 16 MiB of bytes, made once: byte `i` is `i * 31 + (i >> 8)` (the host's
/// native baseline makes the same).
fn bulk() -> &'static [u8] {
    static BULK: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    leaked(&BULK, BULK_BYTES, |i| (i.wrapping_mul(31) + (i >> 8)) as u8)
}

/// A 1 MiB ASCII string without NUL, made once: byte `i` is
/// `b'a' + i % 26` (the host's native baseline makes the same).
fn long_text() -> &'static str {
    static TEXT: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    let bytes = leaked(&TEXT, LONG_TEXT_BYTES, |i| b'a' + (i % 26) as u8);
    // ASCII letters only.
    std::str::from_utf8(bytes).unwrap_or_default()
}

struct BenchGuest;

impl Guest for BenchGuest {
    fn run(shape: u32, iterations: u32) -> u64 {
        let mut sum: u64 = 0;
        match shape {
            0 => {
                for i in 0..iterations {
                    sum = sum.wrapping_add(add(i as i32, 7) as u32 as u64);
                }
            }
            1 => {
                for i in 0..iterations {
                    let r = rect_grow(Rect {
                        x: i as f32,
                        y: 1.0,
                        width: 2.0,
                        height: 3.0,
                    });
                    sum = sum.wrapping_add(u64::from(r.x.to_bits() ^ r.height.to_bits()));
                }
            }
            2 => {
                for i in 0..iterations {
                    let c = make_color(i as i32, (i >> 8) as i32, 3, 255);
                    sum = sum.wrapping_add(
                        u64::from(c.r) + u64::from(c.g) + u64::from(c.b) + u64::from(c.a),
                    );
                }
            }
            3 => {
                for _ in 0..iterations {
                    sum = sum.wrapping_add(bench_strlen(STRLEN_TEXT));
                }
            }
            4 => {
                for i in 0..iterations {
                    sum = sum.wrapping_add(hypot(f64::from(i), 4.0).to_bits());
                }
            }
            5 => {
                for i in 0..iterations {
                    let r = mixed10(i as i32, 1.5, i64::from(i), 2.5, 3, 4.5, i, 5.5, -6, 7.5);
                    sum = sum.wrapping_add(r.to_bits());
                }
            }
            6 => {
                for i in 0..iterations {
                    let b = big_twice(Big {
                        a: f64::from(i),
                        b: i64::from(i),
                        c: 1.5,
                        d: i as u8,
                    });
                    sum = sum
                        .wrapping_add(b.a.to_bits())
                        .wrapping_add(b.b as u64)
                        .wrapping_add(u64::from(b.c.to_bits()))
                        .wrapping_add(u64::from(b.d));
                }
            }
            7 => {
                let counter = Counter::new(42);
                for _ in 0..iterations {
                    sum = sum.wrapping_add(counter.get() as u32 as u64);
                }
            }
            8 => {
                for _ in 0..iterations {
                    sum = sum.wrapping_add(strdup_count(STRDUP_TEXT).len() as u64);
                }
            }
            9 => {
                // Overlaps for 11 of every 32 iterations.
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
                    sum = sum.wrapping_add(u64::from(check_collision_recs(moving, fixed)));
                }
            }
            10 => {
                for i in 0..iterations {
                    let c = fade(
                        Color {
                            r: i as u8,
                            g: (i >> 8) as u8,
                            b: 3,
                            a: 255,
                        },
                        (i % 101) as f32 / 100.0,
                    );
                    sum = sum.wrapping_add(
                        u64::from(c.r) + u64::from(c.g) + u64::from(c.b) + u64::from(c.a),
                    );
                }
            }
            11 => {
                let data = bulk();
                for i in 0..iterations {
                    sum = sum.wrapping_add(crc32_z(u64::from(i), data));
                }
            }
            12 => {
                let data = bulk();
                for i in 0..iterations {
                    sum = sum.wrapping_add(adler32_z(u64::from(i), data));
                }
            }
            13 => {
                let text = long_text();
                for _ in 0..iterations {
                    sum = sum.wrapping_add(bench_strlen(text));
                }
            }
            _ => {}
        }
        sum
    }
}

export!(BenchGuest);
