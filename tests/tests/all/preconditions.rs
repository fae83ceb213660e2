//! `@ffi(require = ...)`: a hostile guest (guest/hostile-pre) breaks each
//! precondition of wit/libc.wit, tests/wit/handles.wit's `tile` and
//! tests/pre.wit (the same libc functions on the fused path and compiled
//! stubs); every call must trap with the condition, the values and the C
//! function named, before C runs (C would raise SIGFPE, or read outside its
//! tables), on the fast path and on the general `Val` path alike. After
//! each, a fresh store makes the good calls at the edges of every condition.

use dlwit::Libraries;
use dlwit_tests::{FIXTURE_LIB, Runner, bindings};
use std::sync::OnceLock;

/// The runner on the fast paths (index 0) or on the `Val` path (index 1).
fn runner(fast_path: bool) -> &'static Runner {
    static RUNNERS: [OnceLock<Runner>; 2] = [OnceLock::new(), OnceLock::new()];
    RUNNERS[usize::from(!fast_path)].get_or_init(|| {
        let libc =
            bindings("wit/libc.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
        let fixture =
            bindings("tests/wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"));
        let pre =
            bindings("tests/pre.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
        let options = dlwit::LinkOptions {
            fast_path,
            ..Default::default()
        };
        Runner::with_all(&[&libc, &fixture, &pre], options)
    })
}

/// Runs `case` on both paths: it must trap with exactly `message` after
/// `dlwit: ` and the function's context, and a fresh store must then serve
/// the good calls.
fn sad(case: &str, context: &str, message: &str) {
    // The tiles are counted objects of the fixture, whose counts the
    // handle tests compare.
    let _serial = crate::handles::serial();
    for fast_path in [true, false] {
        let out = runner(fast_path).run("hostile-pre", &[case]);
        let want = format!("dlwit: {context}: {message}");
        out.expect_trap(&[&want]);
        let err = out.result.as_ref().unwrap_err();
        assert!(
            err.lines().any(|l| l.trim() == want),
            "fast path {fast_path}: the trap is not exactly `{want}`:\n{err}"
        );
        let again = runner(fast_path).run("hostile-pre", &["good"]);
        assert!(
            again.result.is_ok() && again.stdout.contains("good: ok"),
            "fast path {fast_path}: after `{case}`: {again:?}"
        );
    }
}

fn libc(func: &str) -> String {
    format!("`dlwit:libc/libc#{func}` (C `{func}` in `libc.so.6`)")
}

fn fused(func: &str) -> String {
    format!("`dlwit:pre/fused#{func}` (C `{func}` in `libc.so.6`)")
}

fn tile(method: &str, symbol: &str) -> String {
    format!("`dlwit:fixture/handles#[method]tile.{method}` (C `{symbol}` in `{FIXTURE_LIB}`)")
}

#[test]
fn the_paths_are_what_the_tests_say() {
    let fast = runner(true).report;
    assert!(
        fast.fast > 0
            && (fast.fused > 0) == dlwit::FUSED_CALLS
            && (fast.stubs > 0) == dlwit::COMPILED_STUBS,
        "{fast:?}"
    );
    assert_eq!(runner(false).report.fast, 0);
}

#[test]
fn good_calls_at_the_edges_reach_c() {
    let _serial = crate::handles::serial();
    for fast_path in [true, false] {
        let out = runner(fast_path).run("hostile-pre", &["good"]);
        assert!(out.result.is_ok(), "{out:?}");
        assert!(out.stdout.contains("good: ok"), "{out:?}");
    }
}

#[test]
fn sad_div_by_zero() {
    sad(
        "div-zero",
        &libc("div"),
        "precondition `denom != 0` failed (denom = 0)",
    );
    sad(
        "ldiv-zero",
        &libc("ldiv"),
        "precondition `denom != 0` failed (denom = 0)",
    );
}

#[test]
fn sad_div_overflow() {
    sad(
        "div-overflow",
        &libc("div"),
        "precondition `!(numer == INT_MIN && denom == -1)` failed (numer = -2147483648, denom = -1)",
    );
    sad(
        "lldiv-overflow",
        &libc("lldiv"),
        "precondition `!(numer == LLONG_MIN && denom == -1)` failed (numer = -9223372036854775808, denom = -1)",
    );
}

#[test]
fn sad_abs_of_int_min() {
    sad(
        "abs-min",
        &libc("abs"),
        "precondition `j != INT_MIN` failed (j = -2147483648)",
    );
}

#[test]
fn sad_ctype_outside_unsigned_char() {
    let cond = "precondition `c == EOF || c in 0..=UCHAR_MAX` failed";
    sad(
        "isdigit-huge",
        &libc("isdigit"),
        &format!("{cond} (c = 1073741824)"),
    );
    sad(
        "isdigit-negative",
        &libc("isdigit"),
        &format!("{cond} (c = -2)"),
    );
    sad(
        "toupper-256",
        &libc("toupper"),
        &format!("{cond} (c = 256)"),
    );
}

#[test]
fn sad_tile_outside_its_pixels() {
    let cond = "precondition `x in 0..self.width && y in 0..self.height` failed";
    sad(
        "tile-at-x",
        &tile("at", "fx_tile_at"),
        &format!("{cond} (x = 4, self.width = 4, y = 0, self.height = 3)"),
    );
    sad(
        "tile-at-negative",
        &tile("at", "fx_tile_at"),
        &format!("{cond} (x = 0, self.width = 4, y = -1, self.height = 3)"),
    );
    sad(
        "tile-set-y",
        &tile("set", "fx_tile_set"),
        &format!("{cond} (x = 0, self.width = 4, y = 3, self.height = 3)"),
    );
    sad(
        "tile-set-huge",
        &tile("set", "fx_tile_set"),
        &format!("{cond} (x = 2147483647, self.width = 4, y = 0, self.height = 3)"),
    );
}

#[test]
fn sad_tile_sizes() {
    let cond = "precondition `width in 1..=4096 && height in 1..=4096` failed";
    sad(
        "tile-new-zero",
        &format!("`dlwit:fixture/handles#[constructor]tile` (C `fx_tile_new` in `{FIXTURE_LIB}`)"),
        &format!("{cond} (width = 0, height = 5)"),
    );
    sad(
        "tile-new-huge",
        &format!("`dlwit:fixture/handles#[constructor]tile` (C `fx_tile_new` in `{FIXTURE_LIB}`)"),
        &format!("{cond} (width = 5, height = 4097)"),
    );
    sad(
        "tile-grow-negative",
        &tile("grow", "fx_tile_grow"),
        &format!("{cond} (width = -1, height = 2)"),
    );
}

#[test]
fn sad_on_the_fused_path_and_stubs() {
    sad(
        "fused-div-zero",
        &fused("div"),
        "precondition `denom != 0` failed (denom = 0)",
    );
    sad(
        "fused-div-overflow",
        &fused("div"),
        "precondition `!(numer == INT_MIN && denom == -1)` failed (numer = -2147483648, denom = -1)",
    );
    sad(
        "fused-isdigit-huge",
        &fused("isdigit"),
        "precondition `c == EOF || c in 0..=UCHAR_MAX` failed (c = 1073741824)",
    );
    sad(
        "fused-llabs-min",
        &fused("llabs"),
        "precondition `j != LLONG_MIN` failed (j = -9223372036854775808)",
    );
    sad(
        "fused-srand-max",
        &fused("srand"),
        "precondition `seed != 0 && seed != UINT_MAX` failed (seed = 4294967295)",
    );
    sad(
        "fused-atoi-long",
        &fused("atoi"),
        "precondition `len(nptr) <= 11` failed (len(nptr) = 12)",
    );
}

#[test]
fn sad_float_conditions() {
    let sqrt = "`dlwit:pre/math#sqrt` (C `sqrt` in `libm.so.6`)";
    sad(
        "sqrt-negative",
        sqrt,
        "precondition `x >= 0.0` failed (x = -0.5)",
    );
    sad("sqrt-nan", sqrt, "precondition `x >= 0.0` failed (x = NaN)");
}
