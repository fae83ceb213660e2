//! `dlwit import` and `dlwit check --verify-layout`: golden WITs from small
//! headers (every mapping, every skip reason), the real zlib, sqlite and
//! raylib headers (checked against the libraries, their layouts verified,
//! the hand-written WITs kept through the overlay and their guests run on
//! the result), bad input, and the layout of every WIT in the repository.

use dlwit::Libraries;
use dlwit_tests::{FIXTURE_LIB, Runner, TempDir, bindings, golden, raylib, root, sqlite_serial};
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
        err.contains("imported 121 functions, 8 records, 4 enums, 2 flags, 19 resources"),
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
    assert_eq!(wit.matches("// skipped `").count(), 67, "{wit}");
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

/// The C prelude's package, `dlwit:c`, is refused as the import's own
/// (the WIT would use itself), before the headers are read.
#[test]
fn the_preludes_package_name_is_refused() {
    for args in [["--package", "dlwit:c"], ["--interface", "c"]] {
        let run = dlwit(&["import", "tests/import/mappings.h", args[0], args[1]]);
        assert!(!run.status.success());
        assert_eq!(
            text(&run.stderr).trim(),
            "error: the package `dlwit:c` is dlwit's C prelude (wit/deps/c), which the WIT uses: give another with --package"
        );
    }
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
    // Structs C loads and unloads by value (`Image`, `Wave`, `Mesh`) are
    // handles, so their `Image *` functions import too.
    let imported: usize = err
        .split("imported ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(imported >= 500, "{err}");
    assert!(err.contains("14 resources"), "{err}");
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
/// the hand-written WITs as overlays (and wit/overlays/, what the import
/// needs besides): regenerating gives the same files
/// (`BLESS=1` rewrites them), so they never go stale.
#[test]
fn the_generated_wits_are_up_to_date() {
    let lib = raylib();
    let include = root().join("target/raylib/include");
    let (raylib_h, raymath_h) = (include.join("raylib.h"), include.join("raymath.h"));
    let dir = scratch("generated");
    let gmp_h = system_header("gmp.h").unwrap();
    let cases: [(&str, Vec<&str>); 7] = [
        (
            "expat",
            vec!["/usr/include/expat.h", "--lib", "libexpat.so.1"],
        ),
        (
            "uuid",
            vec!["/usr/include/uuid/uuid.h", "--lib", "libuuid.so.1"],
        ),
        (
            "stdio",
            vec![
                "/usr/include/stdio.h",
                "--lib",
                "libc.so.6",
                "--block",
                STDIO_BLOCKED,
            ],
        ),
        // `gzdopen(fd, mode)` would let a guest read and write any file
        // descriptor the host has open.
        (
            "zlib",
            vec![
                "/usr/include/zlib.h",
                "--lib",
                "libz.so.1",
                "--block",
                "^gzdopen$",
            ],
        ),
        (
            "gmp",
            vec![s(&gmp_h), "--lib", "libgmp.so.10", "--allow", GMP_ALLOWED],
        ),
        // `sqlite3_create_filename(..., int nParam, const char **azParam)`
        // reads 2 * nParam strings (names and values), which no count
        // says.
        (
            "sqlite",
            vec![
                "/usr/include/sqlite3.h",
                "--prefix",
                "sqlite3_",
                "--lib",
                "libsqlite3.so.0",
                "--block",
                "^sqlite3_create_filename$",
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
        // The hand-written WIT, when there is one, is the overlay; then
        // what wit/overlays/ adds for the import alone.
        let more = format!("wit/overlays/{name}.wit");
        for o in [&overlay, &more] {
            if root().join(o).is_file() {
                import.extend(["--overlay", o]);
            }
        }
        import.extend(["-o", s(&out)]);
        let (_, err) = ok(&import);
        // sqlite.h declares functions this build leaves out: the share of
        // the exported ones too.
        if name == "sqlite" {
            assert!(err.contains("of the 276 the library exports ("), "{err}");
        }
        golden(
            &format!("../wit/generated/{name}.wit"),
            &std::fs::read_to_string(&out).unwrap(),
        );
    }
}

/// What wit/generated/stdio.wit leaves out: functions that would give a
/// guest the host's processes, file descriptors or temporary file names.
/// GMP's functions in wit/generated/gmp.wit: those that neither abort
/// (an allocation past memory, a negative square root), nor divide by a
/// number the guest chooses, nor grow a number by more than a limb a call,
/// nor change GMP's global state, for any values; and those
/// wit/overlays/gmp.wit bounds with `require`. The structs and `clear`
/// functions too, which make `mpz_t`, `mpq_t` and `mpf_t` held in place.
const GMP_ALLOWED: &str = "^__mp[zqf]_struct$|^__gmpz_(abs|add|add_ui|sub|sub_ui|ui_sub|neg|set|set_si|set_ui|set_q|set_f|swap|init|init_set|init_set_si|init_set_ui|init2|cmp|cmp_si|cmp_ui|cmpabs|cmpabs_ui|get_si|get_ui|get_d|get_d_2exp|fits_[a-z]+_p|size|sizeinbase|getlimbn|tstbit|popcount|hamdist|scan0|scan1|and|ior|xor|com|perfect_square_p|perfect_power_p|probab_prime_p|nextprime|gcd|gcd_ui|jacobi|kronecker_si|kronecker_ui|si_kronecker|ui_kronecker|mul_si|mul_ui|sqrt|pow_ui|get_str|set_str|mul|fac_ui|divisible_2exp_p|congruent_2exp_p|[tfc]div_q_2exp|clear)$|^__gmpq_(init|set|set_z|set_num|set_f|get_num|get_den|get_d|abs|neg|equal|cmp|cmp_z|swap|canonicalize|set_si|set_ui|clear)$|^__gmpf_(init|get_prec|get_default_prec|set|set_si|set_ui|set_z|set_q|init_set|init_set_si|init_set_ui|add|add_ui|sub|sub_ui|ui_sub|mul|mul_ui|neg|abs|sqrt_ui|pow_ui|cmp|cmp_z|cmp_si|cmp_ui|eq|integer_p|ceil|floor|trunc|get_d|get_d_2exp|get_si|get_ui|fits_[a-z]+_p|size|swap|clear)$";

const STDIO_BLOCKED: &str = "^(popen|pclose|fdopen|tempnam|tmpnam)$";

/// The importer's own output, run: `wit/generated/stdio.wit` (stdio.h with
/// no overlay) gives a guest `FILE` as a handle (`fopen`, dropped with
/// `fclose`, or consumed by it) and its file names through the guest's own
/// directories (`path`, from the parameter's name).
#[test]
fn generated_stdio_runs_a_file_round_trip_in_the_guests_directory() {
    let stdio = bindings("wit/generated/stdio.wit", &Libraries::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&stdio);
    let t = TempDir::new("generated-stdio");
    std::fs::create_dir_all(t.join("in")).unwrap();
    std::fs::write(t.join("secret"), "secret").unwrap();
    let inside = t.join("in");
    let dirs = [(inside.as_path(), "/data", true)];
    let out = runner.run_in("stdio-demo", &["round-trip", "/data"], &dirs);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert!(
        out.stdout.contains(
            r#"done: "written through a FILE handle\n" rename 0 tell 30 close 0 remove 0"#
        ),
        "{}",
        out.stdout
    );
    // `fgets(char *s, int n, FILE *)`: the buffer is a list that goes in
    // and comes back with C's line in it (`inout`).
    assert!(
        out.stdout.contains(
            r#"fgets: Some("written through a FILE handle\n") 64 "written through a FILE handle\n""#
        ),
        "{}",
        out.stdout
    );
    assert!(
        !inside.join("note.txt").exists() && !inside.join("kept.txt").exists(),
        "renamed, then removed by the guest"
    );
    // A host file outside the guest's directory: refused before C sees it.
    let secret = t.join("secret");
    let out = runner.run_in("stdio-demo", &["open", secret.to_str().unwrap()], &dirs);
    let err = out.result.expect_err("fopen outside the directory");
    assert!(
        err.contains("`dlwit:stdio/stdio#fopen` (C `fopen` in `libc.so.6`)")
            && err.contains("path argument `__filename`")
            && err.contains("not in a directory the guest was given"),
        "{err}"
    );
    assert!(!out.stdout.contains("unreachable"), "{}", out.stdout);
    // The host serves the next store.
    let again = runner.run_in("stdio-demo", &["round-trip", "/data"], &dirs);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);
}

/// The importer's own output, run: `wit/generated/uuid.wit` (uuid.h with
/// no overlay) passes `uuid_t`, an array typedef, as a record of 16 bytes,
/// copied for C and read back where C writes it; a record of 15 is refused
/// before C reads 16.
#[test]
fn generated_uuid_passes_uuid_t_as_sixteen_bytes() {
    let b =
        bindings("wit/generated/uuid.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let out = runner.run("uuid-demo", &[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let want = [
        "parse = 0 0123456789abcdef0123456789abcdef",
        "parse garbage = -1",
        "random is null = 0",
        // RFC 4122 (DCE), version 4.
        "random variant = 1",
        "random type = 4",
        "cleared is null = 1",
        "copy = 0123456789abcdef0123456789abcdef",
        "compare = 0 1",
    ];
    for line in want {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "{line}\n{}",
            out.stdout
        );
    }
    let short = runner.run("uuid-demo", &["short"]);
    let err = short.result.expect_err("15 bytes for a uuid_t");
    assert!(
        err.contains("(C `uuid_is_null` in `libuuid.so.1`): a C array of 16 elements takes a list of exactly 16, got 15"),
        "{err}"
    );
    assert!(!short.stdout.contains("unreachable"), "{}", short.stdout);
    assert!(runner.run("uuid-demo", &[]).result.is_ok());
}

/// The importer's callbacks, run: `wit/generated/expat.wit` (expat.h with
/// no overlay) has the interface `expat-callbacks`, one export per handler
/// typedef, which the guest exports; `XML_Set*Handler` passes C the export
/// (and NULL for the user data). C calls them during later `XML_Parse`
/// calls, in document order, character data and an entity's value as
/// bytes with their length; a handler that traps fails the parse, and the
/// next store is served.
#[test]
fn generated_expat_calls_the_guests_handlers() {
    let b = bindings("wit/generated/expat.wit", &Libraries::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let out = runner.run("expat-demo", &[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    let events: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("event "))
        .collect();
    assert_eq!(
        events,
        [
            "xml-decl 1.0 UTF-8 -1",
            "doctype doc 1",
            "attlist doc id",
            "entity who world",
            "doctype-end",
            "comment  a note ",
            "pi tool run fast",
            "end a",
            "cdata-start",
            "text raw <text>",
            "cdata-end",
            "text hello ",
            "text world",
            "end b",
            "end doc",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("status XmlStatus::Ok XmlStatus::Ok"),
        "{}",
        out.stdout
    );
    let bad = runner.run("expat-demo", &["malformed"]);
    assert!(bad.result.is_ok(), "{:?}\n{}", bad.result, bad.stdout);
    assert!(
        bad.stdout
            .contains("status XmlStatus::Error error mismatched tag line 1"),
        "{}",
        bad.stdout
    );
    let trap = runner.run("expat-demo", &["trap"]);
    let err = trap
        .result
        .expect_err("a handler that traps fails the parse");
    assert!(
        err.contains("(C `XML_Parse` in `libexpat.so.1`): callback `dlwit:expat/expat-callbacks#xml-comment-handler` failed"),
        "{err}"
    );
    assert!(!trap.stdout.contains("unreachable"), "{}", trap.stdout);
    assert!(runner.run("expat-demo", &[]).result.is_ok());
}

/// Every WIT that ships, checked against its real headers: each struct's
/// layout, and each function's C types (`--verify-layout`).
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
            "libc.wit" => (
                [
                    "stdlib.h",
                    "string.h",
                    "ctype.h",
                    "stdio.h",
                    "unistd.h",
                    "sys/stat.h",
                    "time.h",
                ]
                .iter()
                .map(|h| s(&system_header(h).unwrap()).to_string())
                .collect(),
                None,
            ),
            "libm.wit" => (vec!["/usr/include/math.h".into()], None),
            "stdio.wit" => (vec!["/usr/include/stdio.h".into()], None),
            "uuid.wit" => (vec!["/usr/include/uuid/uuid.h".into()], None),
            "gmp.wit" => (
                ["stdlib.h", "gmp.h"]
                    .iter()
                    .map(|h| s(&system_header(h).unwrap()).to_string())
                    .collect(),
                None,
            ),
            "expat.wit" => (vec!["/usr/include/expat.h".into()], None),
            "zlib.wit" => (vec!["/usr/include/zlib.h".into()], None),
            "bzip2.wit" => (vec!["/usr/include/bzlib.h".into()], None),
            "sqlite.wit" => (vec!["/usr/include/sqlite3.h".into()], None),
            "sdl2.wit" => (vec!["/usr/include/SDL2/SDL.h".into()], None),
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
        // Every function the WIT binds is the one the headers declare.
        assert!(
            out.contains("every function's C types match the headers' declarations"),
            "{wit}: {out}"
        );
        assert!(
            !out.contains("not declared in the headers"),
            "{path}: {out}"
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

/// One real library the project does not bind: its Debian `-dev` package,
/// the header (under `/usr/include` or the multiarch include directory),
/// its soname, extra import options, and the fewest functions the import
/// must keep (a floor below today's figure, so a regression shows).
struct RealHeader {
    package: &'static str,
    header: &'static str,
    lib: &'static str,
    extra: &'static [&'static str],
    at_least: usize,
}

const REAL_HEADERS: &[RealHeader] = &[
    // `uuid_t` parameters: an array typedef, a record of 16 bytes.
    RealHeader {
        package: "uuid-dev",
        header: "uuid/uuid.h",
        lib: "libuuid.so.1",
        extra: &[],
        at_least: 12,
    },
    RealHeader {
        package: "libuv1-dev",
        header: "uv.h",
        lib: "libuv.so.1",
        extra: &[],
        at_least: 40,
    },
    RealHeader {
        package: "libyaml-dev",
        header: "yaml.h",
        lib: "libyaml-0.so.2",
        extra: &[],
        at_least: 28,
    },
    RealHeader {
        package: "libbz2-dev",
        header: "bzlib.h",
        lib: "libbz2.so.1.0",
        extra: &[],
        // The streaming API: `bz_stream` held in place.
        at_least: 14,
    },
    RealHeader {
        package: "libzstd-dev",
        header: "zstd.h",
        lib: "libzstd.so.1",
        extra: &[],
        at_least: 45,
    },
    // Umbrella headers: only includes, the functions in the library's own
    // headers beside them (`SDL2/`, `sodium/`, `lzma/`).
    RealHeader {
        package: "libsdl2-dev",
        header: "SDL2/SDL.h",
        lib: "libSDL2-2.0.so.0",
        extra: &[],
        at_least: 450,
    },
    // `unsigned char k[crypto_secretbox_KEYBYTES]`: records of N bytes.
    RealHeader {
        package: "libsodium-dev",
        header: "sodium.h",
        lib: "libsodium.so.23",
        extra: &[],
        at_least: 380,
    },
    RealHeader {
        package: "liblzma-dev",
        header: "lzma.h",
        lib: "liblzma.so.5",
        extra: &[],
        // `lzma_stream` held in place.
        at_least: 45,
    },
    RealHeader {
        package: "libpng-dev",
        header: "png.h",
        lib: "libpng16.so.16",
        extra: &[],
        at_least: 150,
    },
    RealHeader {
        package: "libcurl4-openssl-dev",
        header: "curl/curl.h",
        lib: "libcurl.so.4",
        extra: &[],
        at_least: 45,
    },
    RealHeader {
        package: "libssl-dev",
        header: "openssl/evp.h",
        lib: "libcrypto.so.3",
        extra: &[],
        at_least: 600,
    },
    RealHeader {
        package: "libexpat1-dev",
        header: "expat.h",
        lib: "libexpat.so.1",
        extra: &[],
        at_least: 25,
    },
    RealHeader {
        package: "libpcre2-dev",
        header: "pcre2.h",
        lib: "libpcre2-8.so.0",
        extra: &["-D", "PCRE2_CODE_UNIT_WIDTH=8"],
        at_least: 40,
    },
    RealHeader {
        package: "libogg-dev",
        header: "ogg/ogg.h",
        lib: "libogg.so.0",
        extra: &[],
        // `oggpack_buffer` held in place, made by `oggpack_writeinit`;
        // `oggpack_readinit`, which keeps the bytes it is given, skipped.
        at_least: 40,
    },
    RealHeader {
        package: "libmpfr-dev",
        header: "mpfr.h",
        lib: "libmpfr.so.6",
        extra: &[],
        // `mpfr_t` held in place, made by `mpfr_init2`; `const mpfr_ptr *`
        // arrays do not keep it from being held.
        at_least: 250,
    },
    RealHeader {
        package: "libgmp-dev",
        header: "gmp.h",
        lib: "libgmp.so.10",
        extra: &[],
        // `mpz_t`, `mpq_t`, `mpf_t` held in place, made by their
        // initialisers (`void mpz_init(mpz_ptr)`).
        at_least: 240,
    },
    RealHeader {
        package: "liblua5.4-dev",
        header: "lua5.4/lua.h",
        lib: "liblua5.4.so.0",
        extra: &[],
        at_least: 60,
    },
    RealHeader {
        package: "libarchive-dev",
        header: "archive.h",
        lib: "libarchive.so.13",
        extra: &[],
        at_least: 180,
    },
    // jpeglib.h needs `FILE` and `size_t` declared before it, cmocka.h
    // `size_t`, `va_list` and `jmp_buf`: the standard headers that declare
    // them are included first, with a note (as `--include stdio.h` would).
    RealHeader {
        package: "libjpeg-dev",
        header: "jpeglib.h",
        lib: "libjpeg.so.62",
        extra: &[],
        at_least: 35,
    },
    RealHeader {
        package: "libcmocka-dev",
        header: "cmocka.h",
        lib: "libcmocka.so.0",
        extra: &[],
        at_least: 28,
    },
    // An umbrella in `/usr/include` itself: `z3.h` includes `z3_api.h` and
    // the other `z3_*.h` beside it.
    RealHeader {
        package: "libz3-dev",
        header: "z3.h",
        lib: "libz3.so.4",
        extra: &[],
        at_least: 600,
    },
    // `drm_context_tFlagsPtr`: a typedef of a pointer to an anonymous enum.
    RealHeader {
        package: "libdrm-dev",
        header: "xf86drm.h",
        lib: "libdrm.so.2",
        extra: &["-I", "/usr/include/libdrm"],
        at_least: 80,
    },
    // glibc's umbrella: its functions are declared in `bits/mathcalls.h`
    // (and `__cos` beside `cos`, which the library does not export).
    RealHeader {
        package: "libc6-dev",
        header: "math.h",
        lib: "libm.so.6",
        extra: &[],
        at_least: 200,
    },
    // `FILE`: a complete struct C allocates (`fopen`) and frees
    // (`fclose`), so a handle; `freopen` may hand back its argument.
    RealHeader {
        package: "libc6-dev",
        header: "stdio.h",
        lib: "libc.so.6",
        extra: &[],
        at_least: 40,
    },
    // A header named `c.h`: its interface is `leveldb-c`, not the C
    // prelude's package `dlwit:c`.
    RealHeader {
        package: "libleveldb-dev",
        header: "leveldb/c.h",
        lib: "libleveldb.so.1d",
        extra: &[],
        at_least: 50,
    },
    // Callbacks whose user data is known by position: `event_new(base,
    // fd, events, void (*)(evutil_socket_t, short, void *), void *)`.
    RealHeader {
        package: "libevent-dev",
        header: "event2/event.h",
        lib: "libevent-2.1.so.7",
        extra: &[],
        at_least: 65,
    },
    RealHeader {
        package: "libjson-c-dev",
        header: "json-c/json.h",
        lib: "libjson-c.so.5",
        extra: &[],
        at_least: 78,
    },
    RealHeader {
        package: "libpq-dev",
        header: "postgresql/libpq-fe.h",
        lib: "libpq.so.5",
        extra: &[],
        at_least: 115,
    },
    RealHeader {
        package: "libcairo2-dev",
        header: "cairo/cairo.h",
        lib: "libcairo.so.2",
        extra: &[],
        at_least: 225,
    },
    // `#include <pixman-version.h>`, its neighbour: the header's own
    // directory is searched last.
    RealHeader {
        package: "libpixman-1-dev",
        header: "pixman-1/pixman.h",
        lib: "libpixman-1.so.0",
        extra: &[],
        // Regions and transforms held in place, made by their initialisers.
        at_least: 85,
    },
    // No `-I`: `<libxml/xmlversion.h>` is in `/usr/include/libxml2`, a
    // directory above the header; and `xmlGlobalState` has a field named
    // like a macro defined after it (`xmlStructuredErrorContext`), which
    // the layout probe sets aside.
    RealHeader {
        package: "libxml2-dev",
        header: "libxml2/libxml/tree.h",
        lib: "libxml2.so.2",
        extra: &[],
        at_least: 350,
    },
    // No `-I`: `glibconfig.h` is found in
    // `/usr/lib/x86_64-linux-gnu/glib-2.0/include`, and libnotify's
    // `<glib.h>` in `/usr/include/glib-2.0`.
    RealHeader {
        package: "libglib2.0-dev",
        header: "glib-2.0/glib.h",
        lib: "libglib-2.0.so.0",
        extra: &[],
        at_least: 960,
    },
    RealHeader {
        package: "libnotify-dev",
        header: "libnotify/notify.h",
        lib: "libnotify.so.4",
        extra: &[],
        at_least: 25,
    },
    // Structs with public fields that C allocates and frees: ncurses'
    // `WINDOW` (`newwin`, ended by `delwin`), Tcl's `Tcl_Interp`
    // (`Tcl_CreateInterp`, although `Tcl_InitMemory` initialises one).
    RealHeader {
        package: "libncurses-dev",
        header: "ncurses.h",
        lib: "libncursesw.so.6",
        extra: &[],
        at_least: 270,
    },
    RealHeader {
        package: "tcl8.6-dev",
        header: "tcl8.6/tcl.h",
        lib: "libtcl8.6.so",
        extra: &[],
        at_least: 370,
    },
    // `cmsCIExyY`'s fields `x`, `y`, `Y`: `Y` is `y-alt`.
    RealHeader {
        package: "liblcms2-dev",
        header: "lcms2.h",
        lib: "liblcms2.so.2",
        extra: &[],
        at_least: 85,
    },
    // `pthread_atfork` is only `pthread_atfork@GLIBC_2.2.5` in glibc 2.34
    // and later, a hidden version `dlsym` does not find: not an export.
    RealHeader {
        package: "libc6-dev",
        header: "pthread.h",
        lib: "libc.so.6",
        extra: &[],
        at_least: 15,
    },
];

/// Where a header is installed: `/usr/include/H`, else the multiarch
/// include directory (`/usr/include/x86_64-linux-gnu/H`).
fn system_header(header: &str) -> Option<PathBuf> {
    let plain = Path::new("/usr/include").join(header);
    if plain.is_file() {
        return Some(plain);
    }
    std::fs::read_dir("/usr/include")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-linux-gnu"))
        .map(|dir| dir.join(header))
        .find(|p| p.is_file())
}

/// `dlwit import` on real headers of libraries the project does not bind
/// (scripts/setup.sh installs them): every output plans (the CLI refuses
/// to write one that does not), checks against its library with its
/// layouts verified, and keeps at least its share of functions. Prints
/// each header's coverage.
#[test]
fn real_headers_import_plan_and_check() {
    let missing: Vec<String> = REAL_HEADERS
        .iter()
        .filter(|h| system_header(h.header).is_none())
        .map(|h| format!("{} (package {})", h.header, h.package))
        .collect();
    assert!(
        missing.is_empty(),
        "headers not installed: {}; run scripts/setup.sh, which installs them",
        missing.join(", ")
    );
    let dir = scratch("real-headers");
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for h in REAL_HEADERS {
        let header = system_header(h.header).unwrap();
        let name = h.header.trim_end_matches(".h").replace('/', "-");
        let out = dir.join(format!("{name}.wit"));
        let mut args = vec!["import", s(&header), "--lib", h.lib, "-o", s(&out)];
        args.extend(h.extra);
        let run = dlwit(&args);
        let err = text(&run.stderr);
        if !run.status.success() {
            failures.push(format!("{}: dlwit import failed:\n{err}", h.header));
            continue;
        }
        let coverage = err
            .lines()
            .find_map(|l| l.strip_prefix("coverage: "))
            .unwrap_or("?")
            .to_string();
        let imported: usize = coverage
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        report.push(format!("{:<16} {coverage}", h.header));
        if imported < h.at_least {
            failures.push(format!(
                "{}: imported {imported} functions, expected at least {}",
                h.header, h.at_least
            ));
        }
        let mut check = vec!["check", s(&out), "--verify-layout", s(&header)];
        check.extend(h.extra);
        let run = dlwit(&check);
        let said = text(&run.stdout);
        if !run.status.success()
            || !said.contains("every symbol resolved")
            || !said.contains("layout matches the C compiler's")
        {
            failures.push(format!(
                "{}: dlwit check failed:\n{said}{}",
                h.header,
                text(&run.stderr)
            ));
        }
    }
    println!("coverage (dlwit import HEADER --lib SONAME):");
    for line in &report {
        println!("  {line}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `--verify-layout` also compares every function with the header's
/// declaration: sign, struct identity, what a pointer points to, the
/// number of parameters; each error names the WIT line, the function, the
/// symbol and the library.
#[test]
fn a_prototype_difference_is_an_error_naming_line_symbol_and_library() {
    let run = dlwit(&[
        "check",
        "tests/import/bad-prototype.wit",
        "--lib",
        FIXTURE_LIB,
        "--verify-layout",
        "tests/fixture/fixture.h",
    ]);
    assert!(!run.status.success());
    let err = text(&run.stderr);
    let at = |line: u32, wit: &str, symbol: &str| {
        format!(
            "error: prototype: tests/import/bad-prototype.wit:{line}: `{wit}` (`{symbol}` in `libdlwit_fixture.so`): "
        )
    };
    for expected in [
        format!(
            "{}C parameter 1 (`x`): the header has `uint32_t` (a 4-byte unsigned integer), the WIT passes `int32_t` (a 4-byte signed integer)",
            at(18, "pass-u32", "fx_pass_u32")
        ),
        format!(
            "{}the result: the header has `uint32_t` (a 4-byte unsigned integer)",
            at(18, "pass-u32", "fx_pass_u32")
        ),
        format!(
            "{}C parameter 1 (`x`): the header has `struct vec2`, the WIT passes `struct rgba`",
            at(21, "pass-vec2", "fx_pass_vec2")
        ),
        format!(
            "{}C parameter 1 (`colors`): the header has `const struct rgba *` (a pointer to const `struct rgba`), the WIT's prototype `const uint8_t *` (a pointer to const 1-byte unsigned integer)",
            at(24, "rgba-checksum", "fx_rgba_checksum")
        ),
        format!(
            "{}the header declares 1 parameter, the WIT passes 2",
            at(27, "pass-cint", "fx_pass_cint")
        ),
    ] {
        assert!(err.contains(&expected), "no `{expected}` in:\n{err}");
    }
    assert!(!err.contains("fx_pass_u8"), "{err}");
    assert_eq!(err.matches("error: prototype:").count(), 6, "{err}");
}

/// gmp.h imported with wit/gmp.wit as its overlay (all of it, not only
/// what wit/generated/gmp.wit's `--allow` keeps): `mpz_t` is made only by
/// GMP's initialisers, each a function returning the number (there is no
/// zeroed one, which `mpz_get_ui` would read through NULL), and ended only
/// by its drop: a guest that could call `mpz_clear` itself would make the
/// drop free the limbs a second time.
#[test]
fn generated_gmp_makes_and_ends_mpz_only_through_c() {
    let gmp_h = system_header("gmp.h").unwrap();
    let (wit, _) = ok(&[
        "import",
        s(&gmp_h),
        "--lib",
        "libgmp.so.10",
        "--overlay",
        "wit/gmp.wit",
    ]);
    for line in [
        // (The overlay's constructor is `mpz_init`.)
        "  gmpz-init-set-ui: func(p2: c-ulong) -> mpz;",
        "  gmpf-init: func() -> mpf-struct;",
        "  // skipped `__gmpz_clear`: it ends `mpz`, a struct the host holds in place, which its handle's drop ends (twice would free C's state twice)",
        "  // skipped `__gmpz_init_set_str`: it initialises `mpz` again, which C initialised when it was made (its state would leak)",
        "  // skipped `__gmpz_roinit_n`: it returns `mpz`, a struct the host holds in place, which only the host makes",
    ] {
        assert!(wit.lines().any(|l| l == line), "missing: {line}");
    }
    assert!(!wit.contains("@ffi(held = \"new\")"), "a zeroed mpz_t");
}
