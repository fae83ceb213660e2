//! The `dlwit` command as a shell user meets it: exit codes and messages.

use dlwit_tests::{FIXTURE_LIB, guest, root};
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
fn plan_calls_prints_each_functions_call_program() {
    let out = dlwit(&["plan", "--calls", "wit/zlib.wit"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    // A function's lines: those indented by four under its name.
    let program = |name: &str| {
        let mut lines = said.lines().skip_while(|l| *l != format!("  {name}"));
        assert!(lines.next().is_some(), "no `{name}` in:\n{said}");
        let body: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).collect();
        body.join("\n") + "\n"
    };
    // A list C only reads, in a library without callbacks: lent in place,
    // its length in elements into the next C argument.
    let crc = program("crc32-z");
    let direct = if dlwit::FUSED_CALLS {
        "fused: register image, or a compiled stub"
    } else {
        "fast: frame"
    };
    assert!(crc.starts_with(&format!("    {direct}\n")), "{crc}");
    for line in [
        "flat 0 (uint) → `crc`",
        "list 0 (in place) → `buf`",
        "length of list 0 (/1) → `len`",
        "result: one flat value (uint)",
    ] {
        assert!(crc.contains(line), "{line} in:\n{crc}");
    }
    if dlwit::FUSED_CALLS {
        // The second integer argument register.
        let reg = if cfg!(target_arch = "aarch64") {
            "x1"
        } else {
            "rsi"
        };
        assert!(crc.contains(&format!("`buf` → {reg}, as is")), "{crc}");
    }
    // Out-parameters take the general path.
    assert!(
        program("compress").contains("general path"),
        "{}",
        program("compress")
    );
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
        &[
            "run",
            "--wit",
            "wit/libc.wit",
            "--max-memory",
            "lots",
            "x.wasm",
        ],
        &[
            "run",
            "--wit",
            "wit/libc.wit",
            "--lib",
            "a.so",
            "--lib",
            "b.so",
            "x.wasm",
        ],
        &["check", "wit/libm.wit", "-I", "/usr/include"],
        &["check", "wit/libm.wit", "--verify-layout"],
        &["import"],
        &["import", "x.h", "--allow", "("],
        &["import", "x.h", "--drop", "nofunction"],
    ] {
        let out = dlwit(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        // clap's usage line, or its pointer to it.
        let err = text(&out.stderr);
        assert!(
            err.contains("Usage: dlwit") || err.contains("For more information, try '--help'."),
            "{args:?}: {err}"
        );
    }
    let out = dlwit(&["--help"]);
    assert!(out.status.success() && text(&out.stdout).contains("Usage:"));
}

/// Every command has `--help`: its usage and a line for each option.
#[test]
fn every_command_has_help() {
    for (cmd, options) in [
        (
            "run",
            &[
                "--wit",
                "--lib",
                "--dir",
                "--count-calls",
                "--max-memory",
                "--no-cache",
                "--cache-dir",
                "--cache-config",
            ][..],
        ),
        ("plan", &[][..]),
        ("check", &["--lib", "--verify-layout", "-I", "-D"][..]),
        (
            "import",
            &[
                "--output",
                "--lib",
                "--prefix",
                "--allow",
                "--block",
                "-I",
                "-D",
                "--drop",
                "--overlay",
                "--package",
                "--interface",
            ][..],
        ),
    ] {
        for help in [vec![cmd, "--help"], vec!["help", cmd]] {
            let out = dlwit(&help);
            let stdout = text(&out.stdout);
            assert!(out.status.success(), "{help:?}: {}", text(&out.stderr));
            assert!(
                stdout.contains(&format!("Usage: dlwit {cmd}")),
                "{help:?}: {stdout}"
            );
            for option in options {
                assert!(stdout.contains(option), "{help:?}: no {option}: {stdout}");
            }
        }
    }
    let out = dlwit(&["--version"]);
    assert!(out.status.success() && text(&out.stdout).starts_with("dlwit "));
}

/// The files under a compilation cache directory's `modules/` (compiled
/// code, not the worker's statistics), with their modification times.
fn cached(dir: &std::path::Path) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
    let mut found = Vec::new();
    let mut todo = vec![dir.join("modules")];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if meta.is_dir() {
                todo.push(e.path());
            } else if !name.ends_with(".stats") && !name.contains(".wip") {
                found.push((e.path(), meta.modified().unwrap()));
            }
        }
    }
    found.sort();
    found
}

/// `dlwit run` keeps compiled components in its cache directory: the
/// first run writes the component's code, the second loads it (the file
/// is not written again) and gives the same output; `--no-cache` neither
/// reads nor writes it.
#[test]
fn run_caches_compiled_components() {
    let wasm = guest("libm-demo");
    let dir = dlwit_tests::TempDir::new("cli-cache");
    let cache = dir.join("cache");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--wit", "wit/libm.wit"];
        args.extend(extra);
        args.push(wasm.to_str().unwrap());
        let out = dlwit(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let no_cache = dir.join("unused");
    let uncached = run(&["--no-cache", "--cache-dir", no_cache.to_str().unwrap()]);
    assert!(cached(&no_cache).is_empty(), "{:?}", cached(&no_cache));

    let first = run(&["--cache-dir", cache.to_str().unwrap()]);
    let written = cached(&cache);
    assert_eq!(written.len(), 1, "{written:?}");
    let second = run(&["--cache-dir", cache.to_str().unwrap()]);
    assert_eq!(cached(&cache), written, "the second run compiled again");
    assert_eq!(first, uncached);
    assert_eq!(second, uncached);

    // The directory can come from the environment, as DLWIT_CACHE_DIR.
    let env_dir = dir.join("env");
    let out = dlwit_tests::dlwit()
        .args(["run", "--wit", "wit/libm.wit", wasm.to_str().unwrap()])
        .env("DLWIT_CACHE_DIR", &env_dir)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cached(&env_dir).len(), 1);
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
