//! End to end on real libraries: the demo guests call libm, libc and zlib,
//! and what they print is checked against values computed here.

use dlwit::Libraries;
use dlwit_tests::{Runner, TempDir, bindings, value};

fn run(lib: &str) -> String {
    run_in(lib, &[])
}

/// [`run`] with directories given to the guest.
fn run_in(lib: &str, dirs: &[(&std::path::Path, &str, bool)]) -> String {
    let b = bindings(&format!("wit/{lib}.wit"), &Libraries::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let out = Runner::new(&b).run_in(&format!("{lib}-demo"), &[], dirs);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    out.stdout
}

#[test]
fn libm() {
    let out = run("libm");
    assert_eq!(value(&out, "hypot(3, 4)"), 3f64.hypot(4.0).to_string());
    assert_eq!(value(&out, "cos(0)"), 0f64.cos().to_string());
    assert_eq!(value(&out, "sqrtf(2)"), 2f32.sqrt().to_string());
    assert_eq!(value(&out, "pow(2, 10)"), 2f64.powf(10.0).to_string());
    assert_eq!(value(&out, "fmod(10, 3)"), (10f64 % 3.0).to_string());
    assert_eq!(value(&out, "ldexp(0.75, 4)"), (0.75 * 16.0f64).to_string());
    assert_eq!(
        value(&out, "lround(-2.5)"),
        ((-2.5f64).round() as i64).to_string()
    );
    assert_eq!(
        value(&out, "fmaf(2, 3, 0.5)"),
        2f32.mul_add(3.0, 0.5).to_string()
    );
    assert_eq!(value(&out, "floor(-1.5)"), (-1.5f64).floor().to_string());
    assert_eq!(value(&out, "atan2(1, 1)"), 1f64.atan2(1.0).to_string());
}

#[test]
fn libc() {
    // The guest's files are under `/sandbox`: this directory.
    let sandbox = TempDir::new("libc");
    let out = run_in("libc", &[(&sandbox.0, "/sandbox", true)]);
    let q = |a: i64, b: i64| format!("{{ quot: {}, rem: {} }}", a / b, a % b);
    assert_eq!(value(&out, "div(17, 5)"), q(17, 5));
    assert_eq!(
        value(&out, "ldiv(-1000000000007, 1000)"),
        q(-1_000_000_000_007, 1000)
    );
    assert_eq!(value(&out, "lldiv(i64::MAX, 3)"), q(i64::MAX, 3));
    assert_eq!(value(&out, "abs(-42)"), "42");
    // Exported variables, read by getters: what this process's C library
    // holds after the same `tzset`.
    let (standard, timezone) = host_time_zone();
    assert!(
        value(&out, "tzname").starts_with(&format!("({standard:?}, ")),
        "{out}"
    );
    assert_eq!(value(&out, "timezone"), timezone.to_string());
    assert_eq!(value(&out, "strlen(\"héllo\")"), "héllo".len().to_string());
    assert_eq!(value(&out, "strcmp(\"abc\", \"abd\")"), "-1");
    assert_eq!(value(&out, "atoi(\"  -123xyz\")"), "-123");
    assert_eq!(value(&out, "toupper('q')"), "Q");
    assert_eq!(
        value(&out, "strstr(\"haystack\", \"st\")"),
        "Some(\"stack\")"
    );
    assert_eq!(value(&out, "strstr(\"haystack\", \"xy\")"), "None");

    // Owned strings, pointers into a parameter, errno as `result`.
    assert_eq!(value(&out, "strdup(\"héllo wörld\")"), "\"héllo wörld\"");
    assert_eq!(value(&out, "strtol(\"  -123xyz\", 10)"), "(-123, 6)");
    assert_eq!(value(&out, "strtol(\"0x1fZ\", 16)"), "(31, 4)");
    assert_eq!(value(&out, "strtol(\"zzz\", 10)"), "(0, 0)");
    assert_eq!(value(&out, "strtol(\"ü99\", 10)"), "(0, 0)");
    // The offset counts bytes: "99" stops before the 2-byte "ü".
    assert_eq!(value(&out, "strtol(\"99ü\", 10)"), "(99, 2)");
    assert_eq!(value(&out, "strtod(\"3.5e2 rest\")"), "(350.0, 5)");
    assert_eq!(value(&out, "mkdir(\"/sandbox\")"), "Err(EEXIST)");
    assert_eq!(value(&out, "mkdir(missing parent)"), "Err(ENOENT)");
    assert_eq!(value(&out, "mkdir(new dir)"), "Ok(())");
    // C removed the file the guest wrote through WASI: one directory.
    assert_eq!(value(&out, "unlink(file)"), "Ok(())");
    assert_eq!(value(&out, "unlink(missing)"), "Err(ENOENT)");
    assert_eq!(value(&out, "unlink(dir)"), "Err(EISDIR)");
    assert_eq!(value(&out, "rmdir(new dir)"), "Ok(())");
    assert_eq!(value(&out, "rmdir(missing)"), "Err(ENOENT)");
    assert_eq!(value(&out, "mkdir(kept, 0o750)"), "Ok(())");
    // The guest named it in its `/sandbox`: C made it in the host
    // directory given as `/sandbox`, with that mode (as far as the umask
    // lets it).
    let kept = value(&out, "kept dir");
    let kept = sandbox.join(kept.strip_prefix("/sandbox/").expect("in /sandbox"));
    let mode = std::fs::metadata(&kept).unwrap().permissions();
    std::fs::remove_dir(&kept).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.mode() & 0o777 & !0o750, 0, "mode {:o}", mode.mode());
    // Nothing else is left: the directory C made and removed is gone.
    assert_eq!(std::fs::read_dir(&sandbox.0).unwrap().count(), 0);
    // Variadic calls: `snprintf` with its arguments, some promoted.
    assert_eq!(
        value(&out, "snprintf(%d|%.3f|%s)"),
        format!("{} {}", "-42|2.500|héllo".len(), "-42|2.500|héllo")
    );
    // 8 bytes hold 7 characters and the NUL; the whole text is 16 long.
    assert_eq!(value(&out, "snprintf(cut at 8)"), "16 123456|");
    assert_eq!(value(&out, "snprintf(promoted)"), "13 1.25 -7 65535");
    // Callbacks: C's qsort and bsearch called the guest's comparators (the
    // guest checked each result against its own sort).
    let comparisons: u32 = value(&out, "qsort(500 s32)")
        .strip_prefix("sorted, ")
        .and_then(|r| r.strip_suffix(" comparisons"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!((500..500 * 500).contains(&comparisons), "{comparisons}");
    // `memchr`'s length is its third C parameter (`count = "s = n"`).
    assert_eq!(value(&out, "memchr(hello, l)"), "Some(2)");
    assert_eq!(value(&out, "memchr(hello, z)"), "None");
    assert_eq!(value(&out, "memchr(empty, a)"), "None");
    assert_eq!(value(&out, "bsearch(present)"), "found");
    assert_eq!(value(&out, "bsearch(absent)"), "None");
    assert_eq!(value(&out, "qsort(100 points)"), "sorted by distance");
    assert_eq!(value(&out, "bsearch(point)"), "found");
    assert_eq!(value(&out, "qsort(empty)"), "[]");
}

/// A comparator that traps in the middle of `qsort`: C gets the fallback
/// for that comparison and every later one (the guest is not entered
/// again), `qsort` finishes, and the guest's call fails naming the
/// callback and the C function.
#[test]
fn a_comparator_that_traps_fails_the_qsort_call() {
    let b = bindings("wit/libc.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let out = Runner::new(&b).run("libc-demo", &["comparator-traps"]);
    out.expect_trap(&["qsort", "compare#compare-s32", "failed"]);
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[test]
fn zlib() {
    let out = run("zlib");
    let fox = b"The quick brown fox jumps over the lazy dog";
    assert!(value(&out, "zlibVersion()").starts_with("1."), "{out}");
    assert_eq!(value(&out, "crc32(fox)"), format!("{:#010x}", crc32(fox)));
    assert_eq!(
        value(&out, "adler32(fox)"),
        format!("{:#010x}", adler32(fox))
    );
    assert_eq!(
        value(&out, "crc32_combine(pieces)"),
        format!("{:#010x}", crc32(fox))
    );
    let n = 1u64 << 20;
    let bound = n + (n >> 12) + (n >> 14) + (n >> 25) + 13;
    assert_eq!(value(&out, "compressBound(1 MiB)"), bound.to_string());

    // Buffers out: the bytes C wrote, and zlib's codes as `err`.
    let bytes = |label: &str| -> usize {
        let v = value(&out, label);
        let n = v
            .strip_suffix(" bytes")
            .unwrap_or_else(|| panic!("{label}: {v}"));
        n.parse().unwrap()
    };
    let packed = bytes("compress(64 KiB)");
    assert!(packed > 0 && packed < 65536 * 2 / 3, "{out}");
    assert_eq!(bytes("uncompress(compressed)"), 65536);
    assert_eq!(value(&out, "round trip equal"), "true");
    assert!(bytes("compress2(level 9)") <= packed + 64, "{out}");
    assert_eq!(value(&out, "compress2(level 42)"), "Err(-2)");
    assert_eq!(value(&out, "uncompress(too small)"), "Err(-5)");
    assert_eq!(value(&out, "compress(capacity 16)"), "Err(-5)");
    assert_eq!(value(&out, "uncompress(garbage)"), "Err(-3)");
    assert_eq!(value(&out, "uncompress(compress([]))"), "Ok([])");
    // An array with a constant length; lists C gets no length for, bounded
    // by a `require`.
    assert_eq!(value(&out, "crc table"), "256 words, [1] 0x77073096");
    let partial = value(&out, "uncompress2(100 bytes)");
    assert!(
        partial.starts_with("status -5, wrote 100, read ") && partial.ends_with("equal true"),
        "{partial}"
    );
    let b = bindings("wit/zlib.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    runner.run("zlib-demo", &["uncompress2-past"]).expect_trap(&[
        "C `uncompress2` in `libz.so.1`",
        "precondition `dest-len <= len(dest) && source-len <= len(source)` failed (dest-len = 200, len(dest) = 100, source-len = 10, len(source) = 10)",
    ]);
    // The host serves the next store.
    assert!(runner.run("zlib-demo", &[]).result.is_ok());
}

/// zlib's gzip files: `gzFile`, a pointer typedef, is the resource's C
/// type; `gzopen` takes a path in the guest's directories. The file the
/// guest wrote is a gzip file on the host.
#[test]
fn zlib_gzip_files_through_a_pointer_typedef_resource() {
    let dir = TempDir::new("gz");
    let b = bindings("tests/gz.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let dirs = [(dir.0.as_path(), "/data", true)];
    let out = Runner::new(&b).run_in("gz-demo", &["round-trip"], &dirs);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert_eq!(value(&out.stdout, "gzwrite(fox)"), "43");
    assert_eq!(value(&out.stdout, "gzputs"), "2");
    assert_eq!(value(&out.stdout, "gzclose"), "0");
    assert_eq!(
        value(&out.stdout, "read back"),
        "The quick brown fox jumps over the lazy dog!"
    );
    assert_eq!(value(&out.stdout, "gzeof"), "1");
    assert_eq!(value(&out.stdout, "gzread(9)"), "\"The quick\"");
    assert_eq!(value(&out.stdout, "gzread(1000)"), "36 bytes");
    assert_eq!(value(&out.stdout, "gzread at the end"), "Ok([])");
    assert_eq!(value(&out.stdout, "gzread(0)"), "Ok([])");
    assert_eq!(value(&out.stdout, "gzopen(missing)"), "false");
    let file = std::fs::read(dir.join("fox.gz")).unwrap();
    assert_eq!(&file[..2], b"\x1f\x8b", "a gzip file");

    // A path outside the guest's directories is refused before C runs,
    // and the host serves the next store.
    let out = Runner::new(&b).run_in("gz-demo", &["escape"], &dirs);
    out.expect_trap(&[
        "`dlwit:gz/gz#[static]gz-file.open` (C `gzopen` in `libz.so.1`): path argument `path` (`/etc/passwd`): not in a directory the guest was given",
    ]);
    let again = Runner::new(&b).run_in("gz-demo", &["round-trip"], &dirs);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);

    // Hostile capacities for `gzread`'s buffer: refused before anything
    // is allocated or C runs, and the host serves the next store.
    let read = "`dlwit:gz/gz#[method]gz-file.read` (C `gzread` in `libz.so.1`)";
    let fit = |cap: u64| {
        format!(
            "{read}: buffer capacity {cap} does not fit the 4-byte C parameter `len` (at most 2147483647)"
        )
    };
    for (case, needle) in [
        ("huge", fit(3 << 30)),
        (
            "over-limit",
            format!(
                "{read}: the guest asked for a 104857600-byte buffer (`buf`), over the store's limit of 67108864 bytes"
            ),
        ),
        ("u64-max", fit(u64::MAX)),
    ] {
        let out = Runner::new(&b).run_in("gz-demo", &[case], &dirs);
        out.expect_trap(&[needle.as_str()]);
        let again = Runner::new(&b).run_in("gz-demo", &["round-trip"], &dirs);
        assert!(
            again.result.is_ok(),
            "{case}: {:?}\n{}",
            again.result,
            again.stdout
        );
    }
}

/// SDL2's event loop from a guest: `SDL_Event` (a tagged union whose
/// members begin with the tag) as a WIT variant, on SDL's dummy video
/// driver. The window's own events come from SDL; the guest's pushed
/// events come back case by case and field by field.
#[test]
fn sdl2_events_round_trip_through_sdl_event() {
    let b = bindings("wit/sdl2.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let out = Runner::new(&b).run("sdl-events", &[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let out = out.stdout;
    assert_eq!(value(&out, "set-hint"), "true");
    assert_eq!(value(&out, "driver"), "dummy");
    assert!(
        value(&out, "window events").parse::<u32>().unwrap() >= 1,
        "{out}"
    );
    assert_eq!(value(&out, "pushed"), "6, polled = 6");
    let keys: Vec<&str> = out.lines().filter(|l| l.starts_with("key =")).collect();
    let id = value(&out, "window id");
    assert_eq!(
        keys,
        [
            format!("key = type 0x300 state 1 scancode 4 sym 97 mod 0x40 window {id}"),
            format!("key = type 0x301 state 0 scancode 4 sym 97 mod 0x40 window {id}"),
        ]
    );
    assert_eq!(
        value(&out, "motion"),
        "type 0x400 x 160 y -20 xrel 3 yrel -4 state 1"
    );
    assert_eq!(
        value(&out, "button"),
        "type 0x401 button 1 clicks 2 x 10 y 20"
    );
    assert_eq!(value(&out, "other"), "0x8000");
    assert_eq!(value(&out, "quit"), "type 0x100");
    assert!(out.contains("sdl: done"), "{out}");
}

/// The standard time zone's name and its seconds west of UTC, as `date`
/// (the same C library, the same `TZ`) prints them for a day in January.
fn host_time_zone() -> (String, i64) {
    let date = |format: &str| {
        let out = std::process::Command::new("date")
            .args(["-d", "2024-01-15 12:00", format])
            .output()
            .expect("date runs");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    // `+hhmm` east of UTC.
    let z = date("+%z");
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let (h, m): (i64, i64) = (z[1..3].parse().unwrap(), z[3..5].parse().unwrap());
    (date("+%Z"), -sign * (h * 3600 + m * 60))
}
