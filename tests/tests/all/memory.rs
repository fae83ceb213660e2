//! Host memory a hostile guest makes dlwit allocate (guest/hostile-mem,
//! tests/wit/memory.wit): every allocation sized by the guest counts
//! against the store's limit, checked before allocating; frames give a
//! large call's scratch back; strings C hands over are freed on every exit.
//! Each sad path asserts the exact error and that the host then serves a
//! fresh store. Every case runs on the fast (fused) and the general path.

use dlwit::{Bindings, DEFAULT_MEMORY_LIMIT, Libraries, LinkOptions};
use dlwit_tests::{FIXTURE_LIB, Runner, bindings};

const GUEST: &str = "hostile-mem";

fn memory() -> Bindings {
    bindings("tests/wit/memory.wit", &Libraries::path(FIXTURE_LIB))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The fast path (fused where it can be) and the general `Val` path.
fn paths() -> [(&'static str, LinkOptions); 2] {
    [
        ("fast", LinkOptions::default()),
        (
            "general",
            LinkOptions {
                fast_path: false,
                ..LinkOptions::default()
            },
        ),
    ]
}

fn context(func: &str, symbol: &str) -> String {
    format!("dlwit: `dlwit:fixture/memory#{func}` (C `{symbol}` in `{FIXTURE_LIB}`): ")
}

/// The host goes on serving: a fresh store, good calls.
fn serves(runner: &Runner, path: &str) {
    let ok = runner.run(GUEST, &["ok"]);
    assert_eq!(ok.result, Ok(()), "{path}: {}", ok.stdout);
    assert_eq!(ok.stdout, "ok\n", "{path}");
}

#[test]
fn a_huge_capacity_is_refused_before_allocating() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        let out = runner.run(GUEST, &["huge-capacity"]);
        out.expect_trap(&[&format!(
            "{}the guest asked for a 1099511627776-byte buffer (`dest`), over the store's limit of {DEFAULT_MEMORY_LIMIT} bytes",
            context("fill", "fx_fill")
        )]);
        serves(&runner, path);
    }
}

#[test]
fn a_large_copy_is_served_and_the_frame_given_back() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        // MB-sized copies, under the default limit: served through the
        // frame (too long for a fused call's stack buffer), which is then
        // trimmed. (The general path lifts a `list<u8>` argument as one
        // `Val` per byte, which wasmtime's hostcall fuel bounds: 128 MiB.)
        for case in [
            ["string", "4000000"],
            ["bytes", "2000000"],
            ["fill", "400000"],
        ] {
            let out = runner.run(GUEST, &case);
            assert_eq!(out.result, Ok(()), "{path} {case:?}: {}", out.stdout);
            assert_eq!(out.stdout, format!("{} {}\n", case[0], case[1]));
            assert!(
                b.frame_bytes() <= dlwit::FRAME_TRIM_AT,
                "{path} {case:?}: the frames still hold {} bytes",
                b.frame_bytes()
            );
        }
        // A smaller copy that still takes the frame keeps it for the next
        // call (no allocation then).
        let out = runner.run(GUEST, &["string", "1000"]);
        assert_eq!(out.result, Ok(()), "{path}: {}", out.stdout);
        assert!(
            b.frame_bytes() >= 1000,
            "{path}: the frame was given back: {}",
            b.frame_bytes()
        );
        serves(&runner, path);
    }
    // The linkers are gone, and with them their frames.
    assert_eq!(b.frame_bytes(), 0);
}

#[test]
fn a_low_limit_refuses_moderate_copies_and_results() {
    let b = memory();
    let limit = 64 << 10;
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        let out = runner.run_with_limit(GUEST, &["string", "100000"], limit);
        out.expect_trap(&[&format!(
            "{}the guest asked for a 100001-byte copy of string `s`, over the store's limit of 65536 bytes",
            context("str-len", "fx_str_len")
        )]);
        let out = runner.run_with_limit(GUEST, &["bytes-copied", "100000"], limit);
        out.expect_trap(&[&format!(
            "{}the guest asked for a 100000-byte copy of list `b`, over the store's limit of 65536 bytes",
            context("bytes-sum-copied", "fx_bytes_sum")
        )]);
        // A list C only reads is lent in place on the fast path: nothing is
        // copied, nothing counted. The general path copies it.
        let out = runner.run_with_limit(GUEST, &["bytes", "100000"], limit);
        if path == "fast" {
            assert_eq!(out.stdout, "bytes 100000\n", "{path}: {:?}", out.result);
        } else {
            out.expect_trap(&[&format!(
                "{}the guest asked for a 100000-byte copy of list `b`, over the store's limit of 65536 bytes",
                context("bytes-sum", "fx_bytes_sum")
            )]);
        }
        // The buffer fits; its result as one `Val` per byte does not.
        let out = runner.run_with_limit(GUEST, &["fill", "10000"], limit);
        out.expect_trap(&[
            &context("fill", "fx_fill"),
            "a list result of 10000 elements takes",
            "over the store's limit of 65536 bytes",
        ]);
        let out = runner.run_with_limit(GUEST, &["fill", "100000"], limit);
        out.expect_trap(&[&format!(
            "{}the guest asked for a 100000-byte buffer (`dest`), over the store's limit of 65536 bytes",
            context("fill", "fx_fill")
        )]);
        // Under the limit, the same calls are served.
        let out = runner.run_with_limit(GUEST, &["string", "60000"], limit);
        assert_eq!(out.stdout, "string 60000\n", "{path}: {:?}", out.result);
        serves(&runner, path);
    }
}

#[test]
fn a_list_or_string_past_the_end_of_memory_traps() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        for case in ["list-past-end", "string-past-end"] {
            let out = runner.run(GUEST, &[case]);
            let err = out.result.as_ref().expect_err(case);
            if path == "fast" {
                // dlwit's own lifting (wasmtime's on the general path).
                assert!(
                    err.contains("argument of ")
                        && err.contains("bytes at guest address")
                        && err.contains("runs past the end of the guest's memory"),
                    "{path} {case}: {err}"
                );
            }
            out.expect_trap(&[]);
        }
        let out = runner.run(GUEST, &["list-at-end"]);
        assert_eq!(out.stdout, "list-at-end\n", "{path}: {:?}", out.result);
        serves(&runner, path);
    }
}

/// Strings longer than what is checked when lifted are checked in the pass
/// that copies them: the same refusals, the same lengths.
#[test]
fn a_long_string_is_checked_as_it_is_copied() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        let out = runner.run(GUEST, &["long-string", "nul"]);
        out.expect_trap(&[&format!(
            "{}string argument `s` contains a NUL byte at offset 3000; C strings end at the first NUL",
            context("str-len", "fx_str_len")
        )]);
        let out = runner.run(GUEST, &["long-string", "bad-utf8"]);
        if path == "fast" {
            out.expect_trap(&[&format!(
                "{}string argument `s` is not UTF-8 (invalid utf-8 sequence of 1 bytes from index 3000)",
                context("str-len", "fx_str_len")
            )]);
        } else {
            // wasmtime's own lifting refuses it.
            out.expect_trap(&[]);
        }
        let out = runner.run(GUEST, &["long-string", "utf8"]);
        assert_eq!(out.stdout, "long-string 6000\n", "{path}: {:?}", out.result);
        serves(&runner, path);
    }
}

#[test]
fn a_low_limit_bounds_the_handle_table() {
    let b = memory();
    let limit = 64 << 10;
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        let out = runner.run_with_limit(GUEST, &["handles", "100"], limit);
        assert_eq!(out.stdout, "handles 100\n", "{path}: {:?}", out.result);
        let out = runner.run_with_limit(GUEST, &["handles", "100000"], limit);
        out.expect_trap(&[
            &format!(
                "{}the guest asked for a new handle (",
                context("[constructor]token", "fx_token_new")
            ),
            "over the store's limit of 65536 bytes (",
            "bytes of it already in use); C's object was destroyed",
        ]);
        serves(&runner, path);
    }
}

fn bad_frees(runner: &Runner) -> u64 {
    let out = runner.run(GUEST, &["frees"]);
    assert_eq!(out.result, Ok(()));
    out.stdout
        .trim()
        .strip_prefix("frees ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.stdout))
}

#[test]
fn a_string_that_is_not_utf8_is_freed() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        for (case, func, symbol) in [
            ("bad-utf8", "bad-utf8", "fx_bad_utf8"),
            ("bad-utf8-or-none", "bad-utf8-or-none", "fx_bad_utf8"),
            ("bad-utf8-out", "bad-utf8-out", "fx_describe_bad"),
        ] {
            let before = bad_frees(&runner);
            let out = runner.run(GUEST, &[case]);
            out.expect_trap(&[&format!(
                "{}C returned a string that is not UTF-8 (invalid utf-8 sequence of 1 bytes from index 4)",
                context(func, symbol)
            )]);
            assert_eq!(bad_frees(&runner), before + 1, "{path} {case}: not freed");
            serves(&runner, path);
        }
    }
}

/// `dlwit run --max-memory`: the store's limit from the command line.
#[test]
fn the_cli_takes_a_memory_limit() {
    let wasm = dlwit_tests::guest(GUEST);
    let run = |limit: &str, case: &[&str]| {
        dlwit_tests::dlwit()
            .args(["run", "--wit", "tests/wit/memory.wit", "--lib", FIXTURE_LIB])
            .args(["--max-memory", limit, wasm.to_str().unwrap()])
            .args(case)
            .current_dir(dlwit_tests::root())
            .output()
            .unwrap()
    };
    let out = run("64K", &["string", "100000"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "the guest asked for a 100001-byte copy of string `s`, over the store's limit of 65536 bytes"
        ),
        "{err}"
    );
    let out = run("1M", &["string", "100000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "string 100000\n");
    let out = run("lots", &["ok"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "'--max-memory <BYTES>': expected a byte count such as 67108864 or 64M, got `lots`"
        ),
        "{err}"
    );
}

/// Lists of strings (`char **`): a counted array and a NULL-terminated one
/// of NUL-terminated copies. A list whose elements all point at one 1 MiB
/// string is stopped before the host holds that many copies: by wasmtime's
/// hostcall fuel, which each element's bytes are charged to when lifted
/// (128 MiB a call), or by the store's limit on the copies into the frame.
#[test]
fn lists_of_strings_are_copied_and_aliasing_is_bounded() {
    let b = memory();
    for (path, options) in paths() {
        let runner = Runner::with_options(&b, options);
        let out = runner.run(GUEST, &["strings"]);
        assert_eq!(out.result, Ok(()), "{path}: {}", out.stdout);
        assert_eq!(out.stdout, "strings 9 3009\n", "{path}");
        let out = runner.run(GUEST, &["strings-alias", "1000"]);
        out.expect_trap(&["too much data is being copied between the host and the guest"]);
        serves(&runner, path);
        let out = runner.run(GUEST, &["strings-alias", "100"]);
        out.expect_trap(&[&format!(
            "{}a `const char *` string's copy (67109736 bytes with the call's other copies), over the store's limit of {DEFAULT_MEMORY_LIMIT} bytes",
            context("strs-total", "fx_strs_total")
        )]);
        serves(&runner, path);
    }
}
