"""The langs demo in Python: sqlite (a connection, prepared statements,
errors with sqlite's message, the row callback and an SQL function this
guest exports), zlib and libm, through dlwit. Its output is checked line by
line by tests/tests/all/langs.rs, the same as the JavaScript and C guests'.
"""

from typing import List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import sqlite
from wit_world.imports.sqlite import Connection, Datatype, OpenFlags

try:
    from wit_world.imports import libm, zlib
except ImportError:
    # Built for the world `sqlite-guest` (sqlite alone, which `dlwit run
    # --wit wit/sqlite.wit` runs): no zlib or libm.
    libm = zlib = None

ROW, DONE = 100, 101
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

rows: List[str] = []
stop_after = [None]


def out(label: str, value) -> None:
    print(f"{label:<22} = {value}")


def show(e: sqlite.Error) -> str:
    return f"error {e.code}: {e.message}"


def real(x: float) -> str:
    return repr(x)


class SqlCallbacks(exports.SqlCallbacks):
    def on_row(self, values: List[Optional[str]], names: List[str]) -> int:
        rows.append(" ".join(f"{n}={'NULL' if v is None else v}" for n, v in zip(names, values)))
        return 1 if stop_after[0] is not None and len(rows) >= stop_after[0] else 0

    def sql_function(self, ctx: sqlite.Context, argv: List[Optional[str]]) -> None:
        """guest_twice(x): an integer or a real doubled, text repeated, an
        error for NULL."""
        if len(argv) != 1:
            ctx.result_error("guest_twice takes one argument")
            return
        text = argv[0]
        if text is None:
            ctx.result_error("guest_twice(NULL)")
            return
        try:
            ctx.result_int64(int(text) * 2)
            return
        except ValueError:
            pass
        try:
            ctx.result_double(float(text) * 2)
        except ValueError:
            ctx.result_text(text * 2)


def value(stmt: sqlite.Statement, i: int) -> str:
    kind = stmt.column_type(i)
    if kind == Datatype.INTEGER:
        return str(stmt.column_int64(i))
    if kind == Datatype.FLOAT:
        return real(stmt.column_double(i))
    if kind == Datatype.TEXT:
        return f'"{stmt.column_text(i)}"'
    if kind == Datatype.BLOB:
        return "x'" + stmt.column_blob(i).hex() + "'"
    return "NULL"


def all_rows(db: Connection, stmt: sqlite.Statement) -> List[List[str]]:
    got = []
    while True:
        code = stmt.step()
        if code == ROW:
            got.append([value(stmt, i) for i in range(stmt.column_count())])
        elif code == DONE:
            return got
        else:
            raise RuntimeError(f"step: error {code}: {db.errmsg()}")


def callbacks() -> None:
    with Connection.open(":memory:", OpenFlags.READ_WRITE | OpenFlags.CREATE) as db:
        db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (21), ('ab'), (NULL), (2.25)")
        db.exec_rows("SELECT rowid AS id, x FROM t ORDER BY rowid")
        for r in rows:
            out("exec-rows row", r)
        rows.clear()
        stop_after[0] = 2
        try:
            db.exec_rows("SELECT x FROM t")
            out("exec-rows(stop at 2)", "ok")
        except Err as e:
            out("exec-rows(stop at 2)", f"{show(e.value)} after {len(rows)} rows")
        stop_after[0] = None
        db.create_function("guest_twice", 1)
        with db.prepare("SELECT guest_twice(x) FROM t WHERE x IS NOT NULL ORDER BY rowid") as s:
            out("guest_twice(x)", ", ".join(r[0] for r in all_rows(db, s)))
        with db.prepare("SELECT guest_twice(NULL)") as s:
            out("guest_twice(NULL)", f"{s.step()}: {db.errmsg()}")
        try:
            db.exec("SELECT guest_twice(1, 2)")
        except Err as e:
            out("guest_twice(1, 2)", show(e.value))


def database(path: str) -> None:
    baseline = sqlite.memory_used()
    version = sqlite.libversion()
    out("sqlite3_libversion()", version)
    number = 0
    for part in version.split("."):
        number = number * 1000 + int(part)
    out("libversion_number", "matches" if number == sqlite.libversion_number() else "differs")
    out("sqlite3_mprintf(%Q %d)", sqlite.mprintf("INSERT INTO t VALUES(%Q, %d)", "it's", 42))
    table = [
        ["Zoë — 日本語 🦀", I64_MIN, 3.25, bytes([0, 1, 2, 0xFF, 0]), None],
        ["plain", I64_MAX, -0.5, b"\0blob\0", "a note"],
        ["", 0, 0.125, None, "ünïcödé"],
    ]
    db = Connection.open(path, OpenFlags.READ_WRITE | OpenFlags.CREATE)
    db.exec(
        "DROP TABLE IF EXISTS items;"
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " qty INTEGER, price REAL, data BLOB, note TEXT)"
    )
    insert = db.prepare("INSERT INTO items (name, qty, price, data, note) VALUES (?1, ?2, ?3, ?4, ?5)")
    out("bind_parameter_count", insert.bind_parameter_count())
    for n, values in enumerate(table, 1):
        name, qty, price, data, note = values
        insert.bind_text(1, name)
        insert.bind_int64(2, qty)
        insert.bind_double(3, price)
        if data is None:
            insert.bind_null(4)
        else:
            insert.bind_blob(4, data)
        if note is None:
            insert.bind_null(5)
        else:
            insert.bind_text(5, note)
        code = insert.step()
        insert.reset()
        out(f"insert {n}", f"{code}, rowid {db.last_insert_rowid()}, changes {db.changes()}")
    out("total_changes", db.total_changes())
    with db.prepare("SELECT id, name, qty, price, data, note FROM items ORDER BY id") as select:
        out("columns", ", ".join(select.column_name(i) for i in range(select.column_count())))
        for n, row in enumerate(all_rows(db, select), 1):
            out(f"row {n}", ", ".join(row))
    with db.prepare("SELECT name FROM items WHERE qty = ?1") as find:
        find.bind_int64(1, I64_MIN)
        out("where qty = i64 min", all_rows(db, find)[0][0])
        out("sql()", find.sql())
    try:
        db.prepare("SELEC * FROM items")
    except Err as e:
        out("prepare(bad sql)", show(e.value))
    try:
        db.exec("INSERT INTO nope VALUES (1)")
    except Err as e:
        out("exec(no such table)", show(e.value))
    try:
        insert.bind_int64(99, 1)
    except Err as e:
        out("bind_int64(99)", show(e.value))
    with db.prepare("INSERT INTO items (id, name) VALUES (1, 'dup')") as dup:
        out("step(duplicate id)", f"{dup.step()}: {db.errmsg()}")
    try:
        Connection.open(path.rsplit("/", 1)[0] + "/nonexistent-dlwit-dir/x.db", OpenFlags.READ_ONLY)
    except Err as e:
        out("open(missing)", show(e.value))
    # The connection goes first; its statement keeps it alive until it is
    # finalized.
    db.__exit__(None, None, None)
    insert.__exit__(None, None, None)
    out("closed everything", f"{sqlite.memory_used() - baseline} bytes left")


def compression() -> None:
    out("zlib version", zlib.zlib_version())
    fox = b"The quick brown fox jumps over the lazy dog"
    out("crc32(fox)", zlib.crc32_z(0, fox))
    out("adler32(fox)", zlib.adler32_z(1, fox))
    text = b"dlwit " * 100
    packed = zlib.compress(text, zlib.compress_bound(len(text)))
    back = zlib.uncompress(packed, len(text))
    out("compress(600 bytes)", f"{len(packed)} bytes, round trip {'ok' if back == text else 'differs'}")
    try:
        zlib.uncompress(b"not zlib data", 100)
    except Err as e:
        out("uncompress(garbage)", f"error {e.value}")
    try:
        zlib.compress(text, 4)
    except Err as e:
        out("compress(capacity 4)", f"error {e.value}")


def fixed(x: float) -> str:
    return f"{x:.6f}"


def math() -> None:
    out("hypot(3, 4)", fixed(libm.hypot(3.0, 4.0)))
    out("atan2(1, 1) * 4", fixed(libm.atan2(1.0, 1.0) * 4))
    out("ldexp(0.75, 4)", fixed(libm.ldexp(0.75, 4)))
    out("lround(-2.5)", libm.lround(-2.5))
    out("floor(-2.5)", fixed(libm.floor(-2.5)))
    out("pow(2, 10)", fixed(libm.pow(2.0, 10.0)))


class Run(exports.Run):
    def run(self) -> None:
        callbacks()
        database("/data/langs.db")
        if zlib is not None:
            compression()
            math()
        print("done")
