//! Parent lifetimes (`@ffi(parent = ...)`): a handle made by a function
//! with `parent = "p"` keeps `p`'s C object alive. The fixture's items point
//! into their pool (tests/fixture/handles.c aborts the process when a pool
//! is freed before its items, or an item is used after its pool was freed),
//! and sqlite's statements into their connection.
//!
//! The fixture's counts are process-global: these tests share the handle
//! tests' [`serial`] lock and compare counts taken before and after, in
//! fresh stores (which also shows the host still serves one).

use crate::handles::{Counts, expect_ok, runner, sad, serial};
use dlwit::Libraries;
use dlwit_tests::{Runner, bindings, root, sqlite_serial};

/// Runs a good case of guest/handles and checks the counts balance after
/// its store is gone.
fn good(case: &str) -> String {
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &[case]);
    expect_ok(&out, &format!("{case}: ok"));
    let after = Counts::now();
    before.balanced(&after, case);
    assert!(after.created > before.created, "{case} created nothing?");
    out.stdout
}

/// The guest drops a pool, then uses its items (C checks the pool is alive
/// on each call): the pool is freed with its last item, not before.
#[test]
fn a_dropped_parent_lives_until_its_last_child() {
    good("life-parent-first");
}

/// Items consumed by C (`own`) release their pool after the call; a pool
/// whose items are gone may be consumed.
#[test]
fn a_consumed_child_releases_its_parent() {
    good("life-consume-child");
}

/// A pool the guest dropped with two items, and a live pool with one,
/// left for the store's teardown: everything is destroyed, items before
/// their pools (the fixture aborts otherwise).
#[test]
fn store_teardown_destroys_children_before_parents() {
    let _serial = serial();
    let before = Counts::now();
    let out = runner().run("handles", &["life-leave"]);
    expect_ok(&out, "life-leave: ok");
    let during = out
        .stdout
        .lines()
        .find(|l| l.starts_with("created "))
        .unwrap_or_else(|| panic!("life-leave printed no counts:\n{}", out.stdout));
    let live: i64 = during
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no live count in {during:?}"));
    assert_eq!(live - before.live, 5, "{during}");
    let after = Counts::now();
    before.balanced(&after, "life-leave");
    assert_eq!(after.created - before.created, 5, "{after:?}");
}

/// A pool with a live item passed to C as `own`: refused before C runs
/// (C would free the memory the item points into).
#[test]
fn sad_consuming_a_parent_with_live_children_traps() {
    sad(
        "life-consume-parent",
        &[
            "[static]pool.finish",
            "fx_pool_finish",
            "has 1 live child handle(s) that point into it; it cannot be passed to C as `own` (consumed) until they are dropped",
        ],
    );
}

/// The guest's handle of a dropped parent is gone, although C's object
/// lives on for its children.
#[test]
fn sad_a_dropped_parent_handle_is_gone() {
    sad("life-stale-parent", &["unknown handle index"]);
}

/// Runs the sqlite guest's `outlive` case with `wit` (a file path).
fn sqlite_outlive(wit: &std::path::Path) -> dlwit_tests::Outcome {
    let b =
        bindings(wit.to_str().unwrap(), &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    Runner::new(&b).run("sqlite-demo", &["outlive"])
}

/// wit/sqlite.wit with its connection destructor replaced, and without
/// `parent` when `keep_parent` is false, in a temporary file.
fn sqlite_variant(close: &str, keep_parent: bool) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("wit/sqlite.wit")).unwrap();
    let mut text = text.replace(
        "@ffi(drop = \"sqlite3_close_v2\")",
        &format!("@ffi(drop = \"{close}\")"),
    );
    if !keep_parent {
        text = text.replace("/// @ffi(parent = \"self\")\n", "");
    }
    let dir = std::env::temp_dir().join(format!(
        "dlwit-lifetimes-{}-{close}-{keep_parent}",
        std::process::id()
    ));
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    let c = root().join("wit/deps/c");
    let to = dir.join("deps/c");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(&c).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
    }
    let path = dir.join("sqlite.wit");
    std::fs::write(&path, text).unwrap();
    path
}

/// A statement outliving its dropped connection steps through its rows,
/// and the connection closes with it: with the shipped WIT
/// (`sqlite3_close_v2`), and with plain `sqlite3_close`, which would refuse
/// (`SQLITE_BUSY`) and leave the connection open if dlwit called it while
/// the statement lives.
#[test]
fn sqlite_statement_outlives_its_dropped_connection() {
    let _serial = sqlite_serial();
    for wit in [
        root().join("wit/sqlite.wit"),
        sqlite_variant("sqlite3_close", true),
    ] {
        let out = sqlite_outlive(&wit);
        assert!(
            out.result.is_ok(),
            "{}: {:?}\n{}",
            wit.display(),
            out.result,
            out.stdout
        );
        assert!(out.stdout.contains("outlive rows           = [10, 20, 30]"));
        assert!(out.stdout.contains("outlive open           = true"));
        assert!(out.stdout.contains("outlive left           = 0 bytes"));
        assert!(out.stdout.contains("outlive: ok"));
    }
}

/// The control: without `parent`, `sqlite3_close` runs while the statement
/// lives, refuses, and the connection is never closed — the check above
/// can fail. (It leaks one in-memory connection in this process; the
/// sqlite tests compare memory counts before and after, so they still
/// hold.)
#[test]
fn sqlite_without_parent_leaves_the_connection_open() {
    let _serial = sqlite_serial();
    let out = sqlite_outlive(&sqlite_variant("sqlite3_close", false));
    assert!(out.result.is_err(), "{}", out.stdout);
    assert!(out.stdout.contains("outlive rows           = [10, 20, 30]"));
    assert!(
        out.stdout.contains("outlive left")
            && !out.stdout.contains("outlive left           = 0 bytes"),
        "{}",
        out.stdout
    );
}
