//! Calls the real SQLite through `wit/sqlite.wit`: a file-backed database
//! (its path is the first argument, `demo.db` by default), rows inserted with
//! bound parameters and read back, and sqlite's own error messages.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/sqlite.wit"],
    world: "dlwit:sqlite/demo",
    generate_all,
});

use dlwit::sqlite::sqlite::{self, Connection, Context, Datatype, Error, OpenFlags, Statement};
use std::cell::RefCell;
use std::fmt;

/// What sqlite calls back: rows of `exec-rows`, and the SQL function.
struct Callbacks;

thread_local! {
    /// Rows `exec-rows` delivered: (column name = value) pairs.
    static ROWS: RefCell<Vec<Vec<String>>> = const { RefCell::new(Vec::new()) };
    /// After this many rows, `on-row` asks sqlite to stop.
    static STOP_AFTER: RefCell<usize> = const { RefCell::new(usize::MAX) };
    /// The connection and statement `reentry` runs, which `guest_twice`
    /// reaches from inside the statement's `step`.
    static RUNNING: RefCell<Option<(Connection, Statement)>> = const { RefCell::new(None) };
}

impl exports::dlwit::sqlite::sql_callbacks::Guest for Callbacks {
    fn on_row(values: Vec<Option<String>>, names: Vec<String>) -> i32 {
        let row = names
            .iter()
            .zip(&values)
            .map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or("NULL")))
            .collect();
        ROWS.with_borrow_mut(|rows| {
            rows.push(row);
            i32::from(rows.len() >= STOP_AFTER.with_borrow(|s| *s))
        })
    }

    /// `guest_twice(x)`: twice an integer or a real, a text repeated, an
    /// error for NULL, and a trap for the text "trap" (to test what a trap
    /// does). sqlite hands each argument over as its text. For `reentry`,
    /// the text "changes" answers the running connection's `changes()`,
    /// and "reset" resets the running statement (which the host refuses).
    fn sql_function(ctx: &Context, argv: Vec<Option<String>>) {
        match argv.as_slice() {
            [Some(t)] if t == "changes" => {
                let n = RUNNING.with_borrow(|r| r.as_ref().expect("reentry runs").0.changes());
                ctx.result_int64(n.into());
                return;
            }
            [Some(t)] if t == "reset" => {
                let code = RUNNING.with_borrow(|r| r.as_ref().expect("reentry runs").1.reset());
                println!("unreachable: reset in step returned {code:?}");
                return;
            }
            _ => {}
        }
        let [arg] = argv.as_slice() else {
            ctx.result_error("guest_twice takes one argument");
            return;
        };
        let Some(text) = arg else {
            ctx.result_error("guest_twice(NULL)");
            return;
        };
        assert!(text != "trap", "guest_twice was asked to trap");
        if let Ok(n) = text.parse::<i64>() {
            ctx.result_int64(n * 2);
        } else if let Ok(x) = text.parse::<f64>() {
            ctx.result_double(x * 2.0);
        } else {
            ctx.result_text(&text.repeat(2));
        }
    }
}

export!(Callbacks);

/// A new in-memory database, `sql` run on it.
fn memory_db(sql: &str) -> Connection {
    let db = ok(
        "open",
        Connection::open(":memory:", OpenFlags::READ_WRITE | OpenFlags::CREATE),
    );
    ok("exec", db.exec(sql));
    db
}

/// sqlite calling the guest back: a row callback, and an SQL function
/// implemented here that sqlite calls during `step`.
fn callbacks() {
    let db = memory_db("CREATE TABLE t(x); INSERT INTO t VALUES (1), (21), ('ab'), (NULL), (2.25)");
    ok(
        "exec-rows",
        db.exec_rows("SELECT rowid AS id, x FROM t ORDER BY rowid"),
    );
    let delivered = ROWS.with_borrow_mut(std::mem::take);
    for r in &delivered {
        println!("exec-rows row          = {}", r.join(" "));
    }
    STOP_AFTER.with_borrow_mut(|s| *s = 2);
    let e = db.exec_rows("SELECT x FROM t").unwrap_err();
    println!(
        "exec-rows(stop at 2)   = {} after {} rows",
        show(&e),
        ROWS.with_borrow(Vec::len)
    );
    STOP_AFTER.with_borrow_mut(|s| *s = usize::MAX);
    ok("create-function", db.create_function("guest_twice", 1));
    let select = ok(
        "prepare",
        db.prepare("SELECT guest_twice(x) FROM t WHERE x IS NOT NULL ORDER BY rowid"),
    );
    let got = rows(&db, &select);
    let shown: Vec<String> = got.iter().map(|r| r[0].to_string()).collect();
    println!("guest_twice(x)         = {}", shown.join(", "));
    drop(select);
    let null = ok("prepare", db.prepare("SELECT guest_twice(NULL)"));
    let code = null.step();
    println!("guest_twice(NULL)      = {code}: {}", db.errmsg());
    drop(null);
    let e = db.exec("SELECT guest_twice(1, 2)").unwrap_err();
    println!("guest_twice(1, 2)      = {}", show(&e));
    if std::env::args().any(|a| a == "trap-in-function") {
        let _ = db.exec("SELECT guest_twice('trap')");
        println!("unreachable");
    }
}

/// `sqlite3_step`: a row is ready.
const ROW: i32 = 100;
/// `sqlite3_step`: the statement has finished.
const DONE: i32 = 101;

/// One value of a result row, read by its datatype.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Real(x) => write!(f, "{x:?}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Blob(b) => {
                f.write_str("x'")?;
                b.iter().try_for_each(|x| write!(f, "{x:02x}"))?;
                f.write_str("'")
            }
            Value::Null => f.write_str("NULL"),
        }
    }
}

/// `error CODE: MESSAGE`
fn show(e: &Error) -> String {
    format!("error {}: {}", e.code, e.message)
}

/// Unwraps an sqlite result, naming the call on failure.
fn ok<T>(what: &str, r: Result<T, Error>) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {}", show(&e)))
}

fn bind(stmt: &Statement, index: i32, value: &Value) -> Result<(), Error> {
    match value {
        Value::Int(n) => stmt.bind_int64(index, *n),
        Value::Real(x) => stmt.bind_double(index, *x),
        Value::Text(s) => stmt.bind_text(index, s),
        Value::Blob(b) => stmt.bind_blob(index, b),
        Value::Null => stmt.bind_null(index),
    }
}

/// The current row, each column read by its datatype.
fn row(stmt: &Statement) -> Vec<Value> {
    (0..stmt.column_count())
        .map(|i| match stmt.column_type(i) {
            Datatype::Integer => Value::Int(stmt.column_int64(i)),
            Datatype::Float => Value::Real(stmt.column_double(i)),
            Datatype::Text => Value::Text(stmt.column_text(i).expect("TEXT is not NULL")),
            Datatype::Blob => Value::Blob(stmt.column_blob(i)),
            Datatype::Null => Value::Null,
        })
        .collect()
}

/// Steps `stmt` to the end, collecting its rows.
fn rows(db: &Connection, stmt: &Statement) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    loop {
        match stmt.step() {
            ROW => out.push(row(stmt)),
            DONE => return out,
            code => panic!("step: error {code}: {}", db.errmsg()),
        }
    }
}

/// A statement outliving the connection the guest dropped: it still steps
/// through its rows, and the connection closes with it (sqlite's memory
/// count is back where it was). Prints `outlive: ok`.
fn outlive() {
    let baseline = sqlite::memory_used();
    let db = memory_db("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)");
    let stmt = ok("prepare", db.prepare("SELECT x * 10 FROM t ORDER BY x"));
    drop(db);
    let mut got = Vec::new();
    loop {
        match stmt.step() {
            ROW => got.push(stmt.column_int64(0)),
            DONE => break,
            code => panic!("step after the connection was dropped: error {code}"),
        }
    }
    println!("outlive rows           = {got:?}");
    assert_eq!(got, [10, 20, 30]);
    let open = sqlite::memory_used() - baseline;
    println!("outlive open           = {}", open > 0);
    drop(stmt);
    let left = sqlite::memory_used() - baseline;
    println!("outlive left           = {left} bytes");
    assert_eq!(
        left, 0,
        "the connection did not close with its last statement"
    );
    println!("outlive: ok");
}

/// The guest's SQL function runs inside `step` and calls C on the
/// connection and the statement that are running it: `changes` (marked
/// `reentrant` in the WIT) answers; with `reset`, the host refuses to reset
/// the statement mid-step and the guest traps.
fn reentry(reset: bool) {
    let db = memory_db("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)");
    ok("create-function", db.create_function("guest_twice", 1));
    let arg = if reset { "reset" } else { "changes" };
    let sql = format!("SELECT guest_twice('{arg}') FROM t");
    let stmt = ok("prepare", db.prepare(&sql));
    RUNNING.set(Some((db, stmt)));
    let mut got = Vec::new();
    RUNNING.with_borrow(|r| {
        let stmt = &r.as_ref().expect("just set").1;
        while stmt.step() == ROW {
            got.push(stmt.column_int64(0));
        }
    });
    RUNNING.set(None);
    println!("reentrant changes()    = {got:?}");
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("outlive") => return outlive(),
        Some("reset-in-function") => return reentry(true),
        _ => {}
    }
    reentry(false);
    callbacks();
    if std::env::args().any(|a| a == "trap-in-function") {
        return;
    }
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo.db".to_string());
    // sqlite counts its allocations: every handle the guest drops (or that
    // a failed call made) must give its memory back.
    let baseline = sqlite::memory_used();
    let version = sqlite::libversion();
    println!("sqlite3_libversion()   = {version}");
    println!("sqlite3_version        = {}", sqlite::version());
    println!("sqlite3_temp_directory = {:?}", sqlite::temp_directory());
    let quoted = sqlite::mprintf("INSERT INTO t VALUES(%Q, %d)", "it's", 42);
    println!("sqlite3_mprintf(%Q %d) = {quoted}");
    assert_eq!(
        sqlite::libversion_number(),
        version
            .split('.')
            .map(|p| p.parse::<i32>().unwrap())
            .fold(0, |n, p| n * 1000 + p)
    );

    let db = ok(
        "open",
        Connection::open(&path, OpenFlags::READ_WRITE | OpenFlags::CREATE),
    );
    ok(
        "exec",
        db.exec(
            "DROP TABLE IF EXISTS items;
             CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                 qty INTEGER, price REAL, data BLOB, note TEXT);",
        ),
    );
    println!("exec(create table)     = ok");

    // Insert with bound parameters: one statement, reset between rows.
    let insert = ok(
        "prepare",
        db.prepare("INSERT INTO items (name, qty, price, data, note) VALUES (?1, ?2, ?3, ?4, ?5)"),
    );
    println!("bind_parameter_count   = {}", insert.bind_parameter_count());
    assert_eq!(insert.bind_parameter_count(), 5);
    let table = [
        [
            Value::Text("Zoë — 日本語 🦀".into()),
            Value::Int(i64::MIN),
            Value::Real(3.25),
            Value::Blob(vec![0, 1, 2, 0xff, 0]),
            Value::Null,
        ],
        [
            Value::Text("plain".into()),
            Value::Int(i64::MAX),
            Value::Real(-0.5),
            Value::Blob(b"\0blob\0".to_vec()),
            Value::Text("a note".into()),
        ],
        [
            Value::Text(String::new()),
            Value::Int(0),
            Value::Real(1e300),
            Value::Null,
            Value::Text("ünïcödé\n\t\"quoted\"".into()),
        ],
    ];
    for (n, values) in table.iter().enumerate() {
        for (i, v) in (1..).zip(values) {
            ok("bind", bind(&insert, i, v));
        }
        assert_eq!(insert.step(), DONE, "{}", db.errmsg());
        ok("reset", insert.reset());
        println!(
            "insert {}               = rowid {}, changes {}",
            n + 1,
            db.last_insert_rowid(),
            db.changes()
        );
        assert_eq!(db.last_insert_rowid(), n as i64 + 1);
        assert_eq!(db.changes(), 1);
    }
    println!("total_changes          = {}", db.total_changes());
    assert_eq!(db.total_changes(), 3);

    // Read everything back.
    let select = ok(
        "prepare",
        db.prepare("SELECT id, name, qty, price, data, note FROM items ORDER BY id"),
    );
    let names: Vec<String> = (0..select.column_count())
        .map(|i| select.column_name(i))
        .collect();
    println!("columns                = {}", names.join(", "));
    assert_eq!(names, ["id", "name", "qty", "price", "data", "note"]);
    let got = rows(&db, &select);
    assert_eq!(got.len(), table.len());
    for (n, (row, values)) in got.iter().zip(&table).enumerate() {
        let shown: Vec<String> = row.iter().map(Value::to_string).collect();
        println!("row {}                  = {}", n + 1, shown.join(", "));
        assert_eq!(row[0], Value::Int(n as i64 + 1));
        assert_eq!(&row[1..], values);
    }

    // Conversions and NULL through the typed column readers.
    ok("reset", select.reset());
    assert_eq!(select.step(), ROW);
    println!("column_text(note)      = {:?}", select.column_text(5));
    println!("column_text(qty)       = {:?}", select.column_text(2));
    println!("column_double(qty)     = {:?}", select.column_double(2));
    println!("column_int64(price)    = {}", select.column_int64(3));
    assert_eq!(select.column_text(5), None);
    assert_eq!(
        select.column_text(2).as_deref(),
        Some("-9223372036854775808")
    );
    assert_eq!(select.column_int64(3), 3);
    drop(select);

    // A parameter in a WHERE clause.
    let find = ok(
        "prepare",
        db.prepare("SELECT name FROM items WHERE qty = ?1"),
    );
    ok("bind", find.bind_int64(1, i64::MIN));
    let found = rows(&db, &find);
    println!("where qty is i64::MIN  = {}", found[0][0]);
    assert_eq!(found, [[table[0][0].clone()]]);
    println!("sql()                  = {}", find.sql());
    assert_eq!(find.sql(), "SELECT name FROM items WHERE qty = ?1");

    // An empty list is still a blob (not the NULL pointer that sqlite would
    // bind as SQL NULL); NULL and empty blobs read back as no bytes.
    let empty = ok(
        "prepare",
        db.prepare("SELECT typeof(?1), length(?1), NULL, x''"),
    );
    ok("bind", empty.bind_blob(1, &[]));
    assert_eq!(empty.step(), ROW);
    let kind = empty.column_text(0).unwrap_or_default();
    println!("typeof(empty blob)     = {kind}");
    assert_eq!((kind.as_str(), empty.column_int64(1)), ("blob", 0));
    println!("column_blob(NULL)      = {:?}", empty.column_blob(2));
    println!("column_blob(x'')       = {:?}", empty.column_blob(3));
    assert!(empty.column_blob(2).is_empty() && empty.column_blob(3).is_empty());
    drop(empty);

    // Errors carry sqlite's code and message.
    let e = db.prepare("SELEC * FROM items").expect_err("bad SQL fails");
    println!("prepare(bad sql)       = {}", show(&e));
    assert_eq!(e.code, 1);
    assert!(e.message.contains("syntax error"), "{}", e.message);
    let e = db.exec("INSERT INTO nope VALUES (1)").unwrap_err();
    println!("exec(no such table)    = {}", show(&e));
    assert_eq!((e.code, e.message.as_str()), (1, "no such table: nope"));
    let e = insert.bind_int64(99, 1).unwrap_err();
    println!("bind_int64(99)         = {}", show(&e));
    assert_eq!(e.code, 25);
    let dup = ok(
        "prepare",
        db.prepare("INSERT INTO items (id, name) VALUES (1, 'dup')"),
    );
    let code = dup.step();
    println!("step(duplicate id)     = {code}: {}", db.errmsg());
    assert_eq!(code, 19);
    assert_eq!(db.errcode(), 19);
    assert_eq!(db.errmsg(), "UNIQUE constraint failed: items.id");
    drop(dup);
    ok("clear_bindings", insert.clear_bindings());
    assert_eq!(insert.step(), 19);
    let e = insert.reset().unwrap_err();
    println!("reset(after NOT NULL)  = {}", show(&e));
    assert_eq!(e.code, 19);
    assert_eq!(e.message, "NOT NULL constraint failed: items.name");
    println!("errstr(19)             = {}", sqlite::errstr(19));
    let before = sqlite::memory_used();
    // A file in a missing directory, beside the database (in the guest's
    // own directories, as every path must be).
    let missing = match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/nonexistent-dlwit-dir/x.db"),
        None => "nonexistent-dlwit-dir/x.db".to_string(),
    };
    let e = Connection::open(&missing, OpenFlags::READ_ONLY)
        .expect_err("opening a missing file read-only fails");
    println!("open(missing)          = {}", show(&e));
    assert_eq!(e.code, 14);
    assert_eq!(e.message, "unable to open database file");
    // sqlite made a connection to hold the message; it was closed.
    let leaked = sqlite::memory_used() - before;
    println!("open(missing) leaked   = {leaked} bytes");
    assert_eq!(leaked, 0);

    // Dropping the connection before its statement is safe: close_v2 waits
    // for the statement's finalize.
    drop(db);
    drop(insert);
    drop(find);
    let left = sqlite::memory_used() - baseline;
    println!("drop(connection first) = ok, {left} bytes left");
    assert_eq!(left, 0);

    // The rows are in the file.
    let db = ok("reopen", Connection::open(&path, OpenFlags::READ_ONLY));
    let count = ok("prepare", db.prepare("SELECT count(*) FROM items"));
    let n = rows(&db, &count);
    println!("reopen: count(*)       = {}", n[0][0]);
    assert_eq!(n, [[Value::Int(3)]]);
    let e = db.exec("DELETE FROM items").unwrap_err();
    println!("exec(read-only)        = {}", show(&e));
    assert_eq!(e.code, 8);
    drop(count);
    drop(db);
    let left = sqlite::memory_used() - baseline;
    println!("closed everything      = {left} bytes left");
    assert_eq!(left, 0);
    println!("sqlite: ok");
}
