//! The `dlwit` command as a shell user meets it: exit codes and messages.

use dlwit_tests::{FIXTURE_LIB, cli, guest, root};
use std::process::{Command, Output};

fn dlwit(args: &[&str]) -> Output {
    Command::new(cli())
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn run_a_guest_against_libm() {
    let wasm = guest("libm-demo");
    let out = dlwit(&["run", "--wit", "wit/libm.wit", wasm.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("hypot(3, 4)        = 5"),
        "{}",
        text(&out.stdout)
    );
}

/// `--count-calls`: the calls the guest made into C, in total and per
/// function, on stderr after the run (its output unchanged).
#[test]
fn run_counts_calls_into_c() {
    let wasm = guest("libm-demo");
    let plain = dlwit(&["run", "--wit", "wit/libm.wit", wasm.to_str().unwrap()]);
    let out = dlwit(&[
        "run",
        "--wit",
        "wit/libm.wit",
        "--count-calls",
        wasm.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&plain.stdout));
    let err = text(&out.stderr);
    let per_function: Vec<u64> = err
        .lines()
        .filter(|l| l.contains("dlwit:libm/libm#"))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    // One line per `name(args) = value` the guest printed.
    let printed = text(&plain.stdout)
        .lines()
        .filter(|l| l.contains(") "))
        .count() as u64;
    let total: u64 = per_function.iter().sum();
    assert!(total >= printed && printed > 5, "{printed} lines, {err}");
    assert!(
        err.contains(&format!("dlwit: {total} calls into C")),
        "{err}"
    );
    assert!(
        err.contains("dlwit:          1  dlwit:libm/libm#pow"),
        "{err}"
    );
}

#[test]
fn run_passes_arguments_and_lib_overrides() {
    let wasm = guest("echo");
    let lib = format!("libdlwit_fixture.so={FIXTURE_LIB}");
    let out = dlwit(&[
        "run",
        "--wit",
        "tests/wit/echo.wit",
        "--lib",
        &lib,
        wasm.to_str().unwrap(),
        "after-error",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("still fine"));
}

#[test]
fn a_trap_fails_the_run_with_the_reason() {
    let wasm = guest("echo");
    let out = dlwit(&[
        "run",
        "--wit",
        "tests/wit/echo.wit",
        "--lib",
        FIXTURE_LIB,
        wasm.to_str().unwrap(),
        "bad-kind",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("C returned 42 for an enum"),
        "{}",
        text(&out.stderr)
    );
}

/// `--dir HOST::GUEST` gives the guest a directory, for WASI and for C
/// functions that take paths alike; without it, those functions refuse.
#[test]
fn run_gives_the_guest_directories() {
    let wasm = guest("libc-demo");
    let dir = dlwit_tests::TempDir::new("cli-dir");
    let run = |dirs: &[&str]| {
        let mut args = vec!["run", "--wit", "wit/libc.wit"];
        for d in dirs {
            args.extend(["--dir", d]);
        }
        args.push(wasm.to_str().unwrap());
        dlwit(&args)
    };
    let given = format!("{}::/sandbox", dir.0.display());
    let out = run(&[&given]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The directory the guest made as `/sandbox/...` is in the host
    // directory.
    let kept = text(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("kept dir               = "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", text(&out.stdout)));
    assert!(dir.join(kept.strip_prefix("/sandbox/").unwrap()).is_dir());

    let refused = |out: &Output, why: &str| {
        assert_eq!(out.status.code(), Some(1));
        let want = format!(
            "dlwit: `dlwit:libc/libc#mkdir` (C `mkdir` in `libc.so.6`): path argument `pathname` (`/sandbox`): {why}"
        );
        assert!(text(&out.stderr).contains(&want), "{}", text(&out.stderr));
    };
    refused(&run(&[]), "the guest was given no directories");
    // `--dir HOST` gives it under its host name: `/sandbox` is not it.
    refused(
        &run(&[dir.0.to_str().unwrap()]),
        "not in a directory the guest was given",
    );
}

#[test]
fn check_and_plan() {
    let out = dlwit(&["check", "wit/zlib.wit"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("ok: ")
            && stdout.ends_with(" functions in 1 interface, every symbol resolved\n"),
        "{stdout}"
    );
    let out = dlwit(&["plan", "wit/libc.wit"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("div_t div(int numer, int denom);"));
}

#[test]
fn sad_usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["run", "x.wasm"],
        &["plan"],
        &["plan", "--bogus", "x.wit"],
        &["run", "--wit", "wit/libc.wit", "--dir"],
        &["run", "--wit", "wit/libc.wit", "--dir", "::/data", "x.wasm"],
    ] {
        let out = dlwit(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("usage:"), "{args:?}");
    }
    let out = dlwit(&["--help"]);
    assert!(out.status.success() && text(&out.stdout).contains("usage:"));
}

#[test]
fn sad_load_errors_exit_1_and_point_at_the_wit() {
    let out = dlwit(&["check", "tests/golden/fail/missing_symbol.wit"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("symbol `no_such_function` not found in `libm.so.6`"),
        "{err}"
    );
    assert!(
        err.contains("--> tests/golden/fail/missing_symbol.wit:"),
        "{err}"
    );
    let out = dlwit(&["check", "wit/libm.wit", "--lib", "/nonexistent/libm.so"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot open library `/nonexistent/libm.so`"));
    let out = dlwit(&["plan", "no/such.wit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no WIT file or directory at `no/such.wit`"));
}
