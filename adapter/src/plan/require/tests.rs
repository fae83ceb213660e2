use super::parse::{ParamKind, parse};
use super::*;

fn int(size: u8, signed: bool) -> ParamKind {
    ParamKind::Scalar(Kind::Int { size, signed })
}

fn params() -> Vec<(String, ParamKind)> {
    vec![
        ("a".into(), int(4, true)),
        ("b".into(), int(8, true)),
        ("u".into(), int(8, false)),
        ("x".into(), ParamKind::Scalar(Kind::F64)),
        ("flag".into(), ParamKind::Scalar(Kind::Bool { size: 4 })),
        ("s".into(), ParamKind::Sized("string")),
        (
            "self".into(),
            ParamKind::Struct(vec![
                (
                    "width".into(),
                    8,
                    Some(Kind::Int {
                        size: 4,
                        signed: true,
                    }),
                ),
                ("data".into(), 0, None),
            ]),
        ),
        ("mode".into(), ParamKind::Other("an enum".into())),
        ("new-width".into(), int(4, true)),
    ]
}

/// Evaluates `text` with parameter values as raw bits, in order.
fn eval(text: &str, vals: &[u64]) -> bool {
    let (r, _) = parse(text, &params()).unwrap_or_else(|p| panic!("{text}: {p:?}"));
    r.holds(|l| {
        Ok(match l.access {
            Access::Field { .. } => vals[9],
            Access::Len => vals[10],
            Access::Value => vals[l.param],
            // C's result: the low 32 bits; above them, what a register
            // may hold besides a `bool`'s byte.
            Access::Call { callee } => [0xdead_0000_0000_0001, 0xffff_ff00, 5][callee],
        })
    })
    .unwrap()
}

#[test]
fn c_functions_that_take_nothing() {
    let (r, calls) = parse("IsWindowReady() && Count() > 4", &params()).unwrap();
    assert_eq!(calls, ["IsWindowReady", "Count"]);
    assert_eq!(r.shown.len(), 2);
    assert_eq!(r.shown[0].name, "IsWindowReady()");
    assert_eq!(r.shown[0].kind, Kind::Bool { size: 1 });
    // Alone, a `bool`: one byte (0x01 for the first, 0x00 for the second).
    assert!(eval("F()", &vals(0, 0, 0)));
    assert!(!eval("F() && G()", &vals(0, 0, 0)));
    // Compared, an `int`: 1, and 0xffffff00 is -256.
    assert!(eval("F() == 1 && G() == -256", &vals(0, 0, 0)));
    assert!(eval("F() && a > 0", &vals(1, 0, 0)));
    assert!(!eval("F() && a > 0", &vals(0, 0, 0)));
    // One symbol, one call.
    let (_, calls) = parse("F() > 0 && F() < 9", &params()).unwrap();
    assert_eq!(calls, ["F"]);
    let p = parse("F(a) > 0", &params()).unwrap_err();
    assert_eq!(p.message, "expected `)`, got `a`");
    assert!(p.hint.contains("take nothing"), "{}", p.hint);
}

fn vals(a: i32, b: i64, u: u64) -> [u64; 11] {
    // The guest writes a 32-bit value zero-extended (`ValRaw`).
    [
        u64::from(a as u32),
        b as u64,
        u,
        2.5f64.to_bits(),
        1,
        0,
        0,
        0,
        7,
        100,
        3,
    ]
}

#[test]
fn div_family() {
    let c = "b != 0 && !(a == INT_MIN && b == -1)";
    assert!(eval(c, &vals(1, 2, 0)));
    assert!(!eval(c, &vals(1, 0, 0)));
    assert!(!eval(c, &vals(i32::MIN, -1, 0)));
    assert!(eval(c, &vals(i32::MIN, -2, 0)));
    assert!(eval(c, &vals(i32::MAX, -1, 0)));
    let ll = "b != 0 && !(b == -1 && b == LLONG_MIN)";
    assert!(eval(ll, &vals(0, i64::MIN, 0)));
    let ll = "!(b == LLONG_MIN) || a != -1";
    assert!(!eval(ll, &vals(-1, i64::MIN, 0)));
    assert!(eval(ll, &vals(-2, i64::MIN, 0)));
}

#[test]
fn ranges_and_boundaries() {
    let c = "a in -1..=255";
    for (v, ok) in [
        (-2, false),
        (-1, true),
        (0, true),
        (255, true),
        (256, false),
        (0x4000_0000, false),
        (i32::MIN, false),
    ] {
        assert_eq!(eval(c, &vals(v, 0, 0)), ok, "{v}");
    }
    assert!(!eval("a in 0..10", &vals(10, 0, 0)));
    assert!(eval("a in 0..10", &vals(9, 0, 0)));
    assert!(eval("a == EOF || a in 0..=UCHAR_MAX", &vals(-1, 0, 0)));
}

#[test]
fn extremes_are_exact() {
    // u64::MAX is not -1, and i64::MIN is below every u64.
    assert!(eval("u == 0xffffffffffffffff", &vals(0, 0, u64::MAX)));
    assert!(eval(
        "u == ULLONG_MAX && u > LLONG_MAX",
        &vals(0, 0, u64::MAX)
    ));
    assert!(!eval("u == -1", &vals(0, 0, u64::MAX)));
    assert!(eval("b < u", &vals(0, i64::MIN, 0)));
    assert!(eval("b == -9223372036854775808", &vals(0, i64::MIN, 0)));
    assert!(eval("b == LLONG_MIN && u >= 0", &vals(0, i64::MIN, 0)));
    // 32-bit values read at their width, sign-extended.
    assert!(eval("a == -1", &vals(-1, 0, 0)));
    assert!(eval("a < 0 && a == INT_MIN", &vals(i32::MIN, 0, 0)));
    // High garbage in a 32-bit flat value is not the guest's value.
    let (r, _) = parse("a == -1", &params()).unwrap();
    assert!(r.holds(|_| Ok(0xdead_beef_ffff_ffff)).unwrap());
}

#[test]
fn precedence() {
    // `&&` binds tighter than `||`; `!` tighter than both.
    assert!(eval("a == 1 || a == 2 && b == 3", &vals(1, 0, 0)));
    assert!(!eval("(a == 1 || a == 2) && b == 3", &vals(1, 0, 0)));
    assert!(eval("!flag || a == 1", &vals(1, 0, 0)));
    assert!(!eval("!flag || a == 2", &vals(1, 0, 0)));
    assert!(eval("!!flag", &vals(0, 0, 0)));
    assert!(eval("!(a > 5) && !(a < -5)", &vals(-5, 0, 0)));
}

#[test]
fn floats_lengths_and_fields() {
    assert!(eval("x > 2 && x < 2.75 && x >= -1e3", &vals(0, 0, 0)));
    assert!(eval("len(s) <= 3 && self.width == 100", &vals(0, 0, 0)));
    assert!(eval("new-width>-1", &vals(0, 0, 0)));
    let (r, _) = parse("x == x", &params()).unwrap();
    assert!(!r.holds(|_| Ok(f64::NAN.to_bits())).unwrap());
    let (r, _) = parse("x != x", &params()).unwrap();
    assert!(r.holds(|_| Ok(f64::NAN.to_bits())).unwrap());
}

#[test]
fn arithmetic() {
    // a = 6, b = 7, u = 3; self.width = 100, len(s) = 3.
    assert!(eval("a * b == 42 && a + b - 1 == 12", &vals(6, 7, 3)));
    // `*` binds tighter than `+` and `-`, which go left to right.
    assert!(eval("a + b * 2 == 20 && a - b - 1 == -2", &vals(6, 7, 3)));
    assert!(eval("len(s) >= self.width * u - 297", &vals(6, 7, 3)));
    assert!(!eval("len(s) >= self.width * u - 296", &vals(6, 7, 3)));
    assert!(eval("x * 2 == 5.0 && x + 0.5 > 2", &vals(0, 0, 0)));
    // Exact: no 64-bit wrap makes a huge product small.
    assert!(eval("u * u > u", &vals(0, 0, u64::MAX)));
    assert!(eval("u * u * u * u > ULLONG_MAX", &vals(0, 0, u64::MAX)));
    assert!(eval(
        "b * b * b > 0 && 0 - b * b * b * b < 0 - b",
        &vals(0, i64::MAX, 0)
    ));
    assert!(!eval("len(s) >= u * 4", &vals(0, 0, u64::MAX / 2)));
    for (text, msg) in [
        ("a * x > 1", "`a * x` mixes integers, floats or bools"),
        ("flag + 1 > 1", "`flag + 1` mixes integers, floats or bools"),
        ("a * > 1", "expected a parameter, a number or `(`, got `>`"),
        ("a + 1", "`a + 1` is not a condition"),
    ] {
        match parse(text, &params()) {
            Ok(r) => panic!("{text:?} parsed: {r:?}"),
            Err(p) => assert!(p.message.contains(msg), "{text:?}: {}", p.message),
        }
    }
}

#[test]
fn shows_each_value_once() {
    let (r, _) = parse("b != 0 && !(a == INT_MIN && b == -1)", &params()).unwrap();
    let names: Vec<&str> = r.shown.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
}

#[test]
fn problems() {
    for (text, msg) in [
        ("", "the condition is empty"),
        ("denom != 0", "unknown parameter `denom`"),
        (
            "a != ",
            "expected a parameter, a number or `(`, got the end",
        ),
        ("a = 0", "unexpected `=`"),
        ("(a != 0", "expected `)`, got the end"),
        ("a != 0 b", "expected `&&`, `||` or the end, got `b`"),
        ("a", "`a` is not a condition"),
        ("x > 2.5e", "`2.5e` is not a number"),
        ("a > 2.5", "`a > 2.5` compares an integer with a float"),
        ("x > a", "compares an integer with a float"),
        ("s > 0", "parameter `s` is a string"),
        ("len(a) > 0", "parameter `a` is a number or a bool"),
        (
            "mode == 1",
            "parameter `mode` is an enum, which conditions cannot read",
        ),
        ("self > 1", "parameter `self` is a handle to a struct"),
        ("self.height > 1", "`self` has no field `height`"),
        (
            "self.data > 1",
            "field `data` of `self` is not a number or a bool",
        ),
        ("a in 0..", "expected a parameter, a number or `(`"),
        ("a in 0 1", "expected `..` or `..=`"),
        ("a > - b", "expected a number after `-`"),
        ("a > 0x", "`0x` is not a number"),
        (
            "a > 99999999999999999999999999999999999999999",
            "is not a number",
        ),
    ] {
        match parse(text, &params()) {
            Ok(r) => panic!("{text:?} parsed: {r:?}"),
            Err(p) => assert!(p.message.contains(msg), "{text:?}: {}", p.message),
        }
    }
    let deep = format!("{}a == 1{}", "(a == 1 && ".repeat(70), ")".repeat(70));
    let p = parse(&deep, &params()).unwrap_err();
    assert!(p.message.contains("nests too deeply"), "{}", p.message);
}

#[test]
fn points_at_the_problem() {
    let p = parse("a != 0 && demon == 1", &params()).unwrap_err();
    assert_eq!((p.at, p.len), (10, 5));
}
