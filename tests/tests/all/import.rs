//! `dlwit import` and `dlwit check --verify-layout`: golden WITs from small
//! headers (every mapping, every skip reason), the real zlib, sqlite and
//! raylib headers (checked against the libraries, their layouts verified,
//! the hand-written WITs kept through the overlay and their guests run on
//! the result), bad input, and the layout of every WIT in the repository.

use dlwit::Libraries;
use dlwit_tests::{FIXTURE_LIB, Runner, bindings, golden, raylib, root, sqlite_serial};
use std::path::{Path, PathBuf};
use std::process::Output;

fn dlwit(args: &[&str]) -> Output {
    dlwit_tests::dlwit()
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// Runs `dlwit args...`, asserts success, returns (stdout, stderr).
fn ok(args: &[&str]) -> (String, String) {
    let out = dlwit(args);
    assert!(
        out.status.success(),
        "dlwit {} failed:\n{}{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    (text(&out.stdout), text(&out.stderr))
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlwit-import-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_mapping_golden() {
    let (wit, err) = ok(&[
        "import",
        "tests/import/mappings.h",
        "--drop",
        "mp_file=mp_file_release",
    ]);
    golden("golden/import/mappings.wit", &wit);
    assert!(
        err.contains("imported 30 functions, 2 records, 3 enums, 2 flags, 3 resources"),
        "{err}"
    );
}

#[test]
fn every_skip_reason_golden() {
    let (wit, err) = ok(&["import", "tests/import/skips.h"]);
    golden("golden/import/skips.wit", &wit);
    for kind in [
        "pointers",
        "other",
        "callbacks",
        "unions",
        "bitfields",
        "variadic",
        "not exported",
    ] {
        assert!(err.contains(kind), "no `{kind}` in the summary: {err}");
    }
    // Every skipped declaration says why, in the WIT.
    assert_eq!(wit.matches("// skipped `").count(), 23, "{wit}");
}

#[test]
fn the_output_is_stable() {
    let a = ok(&["import", "/usr/include/sqlite3.h", "--prefix", "sqlite3_"]).0;
    let b = ok(&["import", "/usr/include/sqlite3.h", "--prefix", "sqlite3_"]).0;
    assert!(a == b, "two imports of sqlite3.h differ");
}

#[test]
fn functions_the_library_does_not_export_are_reported() {
    let dir = scratch("exports");
    let out = dir.join("exports.wit");
    let (_, err) = ok(&[
        "import",
        "tests/import/exports.h",
        "--lib",
        FIXTURE_LIB,
        "-o",
        s(&out),
    ]);
    assert!(
        err.contains("not exported by the library: fx_not_in_the_library"),
        "{err}"
    );
    let wit = std::fs::read_to_string(&out).unwrap();
    assert!(wit.contains("fx-pass-u8: func(x: u8) -> u8;"), "{wit}");
    assert!(
        wit.contains(
            "// skipped `fx_not_in_the_library`: `libdlwit_fixture.so` does not export it"
        ),
        "{wit}"
    );
    ok(&["check", s(&out), "--lib", FIXTURE_LIB]);
}

#[test]
fn a_header_that_does_not_parse_gives_clangs_errors_and_no_file() {
    let dir = scratch("broken");
    let out = dir.join("broken.wit");
    let run = dlwit(&["import", "tests/import/broken.h", "-o", s(&out)]);
    assert!(!run.status.success());
    let err = text(&run.stderr);
    assert!(
        err.contains("tests/import/broken.h:4:1: error: expected ')'"),
        "{err}"
    );
    assert!(!err.contains("dlwit-import.c"), "{err}");
    assert!(!out.exists(), "a failed import left {}", out.display());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    let run = dlwit(&["import", "tests/import/no-such-header.h"]);
    assert!(!run.status.success());
    assert!(text(&run.stderr).contains("no header at"));
}

/// Imports `header` into `dir/name.wit`, checks it against the library and
/// verifies its layouts; returns the path.
fn import_and_check(dir: &Path, name: &str, import: &[&str], lib: &str, header: &str) -> PathBuf {
    let out = dir.join(format!("{name}.wit"));
    let mut args = vec!["import"];
    args.extend(import);
    args.extend(["--lib", lib, "-o", s(&out)]);
    let (_, err) = ok(&args);
    assert!(!err.contains("warning:"), "{err}");
    let (checked, _) = ok(&["check", s(&out), "--lib", lib, "--verify-layout", header]);
    assert!(checked.contains("every symbol resolved"), "{checked}");
    assert!(
        checked.contains("layout matches the C compiler's"),
        "{checked}"
    );
    out
}

#[test]
fn zlib_and_sqlite_import_check_and_keep_the_hand_written_wits() {
    let dir = scratch("real");
    let zlib = "/usr/include/zlib.h";
    let sqlite = "/usr/include/sqlite3.h";
    import_and_check(&dir, "zlib", &[zlib], "libz.so.1", zlib);
    let prefixed = ["--prefix", "sqlite3_"];
    import_and_check(
        &dir,
        "sqlite",
        &[sqlite, prefixed[0], prefixed[1]],
        "libsqlite3.so.0",
        sqlite,
    );

    // The hand-written WITs as overlays: their prototypes agree with the
    // headers (no warning), and their guests run on the merged WIT.
    let z = import_and_check(
        &dir,
        "zlib-overlay",
        &[zlib, "--overlay", "wit/zlib.wit"],
        "libz.so.1",
        zlib,
    );
    let q = import_and_check(
        &dir,
        "sqlite-overlay",
        &[
            sqlite,
            "--prefix",
            "sqlite3_",
            "--overlay",
            "wit/sqlite.wit",
        ],
        "libsqlite3.so.0",
        sqlite,
    );
    for (generated, hand, demo) in [
        (&z, "wit/zlib.wit", "zlib-demo"),
        (&q, "wit/sqlite.wit", "sqlite-demo"),
    ] {
        let _serial = sqlite_serial();
        let libs = Libraries::default();
        // The sqlite guest's database file (each run recreates its table),
        // in the directory it is given as `/data`.
        let db = format!("/data/{demo}.db");
        let args = [db.as_str()];
        let dirs = [(dir.as_path(), "/data", true)];
        let expected = Runner::new(&bindings(hand, &libs).unwrap()).run_in(demo, &args, &dirs);
        let got = Runner::new(&bindings(s(generated), &libs).unwrap()).run_in(demo, &args, &dirs);
        assert!(
            got.result.is_ok(),
            "{demo}: {:?}\n{}",
            got.result,
            got.stdout
        );
        assert_eq!(got.stdout, expected.stdout, "{demo}");
    }
}

#[test]
fn raylib_imports_checks_and_runs_the_windowless_check() {
    let lib = raylib();
    let lib = s(&lib);
    let header = root().join("target/raylib/include/raylib.h");
    let header = s(&header);
    let dir = scratch("raylib");
    let (_, err) = ok(&[
        "import",
        header,
        "--lib",
        lib,
        "-o",
        s(&dir.join("raylib.wit")),
    ]);
    assert!(err.contains("imported 4"), "{err}");
    ok(&[
        "check",
        s(&dir.join("raylib.wit")),
        "--lib",
        lib,
        "--verify-layout",
        header,
    ]);

    // With the hand-written WIT as overlay, the guest built for it runs the
    // struct-by-value calls on the generated world.
    let merged = dir.join("raylib-overlay.wit");
    ok(&[
        "import",
        header,
        "--lib",
        lib,
        "--overlay",
        "wit/raylib.wit",
        "-o",
        s(&merged),
    ]);
    ok(&["check", s(&merged), "--lib", lib, "--verify-layout", header]);
    let libs = Libraries::path(lib);
    let expected =
        Runner::new(&bindings("wit/raylib.wit", &libs).unwrap()).run("raylib-check", &[]);
    let got = Runner::new(&bindings(s(&merged), &libs).unwrap()).run("raylib-check", &[]);
    assert!(got.result.is_ok(), "{:?}\n{}", got.result, got.stdout);
    assert_eq!(got.stdout, expected.stdout);
}

/// wit/generated/ holds what `dlwit import` makes of the real headers with
/// the hand-written WITs as overlays: regenerating gives the same files
/// (`BLESS=1` rewrites them), so they never go stale.
#[test]
fn the_generated_wits_are_up_to_date() {
    let lib = raylib();
    let include = root().join("target/raylib/include");
    let (raylib_h, raymath_h) = (include.join("raylib.h"), include.join("raymath.h"));
    let dir = scratch("generated");
    let cases: [(&str, Vec<&str>); 3] = [
        ("zlib", vec!["/usr/include/zlib.h", "--lib", "libz.so.1"]),
        (
            "sqlite",
            vec![
                "/usr/include/sqlite3.h",
                "--prefix",
                "sqlite3_",
                "--lib",
                "libsqlite3.so.0",
            ],
        ),
        (
            "raylib",
            vec![s(&raylib_h), s(&raymath_h), "--lib", s(&lib)],
        ),
    ];
    for (name, args) in cases {
        let out = dir.join(format!("{name}.wit"));
        let overlay = format!("wit/{name}.wit");
        let mut import = vec!["import"];
        import.extend(args);
        import.extend(["--overlay", &overlay, "-o", s(&out)]);
        ok(&import);
        golden(
            &format!("../wit/generated/{name}.wit"),
            &std::fs::read_to_string(&out).unwrap(),
        );
    }
}

#[test]
fn every_wit_in_the_repo_has_the_c_compilers_layout() {
    // The hand-written WITs, and those `dlwit import` made from them as
    // overlays (wit/generated/, see docs/import.md).
    let mut wits: Vec<(String, String)> = Vec::new();
    for dir in ["wit", "wit/generated"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".wit") {
                wits.push((format!("{dir}/{name}"), name));
            }
        }
    }
    wits.sort();
    assert!(wits.len() >= 8, "{wits:?}");
    for (path, wit) in wits {
        let (headers, lib): (Vec<String>, Option<String>) = match wit.as_str() {
            "libc.wit" => (vec!["/usr/include/stdlib.h".into()], None),
            "libm.wit" => (vec!["/usr/include/math.h".into()], None),
            "zlib.wit" => (vec!["/usr/include/zlib.h".into()], None),
            "sqlite.wit" => (vec!["/usr/include/sqlite3.h".into()], None),
            "raylib.wit" => (
                vec![
                    s(&root().join("target/raylib/include/raylib.h")).into(),
                    s(&root().join("target/raylib/include/raymath.h")).into(),
                ],
                Some(s(&raylib()).into()),
            ),
            other => panic!("{other}: add its headers to this test"),
        };
        let mut args = vec!["check", path.as_str()];
        if let Some(lib) = &lib {
            args.extend(["--lib", lib.as_str()]);
        }
        args.push("--verify-layout");
        args.extend(headers.iter().map(String::as_str));
        let (out, _) = ok(&args);
        assert!(
            out.contains("layout matches the C compiler's"),
            "{wit}: {out}"
        );
    }
    // The fixture's records, against its header. (handles.wit's `tile-data`
    // is `struct tile`, which only handles.c defines.)
    let (out, _) = ok(&[
        "check",
        "tests/wit/echo.wit",
        "--lib",
        FIXTURE_LIB,
        "--verify-layout",
        "tests/fixture/fixture.h",
    ]);
    assert!(out.contains("layout matches the C compiler's"), "{out}");
}

#[test]
fn a_layout_difference_is_an_error_naming_struct_and_field() {
    let run = dlwit(&[
        "check",
        "tests/import/bad-layout.wit",
        "--lib",
        FIXTURE_LIB,
        "--verify-layout",
        "tests/fixture/fixture.h",
    ]);
    assert!(!run.status.success());
    let err = text(&run.stderr);
    assert!(
        err.contains("error: layout: `struct rgba` (record `rgba`): sizeof and _Alignof are 4 and 1 in C, 6 and 2 in the plan"),
        "{err}"
    );
    assert!(
        err.contains("error: layout: `struct rgba.g` (field `g`): offsetof and sizeof are 1 and 1 in C, 2 and 2 in the plan"),
        "{err}"
    );
}
