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
    let b = black_box;
    match case.as_str() {
        "good" => {
            good();
            println!("good: ok");
            return ExitCode::SUCCESS;
        }
        "div-zero" => drop(libc::div(b(1), b(0))),
        "div-overflow" => drop(libc::div(b(i32::MIN), b(-1))),
        "ldiv-zero" => drop(libc::ldiv(b(7), b(0))),
        "lldiv-overflow" => drop(libc::lldiv(b(i64::MIN), b(-1))),
        "abs-min" => drop(libc::abs(b(i32::MIN))),
        "isdigit-huge" => drop(libc::isdigit(b(0x4000_0000))),
        "isdigit-negative" => drop(libc::isdigit(b(-2))),
        "toupper-256" => drop(libc::toupper(b(256))),
        "tile-at-x" => drop(Tile::new(4, 3, 7).at(b(4), b(0))),
        "tile-at-negative" => drop(Tile::new(4, 3, 7).at(b(0), b(-1))),
        "tile-set-y" => Tile::new(4, 3, 7).set(b(0), b(3), 1),
        "tile-set-huge" => Tile::new(4, 3, 7).set(b(i32::MAX), b(0), 1),
        "tile-new-zero" => drop(Tile::new(b(0), b(5), 0)),
        "tile-new-huge" => drop(Tile::new(b(5), b(4097), 0)),
        "tile-grow-negative" => Tile::new(4, 3, 7).grow(b(-1), b(2)),
        "fused-div-zero" => drop(fused::div(b(1), b(0))),
        "fused-div-overflow" => drop(fused::div(b(i32::MIN), b(-1))),
        "fused-isdigit-huge" => drop(fused::isdigit(b(0x4000_0000))),
        "fused-llabs-min" => drop(fused::llabs(b(i64::MIN))),
        "fused-srand-max" => fused::srand(b(u32::MAX)),
        "fused-atoi-long" => drop(fused::atoi(b("123456789012"))),
        "sqrt-negative" => drop(math::sqrt(b(-0.5))),
        "sqrt-nan" => drop(math::sqrt(b(f64::NAN))),
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
    let b = black_box;
    let d = libc::div(b(i32::MIN), b(1));
    assert_eq!((d.quot, d.rem), (i32::MIN, 0));
    let d = libc::div(b(i32::MAX), b(-1));
    assert_eq!((d.quot, d.rem), (-i32::MAX, 0));
    let d = libc::div(b(i32::MIN), b(-2));
    assert_eq!((d.quot, d.rem), (1 << 30, 0));
    let d = libc::lldiv(b(i64::MIN), b(2));
    assert_eq!((d.quot, d.rem), (i64::MIN / 2, 0));
    let d = libc::ldiv(b(-7), b(2));
    assert_eq!((d.quot, d.rem), (-3, -1));
    assert_eq!(libc::abs(b(i32::MIN + 1)), i32::MAX);
    assert_eq!(libc::isdigit(b(-1)), 0, "EOF");
    assert_eq!(libc::isdigit(b(255)), 0);
    assert_ne!(libc::isdigit(b('7' as i32)), 0);
    assert_eq!(libc::toupper(b('q' as i32)), 'Q' as i32);

    let t = Tile::new(b(4), b(3), 7);
    assert_eq!(t.at(b(3), b(2)), 7);
    t.set(b(3), b(2), 9);
    assert_eq!(t.at(b(3), b(2)), 9);
    // Growing changes the bounds the conditions read.
    t.grow(b(8), b(8));
    t.set(b(7), b(7), 5);
    assert_eq!(t.at(b(7), b(7)), 5);
    drop(Tile::new(b(4096), b(1), 0));

    let d = fused::div(b(i32::MIN), b(3));
    assert_eq!((d.quot, d.rem), (i32::MIN / 3, i32::MIN % 3));
    assert_ne!(fused::isdigit(b('0' as i32)), 0);
    assert_eq!(fused::isdigit(b(-1)), 0);
    assert_eq!(fused::llabs(b(i64::MIN + 1)), i64::MAX);
    assert_eq!(fused::llabs(b(-5)), 5);
    fused::srand(b(1));
    fused::srand(b(u32::MAX - 1));
    assert_eq!(fused::atoi(b("12345678901")), 12345678901_i64 as i32);
    assert_eq!(math::sqrt(b(0.0)), 0.0);
    assert_eq!(math::sqrt(b(6.25)), 2.5);
    assert!(math::sqrt(b(f64::INFINITY)).is_infinite());
}
