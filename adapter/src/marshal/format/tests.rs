use super::*;
use Dialect::{Printf, Sqlite};
use VaKind::{Double, Int, Long, Str};

/// The C type a variadic argument of `kind` has, for messages.
fn kind_spelling(kind: VaKind) -> &'static str {
    match kind {
        VaKind::Int => "int",
        VaKind::Long => "long",
        VaKind::Double => "double",
        VaKind::Str => "const char *",
    }
}

fn ok(d: Dialect, f: &str, args: &[VaKind]) {
    if let Err(r) = check(d, f, args, |_| 8) {
        panic!("{f:?} refused: {r:?}");
    }
}

fn problem(d: Dialect, f: &str, args: &[VaKind]) -> (Range<usize>, Problem) {
    match check(d, f, args, |_| 8) {
        Ok(()) => panic!("{f:?} accepted"),
        Err(r) => (r.spec, r.problem),
    }
}

fn text(d: Dialect, f: &str, args: &[VaKind]) -> String {
    let names = ["a", "b", "c", "d"];
    let r = check(d, f, args, |_| 8).expect_err("refused");
    r.message(f, d, args.len(), |i| (names[i], kind_spelling(args[i])))
}

#[test]
fn conversion_classes() {
    for f in [
        "%d", "%i", "%o", "%u", "%x", "%X", "%c", "%hhd", "%hu", "%+5d",
    ] {
        ok(Printf, f, &[Int]);
    }
    for f in ["%ld", "%lld", "%qd", "%jd", "%zu", "%Zd", "%td", "%lx"] {
        ok(Printf, f, &[Long]);
    }
    for f in [
        "%f", "%F", "%e", "%E", "%g", "%G", "%a", "%A", "%lf", "%-08.3lf",
    ] {
        ok(Printf, f, &[Double]);
    }
    ok(Printf, "%s|%-10.3s", &[Str, Str]);
    ok(Printf, "100%% of %s", &[Str]);
    ok(Printf, "no conversion", &[]);
    ok(Printf, "", &[Int]);
}

#[test]
fn widths_must_match_exactly() {
    let m = |_have: VaKind, want, spelling| Problem::Mismatch {
        role: Role::Value,
        index: 0,
        want,
        spelling,
    };
    assert_eq!(problem(Printf, "%ld", &[Int]).1, m(Int, Long, "long"));
    assert_eq!(problem(Printf, "%d", &[Long]).1, m(Long, Int, "int"));
    assert_eq!(problem(Printf, "%s", &[Int]).1, m(Int, Str, "const char *"));
    assert_eq!(problem(Printf, "%f", &[Int]).1, m(Int, Double, "double"));
    assert_eq!(problem(Printf, "%d", &[Double]).1, m(Double, Int, "int"));
    assert_eq!(problem(Printf, "%c", &[Str]).1, m(Str, Int, "int"));
    assert_eq!(
        text(Printf, "%d %zu", &[Int, Int]),
        "`%zu` at byte 3: expected `size_t`, got `int` (variadic argument 2, `b`)"
    );
    assert_eq!(
        text(Printf, "%s", &[Int]),
        "`%s` at byte 0: expected `const char *`, got `int` (variadic argument 1, `a`)"
    );
}

#[test]
fn never_allowed() {
    for (d, f) in [
        (Printf, "%n"),
        (Printf, "%hhn"),
        (Printf, "%p"),
        (Sqlite, "%n"),
        (Sqlite, "%p"),
        (Sqlite, "%z"),
        (Sqlite, "%T"),
        (Sqlite, "%S"),
    ] {
        assert!(matches!(problem(d, f, &[Str]).1, Problem::Never(_)), "{f}");
    }
    assert_eq!(
        text(Printf, "ab%n", &[Int]),
        "`%n` at byte 2 is never allowed: it writes through its argument, a pointer"
    );
    assert_eq!(
        text(Sqlite, "%z", &[Str]),
        "`%z` at byte 0 is never allowed: sqlite frees its argument, which is dlwit's copy"
    );
}

#[test]
fn lengths() {
    assert_eq!(problem(Printf, "%Lf", &[Double]).1, Problem::LongDouble);
    assert_eq!(problem(Printf, "%Ld", &[Long]).1, Problem::Length("L"));
    assert_eq!(problem(Printf, "%hf", &[Double]).1, Problem::Length("h"));
    assert_eq!(problem(Printf, "%ls", &[Str]).1, Problem::Length("l"));
    assert_eq!(problem(Printf, "%lc", &[Int]).1, Problem::Length("l"));
    assert_eq!(
        text(Printf, "%zf", &[Double]),
        "`%zf` at byte 0: length `z` does not apply to `%f`"
    );
    assert_eq!(
        text(Printf, "%Lf", &[Double]),
        "`%Lf` at byte 0 reads a `long double`, which no variadic argument is"
    );
}

#[test]
fn too_many_conversions() {
    let ten = "%d %f %s %s %s %s %s %s %s %s";
    let (spec, p) = problem(Printf, ten, &[Int, Double, Str]);
    assert_eq!(spec, 9..11);
    assert_eq!(
        p,
        Problem::Missing {
            role: Role::Value,
            index: 3,
            positional: false
        }
    );
    assert_eq!(
        text(Printf, ten, &[Int, Double, Str]),
        "`%s` at byte 9 has no variadic argument left: the call passes 3 variadic arguments"
    );
    // Fewer conversions than arguments is fine.
    ok(Printf, "%d", &[Int, Double, Str]);
}

#[test]
fn stars_take_an_int() {
    ok(Printf, "%*d", &[Int, Int]);
    ok(Printf, "%.*f|%s", &[Int, Double, Str]);
    ok(Printf, "%-*.*s", &[Int, Int, Str]);
    ok(Sqlite, "%*d %.*s", &[Int, Int, Int, Str]);
    assert_eq!(
        text(Printf, "%*d", &[Int, Double]),
        "`%*d` at byte 0: expected `int`, got `double` (variadic argument 2, `b`)"
    );
    assert_eq!(
        text(Printf, "%*d", &[Double, Int]),
        "the `*` width of `%*d` at byte 0: expected `int`, got `double` (variadic argument 1, `a`)"
    );
    assert_eq!(
        text(Printf, "%.*f", &[Int]),
        "`%.*f` at byte 0 has no variadic argument left: the call passes 1 variadic argument"
    );
    assert_eq!(
        text(Printf, "%.*f", &[]),
        "the `*` precision of `%.*f` at byte 0 has no variadic argument left: the call passes 0 variadic arguments"
    );
}

#[test]
fn positional() {
    ok(Printf, "%2$s %1$d %1$5d %3$.2f", &[Int, Str, Double]);
    ok(Printf, "%1$*2$d", &[Int, Int]);
    ok(Printf, "%1$d %%", &[Int]);
    assert_eq!(
        text(Printf, "%1$s", &[Int]),
        "`%1$s` at byte 0: expected `const char *`, got `int` (variadic argument 1, `a`)"
    );
    assert_eq!(
        text(Printf, "%4$d", &[Int, Int, Int]),
        "`%4$d` at byte 0 names variadic argument 4, but the call passes 3 variadic arguments"
    );
    assert_eq!(
        text(Printf, "%1$d %d", &[Int, Int]),
        "`%d` at byte 5 mixes positional (`%n$`) and sequential arguments"
    );
    assert_eq!(problem(Printf, "%d %1$d", &[Int]).1, Problem::Mixed);
    assert_eq!(problem(Printf, "%1$*d", &[Int, Int]).1, Problem::Mixed);
    assert_eq!(problem(Printf, "%*1$d", &[Int, Int]).1, Problem::Mixed);
    assert_eq!(
        text(Printf, "%1$d %3$s", &[Int, Double, Str]),
        "variadic argument 2 (`b`) is used by no conversion, but a later one is: a positional (`%n$`) format must use every argument up to the last one it uses"
    );
    // `0$` names no argument: `0` is a flag, and `$` no conversion.
    assert_eq!(problem(Printf, "%0$d", &[Int]).1, Problem::Unknown);
    // sqlite has no positional arguments: `1` is a width, `$` no conversion.
    assert_eq!(
        text(Sqlite, "%1$s", &[Str]),
        "`%1$` at byte 0 is not a conversion of the `sqlite` dialect"
    );
}

#[test]
fn truncated_and_unknown() {
    assert_eq!(problem(Printf, "abc%", &[]), (3..4, Problem::Truncated));
    assert_eq!(
        problem(Printf, "%-5.2l", &[Long]),
        (0..6, Problem::Truncated)
    );
    assert_eq!(
        text(Sqlite, "x%", &[]),
        "`%` at byte 1: the format ends before the conversion"
    );
    assert_eq!(problem(Printf, "%y", &[Int]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%m", &[]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%5-d", &[Int]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%5%", &[]).1, Problem::Percent);
    // A conversion that is not ASCII is shown whole.
    assert_eq!(
        text(Printf, "%é", &[]),
        "`%é` at byte 0 is not a conversion of the `printf` dialect"
    );
    let long = format!("%{}d", "9".repeat(40));
    assert_eq!(
        text(Printf, &long, &[]),
        "`%99999999999999999999999...` at byte 0: width 18446744073709551615 is more than the 65536 dlwit allows"
    );
}

#[test]
fn widths_and_precisions_are_bounded() {
    ok(Printf, "%65536d %.65536f %.9999999s", &[Int, Double, Str]);
    assert_eq!(
        text(Printf, "%65537d", &[Int]),
        "`%65537d` at byte 0: width 65537 is more than the 65536 dlwit allows"
    );
    assert_eq!(
        text(Printf, "%.999999999f", &[Double]),
        "`%.999999999f` at byte 0: precision 999999999 is more than the 65536 dlwit allows"
    );
    // sqlite's `%c` repeats its character `precision` times.
    assert!(matches!(
        problem(Sqlite, "%.70000c", &[Int]).1,
        Problem::Field { star: false, .. }
    ));
    // `*` values: negative widths count by their absolute value, and
    // negative precisions are none.
    let args = [Int, Int, Double];
    let values = |w: i64, p: i64| move |i: usize| [w, p, 0][i];
    assert!(check(Printf, "%*.*f", &args, values(-65536, -1)).is_ok());
    assert!(check(Printf, "%*.*f", &args, values(8, 65536)).is_ok());
    let r = check(Printf, "%*.*f", &args, values(-70000, 2)).unwrap_err();
    assert_eq!(
        r.message("%*.*f", Printf, 3, |_| ("w", "int")),
        "the `*` width of `%*.*f` at byte 0 is 70000, more than the 65536 dlwit allows"
    );
    let r = check(Printf, "%*.*f", &args, values(1, i64::from(i32::MAX))).unwrap_err();
    assert_eq!(
        r.problem,
        Problem::Field {
            role: Role::Precision,
            value: i32::MAX as u64,
            star: true
        }
    );
    // A string's precision is a maximum: any is fine.
    assert!(check(Printf, "%.*s", &[Int, Str], |_| i64::from(i32::MAX)).is_ok());
}

#[test]
fn dialects_differ() {
    // sqlite's own conversions and flags.
    ok(Sqlite, "%q %Q %w %!.3s", &[Str, Str, Str, Str]);
    ok(Sqlite, "%,d %r %lld %lu %c", &[Int, Int, Long, Long, Int]);
    assert_eq!(problem(Printf, "%Q", &[Str]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%w", &[Str]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%!d", &[Int]).1, Problem::Unknown);
    assert_eq!(problem(Printf, "%r", &[Int]).1, Problem::Unknown);
    // In C, `z` is a length (of `size_t`), not a conversion.
    assert_eq!(problem(Printf, "%z", &[Str]).1, Problem::Truncated);
    assert_eq!(problem(Printf, "%zs", &[Str]).1, Problem::Length("z"));
    // C's lengths and conversions sqlite does not have.
    assert_eq!(problem(Sqlite, "%hd", &[Int]).1, Problem::Unknown);
    assert_eq!(
        problem(Sqlite, "%zu", &[Long]).1,
        Problem::Never("sqlite frees its argument, which is dlwit's copy")
    );
    assert_eq!(problem(Sqlite, "%a", &[Double]).1, Problem::Unknown);
    assert_eq!(problem(Sqlite, "%'d", &[Int]).1, Problem::Unknown);
    assert_eq!(
        text(Sqlite, "%s %Q", &[Str, Int]),
        "`%Q` at byte 3: expected `const char *`, got `int` (variadic argument 2, `b`)"
    );
    assert_eq!(
        text(Sqlite, "%s%s", &[Str, Int]),
        "`%s` at byte 2: expected `const char *`, got `int` (variadic argument 2, `b`)"
    );
}
