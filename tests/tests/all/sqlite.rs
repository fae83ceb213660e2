//! End to end on the real SQLite: the sqlite-demo guest opens a database
//! file on the host (the path is its argument, in the directory it was
//! given as `/data`), inserts rows with bound
//! parameters, reads them back and prints sqlite's errors; its output is
//! checked here line by line.

use dlwit::Libraries;
use dlwit_tests::{Runner, TempDir, bindings, sqlite_serial};

/// The value printed after `label`, padding and `= `.
fn value<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| {
            let rest = l.strip_prefix(label)?.trim_start();
            Some(rest.strip_prefix('=')?.trim())
        })
        .unwrap_or_else(|| panic!("no line `{label} = ...` in:\n{out}"))
}

/// The guest checks with `sqlite3_memory_used` that every handle gave its
/// memory back; that counter is process-wide, so the runs are sequential and
/// hold [`sqlite_serial`].
#[test]
fn sqlite() {
    let _serial = sqlite_serial();
    let dir = TempDir::new("sqlite");
    let dirs = [(dir.0.as_path(), "/data", true)];
    let b = bindings("wit/sqlite.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let out = runner.run_in("sqlite-demo", &["/data/test.db"], &dirs);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(&out.stdout);

    // The native library wrote a real database file on the host, in the
    // directory the guest knows as `/data`.
    let file = std::fs::read(dir.join("test.db")).expect("the guest created the database file");
    assert!(file.starts_with(b"SQLite format 3\0"), "{:?}", &file[..16]);

    // Again on the same file, in a new store with its own handles: the
    // guest drops and recreates the table.
    let again = runner.run_in("sqlite-demo", &["/data/test.db"], &dirs);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);
    check(&again.stdout);

    // The guest's SQL function traps while sqlite runs a statement: the
    // C call that was running it fails with a message naming the callback,
    // and the guest does not go on.
    let trapped = runner.run("sqlite-demo", &["trap-in-function"]);
    trapped.expect_trap(&["sqlite3_exec", "sql-callbacks#sql-function", "failed"]);

    // Re-entry: the SQL function, called inside `sqlite3_step`, resets the
    // statement that is stepping. `reset` is not `reentrant`: the host
    // refuses before C runs (sqlite would free the state `step` is using),
    // the callback traps and the step fails with both named.
    let refused = runner.run("sqlite-demo", &["reset-in-function"]);
    refused.expect_trap(&[
        "`dlwit:sqlite/sqlite#[method]statement.step` (C `sqlite3_step` in `libsqlite3.so.0`): callback `dlwit:sqlite/sql-callbacks#sql-function` failed",
        "`dlwit:sqlite/sqlite#[method]statement.reset` (C `sqlite3_reset` in `libsqlite3.so.0`): argument `pStmt`: handle ",
        " is in use by the C call in progress that made this callback (it was given the object, or one of its children): only a function marked `@ffi(reentrant = true)` takes it until that call returns",
    ]);
    // The host serves the next store, whose busy marks are its own.
    let after = runner.run_in("sqlite-demo", &["/data/test.db"], &dirs);
    assert!(after.result.is_ok(), "{:?}\n{}", after.result, after.stdout);
    check(&after.stdout);
}

/// Checks the guest's output line by line.
fn check(out: &str) {
    let v = |label: &str| value(out, label);

    // Re-entry: inside `step`, the SQL function read `changes()` of the
    // connection running it (`reentrant`): the 3 rows of the insert.
    assert_eq!(v("reentrant changes()"), "[3, 3, 3]");

    // Callbacks: `sqlite3_exec` called the guest's `on-row` once per row,
    // with NULL as none; a non-zero answer aborted the statement.
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("exec-rows row "))
        .map(|l| l.split_once("= ").unwrap().1)
        .collect();
    assert_eq!(
        rows,
        [
            "id=1 x=1",
            "id=2 x=21",
            "id=3 x=ab",
            "id=4 x=NULL",
            "id=5 x=2.25"
        ]
    );
    assert_eq!(
        v("exec-rows(stop at 2)"),
        "error 4: query aborted after 2 rows"
    );
    // The SQL function the guest registered, called by sqlite during
    // `step`: integers doubled, text repeated, reals doubled, and the
    // guest's own error for NULL.
    assert_eq!(v("guest_twice(x)"), "2, 42, \"abab\", 4.5");
    assert_eq!(v("guest_twice(NULL)"), "1: guest_twice(NULL)");
    assert_eq!(
        v("guest_twice(1, 2)"),
        "error 1: wrong number of arguments to function guest_twice()"
    );

    assert!(v("sqlite3_libversion()").starts_with("3."), "{out}");
    // Exported variables, read by getters: the same version string.
    assert_eq!(v("sqlite3_version"), v("sqlite3_libversion()"));
    assert_eq!(v("sqlite3_temp_directory"), "None");
    assert_eq!(
        v("sqlite3_mprintf(%Q %d)"),
        "INSERT INTO t VALUES('it''s', 42)"
    );
    assert_eq!(v("exec(create table)"), "ok");
    assert_eq!(v("bind_parameter_count"), "5");
    for n in 1..=3 {
        assert_eq!(v(&format!("insert {n}")), format!("rowid {n}, changes 1"));
    }
    assert_eq!(v("total_changes"), "3");

    // The rows as stored and read back: text with non-ASCII, the i64
    // limits, doubles, blobs with NUL bytes, NULL.
    assert_eq!(v("columns"), "id, name, qty, price, data, note");
    assert_eq!(
        v("row 1"),
        format!(
            "1, {:?}, {}, 3.25, x'000102ff00', NULL",
            "Zoë — 日本語 🦀",
            i64::MIN
        )
    );
    assert_eq!(
        v("row 2"),
        format!(
            "2, \"plain\", {}, -0.5, x'00626c6f6200', \"a note\"",
            i64::MAX
        )
    );
    assert_eq!(
        v("row 3"),
        format!("3, \"\", 0, 1e300, NULL, {:?}", "ünïcödé\n\t\"quoted\"")
    );
    assert_eq!(v("column_text(note)"), "None");
    assert_eq!(v("column_text(qty)"), format!("Some(\"{}\")", i64::MIN));
    assert_eq!(v("column_double(qty)"), format!("{:?}", i64::MIN as f64));
    assert_eq!(v("column_int64(price)"), "3");
    assert_eq!(
        v("where qty is i64::MIN"),
        format!("{:?}", "Zoë — 日本語 🦀")
    );
    assert_eq!(v("sql()"), "SELECT name FROM items WHERE qty = ?1");
    assert_eq!(v("typeof(empty blob)"), "blob");
    assert_eq!(v("column_blob(NULL)"), "[]");
    assert_eq!(v("column_blob(x'')"), "[]");

    // Errors: sqlite's code and its message, read through the connection
    // (`sqlite3_errmsg(db)`, `sqlite3_errmsg(sqlite3_db_handle(pStmt))`, or
    // the handle `sqlite3_open_v2` made before failing).
    assert_eq!(
        v("prepare(bad sql)"),
        "error 1: near \"SELEC\": syntax error"
    );
    assert_eq!(v("exec(no such table)"), "error 1: no such table: nope");
    assert_eq!(v("bind_int64(99)"), "error 25: column index out of range");
    assert_eq!(
        v("step(duplicate id)"),
        "19: UNIQUE constraint failed: items.id"
    );
    assert_eq!(
        v("reset(after NOT NULL)"),
        "error 19: NOT NULL constraint failed: items.name"
    );
    assert_eq!(v("errstr(19)"), "constraint failed");
    assert_eq!(v("open(missing)"), "error 14: unable to open database file");
    // Every handle gave its memory back: the connection a failed open made
    // for its message, statements, and a connection dropped before them.
    assert_eq!(v("open(missing) leaked"), "0 bytes");
    assert_eq!(v("drop(connection first)"), "ok, 0 bytes left");
    assert_eq!(v("closed everything"), "0 bytes left");
    assert_eq!(v("reopen: count(*)"), "3");
    assert_eq!(
        v("exec(read-only)"),
        "error 8: attempt to write a readonly database"
    );
    assert_eq!(out.lines().last(), Some("sqlite: ok"), "{out}");
}

/// The importer's output with wit/overlays/sqlite.wit, run: sqlite's UTF-16
/// functions (`const void *` in the header, `const char16_t *` in the
/// overlay) in and out, an SQL function answering in UTF-16, table
/// metadata read from `const char **` out-parameters, a list C gets no
/// length for, bounded by a `require`, and the hooks sqlite keeps and calls
/// back (world `hooks`).
#[test]
fn generated_sqlite_speaks_utf16() {
    let _serial = sqlite_serial();
    let b = bindings("wit/generated/sqlite.wit", &Libraries::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let run = runner.run("sqlite-utf16", &[]);
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.stdout);
    let out = &run.stdout;
    assert_eq!(value(out, "complete16"), "1 0");
    // Beyond the BMP (a surrogate pair) and back.
    assert_eq!(
        value(out, "column_text16"),
        "[\"h\u{e9}llo \u{1f600}\", \"\u{65e5}\u{672c}\"]"
    );
    assert_eq!(value(out, "column 0"), "name TEXT main t name");
    assert_eq!(value(out, "shout16"), "Some(\"H\u{c9}LLO \u{1f600}\")");
    assert_eq!(value(out, "shout16(1, 2) prepared"), "false");
    assert_eq!(
        value(out, "prepare16 error"),
        "1 near \"SELEC\": syntax error"
    );
    assert_eq!(value(out, "errmsg16"), "near \"SELEC\": syntax error");
    assert_eq!(value(out, "metadata name"), "TEXT BINARY 1 0 0");
    assert_eq!(value(out, "metadata n"), "INTEGER 1");
    assert_eq!(value(out, "randomness"), "24 true true");
    assert_eq!(value(out, "utf16"), "ok");
    // Collations the guest orders (backwards), under each entry point.
    let forwards = "[\"h\u{e9}llo \u{1f600}\", \"\u{65e5}\u{672c}\"]";
    let backwards = "[\"\u{65e5}\u{672c}\", \"h\u{e9}llo \u{1f600}\"]";
    assert_eq!(value(out, "collate binary"), forwards);
    for collation in ["backwards", "backwards2", "backwards16"] {
        assert_eq!(value(out, &format!("collate {collation}")), backwards);
    }
    // A statement's connection, lent: its drop closed nothing.
    assert_eq!(value(out, "db_handle"), "near \"SELEC\": syntax error");
    assert_eq!(value(out, "text16be"), "Some(\"\u{c9}T\u{c9}\")");
    assert_eq!(value(out, "str"), "Some(\"name = 'it''s'\")");
    // sqlite's hooks, calling the guest back during later calls: the
    // authorizer denies a table when the statement is prepared.
    assert_eq!(value(out, "denied"), "23 access to secret.x is prohibited");
    assert_eq!(
        value(out, "hooks"),
        "trace CREATE TABLE secret(x); | commit | trace INSERT INTO t VALUES ('three', 3) | update 18 main.t 3 | commit | trace BEGIN; | trace DELETE FROM t WHERE n = 3; | update 9 main.t 3 | trace ROLLBACK | rollback | collation 1 nocase2 | trace SELECT shout2('v2')"
    );
    assert_eq!(
        value(out, "collation"),
        "no such collation sequence: nocase2"
    );
    assert_eq!(value(out, "shout2"), "Some(\"V2\")");

    runner.run("sqlite-utf16", &["short-random"]).expect_trap(&[
        "C `sqlite3_randomness` in `libsqlite3.so.0`",
        "precondition `n in 0..=len(p)` failed (n = 17, len(p) = 16)",
    ]);
    // `sqlite3_str_finish` frees the string: its handle is consumed, and
    // passed again it is refused before C runs.
    let twice = runner.run("sqlite-utf16", &["finish-twice"]);
    assert_eq!(value(&twice.stdout, "finished"), "Some(\"once\")");
    twice.expect_trap(&["handle index"]);
    // The host serves the next store.
    assert!(runner.run("sqlite-utf16", &[]).result.is_ok());
}
