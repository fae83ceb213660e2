//! One C binding, every component language: the same program written in
//! Python (componentize-py), JavaScript (ComponentizeJS) and C (wit-bindgen's
//! C bindings, once with UTF-8 and once with UTF-16 strings), each built into
//! a component of `guest-langs/wit/world.wit` by `scripts/langs.sh` (which
//! installs the toolchain and caches the component under `target/langs/`),
//! instantiated through `dlwit::instantiate` and run against the real
//! sqlite, zlib and libm. Every guest must print exactly the same lines:
//! sqlite's answers are the Rust `sqlite-demo`'s (tests/tests/all/sqlite.rs),
//! including the rows sqlite hands to the guest's exported row callback, the
//! SQL function the guest exports, and the `error` results carrying sqlite's
//! message; zlib's checksums are computed here in Rust.

use dlwit::Libraries;
use dlwit_tests::{Runner, TempDir, bindings, root, sqlite_serial};
use std::path::PathBuf;
use std::process::Command;

/// Builds guest `what` (`python`, `js`, `c-utf8`, `c-utf16`) with
/// `scripts/langs.sh`, or finds it in its cache, and returns its path.
fn build(what: &str) -> PathBuf {
    eprintln!("langs: building the {what} guest (cached in target/langs)...");
    let out = Command::new(root().join("scripts/langs.sh"))
        .args(["build", what])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/langs.sh: {e}"));
    assert!(
        out.status.success(),
        "scripts/langs.sh build {what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// Runs the guest at `path` with sqlite, zlib and libm linked and a fresh
/// directory as `/data` (its database file goes there), and returns what it
/// printed; it must return normally.
fn run(what: &str) -> String {
    let out = run_outcome(what);
    assert!(
        out.result.is_ok(),
        "{what}: {:?}\n{}",
        out.result,
        out.stdout
    );
    out.stdout
}

/// [`run`], returning how the run ended too.
fn run_outcome(what: &str) -> dlwit_tests::Outcome {
    let path = build(what);
    let libs = Libraries::default();
    let load = |wit: &str| bindings(wit, &libs).unwrap_or_else(|e| panic!("{e}"));
    let (sqlite, zlib, libm) = (
        load("wit/sqlite.wit"),
        load("wit/zlib.wit"),
        load("wit/libm.wit"),
    );
    let runner = Runner::with_all(&[&sqlite, &zlib, &libm], dlwit::LinkOptions::default());
    let dir = TempDir::new(&format!("langs-{what}"));
    let out = {
        // The guest checks sqlite's process-wide memory count.
        let _serial = sqlite_serial();
        runner.run_file(&path, &[], &[(dir.0.as_path(), "/data", true)])
    };
    let file = std::fs::read(dir.join("langs.db")).expect("the guest created its database file");
    assert!(file.starts_with(b"SQLite format 3\0"), "{what}");
    out
}

/// Whether a guest's output has sqlite's callbacks (the row callback and
/// the SQL function) in it: every guest's but ComponentizeJS's.
#[derive(Clone, Copy, PartialEq)]
enum Callbacks {
    Answered,
    Absent,
}

/// The value printed after `label`, padding and `= `.
fn value<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| {
            let rest = l.strip_prefix(label)?.trim_start();
            rest.strip_prefix("= ")
        })
        .unwrap_or_else(|| panic!("no line `{label} = ...` in:\n{out}"))
}

/// Checks a guest's output: every line, in order.
fn check(what: &str, out: &str, callbacks: Callbacks) {
    // What depends on the installed libraries, checked first and then
    // taken as the guest printed it.
    let sqlite_version = value(out, "sqlite3_libversion()");
    assert!(sqlite_version.starts_with("3."), "{what}: {out}");
    let zlib_version = value(out, "zlib version");
    assert!(zlib_version.starts_with("1."), "{what}: {out}");
    let packed = value(out, "compress(600 bytes)");
    let size: usize = packed
        .strip_suffix(" bytes, round trip ok")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{what}: compress(600 bytes) = {packed}"));
    assert!(size > 0 && size < 100, "{what}: {size}");

    let fox = b"The quick brown fox jumps over the lazy dog";
    let min = i64::MIN;
    let max = i64::MAX;
    let expected = format!(
        r#"exec-rows row          = id=1 x=1
exec-rows row          = id=2 x=21
exec-rows row          = id=3 x=ab
exec-rows row          = id=4 x=NULL
exec-rows row          = id=5 x=2.25
exec-rows(stop at 2)   = error 4: query aborted after 2 rows
guest_twice(x)         = 2, 42, "abab", 4.5
guest_twice(NULL)      = 1: guest_twice(NULL)
guest_twice(1, 2)      = error 1: wrong number of arguments to function guest_twice()
sqlite3_libversion()   = {sqlite_version}
libversion_number      = matches
sqlite3_mprintf(%Q %d) = INSERT INTO t VALUES('it''s', 42)
bind_parameter_count   = 5
insert 1               = 101, rowid 1, changes 1
insert 2               = 101, rowid 2, changes 1
insert 3               = 101, rowid 3, changes 1
total_changes          = 3
columns                = id, name, qty, price, data, note
row 1                  = 1, "Zoë — 日本語 🦀", {min}, 3.25, x'000102ff00', NULL
row 2                  = 2, "plain", {max}, -0.5, x'00626c6f6200', "a note"
row 3                  = 3, "", 0, 0.125, NULL, "ünïcödé"
where qty = i64 min    = "Zoë — 日本語 🦀"
sql()                  = SELECT name FROM items WHERE qty = ?1
prepare(bad sql)       = error 1: near "SELEC": syntax error
exec(no such table)    = error 1: no such table: nope
bind_int64(99)         = error 25: column index out of range
step(duplicate id)     = 19: UNIQUE constraint failed: items.id
open(missing)          = error 14: unable to open database file
closed everything      = 0 bytes left
zlib version           = {zlib_version}
crc32(fox)             = {crc}
adler32(fox)           = {adler}
compress(600 bytes)    = {packed}
uncompress(garbage)    = error -3
compress(capacity 4)   = error -5
hypot(3, 4)            = 5.000000
atan2(1, 1) * 4        = 3.141593
ldexp(0.75, 4)         = 12.000000
lround(-2.5)           = -3
floor(-2.5)            = -3.000000
pow(2, 10)             = 1024.000000
done
"#,
        crc = crate::libs::crc32(fox),
        adler = crate::libs::adler32(fox),
    );
    let want: Vec<&str> = expected
        .lines()
        .filter(|l| {
            callbacks == Callbacks::Answered
                || !(l.starts_with("exec-rows") || l.starts_with("guest_twice"))
        })
        .collect();
    let got: Vec<&str> = out.lines().collect();
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(g, w, "{what}: line {} differs; the output:\n{out}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{what}: the output:\n{out}");
}

#[test]
fn python() {
    check("python", &run("python"), Callbacks::Answered);
}

/// Everything but the callbacks, which the JavaScript guest calls last:
/// ComponentizeJS 0.23's runtime aborts when an export (`on-row`) is called
/// while another (`run`) has not returned, which is what a C callback
/// during an import call is (the component model forbids such re-entrance
/// by default; wasmtime allows it with concurrency support off, and the
/// Rust, Python and C guests take it). When ComponentizeJS takes it too,
/// this test fails: then the JavaScript guest should do what the others do.
#[test]
fn javascript() {
    let out = run_outcome("js");
    check("js", &out.stdout, Callbacks::Absent);
    out.expect_trap(&[
        "sqlite3_exec",
        "callback `dlwit:sqlite/sql-callbacks#on-row` failed",
        "unreachable",
    ]);
}

/// The C guest built twice from the same source: wit-bindgen's bindings
/// with UTF-8 strings and with UTF-16 ones (the component's canonical
/// options say which, and wasmtime transcodes); dlwit sees the same
/// strings either way.
#[test]
fn c_utf8_and_utf16() {
    let utf8 = run("c-utf8");
    check("c-utf8", &utf8, Callbacks::Answered);
    let utf16 = run("c-utf16");
    check("c-utf16", &utf16, Callbacks::Answered);
    assert_eq!(utf8, utf16);
}

/// `dlwit run` takes several WITs (`--wit` repeated): the C guest imports
/// sqlite, zlib and libm and prints the same as when run in process.
#[test]
fn the_cli_runs_a_guest_of_three_libraries() {
    let path = build("c-utf8");
    let dir = TempDir::new("langs-cli");
    let data = format!("{}::/data", dir.0.display());
    let out = {
        let _serial = sqlite_serial();
        dlwit_tests::dlwit()
            .args(["run", "--no-cache"])
            .args(["--wit", "wit/sqlite.wit", "--wit", "wit/zlib.wit"])
            .args(["--wit", "wit/libm.wit", "--dir", &data])
            .arg(&path)
            .current_dir(root())
            .output()
            .expect("dlwit runs")
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check("c-utf8 (dlwit run)", &stdout, Callbacks::Answered);
}
