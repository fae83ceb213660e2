//! Handles, ownership and C error conventions through a real guest
//! (guest/handles, tests/wit/handles.wit, tests/fixture/handles.c).
//!
//! The C fixture counts every object it creates and destroys and every
//! string it hands out and frees, and aborts the process on a use after
//! free, a double free, or a pool freed before its items. So a test sees
//! the host's ownership mistakes: a leak or a missing destructor call
//! leaves the counts unbalanced, a double destruction or a wrong order kills
//! the test process. The counts are global to this process (the library is
//! loaded once), so every test here takes [`serial`] and compares counts
//! taken before and after.

use dlwit::Libraries;
use dlwit_tests::{FIXTURE_LIB, Outcome, Runner, bindings};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

pub(crate) fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        // The directory: handles.wit and echo.wit are one package.
        let b =
            bindings("tests/wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"));
        let fast_path = std::env::var_os("DLWIT_TEST_VAL_PATH").is_none();
        Runner::with_options(
            &b,
            dlwit::LinkOptions {
                fast_path,
                ..Default::default()
            },
        )
    })
}

/// Serializes the tests that compare the fixture's process-global counts.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The fixture's counts, as the guest's `counts` case prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) created: i64,
    pub(crate) destroyed: i64,
    pub(crate) live: i64,
    string_allocs: i64,
    string_frees: i64,
}

impl Counts {
    /// Reads `created N destroyed M live K string-allocs A string-frees F`.
    pub(crate) fn parse(line: &str) -> Counts {
        let words: Vec<&str> = line.split_whitespace().collect();
        let get = |key: &str| -> i64 {
            let at = words
                .iter()
                .position(|w| *w == key)
                .unwrap_or_else(|| panic!("no `{key}` in {line:?}"));
            words
                .get(at + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no number after `{key}` in {line:?}"))
        };
        Counts {
            created: get("created"),
            destroyed: get("destroyed"),
            live: get("live"),
            string_allocs: get("string-allocs"),
            string_frees: get("string-frees"),
        }
    }

    /// The counts now, read by the guest in a fresh store; it also shows
    /// that the host still works.
    pub(crate) fn now() -> Counts {
        let out = runner().run("handles", &["counts"]);
        assert!(
            out.result.is_ok(),
            "counts: {:?}\n{}",
            out.result,
            out.stdout
        );
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("created "))
            .unwrap_or_else(|| panic!("counts printed no counts:\n{}", out.stdout));
        Counts::parse(line)
    }

    /// Asserts that between `self` and `after`, everything created was
    /// destroyed and every string handed out was freed.
    #[track_caller]
    pub(crate) fn balanced(&self, after: &Counts, what: &str) {
        assert_eq!(
            after.created - self.created,
            after.destroyed - self.destroyed,
            "{what}: objects created and destroyed differ (before {self:?}, after {after:?})"
        );
        assert_eq!(
            after.live, self.live,
            "{what}: live objects changed (before {self:?}, after {after:?})"
        );
        assert_eq!(
            after.string_allocs - self.string_allocs,
            after.string_frees - self.string_frees,
            "{what}: strings handed out and freed differ (before {self:?}, after {after:?})"
        );
    }
}

pub(crate) fn expect_ok(out: &Outcome, done: &str) {
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    assert!(out.stdout.contains(done), "no `{done}` in:\n{}", out.stdout);
}

#[test]
fn leaked_handles_are_destroyed_when_the_store_is_dropped() {
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &["lifecycle"]);
    expect_ok(&out, "lifecycle: ok");
    // While its store was alive, the guest held 3 counters, a pool, 2 items
    // and a tile that it never dropped.
    let during = out
        .stdout
        .lines()
        .find(|l| l.starts_with("created "))
        .unwrap_or_else(|| panic!("lifecycle printed no counts:\n{}", out.stdout));
    let live_during: i64 = during
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no live count in {during:?}"));
    assert_eq!(live_during - before.live, 7, "{during}");
    // A fresh store: the host destroyed them when the old one was dropped,
    // items before their pool (C aborts otherwise).
    let after = Counts::now();
    before.balanced(&after, "lifecycle");
    assert!(
        after.created > before.created,
        "lifecycle created nothing? {after:?}"
    );
    assert_eq!(
        (after.created, after.live),
        (after.destroyed, 0),
        "live objects remain (an earlier failed test may have leaked them): {after:?}"
    );
    assert_eq!(after.string_allocs, after.string_frees, "{after:?}");
}

#[test]
fn error_conventions_returned_memory_and_buffers() {
    balanced_run("errors", "errors: ok");
}

/// Runs a case that must print `done` and leave the counts balanced.
fn balanced_run(case: &str, done: &str) {
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &[case]);
    expect_ok(&out, done);
    before.balanced(&Counts::now(), case);
}

/// Runs a sad case: it must trap with `needles` in the message, leave the
/// counts balanced (whatever it created is destroyed with its store), and
/// the host must go on working.
pub(crate) fn sad(case: &str, needles: &[&str]) {
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &[case]);
    out.expect_trap(needles);
    let after = Counts::now();
    before.balanced(&after, case);
    let again = runner().run("handles", &["errors"]);
    expect_ok(&again, "errors: ok");
}

#[test]
fn sad_forged_handle_traps() {
    sad("forged", &["unknown handle index 12345"]);
}

#[test]
fn sad_handle_used_after_drop_traps() {
    sad("after-drop", &["unknown handle index"]);
}

#[test]
fn sad_handle_used_after_an_own_parameter_consumed_it_traps() {
    sad("after-finish", &["unknown handle index"]);
}

#[test]
fn function_pointers_c_hands_back_are_called_and_passed_back() {
    balanced_run("function-pointers", "function-pointers: ok");
}

#[test]
fn sad_a_data_handle_called_as_a_function_traps() {
    sad("fn-wrong-type", &["used with the wrong type"]);
}

#[test]
fn sad_a_marker_in_a_function_pointer_is_not_called() {
    sad(
        "fn-marker",
        &[
            "`self` holds 0x1, a marker C uses in place of a function (such as `SIG_IGN`), not a function to call",
        ],
    );
}

#[test]
fn sad_a_function_pointer_used_after_drop_traps() {
    sad("fn-after-drop", &["unknown handle index"]);
}

/// `list<borrow<counter>>`: C gets the array of the counters' pointers
/// (and checks each), repeated ones and an empty list included; a stale
/// or foreign handle in the list traps before C is called.
#[test]
fn lists_of_handles_pass_their_c_pointers() {
    balanced_run("list-of-handles", "sums 321 601 0");
}

/// `borrowed = true`: C's own counters, handed out in two stores, keep
/// their changes and are never destroyed (the fixture aborts if they are),
/// the constant one is read through `const struct counter *`, and the
/// counts stay balanced.
#[test]
fn borrowed_handles_are_c_objects_the_host_never_destroys() {
    balanced_run("borrowed", "global +10 sum true shared 42");
}

/// One C object, one owned handle: the counter C hands out again (as
/// ncurses' `initscr()` does `stdscr`) is the guest's again once it dropped
/// it, and `refcounted` references to one counter are each given back by
/// their drop (the fixture aborts on a double free).
#[test]
fn an_object_c_hands_out_again_is_owned_once_unless_refcounted() {
    balanced_run("single", "single: ok");
}

/// A second owned handle of the counter the guest owns is refused, on the
/// fast path and on the general one, and the first is destroyed once, with
/// its store.
#[test]
fn sad_a_second_owned_handle_of_one_object_traps() {
    let message = "C returned an object a guest already owns as handle 0: a second owned handle would destroy it twice, so none is made (a function that hands out one object again, as ncurses' `initscr` does, is `@ffi(borrowed = true)` when the object is C's, or `@ffi(refcounted = true)` when C counts references to it)";
    sad(
        "single-twice",
        &["dlwit:fixture/handles#counter-single", message],
    );
    sad(
        "single-twice-general",
        &["dlwit:fixture/handles#counter-single-or-none", message],
    );
}

/// An object the guest owns is not C's own too: a handle of it from a
/// `borrowed` function (with no parent keeping the owner alive) would see
/// it destroyed by the owner's drop.
#[test]
fn sad_a_borrowed_handle_of_an_owned_object_traps() {
    sad(
        "single-as-c",
        &[
            "dlwit:fixture/handles#counter-single-as-c",
            "C returned as its own (the function is `borrowed`) an object a guest owns as handle 0: the owner's drop would destroy it under this handle, so none is made (give the function a `parent` that keeps the owner alive)",
        ],
    );
}

#[test]
fn sad_a_borrowed_handle_passed_as_own_traps() {
    sad(
        "borrowed-consume",
        &[
            "is an object C owns (the function that returned it is `borrowed`): it cannot be passed to C as `own` (consumed)",
        ],
    );
}

/// A `borrowed` function's `const T *` object may sit in read-only memory
/// (the fixture's does): a `T *` parameter refuses it before C runs.
#[test]
fn sad_a_constant_borrowed_handle_given_to_a_writing_parameter_traps() {
    sad(
        "borrowed-write-const",
        &[
            "`fx_counter_add`",
            "is an object C handed out as `const T *` (its function is `borrowed`), perhaps in read-only memory: only a `const T *` parameter takes it, and C may write through this one",
        ],
    );
}

#[test]
fn sad_a_stale_handle_in_a_list_traps() {
    sad("list-stale-handle", &["unknown handle index"]);
}

#[test]
fn sad_a_handle_of_another_type_in_a_list_traps() {
    sad("list-wrong-type", &["used with the wrong type"]);
}

#[test]
fn sad_handle_of_another_resource_type_traps() {
    sad("wrong-type", &["used with the wrong type"]);
}

#[test]
fn sad_null_from_a_constructor_traps() {
    sad(
        "null-handle",
        &["[constructor]counter", "fx_counter_new", "NULL"],
    );
}

/// Resident set size of this process, from /proc/self/statm (pages of 4 KiB
/// on x86-64 Linux, the only target dlwit maps C for).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the resident size from {statm:?}"));
    pages * 4096
}

/// Peak resident set size of this process (VmHWM, from /proc/self/status).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Set in the child process that [`soak_a_million_calls_without_growing`]
/// runs itself in.
const SOAK_CHILD: &str = "DLWIT_SOAK_CHILD";

/// About 7 calls a round (strings in and out, a handle made, used and
/// dropped, a freed out-string, an out-index), plus error paths every 16th
/// round: 150,000 rounds are over a million calls.
///
/// The resident size is the whole process's, and the other tests of this
/// binary run in threads alongside (compiling components, the echo oracle,
/// the CLI): measured here, it grew by ~200 MiB that were theirs. So the
/// test runs itself again in a child process, as the only test there, and
/// measures in the child.
#[test]
fn soak_a_million_calls_without_growing() {
    if std::env::var_os(SOAK_CHILD).is_none() {
        let name = module_path!()
            .split_once("::")
            .map_or("", |(_, m)| m)
            .to_string()
            + "::soak_a_million_calls_without_growing";
        let out = dlwit_tests::target_command(std::env::current_exe().unwrap())
            .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
            .env(SOAK_CHILD, "1")
            .output()
            .expect("cannot run the test binary again");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{stdout}");
        eprintln!("{stderr}");
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the soak failed in its own process ({}):\n{stdout}\n{stderr}",
            out.status
        );
        return;
    }
    const MIB: u64 = 1 << 20;
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &["soak", "15000"]);
    expect_ok(&out, "soak: ok");
    let (warm, warm_peak) = (rss(), peak_rss());
    let start = Instant::now();
    let out = runner().run("handles", &["soak", "150000"]);
    let took = start.elapsed();
    expect_ok(&out, "soak: ok");
    let (after, after_peak) = (rss(), peak_rss());
    println!(
        "soak: RSS {:.1} MiB after 15,000 rounds, {:.1} MiB after 150,000 more \
         (over 1,000,000 calls, {:.1}s); peak {:.1} -> {:.1} MiB",
        warm as f64 / MIB as f64,
        after as f64 / MIB as f64,
        took.as_secs_f64(),
        warm_peak as f64 / MIB as f64,
        after_peak as f64 / MIB as f64,
    );
    assert!(
        after.saturating_sub(warm) < 32 * MIB,
        "RSS grew by {:.1} MiB over 150,000 rounds ({warm} -> {after} bytes)",
        after.saturating_sub(warm) as f64 / MIB as f64
    );
    // Alone in its process, the peak also shows memory held only while the
    // store lived (a per-store table that keeps every handle ever made).
    assert!(
        after_peak.saturating_sub(warm_peak) < 32 * MIB,
        "peak RSS grew by {:.1} MiB over 150,000 rounds ({warm_peak} -> {after_peak} bytes)",
        after_peak.saturating_sub(warm_peak) as f64 / MIB as f64
    );
    before.balanced(&Counts::now(), "soak");
}

/// Destructors and `free` taking one pointer run through compiled stubs
/// (the other tests here check that each runs exactly once); the message
/// function taking an `int` and the destructor taking a struct by value do
/// not.
#[test]
fn destructors_and_free_have_compiled_stubs() {
    let b = bindings("tests/wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"));
    let pointer_only = b
        .plan()
        .calls
        .iter()
        .filter(|c| c.args == [dlwit::plan::CType::Scalar(dlwit::plan::Scalar::Ptr)])
        .count();
    assert_eq!(
        pointer_only, 6,
        "fx_counter_free, fx_pool_free, fx_item_free, fx_free_count, and memory.wit's fx_free_bad, fx_token_free"
    );
    let stubs = if dlwit::COMPILED_STUBS {
        pointer_only
    } else {
        0
    };
    assert_eq!(b.aux_stubs(), stubs);
}

/// A byte buffer read as `list<u8>` holds as many bytes as C returns: a
/// count over the buffer, or a negative one, is an error of the call
/// (nothing is read past the buffer), and the host serves the next store.
#[test]
fn sad_a_byte_count_outside_the_buffer_traps() {
    let f = "dlwit: `dlwit:fixture/handles#fill-first` (C `fx_fill_first` in ";
    let lies = "libdlwit_fixture.so`): C returned 10 as the count of bytes it wrote into the 4-byte buffer `out`";
    sad("fill-first-lies", &[f, lies]);
    let negative = "libdlwit_fixture.so`): C returned -3 as the count of bytes it wrote into the 4-byte buffer `out`";
    sad("fill-first-negative", &[f, negative]);
}
