//! The echo oracle: a guest round-trips every WIT shape through the C
//! fixture, and the sad paths trap with clear messages while the host goes on.

use dlwit::Libraries;
use dlwit_tests::{FIXTURE_LIB, Runner, bindings};
use std::sync::OnceLock;

fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        let b = bindings("tests/wit/echo.wit", &Libraries::path(FIXTURE_LIB))
            .unwrap_or_else(|e| panic!("{e}"));
        Runner::new(&b)
    })
}

/// `many` stores its arguments in C globals that `last-many` reads back, so
/// two guests running the round trips at once would read each other's.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs every round trip of the echo guest on `runner`; all must pass.
fn all_checks_pass(runner: &Runner) {
    let out = runner.run("echo", &["all"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert!(
        out.stdout.contains("echo: all checks passed"),
        "{}",
        out.stdout
    );
}

/// How many echo functions are fused, and of those how many get a stub.
/// On AArch64, 8 fast-path functions take the frame (still direct)
/// instead: their record result is a float aggregate whose members are
/// not whole eightbytes (`float`s in s0..s3), or a struct argument over 16
/// bytes is passed by reference to a copy. The fused ones without a stub
/// need an enum or flags conversion, or (AArch64, `last-many`) return
/// their record in memory through x8, which stubs do not fill.
const FUSED: usize = if cfg!(target_arch = "aarch64") {
    40
} else {
    48
};
const STUBS: usize = if cfg!(target_arch = "aarch64") {
    35
} else {
    43
};

#[test]
fn every_shape_round_trips() {
    let _serial = serial();
    // Which path the echo functions take: the round trips below check
    // each of them (the fused ones without stubs in the next test).
    assert_eq!(
        runner().report,
        dlwit::LinkReport {
            functions: 74,
            fast: 49,
            fused: if dlwit::FUSED_CALLS { FUSED } else { 0 },
            stubs: if dlwit::COMPILED_STUBS { STUBS } else { 0 },
        }
    );
    all_checks_pass(runner());
}

/// The same round trips with no compiled stubs: fused calls go through the
/// register image and the trampoline, the stubs' oracle.
#[test]
fn every_shape_round_trips_without_stubs() {
    let _serial = serial();
    let b = bindings("tests/wit/echo.wit", &Libraries::path(FIXTURE_LIB))
        .unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::with_options(
        &b,
        dlwit::LinkOptions {
            stubs: false,
            ..Default::default()
        },
    );
    assert_eq!(runner.report.stubs, 0);
    assert_eq!(
        runner.report.fused,
        if dlwit::FUSED_CALLS { FUSED } else { 0 }
    );
    all_checks_pass(&runner);
}

/// The same round trips with every call on the general `Val` path and
/// through libffi (the other tests use the fast path wherever a function is
/// eligible, and direct calls for every non-variadic signature): each
/// path is the other's oracle.
#[test]
fn every_shape_round_trips_on_the_val_path_through_libffi() {
    let _serial = serial();
    let mut b = bindings("tests/wit/echo.wit", &Libraries::path(FIXTURE_LIB))
        .unwrap_or_else(|e| panic!("{e}"));
    let functions: usize = b.plan().interfaces.iter().map(|i| i.functions.len()).sum();
    assert_eq!(
        b.direct_calls(),
        if dlwit::DIRECT_CALLS { functions } else { 0 },
        "every echo function is called directly, stack arguments (big, line, packet, many, pick-*) included"
    );
    b.use_libffi_only();
    assert_eq!(b.direct_calls(), 0);
    let runner = Runner::with_options(
        &b,
        dlwit::LinkOptions {
            fast_path: false,
            ..Default::default()
        },
    );
    all_checks_pass(&runner);
    let out = runner.run("echo", &["bad-kind"]);
    out.expect_trap(&["C returned 42 for an enum", "none = -1", "fx_bad_kind"]);
}

#[test]
fn random_values_round_trip_with_other_seeds() {
    let _serial = serial();
    for seed in ["7", "123456789"] {
        let out = runner().run("echo", &["all", seed]);
        assert!(
            out.result.is_ok(),
            "seed {seed}: {:?}\n{}",
            out.result,
            out.stdout
        );
    }
}

/// After a refused call, the same linker serves a new store.
fn the_host_serves_the_next_store() {
    let after = runner().run("echo", &["after-error"]);
    assert!(
        after.result.is_ok() && after.stdout.contains("still fine"),
        "{after:?}"
    );
}

#[test]
fn sad_interior_nul_is_an_error_naming_the_function() {
    let out = runner().run("echo", &["interior-nul"]);
    out.expect_trap(&[
        "NUL byte at offset 2",
        "echo#string-length`",
        "fx_string_length",
        "libdlwit_fixture.so",
    ]);
    the_host_serves_the_next_store();
}

#[test]
fn sad_unknown_enum_value_from_c_is_an_error() {
    let out = runner().run("echo", &["bad-kind"]);
    out.expect_trap(&["C returned 42 for an enum", "none = -1", "fx_bad_kind"]);
    the_host_serves_the_next_store();
}

#[test]
fn sad_arrays_in_structs_take_what_fits() {
    for (case, error, symbol) in [
        (
            "long-name",
            "a `char[12]` holds a string of at most 11 bytes without NUL, got 12 bytes",
            "fx_named_length",
        ),
        (
            "nul-name",
            "a `char[12]` holds a string of at most 11 bytes without NUL, got 5 bytes with a NUL",
            "fx_named_length",
        ),
        (
            "short-array",
            "a C array of 4 elements takes a list of exactly 4, got 3",
            "fx_quad_weigh",
        ),
    ] {
        runner().run("echo", &[case]).expect_trap(&[error, symbol]);
    }
    the_host_serves_the_next_store();
}

/// A tag C writes that no case has traps (a variant without `other`), and
/// `other` carrying a named case's tag is refused before C sees it.
#[test]
fn sad_union_tags_are_refused() {
    runner().run("echo", &["unknown-tag"]).expect_trap(&[
        "C wrote tag 5 into `struct fx_shape`, which no case has (cases: circle = 1, box = 2, empty = 7, id = -3)",
        "fx_shape_make",
    ]);
    runner().run("echo", &["named-other"]).expect_trap(&[
        "case `other` carries tag 768, which is case `key`: pass that case",
        "fx_event_push",
    ]);
    the_host_serves_the_next_store();
}

/// A NULL in a `string` field C returns traps (`option<string>` takes
/// NULL), and a NUL in a string the guest puts in a field is refused.
#[test]
fn sad_string_fields_are_checked() {
    runner().run("echo", &["null-field"]).expect_trap(&[
        "C left NULL in a `const char *` field declared `string` (`option<string>` takes NULL)",
        "fx_person_make",
    ]);
    runner().run("echo", &["nul-field"]).expect_trap(&[
        "a `const char *` string (a field's or a list element's) contains a NUL byte at offset 2; C strings end at the first NUL",
        "fx_person_weigh",
    ]);
    the_host_serves_the_next_store();
}

/// Wide strings C returns that are not Unicode: a lone surrogate in UTF-32
/// and in UTF-16.
#[test]
fn sad_wide_strings_are_errors() {
    runner().run("echo", &["bad-wide"]).expect_trap(&[
        "C returned a wide string with 0xd800, which is not a Unicode scalar value",
        "fx_wide_bad",
    ]);
    runner().run("echo", &["bad-utf16"]).expect_trap(&[
        "C returned a UTF-16 string with the unpaired surrogate 0xdc00",
        "fx_utf16_bad",
    ]);
    the_host_serves_the_next_store();
}

#[test]
fn sad_null_string_result_is_an_error() {
    let out = runner().run("echo", &["null-string"]);
    out.expect_trap(&[
        "C returned NULL for a `string` result",
        "option<string>",
        "fx_null_string",
    ]);
}

/// `long double` (`c-long-double`, an f64 to the guest) through real C:
/// the fixture's `long double` arithmetic (x87 on x86-64, binary128 on
/// AArch64 Linux: both keep 2^-60 beside 1) and libm's `sqrtl`. Never on
/// the direct or fast path: libffi and `Val`s only.
#[test]
fn long_double_goes_through_libffi() {
    let libs = Libraries {
        default: None,
        by_name: vec![("libdlwit_fixture.so".into(), FIXTURE_LIB.into())],
    };
    let b = bindings("tests/long-double.wit", &libs).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.direct_calls(), 0, "no long double signature is direct");
    let runner = Runner::new(&b);
    assert_eq!((runner.report.functions, runner.report.fast), (5, 0));
    let out = runner.run("long-double", &[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let value = |label: &str| {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(label)?.strip_prefix(" = "))
            .unwrap_or_else(|| panic!("no `{label}` in:\n{}", out.stdout))
            .to_string()
    };
    assert_eq!(value("round trips"), "2012 of 2012", "{}", out.stdout);
    // C kept 2^-60 (64 significant bits); f64 alone would give 0.
    assert_eq!(value("sum(1, 2^-60, -1)"), format!("{:e}", 2f64.powi(-60)));
    assert_eq!(value("1 + 2^-60"), "1e0");
    assert_eq!(value("1e300 * 1e300"), "inf");
    assert_eq!(value("-1e300 * 1e300"), "-inf");
    assert_eq!(value("1e-300 * 1e-300"), "0e0");
    assert_eq!(value("pair"), "8 6");
    assert_eq!(value("sqrtl(2)"), format!("{:#x}", 2f64.sqrt().to_bits()));
}
