//! Guest component for dlwit's `require` tests: each case breaks one
//! precondition of a WIT function, which the host must refuse with a trap
//! before C is called (C would divide by zero, read outside its table or
//! outside a tile's pixels). The first argument picks the case; a bad case
//! prints `unreachable` only if the call came back. `good` makes calls at
//! the boundaries that must still work and prints `good: ok`.
//!
//! It imports the shipped `dlwit:libc/libc` (wit/libc.wit), the fixture's
//! `dlwit:fixture/handles` (tests/wit/handles.wit) and `dlwit:pre`
//! (tests/pre.wit: libc functions again, in bindings that take the fused
//! path and compiled stubs).

use std::hint::black_box;
use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../tests/wit", "../../wit/libc.wit", "../../tests/pre.wit", "wit"],
    world: "dlwit:hostile-pre/guest",
    generate_all,
});

use dlwit::fixture::handles::Tile;
use dlwit::libc::libc;
use dlwit::pre::{fused, math};

fn main() -> ExitCode {
    let case = std::env::args().nth(1).unwrap_or_default();
    match case.as_str() {
        "good" => {
            good();
            println!("good: ok");
            return ExitCode::SUCCESS;
        }
        "div-zero" => drop(libc::div(black_box(1), black_box(0))),
        "div-overflow" => drop(libc::div(black_box(i32::MIN), black_box(-1))),
        "ldiv-zero" => drop(libc::ldiv(black_box(7), black_box(0))),
        "lldiv-overflow" => drop(libc::lldiv(black_box(i64::MIN), black_box(-1))),
        "abs-min" => drop(libc::abs(black_box(i32::MIN))),
        "isdigit-huge" => drop(libc::isdigit(black_box(0x4000_0000))),
        "isdigit-negative" => drop(libc::isdigit(black_box(-2))),
        "toupper-256" => drop(libc::toupper(black_box(256))),
        "tile-at-x" => drop(Tile::new(4, 3, 7).at(black_box(4), black_box(0))),
        "tile-at-negative" => drop(Tile::new(4, 3, 7).at(black_box(0), black_box(-1))),
        "tile-set-y" => Tile::new(4, 3, 7).set(black_box(0), black_box(3), 1),
        "tile-set-huge" => Tile::new(4, 3, 7).set(black_box(i32::MAX), black_box(0), 1),
        "tile-new-zero" => drop(Tile::new(black_box(0), black_box(5), 0)),
        "tile-new-huge" => drop(Tile::new(black_box(5), black_box(4097), 0)),
        "tile-grow-negative" => Tile::new(4, 3, 7).grow(black_box(-1), black_box(2)),
        "fused-div-zero" => drop(fused::div(black_box(1), black_box(0))),
        "fused-div-overflow" => drop(fused::div(black_box(i32::MIN), black_box(-1))),
        "fused-isdigit-huge" => drop(fused::isdigit(black_box(0x4000_0000))),
        "fused-llabs-min" => drop(fused::llabs(black_box(i64::MIN))),
        "fused-srand-max" => fused::srand(black_box(u32::MAX)),
        "fused-atoi-long" => drop(fused::atoi(black_box("123456789012"))),
        "sqrt-negative" => drop(math::sqrt(black_box(-0.5))),
        "sqrt-nan" => drop(math::sqrt(black_box(f64::NAN))),
        _ => {
            eprintln!("usage: hostile-pre good | <case>");
            return ExitCode::FAILURE;
        }
    }
    println!("unreachable: `{case}` came back");
    ExitCode::FAILURE
}

/// Calls at the edges of every condition, which must reach C.
fn good() {
    let d = libc::div(black_box(i32::MIN), black_box(1));
    assert_eq!((d.quot, d.rem), (i32::MIN, 0));
    let d = libc::div(black_box(i32::MAX), black_box(-1));
    assert_eq!((d.quot, d.rem), (-i32::MAX, 0));
    let d = libc::div(black_box(i32::MIN), black_box(-2));
    assert_eq!((d.quot, d.rem), (1 << 30, 0));
    let d = libc::lldiv(black_box(i64::MIN), black_box(2));
    assert_eq!((d.quot, d.rem), (i64::MIN / 2, 0));
    let d = libc::ldiv(black_box(-7), black_box(2));
    assert_eq!((d.quot, d.rem), (-3, -1));
    assert_eq!(libc::abs(black_box(i32::MIN + 1)), i32::MAX);
    assert_eq!(libc::isdigit(black_box(-1)), 0, "EOF");
    assert_eq!(libc::isdigit(black_box(255)), 0);
    assert_ne!(libc::isdigit(black_box('7' as i32)), 0);
    assert_eq!(libc::toupper(black_box('q' as i32)), 'Q' as i32);

    let t = Tile::new(black_box(4), black_box(3), 7);
    assert_eq!(t.at(black_box(3), black_box(2)), 7);
    t.set(black_box(3), black_box(2), 9);
    assert_eq!(t.at(black_box(3), black_box(2)), 9);
    // Growing changes the bounds the conditions read.
    t.grow(black_box(8), black_box(8));
    t.set(black_box(7), black_box(7), 5);
    assert_eq!(t.at(black_box(7), black_box(7)), 5);
    drop(Tile::new(black_box(4096), black_box(1), 0));

    let d = fused::div(black_box(i32::MIN), black_box(3));
    assert_eq!((d.quot, d.rem), (i32::MIN / 3, i32::MIN % 3));
    assert_ne!(fused::isdigit(black_box('0' as i32)), 0);
    assert_eq!(fused::isdigit(black_box(-1)), 0);
    assert_eq!(fused::llabs(black_box(i64::MIN + 1)), i64::MAX);
    assert_eq!(fused::llabs(black_box(-5)), 5);
    fused::srand(black_box(1));
    fused::srand(black_box(u32::MAX - 1));
    assert_eq!(
        fused::atoi(black_box("12345678901")),
        12345678901_i64 as i32
    );
    assert_eq!(math::sqrt(black_box(0.0)), 0.0);
    assert_eq!(math::sqrt(black_box(6.25)), 2.5);
    assert!(math::sqrt(black_box(f64::INFINITY)).is_infinite());
}
