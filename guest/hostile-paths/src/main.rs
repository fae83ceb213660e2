//! A guest that names files through C functions that take paths, for
//! tests/tests/all/paths.rs: `hostile-paths CASE PATH`.
//!
//! - `mkdir PATH`, `rmdir PATH`, `unlink PATH`: libc's;
//! - `sqlite PATH`: sqlite `open` with create, a table made in it;
//! - `attach PATH`: SQL naming PATH itself (`ATTACH`, `VACUUM INTO`) on an
//!   in-memory database;
//! - `memory`: sqlite `open` of `:memory:` and of `""` (a temporary
//!   database), which are no paths.
//!
//! It prints `done: ...` after the call; a refused call traps, so that
//! line is missing.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit", "../../wit/sqlite.wit", "wit/world.wit"],
    world: "dlwit-test:hostile-paths/hostile",
    generate_all,
});

use dlwit::libc::libc::{self, Errno};
use dlwit::sqlite::sqlite::{Connection, OpenFlags as DbFlags};

fn sqlite(path: &str) -> String {
    match Connection::open(path, DbFlags::READ_WRITE | DbFlags::CREATE) {
        Ok(db) => match db.exec("CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (42)") {
            Ok(()) => "ok".into(),
            Err(e) => format!("exec: {} {}", e.code, e.message),
        },
        Err(e) => format!("open: {} {}", e.code, e.message),
    }
}

/// SQL that would open `path` itself: `ATTACH` and `VACUUM INTO`.
fn attach(path: &str) -> String {
    let db = match Connection::open(":memory:", DbFlags::READ_WRITE | DbFlags::CREATE) {
        Ok(db) => db,
        Err(e) => return format!("open: {} {}", e.code, e.message),
    };
    let shown = |r: Result<(), dlwit::sqlite::sqlite::Error>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("{} {}", e.code, e.message),
    };
    let attach = shown(db.exec(&format!("ATTACH DATABASE '{path}' AS other")));
    let vacuum = shown(db.exec(&format!("VACUUM INTO '{path}'")));
    format!("attach: {attach}; vacuum: {vacuum}")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map_or("", String::as_str);
    let path = args.get(2).map_or("", String::as_str);
    let result = match case {
        "mkdir" => shown(libc::mkdir(path, 0o755)),
        "rmdir" => shown(libc::rmdir(path)),
        "unlink" => shown(libc::unlink(path)),
        "sqlite" => sqlite(path),
        "memory" => format!("{} {}", sqlite(":memory:"), sqlite("")),
        "attach" => attach(path),
        other => panic!("unknown case `{other}`"),
    };
    println!("done: {case} {path} -> {result}");
}

/// `ok`, or `Err(` the errno's C name `)`.
fn shown(r: Result<(), Errno>) -> String {
    match r {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("Err({})", e.name().to_uppercase()),
    }
}
