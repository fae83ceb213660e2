//! Calls the real C library through `wit/libc.wit` and prints the results.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit"],
    world: "dlwit:libc/demo",
    generate_all,
});

use dlwit::libc::libc::{self, Errno, OpenFlags};

fn main() {
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
    let r = libc::getenv("DLWIT_SURELY_UNSET_VARIABLE");
    println!("getenv(unset)          = {r:?}");
    assert_eq!(r, None);

    let r = libc::mkdir("/", 0o755);
    println!("mkdir(\"/\")             = {}", shown(r));
    assert_eq!(r, Err(Errno::Eexist));
    let r = libc::mkdir("/nonexistent-dlwit-dir/x", 0o755);
    println!("mkdir(missing parent)  = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    // A directory of the host's /tmp, made and removed.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = format!("/tmp/dlwit-libc-demo-{nanos}");
    let r = libc::mkdir(&dir, 0o700);
    println!("mkdir(new dir)         = {}", shown(r));
    assert_eq!(r, Ok(()));
    let r = libc::rmdir(&dir);
    println!("rmdir(new dir)         = {}", shown(r));
    assert_eq!(r, Ok(()));
    let r = libc::rmdir("/nonexistent-dlwit-dir");
    println!("rmdir(missing)         = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    let r = libc::open("/nonexistent-dlwit-dir", OpenFlags::empty());
    println!("open(missing)          = {}", shown(r));
    assert_eq!(r, Err(Errno::Enoent));
    let r = libc::open("/", OpenFlags::WRITE_ONLY);
    println!("open(\"/\", write-only)  = {}", shown(r));
    assert_eq!(r, Err(Errno::Eisdir));
    let fd = libc::open("/", OpenFlags::DIRECTORY | OpenFlags::CLOEXEC);
    println!(
        "open(\"/\", directory)   = {}",
        if fd.is_ok() { "Ok(fd)" } else { "Err" }
    );
    let r = libc::close(fd.expect("/ opens as a directory"));
    println!("close(fd)              = {}", shown(r));
    assert_eq!(r, Ok(()));
    let r = libc::close(-1);
    println!("close(-1)              = {}", shown(r));
    assert_eq!(r, Err(Errno::Ebadf));

    // Variadic: `open` with a mode, `snprintf` with promoted arguments.
    let file = format!("{dir}.file");
    let fd = libc::open_mode(
        &file,
        OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::EXCLUSIVE,
        0o640,
    );
    println!(
        "open-mode(new file)    = {}",
        if fd.is_ok() { "Ok(fd)" } else { "Err" }
    );
    println!("open-mode file         = {file}");
    libc::close(fd.expect("a new file in /tmp")).expect("close");
    let again = libc::open_mode(
        &file,
        OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::EXCLUSIVE,
        0o640,
    );
    println!("open-mode(exists)      = {}", shown(again));
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
