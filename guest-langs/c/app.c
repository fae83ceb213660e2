// The langs demo in C: sqlite (a connection, prepared statements, errors
// with sqlite's message, the row callback and an SQL function this guest
// exports), zlib and libm, through dlwit. Its output is checked line by
// line by tests/tests/all/langs.rs, the same as the Python and JavaScript
// guests'.
//
// Built twice by scripts/langs.sh: with wit-bindgen's UTF-8 strings
// (GUEST_UTF16 = 0) and with UTF-16 ones (GUEST_UTF16 = 1), where every
// string crossing into or out of the component is 16-bit code units; the
// output is the same.

#include "guest.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW 100
#define DONE 101

typedef dlwit_sqlite_sqlite_own_connection_t connection_t;
typedef dlwit_sqlite_sqlite_borrow_connection_t conn_ref_t;
typedef dlwit_sqlite_sqlite_own_statement_t statement_t;
typedef dlwit_sqlite_sqlite_borrow_statement_t stmt_ref_t;
typedef dlwit_sqlite_sqlite_error_t error_t;

// ---- strings: UTF-8 in this program, UTF-8 or UTF-16 at the boundary ----

// A string for a call: `text` (UTF-8) in the bindings' encoding. The
// result's memory is the caller's to free with `wit_free`.
static guest_string_t wit(const char *text) {
  guest_string_t s;
#if GUEST_UTF16
  size_t n = strlen(text), len = 0;
  uint16_t *out = malloc((n + 1) * sizeof *out);
  const unsigned char *p = (const unsigned char *)text;
  while (*p) {
    uint32_t c;
    if (*p < 0x80) {
      c = *p++;
    } else if (*p < 0xe0) {
      c = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
      p += 2;
    } else if (*p < 0xf0) {
      c = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
      p += 3;
    } else {
      c = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
      p += 4;
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      out[len++] = (uint16_t)(0xd800 + (c >> 10));
      out[len++] = (uint16_t)(0xdc00 + (c & 0x3ff));
    } else {
      out[len++] = (uint16_t)c;
    }
  }
  s.ptr = out;
  s.len = len;
#else
  s.len = strlen(text);
  s.ptr = malloc(s.len + 1);
  memcpy(s.ptr, text, s.len);
#endif
  return s;
}

static void wit_free(guest_string_t *s) { guest_string_free(s); }

// A NUL-terminated UTF-8 copy of a string the bindings handed over; free
// it with `free`.
static char *utf8(const guest_string_t *s) {
#if GUEST_UTF16
  char *out = malloc(s->len * 3 + 1);
  size_t n = 0;
  for (size_t i = 0; i < s->len; i++) {
    uint32_t c = s->ptr[i];
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s->len) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s->ptr[++i] - 0xdc00);
    }
    if (c < 0x80) {
      out[n++] = (char)c;
    } else if (c < 0x800) {
      out[n++] = (char)(0xc0 | c >> 6);
      out[n++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out[n++] = (char)(0xe0 | c >> 12);
      out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
      out[n++] = (char)(0x80 | (c & 0x3f));
    } else {
      out[n++] = (char)(0xf0 | c >> 18);
      out[n++] = (char)(0x80 | (c >> 12 & 0x3f));
      out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
      out[n++] = (char)(0x80 | (c & 0x3f));
    }
  }
  out[n] = 0;
  return out;
#else
  char *out = malloc(s->len + 1);
  memcpy(out, s->ptr, s->len);
  out[s->len] = 0;
  return out;
#endif
}

// ---- output ----

static void out(const char *label, const char *fmt, ...) {
  va_list ap;
  printf("%-22s = ", label);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

// `error CODE: MESSAGE`, consuming the error's message.
static char *show(error_t *e) {
  char *msg = utf8(&e->message);
  char *line = malloc(strlen(msg) + 32);
  sprintf(line, "error %d: %s", e->code, msg);
  free(msg);
  dlwit_sqlite_sqlite_error_free(e);
  return line;
}

static void out_error(const char *label, error_t *e) {
  char *line = show(e);
  out(label, "%s", line);
  free(line);
}

static void fail(const char *what, error_t *e) {
  char *line = show(e);
  fprintf(stderr, "%s: %s\n", what, line);
  abort();
}

// ---- the sqlite calls, on UTF-8 C strings ----

static connection_t db_open(const char *path, dlwit_sqlite_sqlite_open_flags_t flags, error_t *err,
                            bool *ok) {
  guest_string_t s = wit(path);
  connection_t db = {0};
  *ok = dlwit_sqlite_sqlite_static_connection_open(&s, flags, &db, err);
  wit_free(&s);
  return db;
}

static bool db_exec(conn_ref_t db, const char *sql, error_t *err) {
  guest_string_t s = wit(sql);
  bool ok = dlwit_sqlite_sqlite_method_connection_exec(db, &s, err);
  wit_free(&s);
  return ok;
}

static bool db_exec_rows(conn_ref_t db, const char *sql, error_t *err) {
  guest_string_t s = wit(sql);
  bool ok = dlwit_sqlite_sqlite_method_connection_exec_rows(db, &s, err);
  wit_free(&s);
  return ok;
}

static bool db_prepare(conn_ref_t db, const char *sql, statement_t *stmt, error_t *err) {
  guest_string_t s = wit(sql);
  bool ok = dlwit_sqlite_sqlite_method_connection_prepare(db, &s, stmt, err);
  wit_free(&s);
  return ok;
}

static statement_t must_prepare(conn_ref_t db, const char *sql) {
  statement_t stmt;
  error_t err;
  if (!db_prepare(db, sql, &stmt, &err)) fail("prepare", &err);
  return stmt;
}

static char *db_errmsg(conn_ref_t db) {
  guest_string_t s;
  dlwit_sqlite_sqlite_method_connection_errmsg(db, &s);
  char *text = utf8(&s);
  wit_free(&s);
  return text;
}

static stmt_ref_t ref(statement_t s) { return dlwit_sqlite_sqlite_borrow_statement(s); }

// ---- callbacks ----

static char *rows[16];
static size_t nrows;
static size_t stop_after;

int32_t exports_dlwit_sqlite_sql_callbacks_on_row(guest_list_option_string_t *values,
                                                  guest_list_string_t *names) {
  char line[256] = "";
  for (size_t i = 0; i < names->len; i++) {
    char *name = utf8(&names->ptr[i]);
    char *value = values->ptr[i].is_some ? utf8(&values->ptr[i].val) : NULL;
    snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s=%s", i ? " " : "", name,
             value ? value : "NULL");
    free(name);
    free(value);
  }
  guest_list_option_string_free(values);
  guest_list_string_free(names);
  if (nrows < 16) rows[nrows++] = strdup(line);
  return stop_after && nrows >= stop_after ? 1 : 0;
}

// guest_twice(x): an integer or a real doubled, text repeated, an error for
// NULL.
void exports_dlwit_sqlite_sql_callbacks_sql_function(
    exports_dlwit_sqlite_sql_callbacks_borrow_context_t ctx, guest_list_option_string_t *argv) {
  if (argv->len != 1) {
    guest_string_t m = wit("guest_twice takes one argument");
    dlwit_sqlite_sqlite_method_context_result_error(ctx, &m);
    wit_free(&m);
  } else if (!argv->ptr[0].is_some) {
    guest_string_t m = wit("guest_twice(NULL)");
    dlwit_sqlite_sqlite_method_context_result_error(ctx, &m);
    wit_free(&m);
  } else {
    char *text = utf8(&argv->ptr[0].val), *end;
    long long n = strtoll(text, &end, 10);
    if (*text && !*end) {
      dlwit_sqlite_sqlite_method_context_result_int64(ctx, n * 2);
    } else {
      double x = strtod(text, &end);
      if (*text && !*end) {
        dlwit_sqlite_sqlite_method_context_result_double(ctx, x * 2);
      } else {
        size_t len = strlen(text);
        char *twice = malloc(2 * len + 1);
        memcpy(twice, text, len);
        memcpy(twice + len, text, len + 1);
        guest_string_t s = wit(twice);
        dlwit_sqlite_sqlite_method_context_result_text(ctx, &s);
        wit_free(&s);
        free(twice);
      }
    }
    free(text);
  }
  guest_list_option_string_free(argv);
  // A borrow an export receives is the export's to drop before it returns.
  dlwit_sqlite_sqlite_context_drop_borrow(ctx);
}

// ---- reading rows ----

// Column `i` of the current row, as the other guests print it, appended
// to `line`.
static void value(stmt_ref_t stmt, int32_t i, char *line, size_t cap) {
  char *end = line + strlen(line);
  size_t room = cap - strlen(line);
  switch (dlwit_sqlite_sqlite_method_statement_column_type(stmt, i)) {
    case DLWIT_SQLITE_SQLITE_DATATYPE_INTEGER:
      snprintf(end, room, "%" PRId64, dlwit_sqlite_sqlite_method_statement_column_int64(stmt, i));
      break;
    case DLWIT_SQLITE_SQLITE_DATATYPE_FLOAT:
      snprintf(end, room, "%g", dlwit_sqlite_sqlite_method_statement_column_double(stmt, i));
      break;
    case DLWIT_SQLITE_SQLITE_DATATYPE_TEXT: {
      guest_string_t s;
      char *text = NULL;
      if (dlwit_sqlite_sqlite_method_statement_column_text(stmt, i, &s)) {
        text = utf8(&s);
        wit_free(&s);
      }
      snprintf(end, room, "\"%s\"", text ? text : "");
      free(text);
      break;
    }
    case DLWIT_SQLITE_SQLITE_DATATYPE_BLOB: {
      guest_list_u8_t b;
      dlwit_sqlite_sqlite_method_statement_column_blob(stmt, i, &b);
      size_t n = (size_t)snprintf(end, room, "x'");
      for (size_t k = 0; k < b.len; k++) n += (size_t)snprintf(end + n, room - n, "%02x", b.ptr[k]);
      snprintf(end + n, room - n, "'");
      guest_list_u8_free(&b);
      break;
    }
    default:
      snprintf(end, room, "NULL");
  }
}

// Steps `stmt` to the end; each row's columns joined by ", ", rows by "|".
static void all_rows(conn_ref_t db, stmt_ref_t stmt, char *line, size_t cap) {
  line[0] = 0;
  for (int n = 0;; n++) {
    int32_t code = dlwit_sqlite_sqlite_method_statement_step(stmt);
    if (code == DONE) return;
    if (code != ROW) {
      fprintf(stderr, "step: error %d: %s\n", code, db_errmsg(db));
      abort();
    }
    if (n) strncat(line, "|", cap - strlen(line) - 1);
    int32_t columns = dlwit_sqlite_sqlite_method_statement_column_count(stmt);
    for (int32_t i = 0; i < columns; i++) {
      if (i) strncat(line, ", ", cap - strlen(line) - 1);
      value(stmt, i, line, cap);
    }
  }
}

// ---- the program ----

static void callbacks(void) {
  error_t err;
  bool ok;
  connection_t db = db_open(":memory:",
                            DLWIT_SQLITE_SQLITE_OPEN_FLAGS_READ_WRITE | DLWIT_SQLITE_SQLITE_OPEN_FLAGS_CREATE,
                            &err, &ok);
  if (!ok) fail("open", &err);
  conn_ref_t c = dlwit_sqlite_sqlite_borrow_connection(db);
  if (!db_exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (21), ('ab'), (NULL), (2.25)", &err))
    fail("exec", &err);
  if (!db_exec_rows(c, "SELECT rowid AS id, x FROM t ORDER BY rowid", &err)) fail("exec-rows", &err);
  for (size_t i = 0; i < nrows; i++) {
    out("exec-rows row", "%s", rows[i]);
    free(rows[i]);
  }
  nrows = 0;
  stop_after = 2;
  if (db_exec_rows(c, "SELECT x FROM t", &err)) {
    out("exec-rows(stop at 2)", "ok");
  } else {
    char *line = show(&err);
    out("exec-rows(stop at 2)", "%s after %zu rows", line, nrows);
    free(line);
  }
  for (size_t i = 0; i < nrows; i++) free(rows[i]);
  nrows = 0;
  stop_after = 0;
  guest_string_t name = wit("guest_twice");
  if (!dlwit_sqlite_sqlite_method_connection_create_function(c, &name, 1, &err))
    fail("create-function", &err);
  wit_free(&name);
  char line[512];
  statement_t s = must_prepare(c, "SELECT guest_twice(x) FROM t WHERE x IS NOT NULL ORDER BY rowid");
  all_rows(c, ref(s), line, sizeof line);
  for (char *p = line; (p = strchr(p, '|'));) *p = ',';  // one column a row
  // "2,42, ..." -> "2, 42, ...": rows were joined by "|", now ", ".
  char joined[512] = "";
  for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ",")) {
    if (*joined) strcat(joined, ", ");
    strcat(joined, tok);
  }
  out("guest_twice(x)", "%s", joined);
  dlwit_sqlite_sqlite_statement_drop_own(s);
  s = must_prepare(c, "SELECT guest_twice(NULL)");
  int32_t code = dlwit_sqlite_sqlite_method_statement_step(ref(s));
  char *msg = db_errmsg(c);
  out("guest_twice(NULL)", "%d: %s", code, msg);
  free(msg);
  dlwit_sqlite_sqlite_statement_drop_own(s);
  if (!db_exec(c, "SELECT guest_twice(1, 2)", &err)) out_error("guest_twice(1, 2)", &err);
  dlwit_sqlite_sqlite_connection_drop_own(db);
}

static void bind_text(stmt_ref_t s, int32_t i, const char *text) {
  error_t err;
  guest_string_t t = wit(text);
  if (!dlwit_sqlite_sqlite_method_statement_bind_text(s, i, &t, &err)) fail("bind-text", &err);
  wit_free(&t);
}

static void bind_blob(stmt_ref_t s, int32_t i, const uint8_t *data, size_t len) {
  error_t err;
  guest_list_u8_t b = {(uint8_t *)data, len};
  if (!dlwit_sqlite_sqlite_method_statement_bind_blob(s, i, &b, &err)) fail("bind-blob", &err);
}

static void database(const char *path) {
  error_t err;
  bool ok;
  int64_t baseline = dlwit_sqlite_sqlite_memory_used();
  guest_string_t v;
  dlwit_sqlite_sqlite_libversion(&v);
  char *version = utf8(&v);
  wit_free(&v);
  out("sqlite3_libversion()", "%s", version);
  int number = 0;
  for (char *p = version; *p;) {
    number = number * 1000 + (int)strtol(p, &p, 10);
    if (*p == '.') p++;
  }
  free(version);
  out("libversion_number", number == dlwit_sqlite_sqlite_libversion_number() ? "matches" : "differs");
  guest_string_t format = wit("INSERT INTO t VALUES(%Q, %d)"), its = wit("it's"), quoted;
  dlwit_sqlite_sqlite_mprintf(&format, &its, 42, &quoted);
  char *q = utf8(&quoted);
  out("sqlite3_mprintf(%Q %d)", "%s", q);
  free(q);
  wit_free(&format);
  wit_free(&its);
  wit_free(&quoted);

  connection_t db = db_open(path,
                            DLWIT_SQLITE_SQLITE_OPEN_FLAGS_READ_WRITE | DLWIT_SQLITE_SQLITE_OPEN_FLAGS_CREATE,
                            &err, &ok);
  if (!ok) fail("open", &err);
  conn_ref_t c = dlwit_sqlite_sqlite_borrow_connection(db);
  if (!db_exec(c,
               "DROP TABLE IF EXISTS items;"
               "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
               " qty INTEGER, price REAL, data BLOB, note TEXT)",
               &err))
    fail("exec", &err);
  statement_t insert =
      must_prepare(c, "INSERT INTO items (name, qty, price, data, note) VALUES (?1, ?2, ?3, ?4, ?5)");
  stmt_ref_t ins = ref(insert);
  out("bind_parameter_count", "%d", dlwit_sqlite_sqlite_method_statement_bind_parameter_count(ins));
  static const uint8_t blob1[] = {0, 1, 2, 0xff, 0}, blob2[] = "\0blob\0";
  const struct {
    const char *name;
    int64_t qty;
    double price;
    const uint8_t *data;
    size_t len;
    const char *note;
  } table[] = {
      {"Zoë — 日本語 🦀", INT64_MIN, 3.25, blob1, sizeof blob1, NULL},
      {"plain", INT64_MAX, -0.5, blob2, sizeof blob2 - 1, "a note"},
      {"", 0, 0.125, NULL, 0, "ünïcödé"},
  };
  for (int n = 0; n < 3; n++) {
    bind_text(ins, 1, table[n].name);
    if (!dlwit_sqlite_sqlite_method_statement_bind_int64(ins, 2, table[n].qty, &err)) fail("bind", &err);
    if (!dlwit_sqlite_sqlite_method_statement_bind_double(ins, 3, table[n].price, &err)) fail("bind", &err);
    if (table[n].data) {
      bind_blob(ins, 4, table[n].data, table[n].len);
    } else if (!dlwit_sqlite_sqlite_method_statement_bind_null(ins, 4, &err)) {
      fail("bind", &err);
    }
    if (table[n].note) {
      bind_text(ins, 5, table[n].note);
    } else if (!dlwit_sqlite_sqlite_method_statement_bind_null(ins, 5, &err)) {
      fail("bind", &err);
    }
    int32_t code = dlwit_sqlite_sqlite_method_statement_step(ins);
    if (!dlwit_sqlite_sqlite_method_statement_reset(ins, &err)) fail("reset", &err);
    char label[16];
    snprintf(label, sizeof label, "insert %d", n + 1);
    out(label, "%d, rowid %" PRId64 ", changes %d", code,
        dlwit_sqlite_sqlite_method_connection_last_insert_rowid(c),
        dlwit_sqlite_sqlite_method_connection_changes(c));
  }
  out("total_changes", "%d", dlwit_sqlite_sqlite_method_connection_total_changes(c));

  statement_t select = must_prepare(c, "SELECT id, name, qty, price, data, note FROM items ORDER BY id");
  char line[1024] = "";
  int32_t columns = dlwit_sqlite_sqlite_method_statement_column_count(ref(select));
  for (int32_t i = 0; i < columns; i++) {
    guest_string_t s;
    dlwit_sqlite_sqlite_method_statement_column_name(ref(select), i, &s);
    char *name = utf8(&s);
    wit_free(&s);
    if (i) strcat(line, ", ");
    strcat(line, name);
    free(name);
  }
  out("columns", "%s", line);
  all_rows(c, ref(select), line, sizeof line);
  int n = 1;
  for (char *row = strtok(line, "|"); row; row = strtok(NULL, "|")) {
    char label[16];
    snprintf(label, sizeof label, "row %d", n++);
    out(label, "%s", row);
  }
  dlwit_sqlite_sqlite_statement_drop_own(select);

  statement_t find = must_prepare(c, "SELECT name FROM items WHERE qty = ?1");
  if (!dlwit_sqlite_sqlite_method_statement_bind_int64(ref(find), 1, INT64_MIN, &err)) fail("bind", &err);
  all_rows(c, ref(find), line, sizeof line);
  out("where qty = i64 min", "%s", line);
  guest_string_t sql;
  dlwit_sqlite_sqlite_method_statement_sql(ref(find), &sql);
  char *text = utf8(&sql);
  out("sql()", "%s", text);
  free(text);
  wit_free(&sql);
  dlwit_sqlite_sqlite_statement_drop_own(find);

  statement_t bad;
  if (!db_prepare(c, "SELEC * FROM items", &bad, &err)) out_error("prepare(bad sql)", &err);
  if (!db_exec(c, "INSERT INTO nope VALUES (1)", &err)) out_error("exec(no such table)", &err);
  if (!dlwit_sqlite_sqlite_method_statement_bind_int64(ins, 99, 1, &err)) out_error("bind_int64(99)", &err);
  statement_t dup = must_prepare(c, "INSERT INTO items (id, name) VALUES (1, 'dup')");
  int32_t code = dlwit_sqlite_sqlite_method_statement_step(ref(dup));
  char *msg = db_errmsg(c);
  out("step(duplicate id)", "%d: %s", code, msg);
  free(msg);
  dlwit_sqlite_sqlite_statement_drop_own(dup);
  char missing[256];
  snprintf(missing, sizeof missing, "%.*s/nonexistent-dlwit-dir/x.db", (int)(strrchr(path, '/') - path),
           path);
  connection_t none = db_open(missing, DLWIT_SQLITE_SQLITE_OPEN_FLAGS_READ_ONLY, &err, &ok);
  if (ok) {
    dlwit_sqlite_sqlite_connection_drop_own(none);
  } else {
    out_error("open(missing)", &err);
  }
  // The connection goes first; its statement keeps it alive until it is
  // finalized.
  dlwit_sqlite_sqlite_connection_drop_own(db);
  dlwit_sqlite_sqlite_statement_drop_own(insert);
  out("closed everything", "%" PRId64 " bytes left", dlwit_sqlite_sqlite_memory_used() - baseline);
}

static void compression(void) {
  guest_string_t v;
  dlwit_zlib_zlib_zlib_version(&v);
  char *version = utf8(&v);
  wit_free(&v);
  out("zlib version", "%s", version);
  free(version);
  const char *fox = "The quick brown fox jumps over the lazy dog";
  guest_list_u8_t buf = {(uint8_t *)fox, strlen(fox)};
  out("crc32(fox)", "%" PRIu64, dlwit_zlib_zlib_crc32_z(0, &buf));
  out("adler32(fox)", "%" PRIu64, dlwit_zlib_zlib_adler32_z(1, &buf));
  char text[601] = "";
  for (int i = 0; i < 100; i++) strcat(text, "dlwit ");
  guest_list_u8_t source = {(uint8_t *)text, 600}, packed, back;
  int32_t zerr;
  if (!dlwit_zlib_zlib_compress(&source, dlwit_zlib_zlib_compress_bound(600), &packed, &zerr)) abort();
  if (!dlwit_zlib_zlib_uncompress(&packed, 600, &back, &zerr)) abort();
  bool same = back.len == 600 && memcmp(back.ptr, text, 600) == 0;
  out("compress(600 bytes)", "%zu bytes, round trip %s", packed.len, same ? "ok" : "differs");
  guest_list_u8_free(&packed);
  guest_list_u8_free(&back);
  const char *garbage = "not zlib data";
  guest_list_u8_t g = {(uint8_t *)garbage, strlen(garbage)};
  if (!dlwit_zlib_zlib_uncompress(&g, 100, &back, &zerr)) out("uncompress(garbage)", "error %d", zerr);
  if (!dlwit_zlib_zlib_compress(&source, 4, &packed, &zerr)) out("compress(capacity 4)", "error %d", zerr);
}

static void math(void) {
  out("hypot(3, 4)", "%.6f", dlwit_libm_libm_hypot(3, 4));
  out("atan2(1, 1) * 4", "%.6f", dlwit_libm_libm_atan2(1, 1) * 4);
  out("ldexp(0.75, 4)", "%.6f", dlwit_libm_libm_ldexp(0.75, 4));
  out("lround(-2.5)", "%" PRId64, dlwit_libm_libm_lround(-2.5));
  out("floor(-2.5)", "%.6f", dlwit_libm_libm_floor(-2.5));
  out("pow(2, 10)", "%.6f", dlwit_libm_libm_pow(2, 10));
}

bool exports_wasi_cli_run_run(void) {
  callbacks();
  database("/data/langs.db");
  compression();
  math();
  printf("done\n");
  fflush(stdout);
  return true;
}
