//! Structs held in place (`@ffi(struct = ..., in-place = true)`): zlib's
//! `z_stream`, which zlib keeps the address of across calls, made by the
//! host, its pointer fields pointing only at buffers the host owns.

use dlwit::Libraries;
use dlwit_tests::{EMULATED, Runner, bindings, value};

fn zstream(case: &[&str]) -> dlwit_tests::Outcome {
    let b = bindings("wit/zlib.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    Runner::new(&b).run("zstream", case)
}

/// 64 MiB (8 under emulation) deflated in 64 KiB chunks, each piece of
/// output inflated by a second stream as it comes: what comes out is what
/// went in, and the streams' own counters agree.
#[test]
fn zlib_streams_deflate_and_inflate_in_chunks() {
    let mib = if EMULATED { 8 } else { 64 };
    let out = zstream(&["pipe", &mib.to_string()]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let out = out.stdout;
    let bytes = mib << 20;
    assert_eq!(value(&out, "bytes out"), bytes.to_string());
    assert!(value(&out, "crc32 in").ends_with("same = true"), "{out}");
    assert_eq!(value(&out, "inflate's last code"), "1", "Z_STREAM_END");
    let totals = |label: &str| -> (u64, u64) {
        let line = out.lines().find(|l| l.starts_with(label)).unwrap();
        let n: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        (n[0], n[1])
    };
    let (d_in, d_out) = totals("deflate:");
    let (i_in, i_out) = totals("inflate:");
    assert_eq!((d_in, i_out), (bytes as u64, bytes as u64), "{out}");
    assert_eq!(d_out, i_in, "{out}");
    assert!(d_out < d_in / 3, "compressed: {out}");
}

/// The stream's output is exactly the one-shot `compress2`'s, however the
/// input was cut, and `uncompress` reads it back.
#[test]
fn zlib_stream_output_equals_compress2() {
    let out = zstream(&["one-shot"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(value(&out.stdout, "streamed"), "true", "{}", out.stdout);
    assert_eq!(
        value(&out.stdout, "uncompress gives the input back"),
        "true"
    );
    let out = zstream(&["corrupt"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(value(&out.stdout, "inflate(garbage)"), "-3", "Z_DATA_ERROR");
    // A stream C set up when the guest made it (`inflateInit2_` on the
    // host's new struct), and one it refused, which no handle holds.
    assert_eq!(value(&out.stdout, "open(3)"), "Some(-2)", "Z_STREAM_ERROR");
}

/// A second `init` (zlib would drop its first state on the floor) and an
/// output buffer over the store's limit are refused before C runs or
/// anything is allocated; the host serves the next store.
#[test]
fn zlib_stream_misuse_is_refused() {
    let out = zstream(&["init-twice"]);
    assert_eq!(value(&out.stdout, "first init"), "0");
    out.expect_trap(&[
        "`dlwit:zlib/zlib#[method]deflate-stream.init` (C `deflateInit_` in `libz.so.1`): precondition `self.state == 0` failed",
    ]);
    let out = zstream(&["huge-output"]);
    out.expect_trap(&[
        "`dlwit:zlib/zlib#[method]deflate-stream.take-output`: `next-out`'s buffer of 4294967295 bytes, over the store's limit of 67108864 bytes",
    ]);
    let out = zstream(&["one-shot"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
}

/// `keep`: zlib keeps a `gz_header`'s address in the stream given it, so
/// the stream keeps the header alive (the guest drops it right away, and
/// `deflate` still reads it); a second header is refused before C runs.
#[test]
fn a_stream_keeps_the_gzip_header_it_was_given() {
    let out = zstream(&["gzip-header"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(value(&out.stdout, "magic"), "1f 8b");
    assert_eq!(
        value(&out.stdout, "header"),
        "time 1234567890 os 3 text 1 done 1"
    );
    assert_eq!(value(&out.stdout, "inflate"), "1, same true");
    let out = zstream(&["second-header"]);
    assert_eq!(value(&out.stdout, "first"), "0");
    out.expect_trap(&[
        "`dlwit:zlib/zlib#[method]deflate-stream.set-header` (C `deflateSetHeader` in `libz.so.1`)",
        "keeps handle",
        "alive already; C would keep handle",
    ]);
    // The host serves the next store.
    assert!(zstream(&["one-shot"]).result.is_ok());
}

fn bz(case: &[&str]) -> dlwit_tests::Outcome {
    let b = bindings("wit/bzip2.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    Runner::new(&b).run("bz-demo", case)
}

/// bzip2's streaming API: 16 MiB (4 under emulation) compressed in chunks,
/// each piece of output decompressed as it comes, both `bz_stream`s held
/// by the host; corrupt input and a second `init` are refused.
#[test]
fn bzip2_streams_compress_and_decompress_in_chunks() {
    let mib: u64 = if EMULATED { 4 } else { 16 };
    let out = bz(&["pipe", &mib.to_string()]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let out = out.stdout;
    let bytes = (mib << 20).to_string();
    assert_eq!(value(&out, "magic"), "BZh");
    assert_eq!(value(&out, "bytes in"), bytes);
    assert_eq!(
        value(&out, "bytes out"),
        format!("{bytes} (total-out {bytes})")
    );
    assert_eq!(
        value(&out, "decompressor's last code"),
        "4",
        "BZ_STREAM_END"
    );
    assert_eq!(value(&out, "same"), "true");
    let packed: u64 = value(&out, "packed")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(packed < (mib << 20) / 4, "{out}");

    let out = bz(&["corrupt"]);
    assert_eq!(
        value(&out.stdout, "decompress(garbage)"),
        "-5",
        "BZ_DATA_ERROR_MAGIC"
    );
    let out = bz(&["init-twice"]);
    assert_eq!(value(&out.stdout, "first init"), "0");
    out.expect_trap(&[
        "`dlwit:bzip2/bzip2#[method]compressor.init` (C `BZ2_bzCompressInit` in `libbz2.so.1.0`): precondition `self.state == 0` failed",
    ]);
    let out = bz(&["pipe", "1"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
}

fn hostile(case: &str) -> dlwit_tests::Outcome {
    let b = bindings("tests/held.wit", &Libraries::path(dlwit_tests::FIXTURE_LIB))
        .unwrap_or_else(|e| panic!("{e}"));
    Runner::new(&b).run("hostile-held", &[case])
}

/// C writes into the host's buffer, counting down its room; `take`
/// returns what it wrote and gives it room again; a plain field is read
/// and written.
#[test]
fn a_held_buffer_gets_exactly_what_c_wrote() {
    let out = hostile("fill");
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let out = out.stdout;
    assert_eq!(value(&out, "first take"), "[]");
    assert_eq!(value(&out, "fill(5)"), "5");
    assert_eq!(value(&out, "then"), "\"abcde\"");
    assert_eq!(value(&out, "fill(20)"), "8", "only the room `take(8)` gave");
    assert_eq!(value(&out, "full"), "\"abcdefgh\"");
    assert_eq!(value(&out, "fill(1) with no room"), "0");
    assert_eq!(value(&out, "calls"), "40");
}

/// A guest callback that would change the struct C is using (free its
/// buffer, write a field) is refused, and so the C call fails; a pointer
/// C left outside its buffer is not read. The host serves the next store.
#[test]
fn a_held_struct_cannot_change_under_c_nor_be_read_past_its_buffer() {
    let refused = "a held struct cannot change while C runs (in a callback)";
    let out = hostile("take-in-callback");
    out.expect_trap(&[
        "`dlwit:held/streams#[method]byte-stream.fill` (C `fixture_stream_fill`",
        "`dlwit:held/streams#[method]byte-stream.take`",
        refused,
    ]);
    assert!(!out.stdout.contains("took"), "{}", out.stdout);
    let out = hostile("set-in-callback");
    out.expect_trap(&[
        "`dlwit:held/streams#[method]byte-stream.set-calls`",
        refused,
    ]);
    let out = hostile("skew");
    assert_eq!(value(&out.stdout, "fill(3)"), "3");
    out.expect_trap(&[
        "`dlwit:held/streams#[method]byte-stream.take`: C left `next-out` pointing outside the buffer the host gave it",
    ]);
    let out = hostile("fill");
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
}

/// Structs C returns by pointer are read as records, out of C's memory:
/// `option<record>` is none for NULL; a plain record makes NULL an error
/// naming the record, and the host serves the next store.
#[test]
fn struct_pointers_c_returns_are_read_as_records() {
    let out = hostile("points");
    let o = &out.stdout;
    assert_eq!(
        value(o, "point-at(0)"),
        "Some(Point { x: 1, y: 0.5, tag: 97 })"
    );
    assert_eq!(
        value(o, "point-at(1)"),
        "Some(Point { x: -2, y: 1e300, tag: 98 })"
    );
    assert_eq!(
        value(o, "point-at(2)"),
        "Some(Point { x: 2147483647, y: -0.0, tag: 99 })"
    );
    assert_eq!(value(o, "point-at(3)"), "None");
    assert_eq!(value(o, "point-at(-1)"), "None");
    assert_eq!(
        value(o, "point-at-or-fail(1)"),
        "Point { x: -2, y: 1e300, tag: 98 }"
    );
    out.expect_trap(&[
        "`dlwit:held/streams#point-at-or-fail` (C `fixture_point_at`",
        "C returned NULL for a `point`; declare the result `option<point>` if NULL is expected",
    ]);
    let again = hostile("fill");
    assert!(again.result.is_ok(), "{:?}", again.result);
}

fn gmp(case: &[&str]) -> dlwit_tests::Outcome {
    let b =
        bindings("wit/generated/gmp.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    Runner::new(&b).run("gmp-demo", case)
}

/// GMP's integers, through the importer's WIT of gmp.h with wit/gmp.wit
/// as its overlay: structs held in place that C initialises. Each
/// constructor runs one of GMP's initialisers on the host's new struct
/// (a zeroed `mpz_t` would make `mpz_get_ui` read through NULL), the drop
/// runs `mpz_clear`; arithmetic on them is GMP's, exact.
#[test]
fn gmp_integers_are_initialised_by_c_in_place() {
    let out = gmp(&[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let v = |label: &str| value(&out.stdout, label);
    assert_eq!(v("new"), "0");
    assert_eq!(v("30!"), "265252859812191058636308480000000");
    assert_eq!(v("30! in base 16"), "d13f6370f96865df5dd54000000");
    assert_eq!(v("30! digits"), "33");
    assert_eq!(v("2^128"), "340282366920938463463374607431768211456");
    assert_eq!(v("parse"), "Ok(()) 340282366920938463463374607431768211456");
    assert_eq!(v("cmp"), "0");
    assert_eq!(v("cmp(-5, 0)"), "-1");
    assert_eq!(v("-5"), "-5");
    assert_eq!(v("parse garbage"), "Err(())");
    // The importer's own: `gmpz_init_set_ui` and `gmpq_init` return the
    // number they initialised.
    assert_eq!(v("sqrt(2^40)"), "1048576");
    // A Mersenne prime: 1, "probably prime" (GMP says 2, "surely", only
    // of small numbers).
    assert_eq!(v("2^61 - 1 prime"), "1");
    assert_eq!(v("6/8"), "0.75");
    // Made and dropped one by one: each initialised, each cleared.
    let out = gmp(&["many", "2000"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(value(&out.stdout, "sum"), "1999000");
}

/// A number squared until it passes the WIT's bound is refused before GMP
/// allocates it (GMP aborts the process when an allocation fails); the
/// host serves the next store.
#[test]
fn gmp_growth_past_the_bound_is_refused() {
    let out = gmp(&["huge"]);
    out.expect_trap(&[
        "`dlwit:gmp/gmp#[method]mpz.mul` (C `__gmpz_mul` in `libgmp.so.10`): precondition `op1.mp-size in -131072..=131072 && op2.mp-size in -131072..=131072` failed (op1.mp-size = 207745, op2.mp-size = 207745)",
    ]);
    assert!(gmp(&[]).result.is_ok());
}

/// What GMP aborts the process on (a negative square root, a power past
/// memory) or divides by zero for (a fraction set to `1/0`, then
/// canonicalised) traps before C runs: wit/overlays/gmp.wit's conditions
/// on the importer's functions, and `--allow` leaves out those no
/// condition bounds. The host serves the next store.
#[test]
fn gmp_calls_that_would_abort_the_host_trap() {
    for (case, trap) in [
        (
            "sqrt-negative",
            "`dlwit:gmp/gmp#gmpz-sqrt` (C `__gmpz_sqrt` in `libgmp.so.10`): precondition `p2.mp-size >= 0` failed (p2.mp-size = -1)",
        ),
        (
            "zero-denominator",
            "`dlwit:gmp/gmp#gmpq-set-si` (C `__gmpq_set_si` in `libgmp.so.10`): precondition `p3 != 0` failed (p3 = 0)",
        ),
        (
            "pow-huge",
            "`dlwit:gmp/gmp#gmpz-pow-ui` (C `__gmpz_pow_ui` in `libgmp.so.10`): precondition `p2.mp-size * p3 <= 262144 && p2.mp-size * p3 >= -262144` failed (p2.mp-size = 1, p3 = 1099511627776)",
        ),
    ] {
        let out = gmp(&[case]);
        out.expect_trap(&[trap]);
        assert!(!out.stdout.contains("unreachable"), "{}", out.stdout);
    }
    let wit = std::fs::read_to_string(dlwit_tests::root().join("wit/generated/gmp.wit")).unwrap();
    for gone in [
        "__gmpz_tdiv_q",
        "__gmpz_mul_2exp",
        "__gmpz_sqrtrem",
        "__gmpq_inv",
        "__gmpf_div",
        "__gmpf_set_default_prec",
        "__gmpn_gcd",
    ] {
        assert!(
            !wit.contains(&format!("\"{gone}(")) && !wit.contains(&format!(" {gone}(")),
            "{gone} is in wit/generated/gmp.wit"
        );
    }
    assert!(gmp(&[]).result.is_ok());
}
