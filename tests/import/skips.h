/* Every reason `dlwit import` skips something (golden: tests/golden/import/skips.wit). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

union sk_value { int i; float f; };
struct sk_bits { unsigned a : 3; unsigned b : 5; };
struct sk_with_union { int kind; union sk_value value; };
struct sk_anonymous { int kind; union { int i; float f; }; };
struct sk_flexible { int n; int items[]; };
struct sk_huge { char lines[4][80]; };
struct sk_empty;

/* Callbacks. */
typedef int (*sk_compare)(const void *, const void *);
void sk_sort(int *items, int n, sk_compare cmp);
sk_compare sk_default_compare(void);
/* No typedef: the callback is named after the function and parameter
 * (imported, with an interface of callbacks). */
void sk_on_event(void (*handler)(int event));

/* Unions, bitfields, other types. */
union sk_value sk_union_value(int i);
void sk_set_bits(struct sk_bits bits);
int sk_kind(struct sk_with_union v);
int sk_anon(struct sk_anonymous v);
__int128 sk_wide_int(void);
int sk_huge_name(struct sk_huge h);

/* Variadic functions and `va_list`. */
int sk_printf(const char *format, ...);
int sk_vprintf(const char *format, va_list args);

/* Pointers the header does not explain. */
void *sk_alloc(int size);
void sk_free(void *p);
int sk_fill(char *buffer, int capacity);
void sk_update(struct sk_bits *bits);
int sk_first(const int *values);
int sk_tail_first(char **tail, int *n);
struct sk_empty *sk_current(void);
/* Structs that hold a pointer, through a pointer; one freed by its callee. */
struct sk_named { const char *name; int id; };
void sk_rename(struct sk_named *n);
const struct sk_named *sk_last_named(void);
struct sk_point { int x, y; };
void sk_point_release(struct sk_point *p);

/* Not exported: `static inline` is compiled into the caller. */
static inline int sk_inline(int x) { return x + 1; }

/* Lists C keeps past the call, in an object it makes or sets up. */
typedef struct sk_rw sk_rw;
sk_rw *sk_rw_from_mem(const void *mem, int size);
int sk_rw_set_buffer(sk_rw *rw, void *buf, int size);
int sk_rw_close(sk_rw *rw);

/* A struct held by value (`sk_img`): an array of them, one it may share
 * (an alias, or C's own), a variable of it. */
typedef struct sk_img { unsigned char *data; int w; } sk_img;
sk_img sk_load_img(int w);
void sk_unload_img(sk_img img);
void sk_set_icons(sk_img *images, int count);
sk_img sk_img_alias(sk_img img);
sk_img sk_img_default(void);
extern sk_img sk_current_img;

/* A count no list takes: C may write that many through the pointer. */
void sk_gen_ids(int n, int flags, unsigned *ids);

/* Parameters the header leaves unnamed: an integer right after a pointer
 * may be its length (like Xlib's `XGetAtomNames`). */
int sk_get_names(unsigned long *, int, char **);
/* ... and right after a string (like Xlib's `XDrawString(..., const char *,
 * int)`, libzip's `zip_open(const char *, int, int *)`). */
int sk_draw_text(const char *, int);
int sk_hash_text(const char *, size_t);

/* `char **` that is not one string C writes: bytes C reads or writes
 * there. */
int sk_decode(const unsigned char **in, long len);

/* Lists of strings C frees (`g_strfreev`), counts by a pointer
 * (`glutInit(int *pargc, char **argv)`), or a program's `main` runs on
 * (and may end the process after). */
void sk_strfreev(char **str_array);
void sk_glut_init(int *pargc, char **argv);
int sk_tool_main(int argc, char **argv);

/* Programs run with arguments (`gpgme_op_spawn`, `rpm_execcon`), or by a
 * function named for spawning (`uv_spawn`, `g_spawn_command_line_async`). */
int sk_exec_tool(const char *file, const char *const *argv);
int sk_spawn(const char *command_line);

/* Bytes with no count: C reads as many as it means to, not to a NUL. */
int sk_verify32(const unsigned char *x, const unsigned char *y);

/* Memory at an address, which C acts on: a copy's address would be the
 * host's (unmapped, protected). */
int sk_protect(void *addr, unsigned long len, int prot);
int sk_realloc_buffer(void *buf, unsigned long size);

/* A struct with a pointer in it, given to C: the guest would choose the
 * address C writes to (`struct iovec`). */
struct sk_iov { void *base; unsigned long len; };
long sk_readv(int fd, const struct sk_iov *iov, int iovcnt);

/* What no guest may do to its host: end it, signal it, run programs. */
void abort(void);
int raise(int sig);
int system(const char *command);
/* Load native code (a guest that writes a file could run its own machine
 * code in the host); end the library for every other user in the process. */
int sk_load_extension(const char *file);
void sk_global_cleanup(void);
/* Taking an object, a cleanup is that object's. */
struct sk_pool;
void sk_pool_cleanup(struct sk_pool *pool);

/* Two pointers into one string: C subtracts them. */
int sk_parse_range(const char *in_start, const char *in_end);

/* A handle made from one of its own type: a duplicate is the caller's
 * (`sk_state_dup`), another may be the first's (lua's `lua_newthread`). */
typedef struct sk_state sk_state;
sk_state *sk_state_open(void);
void sk_state_close(sk_state *s);
sk_state *sk_state_dup(sk_state *s);
sk_state *sk_newthread(sk_state *s);
/* One object put into another: C may keep it there or take it over. */
int sk_state_push(sk_state *s, sk_state *child);

/* An array C fills, however many the header writes it as: never one value
 * (openssl's `BN_GF2m_poly2arr(a, int p[], int max)`); handles C writes
 * beside a count no list takes (z3's `Z3_query_constructor(..., num_fields,
 * ..., Z3_func_decl *tester, Z3_func_decl accessors[])`). */
int sk_poly2arr(sk_state *s, int p[], int max);
void sk_query(sk_state *s, unsigned num_fields, sk_state **tester);

/* A callback's `char *` named like bytes, with no length beside it: there
 * may be no NUL to read to (BIO's callback `argp`). */
typedef void (*sk_on_bytes)(void *userData, const char *buf);
void sk_set_bytes_handler(sk_state *s, sk_on_bytes handler);
/* A callback's only `void *`, not named like user data, with no `void *`
 * beside the callback to pass it: it may be anything C hands over (a block
 * an allocator's hook is told of). All a callback takes: it frees what is
 * beside it (`sqlite3_bind_pointer(stmt, i, p, type, destroy)`), which is
 * not user data. */
typedef void (*sk_on_alloc)(void *block, unsigned long size);
void sk_set_alloc_hook(sk_on_alloc hook);
void sk_bind_pointer(sk_state *s, void *p, void (*destroy)(void *));
/* A struct held in place that one function clears and another, named like
 * a destructor, also frees (libogg's `ogg_sync_clear`, `ogg_sync_destroy`):
 * the clearing one is the drop; the other would free the host's memory. */
typedef struct sk_sync { unsigned char *data; int fill; } sk_sync;
int sk_sync_init(sk_sync *s);
int sk_sync_clear(sk_sync *s);
int sk_sync_destroy(sk_sync *s);
/* Named like a destructor, with flags beside the object: it may free it
 * (`g_array_free(array, free_segment)`) or not; with memory that is no
 * handle, it frees that (`libssh2_free(session, ptr)`). */
void sk_state_free(sk_state *s, int keep_segment);
void sk_state_mem_free(sk_state *s, void *mem);
/* An accessor of a destructor frees nothing it is given. */
typedef void (*sk_cleanup_fn)(int code);
void sk_state_set_cleanup(sk_state *s, sk_cleanup_fn cleanup);

/* Typedefs of `void *` that are no handles: one ended by two destructors
 * (lcms2's `cmsHANDLE`), and a generic pointer (zlib's `voidpf`). */
typedef void *sk_handle;
sk_handle sk_table_alloc(void);
void sk_table_free(sk_handle h);
void sk_dict_free(sk_handle h);
typedef void *sk_voidp;
sk_voidp sk_mem_alloc(void);
void sk_mem_free(sk_voidp p);

/* An object made from a stream (bzip2's `BZ2_bzWriteOpen(&err, FILE *f,
 * ...)`): its end may close the stream, which the stream's drop would
 * close again. */
sk_rw *sk_rw_open_file(FILE *f);
