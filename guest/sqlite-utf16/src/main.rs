//! Guest component for the generated sqlite WIT (wit/generated/sqlite.wit:
//! `dlwit import` of sqlite3.h with wit/sqlite.wit and
//! wit/overlays/sqlite.wit as overlays): sqlite's UTF-16 functions, whose
//! `const void *` the overlay says is `const char16_t *`, and what the
//! overlay bounds. Prints `label = value` lines.
//!
//! * no argument: a table written and read through the `16` functions,
//!   an SQL function implemented here that answers in UTF-16, table
//!   metadata, random bytes; collations ordered here, a statement's
//!   connection, big-endian UTF-16, a formatted string;
//!   then sqlite's hooks (world `hooks`: commit,
//!   rollback, update, progress, trace, an authorizer that denies a
//!   table), calling this guest back;
//! * `short-random`: asks for more random bytes than the list it gives
//!   holds, which the WIT's `require` refuses (prints `unreachable` if
//!   not);
//! * `finish-twice`: finishes a `sqlite3_str` (which frees it), then
//!   passes its handle again, which the host refuses (prints `unreachable`
//!   if not).

use std::cell::RefCell;
use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/sqlite.wit"],
    world: "dlwit:sqlite/hooks",
    generate_all,
});

use dlwit::sqlite::sqlite::{self, Connection, Context, OpenFlags};

struct Callbacks;

impl exports::dlwit::sqlite::sql_callbacks::Guest for Callbacks {
    fn on_row(_values: Vec<Option<String>>, _names: Vec<String>) -> i32 {
        0
    }

    /// `shout16(x)`: `x` upper-cased, answered in UTF-16 (`be:x`: big-endian
    /// UTF-16, given as bytes).
    fn sql_function(ctx: &Context, argv: Vec<Option<String>>) {
        match argv.as_slice() {
            [Some(text)] if text.starts_with("be:") => {
                let upper = text["be:".len()..].to_uppercase();
                let bytes: Vec<u8> = upper.encode_utf16().flat_map(u16::to_be_bytes).collect();
                sqlite::result_text16be(ctx, &bytes)
            }
            [Some(text)] => sqlite::result_text16(ctx, &text.to_uppercase()),
            _ => sqlite::result_error16(ctx, "shout16 takes one text argument"),
        }
    }
}

thread_local! {
    /// What the hooks saw, in order.
    static HOOKS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn saw(what: String) {
    HOOKS.with_borrow_mut(|h| h.push(what));
}

impl exports::dlwit::sqlite::sqlite_hooks::Guest for Callbacks {
    fn busy(_count: i32) -> i32 {
        0
    }

    fn on_commit() -> i32 {
        saw("commit".into());
        0
    }

    fn on_rollback() {
        saw("rollback".into());
    }

    fn on_update(op: i32, db: String, table: String, rowid: i64) {
        saw(format!("update {op} {db}.{table} {rowid}"));
    }

    fn on_progress() -> i32 {
        0
    }

    /// Denies reading table `secret` (`SQLITE_READ`, 20).
    fn authorize(
        action: i32,
        a: Option<String>,
        _b: Option<String>,
        _c: Option<String>,
        _d: Option<String>,
    ) -> i32 {
        i32::from(action == 20 && a.as_deref() == Some("secret"))
    }

    fn on_trace(sql: String) {
        saw(format!("trace {sql}"));
    }

    fn on_profile(_sql: String, _nanoseconds: u64) {}

    fn autovacuum_pages(_schema: String, _db_pages: u32, free_pages: u32, _page_size: u32) -> u32 {
        free_pages
    }

    fn on_wal(db_name: String, _pages: i32) -> i32 {
        saw(format!("wal {db_name}"));
        0
    }

    fn collation_needed(text_rep: i32, name: String) {
        saw(format!("collation {text_rep} {name}"));
    }

    /// Every collation the guest created orders text backwards.
    fn compare(a: Vec<u8>, b: Vec<u8>) -> i32 {
        b.cmp(&a) as i32
    }
}

export!(Callbacks);

const ROW: [(&str, i64); 2] = [("h\u{e9}llo \u{1f600}", 1), ("\u{65e5}\u{672c}", 2)];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let db = Connection::open(":memory:", OpenFlags::READ_WRITE | OpenFlags::CREATE)
        .expect("an in-memory database");
    match args.first().map(String::as_str) {
        None => utf16(&db),
        Some("short-random") => {
            let bytes = sqlite::randomness(17, &[0; 16]);
            println!("unreachable: {bytes:?}");
        }
        Some("finish-twice") => {
            let text = sqlite::str_new(&db).expect("str_new");
            sqlite::str_appendall(&text, "once");
            let handle = text.handle();
            println!("finished = {:?}", sqlite::str_finish(text));
            // SAFETY: none for the host to rely on: the handle was consumed
            // by `str_finish`, and a hostile guest passes it again.
            let again = unsafe { sqlite::Sqlite3Str::from_handle(handle) };
            println!("unreachable: {:?}", sqlite::str_finish(again));
        }
        Some(other) => {
            eprintln!("usage: sqlite-utf16 [short-random|finish-twice], not {other}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn utf16(db: &Connection) {
    println!(
        "complete16 = {} {}",
        sqlite::complete16("SELECT 1;"),
        sqlite::complete16("SELECT (")
    );
    let create = sqlite::prepare16(
        db,
        "CREATE TABLE t(name TEXT NOT NULL, n INTEGER PRIMARY KEY)",
    )
    .expect("create");
    assert_eq!(create.step(), 101);
    let insert = sqlite::prepare16_v2(db, "INSERT INTO t VALUES (?1, ?2)").expect("insert");
    for (name, n) in ROW {
        sqlite::bind_text16(&insert, 1, name).expect("bind_text16");
        insert.bind_int64(2, n).expect("bind n");
        assert_eq!(insert.step(), 101);
        insert.reset().expect("reset");
    }
    let select = sqlite::prepare16_v3(db, "SELECT name, n FROM t ORDER BY n", 0).expect("select");
    let mut names = Vec::new();
    while select.step() == 100 {
        names.push(sqlite::column_text16(&select, 0).unwrap_or_default());
    }
    println!("column_text16 = {names:?}");
    let column =
        |f: fn(&sqlite::Statement, i32) -> Option<String>| f(&select, 0).unwrap_or_default();
    println!(
        "column 0 = {} {} {} {} {}",
        column(sqlite::column_name16),
        column(sqlite::column_decltype16),
        column(sqlite::column_database_name16),
        column(sqlite::column_table_name16),
        column(sqlite::column_origin_name16),
    );

    sqlite::create_function16(db, "shout16", 1).expect("create_function16");
    let shout = sqlite::prepare16_v2(db, "SELECT shout16(name) FROM t WHERE n = 1").expect("shout");
    assert_eq!(shout.step(), 100);
    println!("shout16 = {:?}", sqlite::column_text16(&shout, 0));
    let wrong = sqlite::prepare16_v2(db, "SELECT shout16(1, 2)");
    println!("shout16(1, 2) prepared = {}", wrong.is_ok());

    let err = sqlite::prepare16(db, "SELEC \u{e9}")
        .err()
        .expect("a syntax error");
    println!("prepare16 error = {} {}", err.code, err.message);
    println!("errmsg16 = {}", sqlite::errmsg16(db));

    let (ty, coll, not_null, pk, autoinc) =
        sqlite::table_column_metadata(db, "main", "t", "name").expect("metadata");
    println!("metadata name = {ty} {coll} {not_null} {pk} {autoinc}");
    let (ty, _, _, pk, _) = sqlite::table_column_metadata(db, "main", "t", "n").expect("metadata");
    println!("metadata n = {ty} {pk}");

    let bytes = sqlite::randomness(16, &[0; 24]);
    let written = bytes[..16].iter().any(|b| *b != 0);
    let untouched = bytes[16..].iter().all(|b| *b == 0);
    println!("randomness = {} {written} {untouched}", bytes.len());
    println!("utf16 = ok");
    more(db);
    hooks(db);
}

/// What else the overlay binds: collations this guest orders (`compare`),
/// the connection a statement was prepared on, big-endian UTF-16 bytes,
/// text built with a format.
fn more(db: &Connection) {
    sqlite::create_collation(db, "backwards").expect("create_collation");
    sqlite::create_collation_v2(db, "backwards2").expect("create_collation_v2");
    sqlite::create_collation16(db, "backwards16").expect("create_collation16");
    for collation in ["binary", "backwards", "backwards2", "backwards16"] {
        let sql = format!("SELECT name FROM t ORDER BY name COLLATE {collation}");
        let order = db.prepare(&sql).expect("order");
        let mut names = Vec::new();
        while order.step() == 100 {
            names.push(order.column_text(0).unwrap_or_default());
        }
        println!("collate {collation} = {names:?}");
    }

    let one = db.prepare("SELECT 1").expect("select 1");
    let lent = sqlite::db_handle(&one).expect("db_handle");
    let err = lent.exec("SELEC").expect_err("a syntax error");
    drop(lent);
    // Dropping the lent connection closed nothing.
    assert_eq!(one.step(), 100);
    db.exec("SELECT 2").expect("the connection is open");
    println!("db_handle = {}", err.message);

    let be = sqlite::prepare16_v2(db, "SELECT shout16('be:\u{e9}t\u{e9}')").expect("be");
    assert_eq!(be.step(), 100);
    println!("text16be = {:?}", sqlite::column_text16(&be, 0));

    let text = sqlite::str_new(db).expect("str_new");
    sqlite::str_appendf(&text, "name = %Q", "it's");
    println!("str = {:?}", sqlite::str_finish(text));
}

/// Each hook set, then statements that make sqlite call them.
fn hooks(db: &Connection) {
    sqlite::commit_hook(db);
    sqlite::rollback_hook(db);
    sqlite::update_hook(db);
    sqlite::trace(db);
    sqlite::progress_handler(db, 1);
    sqlite::busy_handler(db).expect("busy_handler");
    sqlite::set_authorizer(db).expect("set_authorizer");
    sqlite::wal_hook(db);
    sqlite::collation_needed(db).expect("collation_needed");
    sqlite::create_function_v2(db, "shout2", 1).expect("create_function_v2");
    db.exec("CREATE TABLE secret(x); INSERT INTO t VALUES ('three', 3)")
        .expect("insert");
    db.exec("BEGIN; DELETE FROM t WHERE n = 3; ROLLBACK")
        .expect("rollback");
    let denied = db.exec("SELECT x FROM secret").err().expect("denied");
    println!("denied = {} {}", denied.code, denied.message);
    let missing = db
        .exec("SELECT name FROM t ORDER BY name COLLATE nocase2")
        .err()
        .expect("no such collation");
    println!("collation = {}", missing.message);
    let shout = sqlite::prepare16_v2(db, "SELECT shout2('v2')").expect("shout2");
    assert_eq!(shout.step(), 100);
    println!("shout2 = {:?}", sqlite::column_text16(&shout, 0));
    HOOKS.with_borrow(|h| println!("hooks = {}", h.join(" | ")));
}
