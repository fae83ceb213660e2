//! Sad paths: a hostile guest picks printf formats for the shipped WITs'
//! `snprintf` (libc) and `sqlite3_mprintf` (sqlite) that would crash the
//! host, write or free its memory, or print its addresses. Each is refused
//! before C runs, with a trap naming the function, the C symbol, the
//! library and the conversion; good formats still give C's output, and the
//! host goes on serving fresh stores.

use dlwit::Libraries;
use dlwit_tests::{Outcome, Runner, bindings, sqlite_serial};

/// The `dlwit: ...` line of a trap.
fn trap(out: &Outcome, case: &str) -> String {
    let err = out
        .result
        .as_ref()
        .expect_err(&format!("`{case}` should have trapped:\n{}", out.stdout));
    assert!(
        out.stdout.is_empty(),
        "`{case}`: the guest went on after the refused call:\n{}",
        out.stdout
    );
    err.lines()
        .map(str::trim)
        .find(|l| l.starts_with("dlwit: "))
        .unwrap_or_else(|| panic!("`{case}`: no dlwit message in:\n{err}"))
        .to_string()
}

fn good(out: &Outcome, case: &str) -> String {
    assert!(
        out.result.is_ok(),
        "`{case}`: {:?}\n{}",
        out.result,
        out.stdout
    );
    out.stdout.trim_end_matches('\n').to_string()
}

#[test]
fn snprintf_formats_are_checked() {
    let b = bindings("wit/libc.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let guest = "hostile-format-libc";
    let ids = "dlwit: `dlwit:libc/libc#snprintf-ids` (C `snprintf` in `libc.so.6`): format `format` (printf): ";
    let promoted = "dlwit: `dlwit:libc/libc#snprintf-promoted` (C `snprintf` in `libc.so.6`): format `format` (printf): ";
    let refused = [
        (
            "n",
            ids,
            "`%n` at byte 2 is never allowed: it writes through its argument, a pointer",
        ),
        (
            "p",
            ids,
            "`%p` at byte 0 is never allowed: it prints an address of the host",
        ),
        (
            "s-int",
            ids,
            "`%s` at byte 0: expected `const char *`, got `int` (variadic argument 1, `i`)",
        ),
        (
            "too-many",
            ids,
            "`%s` at byte 9 has no variadic argument left: the call passes 3 variadic arguments",
        ),
        (
            "long",
            ids,
            "`%ld` at byte 0: expected `long`, got `int` (variadic argument 1, `i`)",
        ),
        (
            "long-double",
            ids,
            "`%Lf` at byte 3 reads a `long double`, which no variadic argument is",
        ),
        (
            "positional-mismatch",
            ids,
            "`%1$s` at byte 0: expected `const char *`, got `int` (variadic argument 1, `i`)",
        ),
        (
            "positional-gap",
            ids,
            "variadic argument 2 (`d`) is used by no conversion, but a later one is: a positional (`%n$`) format must use every argument up to the last one it uses",
        ),
        (
            "positional-mixed",
            ids,
            "`%f` at byte 5 mixes positional (`%n$`) and sequential arguments",
        ),
        (
            "star",
            ids,
            "`%*d` at byte 0: expected `int`, got `double` (variadic argument 2, `d`)",
        ),
        (
            "star-width",
            ids,
            "the `*` width of `%*s` at byte 3: expected `int`, got `double` (variadic argument 2, `d`)",
        ),
        (
            "truncated",
            ids,
            "`%` at byte 2: the format ends before the conversion",
        ),
        (
            "unknown",
            ids,
            "`%y` at byte 0 is not a conversion of the `printf` dialect",
        ),
        (
            "wide",
            ids,
            "`%.999999999d` at byte 0: precision 999999999 is more than the 65536 dlwit allows",
        ),
        (
            "star-wide",
            ids,
            "the `*` width of `%*.1f` at byte 0 is 1000000, more than the 65536 dlwit allows",
        ),
        (
            "promoted-long",
            promoted,
            "`%ld` at byte 8: expected `long`, got `int` (variadic argument 3, `u`)",
        ),
    ];
    for (case, prefix, message) in refused {
        let out = runner.run(guest, &[case]);
        assert_eq!(trap(&out, case), format!("{prefix}{message}"), "`{case}`");
    }
    // The host goes on: a fresh store, good formats, C's own output.
    let good_cases = [
        ("good", "17 +42|2.500   |st|%"),
        ("good-positional", "13 str 42 2.5 2a"),
        ("good-star", "12 1.5 [    65]"),
        ("good-promoted", "8 1.5 -7 A"),
    ];
    for (case, want) in good_cases {
        assert_eq!(good(&runner.run(guest, &[case]), case), want, "`{case}`");
    }
}

#[test]
fn sqlite_mprintf_formats_are_checked() {
    let _serial = sqlite_serial();
    let b = bindings("wit/sqlite.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let guest = "hostile-format-sqlite";
    let prefix = "dlwit: `dlwit:sqlite/sqlite#mprintf` (C `sqlite3_mprintf` in `libsqlite3.so.0`): format `format` (sqlite): ";
    let refused = [
        (
            "z",
            "`%z` at byte 0 is never allowed: sqlite frees its argument, which is dlwit's copy",
        ),
        (
            "p",
            "`%p` at byte 0 is never allowed: it prints an address of the host",
        ),
        (
            "n",
            "`%n` at byte 0 is never allowed: it writes through its argument, a pointer",
        ),
        (
            "s-int",
            "`%s` at byte 2: expected `const char *`, got `int` (variadic argument 2, `number`)",
        ),
        (
            "q-int",
            "`%Q` at byte 3: expected `const char *`, got `int` (variadic argument 2, `number`)",
        ),
        (
            "internal",
            "`%T` at byte 0 is never allowed: it reads one of sqlite's internal structures",
        ),
        (
            "positional",
            "`%1$` at byte 0 is not a conversion of the `sqlite` dialect",
        ),
        (
            "c-length",
            "`%h` at byte 3 is not a conversion of the `sqlite` dialect",
        ),
        (
            "star-order",
            "the `*` precision of `%.*s` at byte 0: expected `int`, got `const char *` (variadic argument 1, `text`)",
        ),
        (
            "wide",
            "`%999999999d` at byte 3: width 999999999 is more than the 65536 dlwit allows",
        ),
    ];
    for (case, message) in refused {
        let out = runner.run(guest, &[case]);
        assert_eq!(trap(&out, case), format!("{prefix}{message}"), "`{case}`");
    }
    let good_cases = [
        ("good", "INSERT INTO t VALUES('it''s', 42); %"),
        ("good-w", "\"a\"\"b\" ff"),
        ("good-width", "[ab    |1,234,567]"),
    ];
    for (case, want) in good_cases {
        assert_eq!(good(&runner.run(guest, &[case]), case), want, "`{case}`");
    }
}
