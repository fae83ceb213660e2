//! A guest that names files through C functions that take paths, for
//! tests/tests/all/paths.rs: `hostile-paths CASE PATH`.
//!
//! - `mkdir PATH`, `rmdir PATH`, `unlink PATH`: libc's;
//! - `sqlite PATH`: sqlite `open` with create, a table made in it;
//! - `attach PATH`: SQL naming PATH itself (`ATTACH`, `VACUUM INTO`) on an
//!   in-memory database;
//! - `memory`: sqlite `open` of `:memory:` and of `""` (a temporary
//!   database), which are no paths;
//! - `fwrite PATH`: a `FILE *` made with `fopen(PATH, "wb")`, two lines
//!   written with `fputs`, then `ftell`, `fflush`, `fclose`;
//! - `fread PATH`: `fopen(PATH, "rb")`, then `fread` of what is there,
//!   `feof`, a `fseek` back to 5 and `fread` of 4 bytes (the stream is
//!   dropped: the host runs `fclose`).
//!
//! It prints `done: ...` after the call; a refused call traps, so that
//! line is missing.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit", "../../wit/sqlite.wit", "wit/world.wit"],
    world: "dlwit-test:hostile-paths/hostile",
    generate_all,
});

use dlwit::libc::libc::{self, Errno, File};
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

fn fwrite(path: &str) -> String {
    let f = match File::create(path) {
        Ok(f) => f,
        Err(e) => return format!("Err({})", e.name().to_uppercase()),
    };
    let a = File::puts("line one\n", &f);
    let b = File::puts("line two\n", &f);
    let at = File::tell(&f).map_err(|e| e.name());
    let flushed = File::flush(&f).is_ok();
    format!(
        "puts {a} {b}, tell {at:?}, flush {flushed}, close {}",
        File::close(f)
    )
}

fn fread(path: &str) -> String {
    let f = match File::open_read(path) {
        Ok(f) => f,
        Err(e) => return format!("Err({})", e.name().to_uppercase()),
    };
    let all = File::read(&f, 1000);
    let eof = File::eof(&f);
    let seek = File::seek(&f, 5, 0).is_ok();
    let word = File::read(&f, 4);
    format!(
        "{:?}, eof {eof}, seek {seek}, then {:?}",
        String::from_utf8_lossy(&all),
        String::from_utf8_lossy(&word)
    )
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
        "fwrite" => fwrite(path),
        "fread" => fread(path),
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
