//! Calls the real C library through `wit/libc.wit` and prints the results.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit"],
    world: "dlwit:libc/demo",
    generate_all,
});

use dlwit::libc::libc::{self, Errno, Point};
use std::sync::atomic::{AtomicU32, Ordering};

/// The comparators C calls back from `qsort` and `bsearch`.
struct Demo;

/// Comparisons C asked the guest for.
static COMPARISONS: AtomicU32 = AtomicU32::new(0);

impl exports::dlwit::libc::compare::Guest for Demo {
    fn compare_s32(a: i32, b: i32) -> i32 {
        COMPARISONS.fetch_add(1, Ordering::Relaxed);
        // `qsort-s32 [.., 1000000, ..]` makes the comparator fail on purpose.
        assert!(
            a != 1_000_000 && b != 1_000_000,
            "the comparator refuses 1000000"
        );
        a.cmp(&b) as i32
    }

    fn compare_point(a: Point, b: Point) -> i32 {
        COMPARISONS.fetch_add(1, Ordering::Relaxed);
        // By distance from the origin, then by x.
        let d = |p: &Point| i64::from(p.x).pow(2) + i64::from(p.y).pow(2);
        (d(&a), a.x).cmp(&(d(&b), b.x)) as i32
    }
}

export!(Demo);

/// A deterministic pseudo-random sequence (xorshift).
fn numbers(n: usize, mut seed: u32) -> Vec<i32> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed % 2001) as i32 - 1000
        })
        .collect()
}

/// Callbacks: C's `qsort` and `bsearch` with the guest's comparators,
/// checked against the guest's own sort.
fn callbacks() {
    let input = numbers(500, 7);
    let sorted = libc::qsort_s32(&input);
    let mut expected = input.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    println!(
        "qsort(500 s32)         = sorted, {} comparisons",
        COMPARISONS.swap(0, Ordering::Relaxed)
    );
    println!(
        "memchr(hello, l)       = {:?}",
        libc::memchr(b"hello", i32::from(b'l'))
    );
    println!(
        "memchr(hello, z)       = {:?}",
        libc::memchr(b"hello", i32::from(b'z'))
    );
    println!("memchr(empty, a)       = {:?}", libc::memchr(b"", 97));
    libc::tzset();
    println!("tzname                 = {:?}", libc::tzname());
    println!("timezone               = {}", libc::timezone());
    let found = libc::bsearch_s32(sorted[123], &sorted);
    assert_eq!(found.map(|i| sorted[i as usize]), Some(sorted[123]));
    println!("bsearch(present)       = found");
    println!(
        "bsearch(absent)        = {:?}",
        libc::bsearch_s32(5000, &sorted)
    );
    let points: Vec<Point> = numbers(200, 99)
        .chunks(2)
        .map(|c| Point { x: c[0], y: c[1] })
        .collect();
    let sorted = libc::qsort_points(&points);
    let mut expected = points.clone();
    let d = |p: &Point| i64::from(p.x).pow(2) + i64::from(p.y).pow(2);
    expected.sort_by_key(|p| (d(p), p.x));
    assert!(
        sorted
            .iter()
            .zip(&expected)
            .all(|(a, b)| (a.x, a.y) == (b.x, b.y))
    );
    println!("qsort(100 points)      = sorted by distance");
    let key = sorted[42];
    let at = libc::bsearch_points(key, &sorted).expect("present");
    assert_eq!(
        (sorted[at as usize].x, sorted[at as usize].y),
        (key.x, key.y)
    );
    println!("bsearch(point)         = found");
    assert_eq!(libc::qsort_s32(&[]), Vec::<i32>::new());
    println!("qsort(empty)           = []");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("comparator-traps") => {
            // The comparator panics (a trap) in the middle of qsort.
            let sorted = libc::qsort_s32(&[3, 1, 1_000_000, 2]);
            println!("unreachable {sorted:?}");
            return;
        }
        Some("soak-callbacks") => {
            for i in 0..100_000u32 {
                let s = libc::qsort_s32(&[(i % 7) as i32, 3, 1]);
                assert_eq!(s.len(), 3);
            }
            println!("soak: ok");
            return;
        }
        _ => {}
    }
    callbacks();
    let d = libc::div(17, 5);
    println!(
        "div(17, 5)             = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    let d = libc::ldiv(-1_000_000_000_007, 1000);
    println!(
        "ldiv(-1000000000007, 1000) = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    let d = libc::lldiv(i64::MAX, 3);
    println!(
        "lldiv(i64::MAX, 3)     = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    println!("abs(-42)               = {}", libc::abs(-42));
    println!("strlen(\"héllo\")        = {}", libc::strlen("héllo"));
    println!(
        "strcmp(\"abc\", \"abd\")   = {}",
        libc::strcmp("abc", "abd").signum()
    );
    println!("atoi(\"  -123xyz\")      = {}", libc::atoi("  -123xyz"));
    println!(
        "toupper('q')           = {}",
        char::from(libc::toupper('q' as i32) as u8)
    );
    println!(
        "strstr(\"haystack\", \"st\") = {:?}",
        libc::strstr("haystack", "st")
    );
    println!(
        "strstr(\"haystack\", \"xy\") = {:?}",
        libc::strstr("haystack", "xy")
    );

    // Returned memory with an owner, pointers into a parameter, errno.
    let s = libc::strdup("héllo wörld");
    println!("strdup(\"héllo wörld\")  = {s:?}");
    assert_eq!(s, "héllo wörld");
    let r = libc::strtol("  -123xyz", 10);
    println!("strtol(\"  -123xyz\", 10) = {r:?}");
    assert_eq!(r, (-123, 6));
    let r = libc::strtol("0x1fZ", 16);
    println!("strtol(\"0x1fZ\", 16)    = {r:?}");
    assert_eq!(r, (31, 4));
    let r = libc::strtol("zzz", 10);
    println!("strtol(\"zzz\", 10)      = {r:?}");
    assert_eq!(r, (0, 0));
    let r = libc::strtol("ü99", 10);
    println!("strtol(\"ü99\", 10)      = {r:?}");
    assert_eq!(r, (0, 0));
    let r = libc::strtol("99ü", 10);
    println!("strtol(\"99ü\", 10)      = {r:?}");
    assert_eq!(r, (99, 2));
    let r = libc::strtod("3.5e2 rest");
    println!("strtod(\"3.5e2 rest\")   = {r:?}");
    assert_eq!(r, (350.0, 5));

    // Paths are the guest's own: the host gives it a directory as
    // `/sandbox` (`dlwit run --dir HOST::/sandbox`), and C gets the host
    // path of the same file.
    let r = libc::mkdir("/sandbox", 0o755);
    println!("mkdir(\"/sandbox\")      = {}", shown(r));
    assert_eq!(r, Err(Errno::Eexist));
    let r = libc::mkdir("/sandbox/nonexistent-dlwit-dir/x", 0o755);
    println!("mkdir(missing parent)  = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    // A directory in the sandbox, made and removed.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = format!("/sandbox/dlwit-libc-demo-{nanos}");
    let r = libc::mkdir(&dir, 0o700);
    println!("mkdir(new dir)         = {}", shown(r));
    assert_eq!(r, Ok(()));
    // A file the guest writes through WASI, in the directory C made,
    // removed by C.
    let file = format!("{dir}/file");
    std::fs::write(&file, "x").expect("a file in the directory C made");
    let r = libc::unlink(&file);
    println!("unlink(file)           = {}", shown(r));
    assert_eq!(r, Ok(()));
    let r = libc::unlink(&file);
    println!("unlink(missing)        = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    let r = libc::unlink(&dir);
    println!("unlink(dir)            = {}", shown(r));
    assert_eq!(r, Err(Errno::Eisdir));
    let r = libc::rmdir(&dir);
    println!("rmdir(new dir)         = {}", shown(r));
    assert_eq!(r, Ok(()));
    let r = libc::rmdir(&dir);
    println!("rmdir(missing)         = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    // One directory is left for the host to find, with its mode.
    let kept = format!("{dir}.kept");
    let r = libc::mkdir(&kept, 0o750);
    println!("mkdir(kept, 0o750)     = {}", shown(r));
    assert_eq!(r, Ok(()));
    println!("kept dir               = {kept}");

    // Variadic: `snprintf` with its arguments, some promoted.
    let (n, text) = libc::snprintf_ids(64, "%d|%.3f|%s", -42, 2.5, "héllo");
    println!("snprintf(%d|%.3f|%s)   = {n} {text}");
    let (n, text) = libc::snprintf_ids(8, "%d|%.3f|%s", 123456, 0.125, "cut");
    println!("snprintf(cut at 8)     = {n} {text}");
    let (n, text) = libc::snprintf_promoted(64, "%.2f %d %u", 1.25, -7, 65535);
    println!("snprintf(promoted)     = {n} {text}");
}

/// `Ok(..)`, or `Err(` the errno's C name `)`. (wit-bindgen's `Debug` for
/// an enum prints its docs too, `@ffi` line included.)
fn shown<T: std::fmt::Debug>(r: Result<T, Errno>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({})", e.name().to_uppercase()),
    }
}
