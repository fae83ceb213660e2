//! Guest component for dlwit's call-speed benchmark (tests/benches/calls.rs).
//!
//! It imports `dlwit:fixture/bench` and `dlwit:fixture/handles`
//! (tests/wit/bench.wit, tests/wit/handles.wit) and `dlwit:raylib/raylib`
//! (wit/raylib.wit, linked into tests/wit/deps), and exports
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

/// The string `bench-strlen` measures.
const STRLEN_TEXT: &str = "the quick brown fox jumps over the lazy dog";
/// The string `strdup-count` copies.
const STRDUP_TEXT: &str = "hello, benchmark";

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
            _ => {}
        }
        sum
    }
}

export!(BenchGuest);
