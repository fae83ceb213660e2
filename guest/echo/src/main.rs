//! Guest component for dlwit's fixture tests.
//!
//! It imports `dlwit:fixture/echo` (tests/wit/echo.wit), which the host
//! serves by calling the C fixture library (tests/fixture/fixture.c). The
//! first argument picks a case:
//!
//! * `all [SEED]`: calls every echo function with chosen values, then runs
//!   an echo oracle over pseudo-random values (xorshift64*, seeded by SEED,
//!   default 1). Prints `ok <group>` per group and, at the end,
//!   `echo: all checks passed (N checks)`. Any mismatch panics, so the
//!   component traps with a message naming what went in and what came out.
//! * `interior-nul`, `bad-kind`, `null-string`: make a call the host must
//!   refuse with a trap; `unreachable` is printed only if it did not.
//! * `after-error`: a few ordinary calls, then `still fine`.

use std::fmt::{Debug, Display};
use std::process::ExitCode;

wit_bindgen::generate!({
    path: "../../tests/wit",
    world: "dlwit:fixture/guest",
    generate_all,
});

use dlwit::fixture::echo::{
    self, Big, Box as BoxShape, Circle, Event, KeyEv, Kind, Line, ManyArgs, Mixed, MoveEv, Named,
    Packet, Path, Perms, Person, Quad, Rect, Rgba, Samples, Scene, Shape, Tagged, Vec2, Vec3,
};

/// Values drawn per shape by the echo oracle.
const ROUNDS: usize = 2_000;

const USAGE: &str = "usage: echo all [SEED] | interior-nul | bad-kind | null-string | long-name | nul-name | short-array | unknown-tag | named-other | null-field | nul-field | bad-wide | bad-utf16 | after-error";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let case = args.next();
    let extra = args.next();
    match (case.as_deref(), extra) {
        (Some("all"), seed) => {
            let seed = match seed.as_deref().map(str::parse::<u64>) {
                None => 1,
                Some(Ok(seed)) => seed,
                Some(Err(_)) => {
                    eprintln!("echo: SEED must be an unsigned integer\n{USAGE}");
                    return ExitCode::from(2);
                }
            };
            all(seed);
        }
        (Some("interior-nul"), None) => {
            // A C string cannot hold a NUL: the host must trap, not cut it short.
            let len = echo::string_length("ab\0cd");
            std::hint::black_box(len);
            println!("unreachable");
        }
        (Some("bad-kind"), None) => {
            // C returns 42, which is no case of `kind`: the host must trap.
            let kind = echo::bad_kind();
            std::hint::black_box(kind);
            println!("unreachable");
        }
        (Some("null-string"), None) => {
            // C returns NULL for a `string` result: the host must trap.
            let s = echo::null_string();
            std::hint::black_box(s);
            println!("unreachable");
        }
        (Some(case @ ("long-name" | "nul-name")), None) => {
            // 12 bytes do not fit a `char[12]` with its NUL, and a NUL would
            // make C see a shorter name than the guest sent: the host must trap.
            let name = if case == "long-name" {
                "twelve bytes"
            } else {
                "ab\0cd"
            };
            let n = echo::named_length(&Named {
                id: 1,
                name: name.into(),
            });
            std::hint::black_box(n);
            println!("unreachable");
        }
        (Some("short-array"), None) => {
            // `float v[4]` takes exactly four: the host must trap.
            let w = echo::quad_weigh(&Quad {
                v: vec![1.0, 2.0, 3.0],
            });
            std::hint::black_box(w);
            println!("unreachable");
        }
        (Some("unknown-tag"), None) => {
            // C writes tag 5, which no case of `shape` has: the host must trap.
            let s = echo::shape_make(5);
            std::hint::black_box(s);
            println!("unreachable");
        }
        (Some("named-other"), None) => {
            // `other` with the tag of `key` would hand C a key event the
            // guest never filled: the host must refuse it.
            let n = echo::event_push(Event::Other(0x300));
            std::hint::black_box(n);
            println!("unreachable");
        }
        (Some("null-field"), None) => {
            // C leaves NULL in a `string` field: the host must trap.
            let p = echo::person_make(2);
            std::hint::black_box(p);
            println!("unreachable");
        }
        (Some("bad-wide"), None) => {
            let s = echo::wide_bad();
            std::hint::black_box(s);
            println!("unreachable");
        }
        (Some("bad-utf16"), None) => {
            let s = echo::utf16_bad();
            std::hint::black_box(s);
            println!("unreachable");
        }
        (Some("nul-field"), None) => {
            // A NUL would cut the name C sees short: the host must trap.
            let w = echo::person_weigh(&Person {
                name: "Ad\0a".into(),
                age: 1,
                nick: None,
            });
            std::hint::black_box(w);
            println!("unreachable");
        }
        (Some("after-error"), None) => {
            assert_eq!(echo::pass_s32(-7), -7);
            assert_eq!(echo::string_length("hello"), 5);
            assert_eq!(echo::pass_string("still"), "still");
            assert_eq!(echo::kind_value(Kind::Large), 100);
            println!("still fine");
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn all(seed: u64) {
    let mut c = Checks::default();
    scalars(&mut c);
    floats(&mut c);
    chars(&mut c);
    records(&mut c);
    packets(&mut c);
    arrays(&mut c);
    unions(&mut c);
    string_fields(&mut c);
    pairs(&mut c);
    rect_union(&mut c);
    struct_args(&mut c);
    many(&mut c);
    pick(&mut c);
    strings(&mut c);
    lists(&mut c);
    enums(&mut c);
    flags(&mut c);
    options(&mut c);
    oracle(&mut c, seed);
    println!("echo: all checks passed ({} checks)", c.count);
}

// ---------------------------------------------------------------------------
// Comparison: floats by bit pattern, everything else by value.

/// Exact sameness: floats compare by bits (so NaN payloads and the sign of
/// zero count), records field by field.
trait Same: Debug {
    fn same(&self, other: &Self) -> bool;

    /// How the value is shown in a failure message.
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

macro_rules! same_by_eq {
    ($($t:ty),* $(,)?) => {$(
        impl Same for $t {
            fn same(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}

same_by_eq!(
    bool, i8, u8, i16, u16, i32, u32, i64, u64, char, Kind, Perms
);

impl Same for f32 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }

    fn show(&self) -> String {
        format!("{self:?} (bits {:#010x})", self.to_bits())
    }
}

impl Same for f64 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }

    fn show(&self) -> String {
        format!("{self:?} (bits {:#018x})", self.to_bits())
    }
}

impl Same for String {
    fn same(&self, other: &Self) -> bool {
        self == other
    }

    fn show(&self) -> String {
        if self.chars().count() <= 80 {
            format!("{self:?}")
        } else {
            let head: String = self.chars().take(40).collect();
            format!("{head:?}... ({} bytes)", self.len())
        }
    }
}

impl<T: Same> Same for Vec<T> {
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

impl<T: Same> Same for Option<T> {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same(b),
            (None, None) => true,
            _ => false,
        }
    }

    fn show(&self) -> String {
        match self {
            Some(v) => format!("Some({})", v.show()),
            None => "None".to_string(),
        }
    }
}

impl<T: Same> Same for Result<T, ()> {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Ok(a), Ok(b)) => a.same(b),
            (Err(()), Err(())) => true,
            _ => false,
        }
    }
}

impl<A: Same, B: Same> Same for (A, B) {
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0) && self.1.same(&other.1)
    }

    fn show(&self) -> String {
        format!("({}, {})", self.0.show(), self.1.show())
    }
}

impl<A: Same, B: Same, C: Same, D: Same> Same for (A, B, C, D) {
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0)
            && self.1.same(&other.1)
            && self.2.same(&other.2)
            && self.3.same(&other.3)
    }

    fn show(&self) -> String {
        format!(
            "({}, {}, {}, {})",
            self.0.show(),
            self.1.show(),
            self.2.show(),
            self.3.show()
        )
    }
}

macro_rules! same_record {
    ($($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl Same for $name {
            fn same(&self, other: &Self) -> bool {
                let mut same = true;
                $(same &= self.$field.same(&other.$field);)*
                same
            }

            fn show(&self) -> String {
                let fields = [$(format!("{}: {}", stringify!($field), self.$field.show())),*];
                format!("{} {{ {} }}", stringify!($name), fields.join(", "))
            }
        }
    )*};
}

same_record! {
    Rgba { r, g, b, a }
    Vec2 { x, y }
    Vec3 { x, y, z }
    Rect { x, y, width, height }
    Mixed { id, scale, weight }
    Tagged { value, tag }
    Big { a, b, c, d }
    Line { start, end, color, width }
    Packet { kind, perms, payload, origin }
    ManyArgs { a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p }
    Named { id, name }
    Quad { v }
    Samples { count, vals }
    Path { pts, closed }
    Circle { r }
    Person { name, age, nick }
    BoxShape { w, h }
    Scene { layer, shape, tail }
    KeyEv { type_, code, down }
    MoveEv { type_, x, y, when }
}

impl Same for Shape {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Shape::Circle(a), Shape::Circle(b)) => a.same(b),
            (Shape::Box(a), Shape::Box(b)) => a.same(b),
            (Shape::Empty, Shape::Empty) => true,
            (Shape::Id(a), Shape::Id(b)) => a == b,
            _ => false,
        }
    }
}

impl Same for Event {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Event::Quit, Event::Quit) => true,
            (Event::Key(a), Event::Key(b)) => a.same(b),
            (Event::Move(a), Event::Move(b)) => a.same(b),
            (Event::Other(a), Event::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// Counts checks; panics on the first failing one.
#[derive(Default)]
struct Checks {
    count: u64,
}

impl Checks {
    /// `call(value)` must give back `value`.
    fn echo<T: Same + Clone>(&mut self, func: &str, value: T, call: impl FnOnce(T) -> T) {
        let got = call(value.clone());
        self.count += 1;
        if !value.same(&got) {
            panic!("{func}: sent {}, got back {}", value.show(), got.show());
        }
    }

    /// `got` (what `what` returned) must be `expected`.
    fn expect<T: Same>(&mut self, what: impl Display, got: T, expected: T) {
        self.count += 1;
        if !got.same(&expected) {
            panic!("{what}: expected {}, got {}", expected.show(), got.show());
        }
    }
}

// ---------------------------------------------------------------------------
// Chosen values.

/// Every scalar integer type (and the C aliases): min, max, 0, ±1, and a few
/// more patterns.
fn scalars(c: &mut Checks) {
    for x in [true, false] {
        c.echo("pass-bool", x, echo::pass_bool);
        c.echo("pass-cbool", x, echo::pass_cbool);
    }

    macro_rules! ints {
        ($($func:literal $call:path: $t:ty),* $(,)?) => {$(
            let zero: $t = 0;
            let values: [$t; 8] = [
                <$t>::MIN,
                <$t>::MAX,
                zero,
                1,
                zero.wrapping_sub(1),
                <$t>::MIN.wrapping_add(1),
                <$t>::MAX.wrapping_sub(1),
                <$t>::from_le_bytes([0xa5; std::mem::size_of::<$t>()]),
            ];
            for x in values {
                c.echo($func, x, $call);
            }
        )*};
    }
    ints! {
        "pass-s8" echo::pass_s8: i8,
        "pass-u8" echo::pass_u8: u8,
        "pass-s16" echo::pass_s16: i16,
        "pass-u16" echo::pass_u16: u16,
        "pass-s32" echo::pass_s32: i32,
        "pass-u32" echo::pass_u32: u32,
        "pass-s64" echo::pass_s64: i64,
        "pass-u64" echo::pass_u64: u64,
        "pass-cint" echo::pass_cint: i32,
        "pass-cuint" echo::pass_cuint: u32,
        "pass-clong" echo::pass_clong: i64,
        "pass-size" echo::pass_size: u64,
        "pass-ptr" echo::pass_ptr: u64,
    }
    for x in [0x0000_7fff_dead_beef_u64, 0xdead_beef_cafe_babe, 8, 1 << 63] {
        c.echo("pass-ptr", x, echo::pass_ptr);
    }
    println!("ok scalars");
}

const F32_SPECIAL: [u32; 24] = [
    0x0000_0000, // +0.0
    0x8000_0000, // -0.0
    0x3f80_0000, // 1.0
    0xbf80_0000, // -1.0
    0x3fc0_0000, // 1.5
    0xc010_0000, // -2.25
    0xff7f_ffff, // MIN
    0x7f7f_ffff, // MAX
    0x0080_0000, // MIN_POSITIVE
    0x8080_0000, // -MIN_POSITIVE
    0x3400_0000, // EPSILON
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x0000_0001, // smallest subnormal
    0x8000_0001, // smallest negative subnormal
    0x007f_ffff, // largest subnormal
    0x0040_0000, // a middle subnormal
    0x7fc0_0000, // quiet NaN
    0xffc0_0000, // negative quiet NaN
    0x7fc1_2345, // quiet NaN with a payload
    0x7fff_ffff, // quiet NaN, all payload bits
    0x7f80_0001, // signalling NaN
    0xff80_dead, // negative signalling NaN with a payload
    0x7fa0_0000, // signalling NaN, high payload bit
];

const F64_SPECIAL: [u64; 24] = [
    0x0000_0000_0000_0000, // +0.0
    0x8000_0000_0000_0000, // -0.0
    0x3ff0_0000_0000_0000, // 1.0
    0xbff0_0000_0000_0000, // -1.0
    0x3ff8_0000_0000_0000, // 1.5
    0xc002_0000_0000_0000, // -2.25
    0xffef_ffff_ffff_ffff, // MIN
    0x7fef_ffff_ffff_ffff, // MAX
    0x0010_0000_0000_0000, // MIN_POSITIVE
    0x8010_0000_0000_0000, // -MIN_POSITIVE
    0x3cb0_0000_0000_0000, // EPSILON
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x0000_0000_0000_0001, // smallest subnormal
    0x8000_0000_0000_0001, // smallest negative subnormal
    0x000f_ffff_ffff_ffff, // largest subnormal
    0x0008_0000_0000_0000, // a middle subnormal
    0x7ff8_0000_0000_0000, // quiet NaN
    0xfff8_0000_0000_0000, // negative quiet NaN
    0x7ff8_dead_beef_0001, // quiet NaN with a payload
    0x7fff_ffff_ffff_ffff, // quiet NaN, all payload bits
    0x7ff0_0000_0000_0001, // signalling NaN
    0xfff4_0000_0000_1234, // negative signalling NaN with a payload
    0x7ff4_0000_0000_0000, // signalling NaN, high payload bit
];

fn f32s() -> impl Iterator<Item = f32> {
    F32_SPECIAL.into_iter().map(f32::from_bits)
}

fn f64s() -> impl Iterator<Item = f64> {
    F64_SPECIAL.into_iter().map(f64::from_bits)
}

fn floats(c: &mut Checks) {
    for x in f32s() {
        c.echo("pass-f32", x, echo::pass_f32);
    }
    for x in f64s() {
        c.echo("pass-f64", x, echo::pass_f64);
    }
    println!("ok floats");
}

fn chars(c: &mut Checks) {
    let values = [
        'a',
        'é',
        '\u{10FFFF}',
        '\0',
        '\u{7f}',
        '\u{80}',
        '\u{7ff}',
        '\u{800}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fffd}',
        '\u{ffff}',
        '\u{10000}',
        '日',
        '✓',
        '😀',
    ];
    for x in values {
        c.echo("pass-char", x, echo::pass_char);
    }
    println!("ok chars");
}

fn records(c: &mut Checks) {
    let nan32 = f32::from_bits(0x7fc1_2345);
    let snan32 = f32::from_bits(0xff80_dead);
    let nan64 = f64::from_bits(0x7ff8_dead_beef_0001);

    for x in [
        Rgba {
            r: 255,
            g: 0,
            b: 128,
            a: 1,
        },
        Rgba {
            r: 1,
            g: 2,
            b: 3,
            a: 4,
        },
        Rgba {
            r: 0,
            g: 255,
            b: 0,
            a: 255,
        },
    ] {
        c.echo("pass-rgba", x, echo::pass_rgba);
    }
    for x in [
        Vec2 { x: 1.5, y: -2.25 },
        Vec2 { x: -0.0, y: nan32 },
        Vec2 {
            x: f32::INFINITY,
            y: f32::from_bits(1),
        },
    ] {
        c.echo("pass-vec2", x, echo::pass_vec2);
    }
    for x in [
        Vec3 {
            x: 1.5,
            y: -2.25,
            z: 1e30,
        },
        Vec3 {
            x: snan32,
            y: -0.0,
            z: f32::MIN_POSITIVE,
        },
    ] {
        c.echo("pass-vec3", x, echo::pass_vec3);
    }
    for x in [
        Rect {
            x: 1.5,
            y: -2.25,
            width: 640.0,
            height: 480.5,
        },
        Rect {
            x: -0.0,
            y: nan32,
            width: f32::NEG_INFINITY,
            height: f32::MAX,
        },
    ] {
        c.echo("pass-rect", x, echo::pass_rect);
    }
    for x in [
        Mixed {
            id: -123_456_789,
            scale: 1.5,
            weight: -2.25e300,
        },
        Mixed {
            id: i32::MIN,
            scale: snan32,
            weight: nan64,
        },
        Mixed {
            id: i32::MAX,
            scale: -0.0,
            weight: f64::from_bits(1),
        },
    ] {
        c.echo("pass-mixed", x, echo::pass_mixed);
    }
    for x in [
        Tagged {
            value: -2.25,
            tag: 255,
        },
        Tagged {
            value: nan64,
            tag: 0,
        },
        Tagged {
            value: -0.0,
            tag: 0x5a,
        },
    ] {
        c.echo("pass-tagged", x, echo::pass_tagged);
    }
    for x in [
        Big {
            a: 1.5,
            b: i64::MIN,
            c: -2.25,
            d: 255,
        },
        Big {
            a: nan64,
            b: -1,
            c: snan32,
            d: 0,
        },
        Big {
            a: -0.0,
            b: i64::MAX,
            c: f32::INFINITY,
            d: 0x81,
        },
    ] {
        c.echo("pass-big", x, echo::pass_big);
    }
    for x in [
        Line {
            start: Vec2 { x: 1.5, y: -2.25 },
            end: Vec2 {
                x: 100.125,
                y: -0.0,
            },
            color: Rgba {
                r: 255,
                g: 1,
                b: 127,
                a: 128,
            },
            width: 0.75,
        },
        Line {
            start: Vec2 {
                x: nan32,
                y: f32::MAX,
            },
            end: Vec2 {
                x: f32::from_bits(1),
                y: snan32,
            },
            color: Rgba {
                r: 0,
                g: 0,
                b: 0,
                a: 0,
            },
            width: f32::NEG_INFINITY,
        },
    ] {
        c.echo("pass-line", x, echo::pass_line);
    }
    println!("ok records");
}

const KINDS: [Kind; 4] = [Kind::None, Kind::Small, Kind::Medium, Kind::Large];

fn packets(c: &mut Checks) {
    let perms = [
        Perms::empty(),
        Perms::READ,
        Perms::WRITE | Perms::EXEC,
        Perms::STICKY,
        Perms::READ | Perms::STICKY,
        Perms::all(),
    ];
    let mut n: u8 = 0;
    for kind in KINDS {
        for perms in perms {
            n += 1;
            let x = Packet {
                kind,
                perms,
                payload: (
                    0xa0 | n,
                    0xbe00 | u16::from(n),
                    0xdead_0000 | u32::from(n),
                    0x0123_4567_89ab_cd00 | u64::from(n),
                ),
                origin: Vec3 {
                    x: 1.5,
                    y: -2.25,
                    z: f32::from(n),
                },
            };
            c.echo("pass-packet", x, echo::pass_packet);
        }
    }
    let x = Packet {
        kind: Kind::None,
        perms: Perms::all(),
        payload: (u8::MAX, u16::MAX, u32::MAX, u64::MAX),
        origin: Vec3 {
            x: f32::from_bits(0x7fc1_2345),
            y: -0.0,
            z: f32::NEG_INFINITY,
        },
    };
    c.echo("pass-packet", x, echo::pass_packet);
    println!("ok packet");
}

/// `const char *` fields: copies into C (by value, through a pointer, in
/// an array of structs), and C's own strings out, NULL as `none`.
fn string_fields(c: &mut Checks) {
    for (name, nick) in [
        ("", None),
        ("Grace", Some("amazing")),
        ("héllo wörld", Some("")),
    ] {
        let p = Person {
            name: name.into(),
            age: -1,
            nick: nick.map(Into::into),
        };
        c.echo("pass-person", p.clone(), |p| echo::pass_person(&p));
        c.expect(
            format!("person-weigh({name:?}, {nick:?})"),
            echo::person_weigh(&p),
            name.len() as i64 * 1000 + nick.map_or(999, |n| n.len() as i64),
        );
    }
    c.expect(
        "person-make(0)",
        echo::person_make(0),
        Person {
            name: "Ada".into(),
            age: 36,
            nick: Some("countess".into()),
        },
    );
    c.expect(
        "person-make(1)",
        echo::person_make(1),
        Person {
            name: "Alan".into(),
            age: 41,
            nick: None,
        },
    );
    c.expect(
        "person-older",
        echo::person_older(&Person {
            name: "Grace".into(),
            age: 85,
            nick: None,
        }),
        Person {
            name: "Grace".into(),
            age: 86,
            nick: Some("elder".into()),
        },
    );
    for s in ["", "abc", "héllo wörld", "😀 \u{10FFFF} \u{FEFF}x"] {
        c.expect(
            format!("wide-length({s:?})"),
            echo::wide_length(s),
            s.chars().count() as u64,
        );
        c.echo("wide-echo", s.to_string(), |s| echo::wide_echo(&s));
        c.expect(
            format!("utf16-length({s:?})"),
            echo::utf16_length(s),
            s.encode_utf16().count() as u64,
        );
        c.echo("utf16-echo", s.to_string(), |s| echo::utf16_echo(&s));
    }
    println!("ok string fields");
}

/// Tagged unions: a tag then a union (`struct fx_shape`), inside a struct
/// (`struct fx_scene`), and SDL_Event's form (`union fx_event`, each member
/// beginning with the tag) through an event queue C keeps.
fn unions(c: &mut Checks) {
    let circle = Shape::Circle(Circle { r: 2.0 });
    let boxed = Shape::Box(BoxShape { w: 1.5, h: -4.0 });
    c.expect("shape-area(circle)", echo::shape_area(circle), 13.0);
    c.expect("shape-area(box)", echo::shape_area(boxed), -6.0);
    c.expect("shape-area(empty)", echo::shape_area(Shape::Empty), -1.0);
    c.expect("shape-area(id)", echo::shape_area(Shape::Id(9)), -1.0);
    c.expect(
        "shape-scale(circle, 3)",
        echo::shape_scale(circle, 3),
        (1, Shape::Circle(Circle { r: 6.0 })),
    );
    c.expect(
        "shape-scale(box, -2)",
        echo::shape_scale(boxed, -2),
        (2, Shape::Box(BoxShape { w: -3.0, h: 8.0 })),
    );
    // C changes the case: the tag it writes picks the case read back.
    c.expect(
        "shape-scale(empty, 5)",
        echo::shape_scale(Shape::Empty, 5),
        (1, Shape::Circle(Circle { r: 5.0 })),
    );
    c.expect(
        "shape-scale(id, 3)",
        echo::shape_scale(Shape::Id(i64::MAX / 4), 3),
        (-3, Shape::Id(i64::MAX / 4 * 3)),
    );
    for (kind, shape) in [
        (1, Shape::Circle(Circle { r: 0.5 })),
        (2, Shape::Box(BoxShape { w: 2.0, h: 3.0 })),
        (7, Shape::Empty),
        (-3, Shape::Id(i64::MIN)),
    ] {
        c.expect(format!("shape-make({kind})"), echo::shape_make(kind), shape);
    }
    for shape in [circle, boxed, Shape::Empty, Shape::Id(-1)] {
        let scene = Scene {
            layer: 254,
            shape,
            tail: 0xfffe,
        };
        c.expect(
            "scene-next",
            echo::scene_next(scene),
            Scene {
                layer: 255,
                shape,
                tail: 0xffff,
            },
        );
    }
    // The queue: events in, the same events out, then empty.
    while echo::event_poll().is_ok() {}
    let key = KeyEv {
        type_: 0x300,
        code: 65,
        down: true,
    };
    let events = [
        Event::Quit,
        Event::Key(key),
        Event::Move(MoveEv {
            type_: 0x400,
            x: -7,
            y: i32::MAX,
            when: i64::MIN,
        }),
        Event::Other(0x8000),
    ];
    for e in events {
        c.expect("event-push", echo::event_push(e), 1);
    }
    for e in events {
        c.expect("event-poll", echo::event_poll(), Ok(e));
    }
    c.expect("event-poll (empty)", echo::event_poll(), Err(()));
    // The tag the guest puts in a key event's own `type` field is not
    // what C sees: the case's tag is.
    let mut wrong = key;
    wrong.type_ = 0x400;
    echo::event_push(Event::Key(wrong));
    c.expect(
        "event-poll (case tag)",
        echo::event_poll(),
        Ok(Event::Key(key)),
    );
    // Tags C chooses: a known one is its case, any other is `other`.
    echo::event_push_raw(0x300, 9);
    echo::event_push_raw(0x1234, 9);
    c.expect(
        "event-poll (raw key)",
        echo::event_poll(),
        Ok(Event::Key(KeyEv {
            type_: 0x300,
            code: 9,
            down: false,
        })),
    );
    c.expect(
        "event-poll (raw other)",
        echo::event_poll(),
        Ok(Event::Other(0x1234)),
    );
    println!("ok unions");
}

/// Arrays inside structs: `char[12]` as a string, `float[4]` (a float
/// aggregate in registers), `int32_t[20]` (in memory), `struct vec2[3]`.
fn arrays(c: &mut Checks) {
    for name in ["", "a", "héllo", "eleven byte"] {
        let x = Named {
            id: -5,
            name: name.into(),
        };
        c.echo("pass-named", x.clone(), |x| echo::pass_named(&x));
        c.expect(
            format!("named-length({name:?})"),
            echo::named_length(&x),
            name.len() as u64,
        );
    }
    for v in [
        vec![1.0, 2.0, 3.0, 4.0],
        vec![
            -0.0,
            f32::from_bits(0x7fc1_2345),
            f32::INFINITY,
            f32::MIN_POSITIVE,
        ],
    ] {
        c.echo("pass-quad", Quad { v: v.clone() }, |x| echo::pass_quad(&x));
    }
    c.expect(
        "quad-weigh",
        echo::quad_weigh(&Quad {
            v: vec![1.0, 2.0, 3.0, 4.0],
        }),
        4321.0,
    );
    let x = Samples {
        count: 20,
        vals: (0..20).map(|i| i * 1000 - 7).collect(),
    };
    c.echo("pass-samples", x.clone(), |x| echo::pass_samples(&x));
    c.expect("samples-sum", echo::samples_sum(&x), 189_860);
    let x = Samples {
        count: 3,
        vals: vec![i32::MIN; 20],
    };
    c.expect(
        "samples-sum",
        echo::samples_sum(&x),
        3 * i64::from(i32::MIN),
    );
    let x = Path {
        pts: vec![
            Vec2 { x: 1.0, y: 2.0 },
            Vec2 { x: -3.5, y: 0.25 },
            Vec2 {
                x: f32::MAX,
                y: f32::MIN,
            },
        ],
        closed: true,
    };
    c.echo("pass-path", x, |x| echo::pass_path(&x));
    println!("ok arrays");
}

fn pairs(c: &mut Checks) {
    for x in [
        (i32::MIN, 1.5),
        (-1, -0.0),
        (i32::MAX, f64::from_bits(0x7ff8_dead_beef_0001)),
        (0, -2.25),
        (123_456, f64::NEG_INFINITY),
    ] {
        c.echo("pass-pair", x, echo::pass_pair);
    }
    println!("ok pair");
}

fn min_f(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

fn max_f(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// Records passed by value to functions with scalar results: each field
/// must reach its place in its register (shifted, beside the others).
fn struct_args(c: &mut Checks) {
    for (r, g, b, a) in [(1u8, 2u8, 3u8, 4u8), (255, 0, 128, 255), (0, 0, 0, 0)] {
        let got = echo::rgba_pack(Rgba { r, g, b, a });
        let expected = u32::from_le_bytes([r, g, b, a]);
        c.expect(format_args!("rgba-pack({r}, {g}, {b}, {a})"), got, expected);
    }
    for z in [1.5f32, -0.0, f32::INFINITY, f32::MIN_POSITIVE] {
        let v = Vec3 { x: 7.0, y: -3.0, z };
        c.expect(
            format_args!("vec3-z(.., {z})"),
            echo::vec3_z(v).to_bits(),
            z.to_bits(),
        );
    }
    for (bias, id, weight) in [
        (-1i8, 2i32, 0.5f64),
        (127, -40, 1e6),
        (-128, i32::MAX, -2.25),
    ] {
        let m = Mixed {
            id,
            scale: 9.0,
            weight,
        };
        // C adds the ints first (no overflow for these), then the double.
        let expected = f64::from(i32::from(bias) + id) + weight;
        c.expect(
            format_args!("mixed-sum({bias}, {id}, {weight})"),
            echo::mixed_sum(bias, m),
            expected,
        );
    }
}

/// What `rect-union` computes in C, in the same order of f32 operations:
/// the bounding rectangle of `a` and `b`, every field times `scale`, then
/// `tag` added to the width.
fn rect_union_expected(scale: f32, a: Rect, tag: i32, b: Rect) -> Rect {
    let x0 = min_f(a.x, b.x);
    let y0 = min_f(a.y, b.y);
    let x1 = max_f(a.x + a.width, b.x + b.width);
    let y1 = max_f(a.y + a.height, b.y + b.height);
    Rect {
        x: x0 * scale,
        y: y0 * scale,
        width: (x1 - x0) * scale + tag as f32,
        height: (y1 - y0) * scale,
    }
}

fn rect_union(c: &mut Checks) {
    // Values whose results are exact, so neither rounding nor a fused
    // multiply-add in the C build can change them.
    let a = Rect {
        x: 1.0,
        y: 2.0,
        width: 3.0,
        height: 4.0,
    };
    let b = Rect {
        x: -1.0,
        y: 5.0,
        width: 1.0,
        height: 10.0,
    };
    let fixed = Rect {
        x: -2.0,
        y: 4.0,
        width: 20.0,
        height: 26.0,
    };
    c.expect(
        "rect-union(2, a, 10, b) in the guest",
        rect_union_expected(2.0, a, 10, b),
        fixed,
    );
    c.expect(
        "rect-union(2, a, 10, b)",
        echo::rect_union(2.0, a, 10, b),
        fixed,
    );

    let inner = Rect {
        x: 0.5,
        y: 0.25,
        width: 0.5,
        height: 0.5,
    };
    let outer = Rect {
        x: -8.0,
        y: -4.0,
        width: 64.0,
        height: 32.0,
    };
    let cases = [
        (2.0, a, 10, b),
        (0.5, b, -3, a),
        (-1.5, inner, 0, outer),
        (4.0, outer, i32::from(i16::MIN), inner),
        (1.0, a, 1, a),
        (0.0, a, 7, b),
        (
            0.25,
            Rect {
                x: 3.0,
                y: -6.0,
                width: 2.0,
                height: 2.0,
            },
            100_000,
            inner,
        ),
    ];
    for (scale, a, tag, b) in cases {
        let expected = rect_union_expected(scale, a, tag, b);
        c.expect(
            format_args!(
                "rect-union({}, {}, {tag}, {})",
                scale.show(),
                a.show(),
                b.show()
            ),
            echo::rect_union(scale, a, tag, b),
            expected,
        );
    }
    println!("ok rect-union");
}

fn call_many(m: &ManyArgs) {
    echo::many(
        m.a, m.b, m.c, m.d, m.e, m.f, m.g, m.h, m.i, m.j, m.k, m.l, m.m, m.n, m.o, m.p,
    );
}

fn many(c: &mut Checks) {
    let distinct = ManyArgs {
        a: -8,
        b: 1.25,
        c: 65_000,
        d: -0.5,
        e: -123_456,
        f: 2.5,
        g: u64::MAX - 1,
        h: 3.75,
        i: -9_000_000_000,
        j: 4.5,
        k: 250,
        l: 5.25,
        m: -300,
        n: 6.125,
        o: 4_000_000_000,
        p: 7.5,
    };
    let extreme = ManyArgs {
        a: i8::MIN,
        b: f64::from_bits(0x7ff8_dead_beef_0001),
        c: u16::MAX,
        d: -0.0,
        e: i32::MIN,
        f: f64::NEG_INFINITY,
        g: 0x8000_0000_0000_0001,
        h: f32::from_bits(0x7fc1_2345),
        i: i64::MIN,
        j: f64::from_bits(1),
        k: u8::MAX,
        l: f32::from_bits(0x8000_0001),
        m: i16::MIN,
        n: -0.0,
        o: u32::MAX,
        p: f32::MAX,
    };
    for m in [distinct, extreme, distinct] {
        call_many(&m);
        c.expect(
            format_args!("last-many after many({})", m.show()),
            echo::last_many(),
            m,
        );
    }
    println!("ok many");
}

fn pick(c: &mut Checks) {
    let f = [
        0.5,
        -1.5,
        2.25,
        -0.0,
        1e300,
        f64::from_bits(1),
        f64::INFINITY,
        7.125,
        f64::from_bits(0x7ff8_dead_beef_0001),
        -9.75,
    ];
    let s = [
        i64::MIN,
        -1,
        2,
        0x0333_3333_3333_3333,
        -4_000_000_000,
        5,
        i64::MAX,
        -7,
        0x0888_8888_8888_8888,
        -0x0999_9999_9999_9999,
    ];
    for index in 0..10u32 {
        let i = index as usize;
        c.expect(
            format_args!("pick-f64({index}, {f:?})"),
            echo::pick_f64(
                index, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
            ),
            f[i],
        );
        c.expect(
            format_args!("pick-s64({index}, {s:?})"),
            echo::pick_s64(
                index, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
            ),
            s[i],
        );
    }
    println!("ok pick");
}

fn strings(c: &mut Checks) {
    let alphabet = ['a', 'é', '✓', '日', '😀', 'Z', ' '];
    let long: String = (0..10_000).map(|i| alphabet[i % alphabet.len()]).collect();
    assert_eq!(long.chars().count(), 10_000);
    let values = [
        String::new(),
        "hello".to_string(),
        "héllo wörld ✓ 日本語".to_string(),
        "\u{10FFFF}\u{1F600}\u{7f}".to_string(),
        long,
    ];
    for s in values {
        c.echo("pass-string", s.clone(), |s| echo::pass_string(&s));
        c.expect(
            format_args!("string-length({})", s.show()),
            echo::string_length(&s),
            s.len() as u64,
        );
    }
    c.expect(
        "maybe-string(true)",
        echo::maybe_string(true),
        Some("present".to_string()),
    );
    c.expect("maybe-string(false)", echo::maybe_string(false), None);
    println!("ok strings");
}

/// `sum-f64` as C computes it: left to right, starting from +0.0.
fn sum_f64_expected(data: &[f64]) -> f64 {
    data.iter().fold(0.0, |sum, x| sum + x)
}

fn rgba_checksum_expected(colors: &[Rgba]) -> u32 {
    let mut sum = 0u32;
    for (i, c) in colors.iter().enumerate() {
        let v = u32::from(c.r) + 2 * u32::from(c.g) + 3 * u32::from(c.b) + 5 * u32::from(c.a);
        sum = sum.wrapping_add(v.wrapping_mul((i as u32).wrapping_add(1)));
    }
    sum
}

fn nth_vec3_expected(items: &[Vec3], n: u64) -> Vec3 {
    match usize::try_from(n).ok().and_then(|n| items.get(n)) {
        Some(v) => *v,
        None => Vec3 {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
    }
}

fn lists(c: &mut Checks) {
    let all_bytes: Vec<u8> = (0..=255).collect();
    let bytes: [(&[u8], u64); 5] = [
        (&[], 0),
        (&[7], 7),
        (&[1, 2, 3], 6),
        (&[255; 1000], 255_000),
        (&all_bytes, 32_640),
    ];
    for (data, sum) in bytes {
        c.expect(
            format_args!("sum-bytes({data:?})"),
            echo::sum_bytes(data),
            sum,
        );
    }

    let doubles: [&[f64]; 5] = [
        &[],
        &[-0.0],
        &[1.5, -2.25, 1e10],
        &[0.1, 0.2, 0.3, -0.6],
        &[1e308, 1e308, -1e308],
    ];
    for data in doubles {
        c.expect(
            format_args!("sum-f64({data:?})"),
            echo::sum_f64(data),
            sum_f64_expected(data),
        );
    }
    // Fixed points, independent of the guest's own sum.
    c.expect("sum-f64([])", echo::sum_f64(&[]), 0.0);
    c.expect("sum-f64([-0.0])", echo::sum_f64(&[-0.0]), 0.0);
    c.expect(
        "sum-f64([1.5, -2.25, 4])",
        echo::sum_f64(&[1.5, -2.25, 4.0]),
        3.25,
    );

    let white = vec![
        Rgba {
            r: 255,
            g: 255,
            b: 255,
            a: 255
        };
        3_000
    ];
    let colors: [&[Rgba]; 4] = [
        &[],
        &[Rgba {
            r: 1,
            g: 2,
            b: 3,
            a: 4,
        }],
        &[
            Rgba {
                r: 1,
                g: 2,
                b: 3,
                a: 4,
            },
            Rgba {
                r: 255,
                g: 0,
                b: 0,
                a: 255,
            },
        ],
        &white, // wraps around u32
    ];
    for data in colors {
        c.expect(
            format_args!("rgba-checksum of {} colors", data.len()),
            echo::rgba_checksum(data),
            rgba_checksum_expected(data),
        );
    }
    c.expect("rgba-checksum([])", echo::rgba_checksum(&[]), 0);
    c.expect(
        "rgba-checksum([1,2,3,4], [255,0,0,255])",
        echo::rgba_checksum(&[
            Rgba {
                r: 1,
                g: 2,
                b: 3,
                a: 4,
            },
            Rgba {
                r: 255,
                g: 0,
                b: 0,
                a: 255,
            },
        ]),
        34 + 1530 * 2,
    );
    // 2805 * (3000 * 3001 / 2) = 12_626_707_500, which is 4_036_772_908
    // modulo 2^32.
    c.expect(
        "rgba-checksum(3000 x white)",
        echo::rgba_checksum(&white),
        4_036_772_908,
    );

    let items = [
        Vec3 {
            x: 1.5,
            y: -2.25,
            z: 3.0,
        },
        Vec3 {
            x: -0.0,
            y: f32::from_bits(0x7fc1_2345),
            z: f32::MAX,
        },
        Vec3 {
            x: 7.0,
            y: 8.0,
            z: 9.0,
        },
    ];
    for n in [0, 1, 2, 3, 4, u64::MAX, 1 << 32] {
        c.expect(
            format_args!("nth-vec3(3 items, {n})"),
            echo::nth_vec3(&items, n),
            nth_vec3_expected(&items, n),
        );
    }
    c.expect(
        "nth-vec3(3 items, 2)",
        echo::nth_vec3(&items, 2),
        Vec3 {
            x: 7.0,
            y: 8.0,
            z: 9.0,
        },
    );
    c.expect(
        "nth-vec3(3 items, 3)",
        echo::nth_vec3(&items, 3),
        Vec3 {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
    );
    c.expect(
        "nth-vec3([], 0)",
        echo::nth_vec3(&[], 0),
        Vec3 {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
    );
    println!("ok lists");
}

fn enums(c: &mut Checks) {
    for (kind, value) in KINDS.into_iter().zip([-1, 5, 6, 100]) {
        c.echo("pass-kind", kind, echo::pass_kind);
        c.expect(
            format_args!("kind-value({kind:?})"),
            echo::kind_value(kind),
            value,
        );
    }
    println!("ok enums");
}

fn flags(c: &mut Checks) {
    let bits = [
        (Perms::READ, 0x1),
        (Perms::WRITE, 0x2),
        (Perms::EXEC, 0x4),
        (Perms::STICKY, 0x100),
    ];
    for subset in 0..16u32 {
        let mut perms = Perms::empty();
        let mut expected = 0u32;
        for (i, (flag, bit)) in bits.iter().enumerate() {
            if subset & (1 << i) != 0 {
                perms |= *flag;
                expected |= bit;
            }
        }
        c.echo("pass-perms", perms, echo::pass_perms);
        c.expect(
            format_args!("perms-bits({perms:?})"),
            echo::perms_bits(perms),
            expected,
        );
    }
    c.expect("perms-bits(empty)", echo::perms_bits(Perms::empty()), 0);
    c.expect("perms-bits(all)", echo::perms_bits(Perms::all()), 0x107);
    println!("ok flags");
}

fn options(c: &mut Checks) {
    c.expect("rect-area(None)", echo::rect_area(None), -1.0);
    let r = Rect {
        x: 7.0,
        y: -3.0,
        width: 2.5,
        height: 4.0,
    };
    c.expect("rect-area(Some(2.5 x 4))", echo::rect_area(Some(r)), 10.0);
    let r = Rect {
        x: 0.0,
        y: 0.0,
        width: -0.0,
        height: 3.0,
    };
    c.expect("rect-area(Some(-0 x 3))", echo::rect_area(Some(r)), -0.0);
    let r = Rect {
        x: 1.0,
        y: 1.0,
        width: 1.5,
        height: -2.25,
    };
    c.expect(
        "rect-area(Some(1.5 x -2.25))",
        echo::rect_area(Some(r)),
        1.5 * -2.25,
    );
    println!("ok option");
}

// ---------------------------------------------------------------------------
// Echo oracle over pseudo-random values.

/// xorshift64*: small, deterministic, good enough to spread values.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // The state must never be zero.
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A length, usually short, sometimes up to `max`.
    fn len(&mut self, max: u64) -> usize {
        let bound = if self.below(8) == 0 { max } else { max.min(32) };
        self.below(bound + 1) as usize
    }

    fn u8(&mut self) -> u8 {
        self.next_u64() as u8
    }

    fn u16(&mut self) -> u16 {
        self.next_u64() as u16
    }

    fn u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    /// Raw bits, with NaNs (random payloads), infinities, zeros and
    /// subnormals far more often than uniform bits would give.
    fn f64(&mut self) -> f64 {
        let r = self.next_u64();
        let sign = r & (1 << 63);
        let mantissa = r & ((1 << 52) - 1);
        let bits = match self.below(8) {
            0 => sign | (0x7ff << 52) | mantissa.max(1), // NaN, quiet or signalling
            1 => F64_SPECIAL[self.below(F64_SPECIAL.len() as u64) as usize],
            2 => sign | mantissa, // subnormal or zero
            _ => r,
        };
        f64::from_bits(bits)
    }

    fn f32(&mut self) -> f32 {
        let r = self.u32();
        let sign = r & (1 << 31);
        let mantissa = r & ((1 << 23) - 1);
        let bits = match self.below(8) {
            0 => sign | (0xff << 23) | mantissa.max(1),
            1 => F32_SPECIAL[self.below(F32_SPECIAL.len() as u64) as usize],
            2 => sign | mantissa,
            _ => r,
        };
        f32::from_bits(bits)
    }

    /// A Unicode scalar value, spread over the 1- to 4-byte UTF-8 ranges.
    fn char(&mut self, allow_nul: bool) -> char {
        loop {
            let v = match self.below(4) {
                0 => self.below(0x80),
                1 => 0x80 + self.below(0x780),
                2 => 0x800 + self.below(0xf800),
                _ => 0x1_0000 + self.below(0x10_0000),
            };
            if v == 0 && !allow_nul {
                continue;
            }
            if let Some(c) = char::from_u32(v as u32) {
                return c;
            }
        }
    }

    fn string(&mut self) -> String {
        let n = self.len(2_000);
        (0..n).map(|_| self.char(false)).collect()
    }

    fn kind(&mut self) -> Kind {
        KINDS[self.below(4) as usize]
    }

    fn perms(&mut self) -> Perms {
        Perms::from_bits_truncate(self.u8())
    }

    fn rgba(&mut self) -> Rgba {
        Rgba {
            r: self.u8(),
            g: self.u8(),
            b: self.u8(),
            a: self.u8(),
        }
    }

    fn vec2(&mut self) -> Vec2 {
        Vec2 {
            x: self.f32(),
            y: self.f32(),
        }
    }

    fn vec3(&mut self) -> Vec3 {
        Vec3 {
            x: self.f32(),
            y: self.f32(),
            z: self.f32(),
        }
    }

    fn rect(&mut self) -> Rect {
        Rect {
            x: self.f32(),
            y: self.f32(),
            width: self.f32(),
            height: self.f32(),
        }
    }

    fn mixed(&mut self) -> Mixed {
        Mixed {
            id: self.u32() as i32,
            scale: self.f32(),
            weight: self.f64(),
        }
    }

    fn tagged(&mut self) -> Tagged {
        Tagged {
            value: self.f64(),
            tag: self.u8(),
        }
    }

    fn big(&mut self) -> Big {
        Big {
            a: self.f64(),
            b: self.next_u64() as i64,
            c: self.f32(),
            d: self.u8(),
        }
    }

    fn line(&mut self) -> Line {
        Line {
            start: self.vec2(),
            end: self.vec2(),
            color: self.rgba(),
            width: self.f32(),
        }
    }

    fn packet(&mut self) -> Packet {
        Packet {
            kind: self.kind(),
            perms: self.perms(),
            payload: (self.u8(), self.u16(), self.u32(), self.next_u64()),
            origin: self.vec3(),
        }
    }

    fn many_args(&mut self) -> ManyArgs {
        ManyArgs {
            a: self.u8() as i8,
            b: self.f64(),
            c: self.u16(),
            d: self.f32(),
            e: self.u32() as i32,
            f: self.f64(),
            g: self.next_u64(),
            h: self.f32(),
            i: self.next_u64() as i64,
            j: self.f64(),
            k: self.u8(),
            l: self.f32(),
            m: self.u16() as i16,
            n: self.f64(),
            o: self.u32(),
            p: self.f32(),
        }
    }

    /// A finite double in [-1e6, 1e6), so that sums are finite.
    fn finite_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2e6 - 1e6
    }
}

/// `ROUNDS` values from `generate`, each through `call` and back.
fn echo_group<T: Same + Clone>(
    c: &mut Checks,
    rng: &mut Rng,
    func: &str,
    generate: impl Fn(&mut Rng) -> T,
    call: impl Fn(T) -> T,
) {
    for _ in 0..ROUNDS {
        let value = generate(rng);
        c.echo(func, value, &call);
    }
    println!("ok oracle {func}");
}

fn oracle(c: &mut Checks, seed: u64) {
    let rng = &mut Rng::new(seed);

    echo_group(c, rng, "pass-u64", Rng::next_u64, echo::pass_u64);
    echo_group(c, rng, "pass-s64", |r| r.next_u64() as i64, echo::pass_s64);
    echo_group(c, rng, "pass-u32", Rng::u32, echo::pass_u32);
    echo_group(c, rng, "pass-s32", |r| r.u32() as i32, echo::pass_s32);
    echo_group(c, rng, "pass-u16", Rng::u16, echo::pass_u16);
    echo_group(c, rng, "pass-s16", |r| r.u16() as i16, echo::pass_s16);
    echo_group(c, rng, "pass-u8", Rng::u8, echo::pass_u8);
    echo_group(c, rng, "pass-s8", |r| r.u8() as i8, echo::pass_s8);
    echo_group(c, rng, "pass-bool", |r| r.below(2) == 1, echo::pass_bool);
    echo_group(
        c,
        rng,
        "pass-clong",
        |r| r.next_u64() as i64,
        echo::pass_clong,
    );
    echo_group(c, rng, "pass-size", Rng::next_u64, echo::pass_size);
    echo_group(c, rng, "pass-ptr", Rng::next_u64, echo::pass_ptr);
    echo_group(c, rng, "pass-f64", Rng::f64, echo::pass_f64);
    echo_group(c, rng, "pass-f32", Rng::f32, echo::pass_f32);
    echo_group(c, rng, "pass-char", |r| r.char(true), echo::pass_char);
    echo_group(c, rng, "pass-rgba", Rng::rgba, echo::pass_rgba);
    echo_group(c, rng, "pass-vec2", Rng::vec2, echo::pass_vec2);
    echo_group(c, rng, "pass-vec3", Rng::vec3, echo::pass_vec3);
    echo_group(c, rng, "pass-rect", Rng::rect, echo::pass_rect);
    echo_group(c, rng, "pass-mixed", Rng::mixed, echo::pass_mixed);
    echo_group(c, rng, "pass-tagged", Rng::tagged, echo::pass_tagged);
    echo_group(c, rng, "pass-big", Rng::big, echo::pass_big);
    echo_group(c, rng, "pass-line", Rng::line, echo::pass_line);
    echo_group(c, rng, "pass-packet", Rng::packet, echo::pass_packet);
    echo_group(
        c,
        rng,
        "pass-pair",
        |r| (r.u32() as i32, r.f64()),
        echo::pass_pair,
    );
    echo_group(c, rng, "pass-kind", Rng::kind, echo::pass_kind);
    echo_group(c, rng, "pass-perms", Rng::perms, echo::pass_perms);
    echo_group(c, rng, "pass-string", Rng::string, |s| {
        echo::pass_string(&s)
    });
    echo_group(c, rng, "many", Rng::many_args, |m| {
        call_many(&m);
        echo::last_many()
    });

    for _ in 0..ROUNDS {
        let s = rng.string();
        c.expect(
            format_args!("string-length({})", s.show()),
            echo::string_length(&s),
            s.len() as u64,
        );
    }
    println!("ok oracle string-length");

    for _ in 0..ROUNDS {
        let data: Vec<u8> = (0..rng.len(4_096)).map(|_| rng.u8()).collect();
        let sum: u64 = data.iter().map(|&b| u64::from(b)).sum();
        c.expect(
            format_args!("sum-bytes of {} bytes {data:?}", data.len()),
            echo::sum_bytes(&data),
            sum,
        );
    }
    println!("ok oracle sum-bytes");

    for _ in 0..ROUNDS {
        let data: Vec<f64> = (0..rng.len(512)).map(|_| rng.finite_f64()).collect();
        c.expect(
            format_args!("sum-f64 of {data:?}"),
            echo::sum_f64(&data),
            sum_f64_expected(&data),
        );
    }
    println!("ok oracle sum-f64");

    for _ in 0..ROUNDS {
        let data: Vec<Rgba> = (0..rng.len(4_096)).map(|_| rng.rgba()).collect();
        c.expect(
            format_args!("rgba-checksum of {} colors", data.len()),
            echo::rgba_checksum(&data),
            rgba_checksum_expected(&data),
        );
    }
    println!("ok oracle rgba-checksum");

    for _ in 0..ROUNDS {
        let items: Vec<Vec3> = (0..rng.len(64)).map(|_| rng.vec3()).collect();
        let n = match rng.below(16) {
            0 => rng.next_u64(),
            _ => rng.below(items.len() as u64 + 4),
        };
        c.expect(
            format_args!("nth-vec3 of {} items, n = {n}", items.len()),
            echo::nth_vec3(&items, n),
            nth_vec3_expected(&items, n),
        );
    }
    println!("ok oracle nth-vec3");

    for _ in 0..ROUNDS {
        let index = rng.below(10) as u32;
        let i = index as usize;
        let f: [f64; 10] = std::array::from_fn(|_| rng.f64());
        c.expect(
            format_args!("pick-f64({index}, {f:?})"),
            echo::pick_f64(
                index, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
            ),
            f[i],
        );
        let s: [i64; 10] = std::array::from_fn(|_| rng.next_u64() as i64);
        c.expect(
            format_args!("pick-s64({index}, {s:?})"),
            echo::pick_s64(
                index, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
            ),
            s[i],
        );
    }
    println!("ok oracle pick");

    for _ in 0..ROUNDS {
        let kind = rng.kind();
        let expected = [-1, 5, 6, 100][KINDS.iter().position(|&k| k == kind).unwrap()];
        c.expect(
            format_args!("kind-value({kind:?})"),
            echo::kind_value(kind),
            expected,
        );
        let perms = rng.perms();
        let mut bits = 0;
        for (flag, bit) in [
            (Perms::READ, 0x1),
            (Perms::WRITE, 0x2),
            (Perms::EXEC, 0x4),
            (Perms::STICKY, 0x100),
        ] {
            if perms.contains(flag) {
                bits |= bit;
            }
        }
        c.expect(
            format_args!("perms-bits({perms:?})"),
            echo::perms_bits(perms),
            bits,
        );
    }
    println!("ok oracle kind-value perms-bits");
}
