//! Paths through the guest's own capabilities: a hostile guest
//! (guest/hostile-paths) names files through libc's and sqlite's functions
//! that take paths (`@ffi(path = ...)` in wit/libc.wit and wit/sqlite.wit).
//! A path outside the directories it was given — none at all, an absolute
//! path elsewhere, `..`, a symbolic link out — is refused with a trap that
//! names the function, the C symbol, the library and the guest's path;
//! the host then serves a fresh store. A good path reaches C as the host
//! path of the same file, which the test finds on the host.

use dlwit::Libraries;
use dlwit_tests::{Outcome, Runner, TempDir, bindings, sqlite_serial};
use std::path::Path;
use std::sync::OnceLock;

fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| {
        let libc =
            bindings("wit/libc.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
        let sqlite =
            bindings("wit/sqlite.wit", &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
        Runner::new(&libc).and(&sqlite)
    })
}

type Dirs<'a> = [(&'a Path, &'a str, bool)];

fn run(case: &str, path: &str, dirs: &Dirs<'_>) -> Outcome {
    runner().run_in("hostile-paths", &[case, path], dirs)
}

/// The call succeeded; what it returned.
fn done(case: &str, path: &str, dirs: &Dirs<'_>) -> String {
    let out = run(case, path, dirs);
    assert!(out.result.is_ok(), "{case} {path}: {:?}", out.result);
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("done: "))
        .unwrap_or_else(|| panic!("no `done:` line in:\n{}", out.stdout));
    line.rsplit_once(" -> ").unwrap().1.to_string()
}

const MKDIR: &str = "dlwit: `dlwit:libc/libc#mkdir` (C `mkdir` in `libc.so.6`)";
const RMDIR: &str = "dlwit: `dlwit:libc/libc#rmdir` (C `rmdir` in `libc.so.6`)";
const UNLINK: &str = "dlwit: `dlwit:libc/libc#unlink` (C `unlink` in `libc.so.6`)";
const SQLITE_OPEN: &str = "dlwit: `dlwit:sqlite/sqlite#[static]connection.open` (C `sqlite3_open_v2` in `libsqlite3.so.0`)";

/// The call trapped with exactly `message`, the guest did not go on, and
/// the host then serves a fresh store: the same guest, a good call.
fn refused(case: &str, path: &str, dirs: &Dirs<'_>, message: &str) {
    let out = run(case, path, dirs);
    let err = out
        .result
        .as_ref()
        .expect_err("the call should have been refused");
    assert!(
        err.contains(message),
        "{case} {path}: expected\n  {message}\ngot\n  {err}"
    );
    assert!(
        !out.stdout.contains("done:"),
        "the guest went on after the refused call:\n{}",
        out.stdout
    );
    assert_eq!(
        done("memory", "", &[]),
        "ok ok",
        "a fresh store after {case} {path}"
    );
}

/// A host directory tree: `in/` (given to the guest), `in/sub/`, and
/// `out/secret` beside it (not given).
fn tree(name: &str) -> TempDir {
    let t = TempDir::new(name);
    std::fs::create_dir_all(t.join("in/sub")).unwrap();
    std::fs::create_dir_all(t.join("out")).unwrap();
    std::fs::write(t.join("out/secret"), "secret").unwrap();
    t
}

// Paths the host must not touch are named to `rmdir` (a file is no
// directory), so that a broken check could not remove them; files of the
// test's own tree are named to `unlink`, and the test checks they survive.

#[test]
fn with_no_directory_every_path_is_refused() {
    let _serial = sqlite_serial();
    let msg = |f: &str, arg: &str, path: &str| {
        format!("{f}: path argument `{arg}` (`{path}`): the guest was given no directories")
    };
    refused(
        "rmdir",
        "/etc/passwd",
        &[],
        &msg(RMDIR, "pathname", "/etc/passwd"),
    );
    refused(
        "unlink",
        "relative",
        &[],
        &msg(UNLINK, "pathname", "relative"),
    );
    refused(
        "mkdir",
        "/tmp/dlwit-never",
        &[],
        &msg(MKDIR, "pathname", "/tmp/dlwit-never"),
    );
    refused(
        "sqlite",
        "/tmp/x.db",
        &[],
        &msg(SQLITE_OPEN, "filename", "/tmp/x.db"),
    );
}

#[test]
fn sql_cannot_open_host_files_itself() {
    let _serial = sqlite_serial();
    // A real database outside any directory the guest will be given:
    // `ATTACH` would read it, and `ATTACH` or `VACUUM INTO` of a new name
    // would make one, had the connection not been opened with no attached
    // databases allowed (`then = "sqlite3_limit(ppDb, 7, 0)"`).
    let t = tree("attach");
    assert_eq!(
        done(
            "sqlite",
            "/data/outside.db",
            &[(t.0.as_path(), "/data", true)]
        ),
        "ok"
    );
    let existing = t.join("outside.db");
    let new = t.join("made-by-sql.db");
    let refused = "attach: 1 too many attached databases - max 0; \
                   vacuum: 1 too many attached databases - max 0";
    assert_eq!(done("attach", existing.to_str().unwrap(), &[]), refused);
    assert_eq!(done("attach", new.to_str().unwrap(), &[]), refused);
    assert!(!new.exists(), "SQL made a host file");
    // The guest's own databases still work.
    assert_eq!(done("memory", "", &[]), "ok ok");
}

#[test]
fn sqlite_memory_and_temporary_databases_need_no_directory() {
    let _serial = sqlite_serial();
    assert_eq!(done("memory", "", &[]), "ok ok");
}

#[test]
fn absolute_paths_outside_the_directories_are_refused() {
    let _serial = sqlite_serial();
    let t = tree("abs");
    let inside = t.join("in");
    let dirs = [(inside.as_path(), "/data", true)];
    let outside = |f: &str, arg: &str, path: &str| {
        format!("{f}: path argument `{arg}` (`{path}`): not in a directory the guest was given")
    };
    refused(
        "rmdir",
        "/etc/passwd",
        &dirs,
        &outside(RMDIR, "pathname", "/etc/passwd"),
    );
    // `..` is lexical: this is `/etc/passwd` again.
    refused(
        "rmdir",
        "/data/../etc/passwd",
        &dirs,
        &outside(RMDIR, "pathname", "/data/../etc/passwd"),
    );
    let secret = t.join("out/secret");
    let secret = secret.to_str().unwrap();
    refused(
        "unlink",
        secret,
        &dirs,
        &outside(UNLINK, "pathname", secret),
    );
    assert!(t.join("out/secret").is_file(), "C removed a file outside");
    refused(
        "sqlite",
        "/datax/x.db",
        &dirs,
        &outside(SQLITE_OPEN, "filename", "/datax/x.db"),
    );
    refused(
        "rmdir",
        "/data/../../etc/passwd",
        &dirs,
        &format!(
            "{RMDIR}: path argument `pathname` (`/data/../../etc/passwd`): `..` leads above `/`"
        ),
    );
    // Relative paths need a directory given as `.`.
    refused(
        "mkdir",
        "sub",
        &dirs,
        &format!(
            "{MKDIR}: path argument `pathname` (`sub`): a relative path, and no directory was given as `.`"
        ),
    );
}

#[test]
fn dot_dot_out_of_the_directory_is_refused() {
    let _serial = sqlite_serial();
    let t = tree("dotdot");
    let inside = t.join("in");
    let dirs = [(inside.as_path(), ".", true)];
    for path in ["../out/secret", "sub/../../out/secret", "./../x"] {
        refused(
            "unlink",
            path,
            &dirs,
            &format!("{UNLINK}: path argument `pathname` (`{path}`): `..` leads out of `.`"),
        );
    }
    assert!(t.join("out/secret").is_file(), "C removed a file outside");
    refused(
        "mkdir",
        "../out/new",
        &dirs,
        &format!("{MKDIR}: path argument `pathname` (`../out/new`): `..` leads out of `.`"),
    );
    refused(
        "sqlite",
        "../out/new",
        &dirs,
        &format!("{SQLITE_OPEN}: path argument `filename` (`../out/new`): `..` leads out of `.`"),
    );
    assert!(!t.join("out/new").exists());
}

#[test]
fn symbolic_links_out_of_the_directory_are_refused() {
    let _serial = sqlite_serial();
    let t = tree("symlink");
    std::os::unix::fs::symlink(t.join("out"), t.join("in/link")).unwrap();
    std::os::unix::fs::symlink(t.join("out/secret"), t.join("in/secret")).unwrap();
    std::os::unix::fs::symlink(t.join("out/new"), t.join("in/dangling")).unwrap();
    let inside = t.join("in");
    let dirs = [(inside.as_path(), ".", true)];
    let through = |f: &str, arg: &str, path: &str| {
        format!("{f}: path argument `{arg}` (`{path}`): leads out of `.` through a symbolic link")
    };
    refused(
        "unlink",
        "link/secret",
        &dirs,
        &through(UNLINK, "pathname", "link/secret"),
    );
    refused(
        "unlink",
        "secret",
        &dirs,
        &through(UNLINK, "pathname", "secret"),
    );
    assert!(t.join("out/secret").is_file(), "C removed a file outside");
    refused(
        "mkdir",
        "link/new",
        &dirs,
        &through(MKDIR, "pathname", "link/new"),
    );
    refused(
        "sqlite",
        "link/x.db",
        &dirs,
        &through(SQLITE_OPEN, "filename", "link/x.db"),
    );
    // A link to a file that does not exist yet: sqlite would create it
    // outside.
    refused(
        "sqlite",
        "dangling",
        &dirs,
        &format!(
            "{SQLITE_OPEN}: path argument `filename` (`dangling`): a symbolic link in it cannot be followed (No such file or directory (os error 2))"
        ),
    );
    assert!(!t.join("out/new").exists(), "C created a file outside");
    assert!(!t.join("out/x.db").exists(), "C created a file outside");
    // A link that stays inside is followed.
    std::os::unix::fs::symlink("sub", t.join("in/inner")).unwrap();
    assert_eq!(done("mkdir", "inner/made", &dirs), "ok");
    assert!(t.join("in/sub/made").is_dir());
}

#[test]
fn a_directory_given_read_only_refuses_writes() {
    let _serial = sqlite_serial();
    let t = tree("readonly");
    std::fs::write(t.join("in/present"), "here").unwrap();
    let inside = t.join("in");
    let dirs = [(inside.as_path(), "/ro", false)];
    let read_only = |f: &str, arg: &str, path: &str| {
        format!(
            "{f}: path argument `{arg}` (`{path}`): `/ro` was given read-only, and this function may write"
        )
    };
    refused(
        "mkdir",
        "/ro/newdir",
        &dirs,
        &read_only(MKDIR, "pathname", "/ro/newdir"),
    );
    refused(
        "unlink",
        "/ro/present",
        &dirs,
        &read_only(UNLINK, "pathname", "/ro/present"),
    );
    refused(
        "rmdir",
        "/ro/sub",
        &dirs,
        &read_only(RMDIR, "pathname", "/ro/sub"),
    );
    refused(
        "sqlite",
        "/ro/new.db",
        &dirs,
        &read_only(SQLITE_OPEN, "filename", "/ro/new.db"),
    );
    assert!(t.join("in/present").is_file() && t.join("in/sub").is_dir());
    assert!(!t.join("in/newdir").exists() && !t.join("in/new.db").exists());
}

#[test]
fn good_paths_reach_c_as_the_host_paths_of_the_same_files() {
    let _serial = sqlite_serial();
    let t = tree("good");
    // Relative, against the directory given as `.`.
    let (inside, outside) = (t.join("in"), t.join("out"));
    let dot = [(inside.as_path(), ".", true)];
    assert_eq!(done("mkdir", "made", &dot), "ok");
    assert!(t.join("in/made").is_dir());
    assert_eq!(done("mkdir", "./sub/../sub/deeper", &dot), "ok");
    assert!(t.join("in/sub/deeper").is_dir());
    assert_eq!(done("rmdir", "made", &dot), "ok");
    assert!(!t.join("in/made").exists());
    std::fs::write(t.join("in/sub/file.txt"), "x").unwrap();
    assert_eq!(done("unlink", "sub/file.txt", &dot), "ok");
    assert!(!t.join("in/sub/file.txt").exists());
    // A missing file is C's own error, not a refusal.
    assert_eq!(done("unlink", "missing", &dot), "Err(ENOENT)");

    // Guest-absolute, against the directory given as `/data`; the longest
    // guest path wins.
    let data = [
        (inside.as_path(), "/data", true),
        (outside.as_path(), "/data/other", true),
    ];
    assert_eq!(done("mkdir", "/data/newdir", &data), "ok");
    assert!(t.join("in/newdir").is_dir());
    assert_eq!(done("mkdir", "/data/other/abs", &data), "ok");
    assert!(t.join("out/abs").is_dir());
    assert_eq!(done("sqlite", "/data/sub/x.db", &data), "ok");
    let file = std::fs::read(t.join("in/sub/x.db")).unwrap();
    assert!(file.starts_with(b"SQLite format 3\0"));

    // A `file:` URI is a file name like any other: in the guest's
    // directory, where its `file:` folder does not exist.
    assert_eq!(
        done("sqlite", "file:/etc/passwd?mode=ro", &dot),
        "open: 14 unable to open database file"
    );
}

const FOPEN_READ: &str =
    "dlwit: `dlwit:libc/libc#[static]file.open-read` (C `fopen` in `libc.so.6`)";
const FOPEN_CREATE: &str =
    "dlwit: `dlwit:libc/libc#[static]file.create` (C `fopen` in `libc.so.6`)";

/// A `FILE *` round trip: a stream made by `fopen` in the guest's
/// directory, written with `fputs`, read back with `fread` after `fseek`;
/// the mode is the WIT's, not the guest's; the file is on the host. Outside
/// the directory, or writing in one given read-only, is refused.
#[test]
fn a_file_stream_round_trip_in_the_guests_directory() {
    let _serial = sqlite_serial();
    let t = tree("stdio");
    let inside = t.join("in");
    let data = [(inside.as_path(), "/data", true)];
    assert_eq!(
        done("fwrite", "/data/notes.txt", &data),
        "puts 1 1, tell Ok(18), flush true, close 0"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("in/notes.txt")).unwrap(),
        "line one\nline two\n"
    );
    assert_eq!(
        done("fread", "/data/notes.txt", &data),
        "\"line one\\nline two\\n\", eof 1, seek true, then \"one\\n\""
    );
    assert_eq!(done("fread", "/data/missing", &data), "Err(ENOENT)");

    refused(
        "fread",
        "/data/../out/secret",
        &data,
        &format!(
            "{FOPEN_READ}: path argument `pathname` (`/data/../out/secret`): not in a directory the guest was given"
        ),
    );
    let ro = [(inside.as_path(), "/ro", false)];
    assert!(done("fread", "/ro/notes.txt", &ro).starts_with("\"line one"));
    refused(
        "fwrite",
        "/ro/notes.txt",
        &ro,
        &format!(
            "{FOPEN_CREATE}: path argument `pathname` (`/ro/notes.txt`): `/ro` was given read-only, and this function may write"
        ),
    );
    assert_eq!(
        std::fs::read_to_string(t.join("in/notes.txt")).unwrap(),
        "line one\nline two\n",
        "not emptied"
    );
}
