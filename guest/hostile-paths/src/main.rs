//! A guest that names files through C functions that take paths, for
//! tests/tests/all/paths.rs: `hostile-paths CASE PATH`.
//!
//! - `open PATH`: libc `open` read-only (then `close`);
//! - `create PATH`: libc `open-mode` with `O_CREAT` (then `close`);
//! - `mkdir PATH`: libc `mkdir`;
//! - `sqlite PATH`: sqlite `open` with create, a table made in it;
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

use dlwit::libc::libc::{self, OpenFlags};
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map_or("", String::as_str);
    let path = args.get(2).map_or("", String::as_str);
    let result = match case {
        "open" => match libc::open(path, OpenFlags::empty()) {
            Ok(fd) => {
                libc::close(fd).expect("close");
                "ok".to_string()
            }
            Err(e) => format!("Err({})", e.name().to_uppercase()),
        },
        "create" => match libc::open_mode(
            path,
            OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::TRUNCATE,
            0o644,
        ) {
            Ok(fd) => {
                libc::close(fd).expect("close");
                "ok".to_string()
            }
            Err(e) => format!("Err({})", e.name().to_uppercase()),
        },
        "mkdir" => match libc::mkdir(path, 0o755) {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("Err({})", e.name().to_uppercase()),
        },
        "sqlite" => sqlite(path),
        "memory" => format!("{} {}", sqlite(":memory:"), sqlite("")),
        other => panic!("unknown case `{other}`"),
    };
    println!("done: {case} {path} -> {result}");
}
