// The langs demo in JavaScript: sqlite (a connection, prepared statements,
// errors with sqlite's message, the row callback and an SQL function this
// guest exports), zlib and libm, through dlwit. Its output is checked line
// by line by tests/tests/all/langs.rs, the same as the Python and C guests'.

import * as sqlite from 'dlwit:sqlite/sqlite';
import * as zlib from 'dlwit:zlib/zlib';
import * as libm from 'dlwit:libm/libm';

const { Connection } = sqlite;
const ROW = 100;
const DONE = 101;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

const rows = [];
let stopAfter = null;

function out(label, value) {
  console.log(`${label.padEnd(22)} = ${value}`);
}

/// `error CODE: MESSAGE` for an sqlite error result (thrown by the
/// bindings, its `payload` the WIT `error` record).
function show(e) {
  const err = e.payload ?? e;
  return `error ${err.code}: ${err.message}`;
}

/// What a call that returns `result<_, E>` failed with.
function failure(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('the call should have failed');
}

function real(x) {
  return String(x);
}

function fixed(x) {
  return x.toFixed(6);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const sqlCallbacks = {
  onRow(values, names) {
    rows.push(names.map((n, i) => `${n}=${values[i] ?? 'NULL'}`).join(' '));
    return stopAfter !== null && rows.length >= stopAfter ? 1 : 0;
  },
  // guest_twice(x): an integer or a real doubled, text repeated, an error
  // for NULL.
  sqlFunction(ctx, argv) {
    if (argv.length !== 1) {
      ctx.resultError('guest_twice takes one argument');
      return;
    }
    const text = argv[0];
    if (text === undefined || text === null) {
      ctx.resultError('guest_twice(NULL)');
      return;
    }
    if (/^-?[0-9]+$/.test(text)) {
      ctx.resultInt64(BigInt(text) * 2n);
    } else if (text.trim() !== '' && !Number.isNaN(Number(text))) {
      ctx.resultDouble(Number(text) * 2);
    } else {
      ctx.resultText(text + text);
    }
  },
};

function value(stmt, i) {
  switch (stmt.columnType(i)) {
    case 'integer':
      return String(s64(stmt.columnInt64(i)));
    case 'float':
      return real(stmt.columnDouble(i));
    case 'text':
      return `"${stmt.columnText(i)}"`;
    case 'blob':
      return `x'${hex(stmt.columnBlob(i))}'`;
    default:
      return 'NULL';
  }
}

function allRows(db, stmt) {
  const got = [];
  for (;;) {
    const code = stmt.step();
    if (code === ROW) {
      const row = [];
      for (let i = 0; i < stmt.columnCount(); i++) row.push(value(stmt, i));
      got.push(row);
    } else if (code === DONE) {
      return got;
    } else {
      throw new Error(`step: error ${code}: ${db.errmsg()}`);
    }
  }
}

function callbacks() {
  const db = Connection.open(':memory:', { readWrite: true, create: true });
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (21), ('ab'), (NULL), (2.25)");
  db.execRows('SELECT rowid AS id, x FROM t ORDER BY rowid');
  for (const r of rows) out('exec-rows row', r);
  rows.length = 0;
  stopAfter = 2;
  const e = failure(() => db.execRows('SELECT x FROM t'));
  out('exec-rows(stop at 2)', `${show(e)} after ${rows.length} rows`);
  stopAfter = null;
  db.createFunction('guest_twice', 1);
  let s = db.prepare('SELECT guest_twice(x) FROM t WHERE x IS NOT NULL ORDER BY rowid');
  out('guest_twice(x)', allRows(db, s).map((r) => r[0]).join(', '));
  s[Symbol.dispose]();
  s = db.prepare('SELECT guest_twice(NULL)');
  out('guest_twice(NULL)', `${s.step()}: ${db.errmsg()}`);
  s[Symbol.dispose]();
  out('guest_twice(1, 2)', show(failure(() => db.exec('SELECT guest_twice(1, 2)'))));
  db[Symbol.dispose]();
}

function database(path) {
  const baseline = sqlite.memoryUsed();
  const version = sqlite.libversion();
  out('sqlite3_libversion()', version);
  const number = version.split('.').reduce((n, p) => n * 1000 + Number(p), 0);
  out('libversion_number', number === sqlite.libversionNumber() ? 'matches' : 'differs');
  out('sqlite3_mprintf(%Q %d)', sqlite.mprintf('INSERT INTO t VALUES(%Q, %d)', "it's", 42));
  const table = [
    ['Zoë — 日本語 🦀', I64_MIN, 3.25, new Uint8Array([0, 1, 2, 0xff, 0]), null],
    ['plain', I64_MAX, -0.5, new TextEncoder().encode('\0blob\0'), 'a note'],
    ['', 0n, 0.125, null, 'ünïcödé'],
  ];
  const db = Connection.open(path, { readWrite: true, create: true });
  db.exec(
    'DROP TABLE IF EXISTS items;' +
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,' +
      ' qty INTEGER, price REAL, data BLOB, note TEXT)',
  );
  const insert = db.prepare(
    'INSERT INTO items (name, qty, price, data, note) VALUES (?1, ?2, ?3, ?4, ?5)',
  );
  out('bind_parameter_count', insert.bindParameterCount());
  table.forEach(([name, qty, price, data, note], n) => {
    insert.bindText(1, name);
    bindInt64(insert, 2, qty);
    insert.bindDouble(3, price);
    if (data === null) insert.bindNull(4);
    else insert.bindBlob(4, data);
    if (note === null) insert.bindNull(5);
    else insert.bindText(5, note);
    const code = insert.step();
    insert.reset();
    out(`insert ${n + 1}`, `${code}, rowid ${s64(db.lastInsertRowid())}, changes ${db.changes()}`);
  });
  out('total_changes', db.totalChanges());
  const select = db.prepare('SELECT id, name, qty, price, data, note FROM items ORDER BY id');
  const names = [];
  for (let i = 0; i < select.columnCount(); i++) names.push(select.columnName(i));
  out('columns', names.join(', '));
  allRows(db, select).forEach((row, n) => out(`row ${n + 1}`, row.join(', ')));
  select[Symbol.dispose]();
  const find = db.prepare('SELECT name FROM items WHERE qty = ?1');
  bindInt64(find, 1, I64_MIN);
  out('where qty = i64 min', allRows(db, find)[0][0]);
  out('sql()', find.sql());
  find[Symbol.dispose]();
  out('prepare(bad sql)', show(failure(() => db.prepare('SELEC * FROM items'))));
  out('exec(no such table)', show(failure(() => db.exec('INSERT INTO nope VALUES (1)'))));
  out('bind_int64(99)', show(failure(() => insert.bindInt64(99, 1n))));
  const dup = db.prepare("INSERT INTO items (id, name) VALUES (1, 'dup')");
  out('step(duplicate id)', `${dup.step()}: ${db.errmsg()}`);
  dup[Symbol.dispose]();
  const missing = path.slice(0, path.lastIndexOf('/')) + '/nonexistent-dlwit-dir/x.db';
  out('open(missing)', show(failure(() => Connection.open(missing, { readOnly: true }))));
  // The connection goes first; its statement keeps it alive until it is
  // finalized.
  db[Symbol.dispose]();
  insert[Symbol.dispose]();
  out('closed everything', `${s64(sqlite.memoryUsed()) - s64(baseline)} bytes left`);
}

/// `statement.bind-int64`, except for a negative value. ComponentizeJS 0.23
/// aborts the guest when it lowers a negative `s64` argument to an import
/// ("Internal bindgen error in coreabi_from_bigint64 validation";
/// ComponentizeJS issue 343, open; a `BigInt.asUintN(64, v)` or a `Number`
/// fails the same way). A negative value is bound as its decimal text
/// instead: the column's INTEGER affinity stores it as the integer, and a
/// comparison with such a column converts it, so the rows are the same.
/// An `s64` an import returned. ComponentizeJS 0.23 also lifts a negative
/// `s64` result as its unsigned value (-3 as 18446744073709551613): its 64
/// bits, read back as signed here.
function s64(value) {
  return BigInt.asIntN(64, value);
}

function bindInt64(stmt, index, value) {
  if (value < 0n) stmt.bindText(index, String(value));
  else stmt.bindInt64(index, value);
}

function compression() {
  out('zlib version', zlib.zlibVersion());
  const enc = new TextEncoder();
  const fox = enc.encode('The quick brown fox jumps over the lazy dog');
  out('crc32(fox)', zlib.crc32Z(0n, fox));
  out('adler32(fox)', zlib.adler32Z(1n, fox));
  const text = enc.encode('dlwit '.repeat(100));
  const packed = zlib.compress(text, zlib.compressBound(BigInt(text.length)));
  const back = zlib.uncompress(packed, BigInt(text.length));
  const same = back.length === text.length && back.every((b, i) => b === text[i]);
  out('compress(600 bytes)', `${packed.length} bytes, round trip ${same ? 'ok' : 'differs'}`);
  out('uncompress(garbage)', `error ${failure(() => zlib.uncompress(enc.encode('not zlib data'), 100n)).payload}`);
  out('compress(capacity 4)', `error ${failure(() => zlib.compress(text, 4n)).payload}`);
}

function math() {
  out('hypot(3, 4)', fixed(libm.hypot(3, 4)));
  out('atan2(1, 1) * 4', fixed(libm.atan2(1, 1) * 4));
  out('ldexp(0.75, 4)', fixed(libm.ldexp(0.75, 4)));
  out('lround(-2.5)', s64(libm.lround(-2.5)));
  out('floor(-2.5)', fixed(libm.floor(-2.5)));
  out('pow(2, 10)', fixed(libm.pow(2, 10)));
}

// sqlite's callbacks come last: ComponentizeJS 0.23 cannot take them. C
// calls `on-row` while the guest's `run` is still inside its call of
// `exec-rows`, and ComponentizeJS's runtime aborts on any export called
// before the previous one returned ("unexpected call state, post_call was
// not called after last call"). The tests check that this still traps.
export const run = {
  run() {
    database('/data/langs.db');
    compression();
    math();
    console.log('done');
    callbacks();
  },
};
