/* Every mapping `dlwit import` makes (golden: tests/golden/import/mappings.wit). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uchar.h>

/* Scalars: C types, prelude aliases and fixed-width typedefs. */
int mp_add(int a, int b);
unsigned long mp_ulong(unsigned long x, long y, long long z, unsigned long long w);
double mp_scale(double x, float f);
long double mp_precise(long double x);
bool mp_flag(bool on, char c, signed char sc, unsigned char uc, short s, unsigned short us);
size_t mp_sizes(size_t n, int64_t i, uint8_t b, uint32_t u);
void mp_nothing(void);
int mp_unnamed(int, double);
int mp_keywords(int flags, int type, int list);

/* Strings: `const char *` in; returned strings are options. */
size_t mp_length(const char *text);
const char *mp_name(int id);
char *mp_copy(const char *text);
/* A returned buffer with its size in an out-parameter: bytes, as many as C
   wrote there (raylib's `CompressData`; there may be no NUL). */
unsigned char *mp_compress(const unsigned char *data, int dataSize, int *compDataSize);
/* An array of numbers, as long as the size C wrote (raylib's
   `LoadCodepoints`); a `const` one is C's, with no doc line. */
int *mp_codepoints(const char *text, int *count);
const float *mp_samples(int *sampleCount);
/* A string that describes a file, not a file name: no `path`. */
int mp_register_format(const char *fileType);
/* Wide strings: `const wchar_t *` in and out, UTF-32. */
size_t mp_wide_length(const wchar_t *text);
const wchar_t *mp_wide_name(int id);
/* UTF-16 strings: `const char16_t *` in and out. */
size_t mp_utf16_length(const char16_t *text);
const char16_t *mp_utf16_name(int id);

/* Structs as records: typedef'd, by tag, nested, fixed arrays, pointers. */
typedef struct Vec2 {
    float x, y;
} Vec2;
typedef Vec2 Point;
struct mp_box {
    Vec2 min;
    Vec2 max;
    int corners[4];
    float matrix[2][2];
    const char *label;
    unsigned char tag[3];
    char name[8];
    double history[24];
};
Vec2 mp_vec_add(Vec2 a, Point b);
struct mp_box mp_box_of(Vec2 min, Vec2 max);
/* A struct of plain data C changes in place: an inout parameter. */
void mp_vec_nudge(Vec2 *v, float by);
/* A struct of plain data C keeps and returns a pointer to: read as the
 * record (none for NULL). */
const Vec2 *mp_vec_last(void);
float mp_box_area(const struct mp_box *box);

/* Enums with their C values; single bits make flags. */
typedef enum {
    MP_RED = 1,
    MP_GREEN = 2,
    MP_BLUE = 4,
    MP_ALPHA = 8,
    MP_NONE = 0
} MpChannels;
enum mp_mode {
    MP_MODE_FAST = -1,
    MP_MODE_SLOW = 10,
    MP_MODE_DEFAULT = 10,
    MP_MODE_2D = 20
};
enum { MP_LEVEL_LOW = 1, MP_LEVEL_MID, MP_LEVEL_HIGH };
enum mp_mode mp_set_mode(enum mp_mode mode, MpChannels channels);

/* Integer #defines in a run with a common prefix: enums or flags. */
#define MP_OPEN_READ   0x01 /* read */
#define MP_OPEN_WRITE  0x02 /* write */
#define MP_OPEN_CREATE (1 << 4)

#define MP_ERR_OK      0
#define MP_ERR_NOMEM   (-1)
#define MP_ERR_BUSY    (MP_ERR_NOMEM - 1)

#define MP_VERSION "1.0"
#define MP_ALONE 7

/* Handles: opaque typedefs and pointer typedefs become resources. */
typedef struct mp_db mp_db;
typedef struct mp_file_s *mp_file;
struct mp_cursor;
int mp_db_open(const char *path, mp_db **db);
int mp_db_close(mp_db *db);
const char *mp_db_errmsg(mp_db *db);
mp_file mp_file_open(const char *path);
void mp_file_release(mp_file f);
mp_file mp_file_dup(mp_file f);
struct mp_cursor *mp_cursor_new(mp_db *db);
void mp_cursor_free(struct mp_cursor *cursor);
/* Named like a destructor, with more than the object: the words after the
 * verb name the handle it frees (`leveldb_release_snapshot(db, snapshot)`),
 * taken as `own`; what else it takes says it deletes an entry
 * (`leveldb_delete(db, key)`), which frees no handle. */
void mp_db_release_cursor(mp_db *db, struct mp_cursor *cursor);
int mp_db_delete(mp_db *db, const char *key);
/* C's own objects (`borrowed`): a `const T *` or a `get0` name, taking no
 * handle; one that takes a handle lives as long as the db keeps it: skipped. */
const struct mp_cursor *mp_cursor_default(void);
struct mp_cursor *mp_cursor_get0_global(void);
const struct mp_cursor *mp_db_cursor(mp_db *db);

/* Lists: a pointer followed by its count. */
uint32_t mp_crc(uint32_t crc, const void *data, size_t len);
float mp_sum(const float *values, int count);
/* `const char **` with its count: a list of strings. */
size_t mp_join_length(const char **parts, size_t count);
void mp_polyline(const Vec2 *points, int pointCount, float thickness);
int mp_parse(const char *sql, int nByte);

/* Out-parameters: scalars and handles are results; a trailing `char **`
 * C writes is dropped. */
int mp_status(int op, int *current, long *highwater);
int mp_prepare(mp_db *db, const char *sql, mp_db **out, const char **tail);

/* Exported variables: getters. */
extern const char mp_version[];
extern const char *mp_default_name;
extern int mp_debug_level;
extern Vec2 mp_origin;
extern int *mp_counter;

/* A function pointer the library hands back and takes again: a resource
 * (`function = true`) whose `call` calls it. */
typedef int (*mp_binop)(int a, int b);
mp_binop mp_pick_op(int which);
int mp_apply(mp_binop f, int a, int b);

/* A complete struct C allocates and frees (like `FILE`): a handle. A
 * function that takes one and returns one may hand back the same one. */
typedef struct mp_stream { int fd; long pos; } mp_stream;
mp_stream *mp_fopen(const char *path, const char *mode);
mp_stream *mp_freopen(const char *path, const char *mode, mp_stream *s);
int mp_fclose(mp_stream *s);
long mp_ftell(mp_stream *s);

/* Made by a constructor that takes none, although another function
 * initialises something in one (like `Tcl_CreateInterp` beside
 * `Tcl_InitMemory`), and ended by `del` and its name as one word (like
 * ncurses' `delwin`): a handle. */
typedef struct mp_win { int rows, cols; } mp_win;
mp_win *mp_newwin(int rows, int cols);
void mp_init_colors(mp_win *w);
int mp_delwin(mp_win *w);

/* Ended by functions that return a status enum: the one whose name says
 * least else is its drop (like NSPR's `PR_Close`, not
 * `PR_DestroyPollableEvent`, for a `PRFileDesc`). */
typedef struct mp_desc { int fd; } mp_desc;
typedef enum mp_desc_status { MP_DESC_OK, MP_DESC_FAILED } mp_desc_status;
mp_desc *mp_open_desc(const char *name);
mp_desc_status mp_destroy_pollable_event(mp_desc *event);
mp_desc_status mp_close(mp_desc *fd);

/* Named after what it does to files: its strings are file names. */
int mp_unlink(const char *name);

/* Buffers C reads and writes, their length next: lists copied in and read
 * back after the call (`inout`). */
int mp_fread(mp_stream *s, void *buf, unsigned len);
void mp_sort_ints(int *values, int count);

/* A struct with a pointer in it that C loads and unloads by value (like
 * raylib's `Image`): a handle that holds it; `mp_image *` takes it too. */
typedef struct mp_image { unsigned char *data; int width, height; } mp_image;
mp_image mp_load_image(int width, int height);
mp_image mp_image_copy(mp_image image);
void mp_image_flip(mp_image *image);
int mp_image_width(mp_image image);
void mp_unload_image(mp_image image);

/* A count names its pointer: `inlen` after `in` is the list's length;
 * `fontSize` after `text` is an integer of its own. */
int mp_hash(const unsigned char *in, unsigned long long inlen);
int mp_measure(const char *text, int fontSize);

/* An opening function whose header leaves its file name unnamed (zlib's
 * `gzopen`): its first string is a file name. */
mp_stream *mp_gzopen(const char *, const char *);

/* A struct held in place with a union in it: in the resource's record the
 * union is opaque bytes of its size (the guest never sees them). */
typedef struct mp_parser {
    int state;
    union { const char *text; long number; } input;
} mp_parser;
int mp_parser_init(mp_parser *parser);
int mp_parser_step(mp_parser *parser);
void mp_parser_delete(mp_parser *parser);

/* A typedef of `void` that only pointers use (bzip2's `BZFILE`, curl's
 * `CURL`): a handle type. */
typedef void mp_ctx;
mp_ctx *mp_ctx_new(void);
int mp_ctx_run(mp_ctx *ctx, int steps);
void mp_ctx_free(mp_ctx *ctx);

/* Parameters written with an array typedef (libuuid's `uuid_t`): a record
 * of its elements, copied in (and read back when C may write it). */
typedef unsigned char mp_uuid[16];
void mp_uuid_generate(mp_uuid out);
int mp_uuid_compare(const mp_uuid a, const mp_uuid b);

/* Arrays of handles whose count comes before them (z3's `Z3_mk_and(c,
 * num_args, Z3_ast const args[])`): lists of lent handles, the count
 * their length. An array right after one shares its count: a condition
 * holds the two lengths equal. */
int mp_file_compare(mp_file f, unsigned num_files, mp_file const files[]);
int mp_files_pair(unsigned n, mp_file const files[], mp_file const others[],
                  long sizes[]);

/* Counts before their pointers by the names alone: `n` before a plural of
 * integers (OpenAL's `alDeleteSources(n, sources)`, read; `alGenSources`,
 * written), `objc` before `objv` (Tcl), a pointer's name and `len` as one
 * word (`passwdlen, passwd`). */
void mp_delete_sources(int n, const unsigned *sources);
void mp_gen_sources(int n, unsigned *sources);
int mp_eval_objv(mp_file f, int objc, mp_file const objv[]);
int mp_hash_password(unsigned long long passwdlen, const unsigned char *passwd);

/* Lists of strings: an array of copies, NULL after the last; read by C to
 * its count (`int argc, char **argv`) or to the NULL (`g_strv_length`). */
int mp_parse_flags(int flags, char **argv);
unsigned mp_strv_length(const char *const *strv);
int mp_count_args(int argc, char **argv);

/* Parameters written as arrays of a few elements (libuv's `uv_loadavg(double
 * avg[3])`): tuples, copied in and, when C may write them, read back. */
void mp_loadavg(double avg[3]);
float mp_dot3(const float a[3], const float b[3]);
/* Arrays of more than a tuple's 12 elements: a record of them, named after
 * their elements, shared by every parameter of that shape. */
void mp_key_fill(unsigned char key[32]);
int mp_key_check(const unsigned char key[32]);

/* z3's names: `Z3_mk_context` makes, `Z3_del_context` destroys; what is
 * made from an object keeps it alive (`parent`): dropping the context
 * first leaves no dangling term. */
typedef struct mp_zctx *mp_zctx;
typedef struct mp_zterm *mp_zterm;
mp_zctx mp_mk_zctx(void);
void mp_del_zctx(mp_zctx c);
mp_zterm mp_mk_zint(mp_zctx c, int v);

/* A function pointer C calls with values, text and its user data (expat's
 * handlers): an export of the interface of callbacks, which the world
 * `callbacks` exports; the user data beside it is NULL. */
typedef void (*mp_on_event)(void *userData, const char *name, int code);
void mp_set_event_handler(mp_db *db, mp_on_event handler, void *userData);
/* Text with its length after it has no NUL after it: bytes, copied. */
typedef void (*mp_on_text)(void *userData, const char *s, int len);
void mp_set_text_handler(mp_db *db, mp_on_text handler);
/* A reference counted object: `_ref` of its one argument is a new
 * reference (`cairo_reference`, `g_tree_ref`), owned, which the handle's
 * drop, `_unref`, releases; `refcounted`, as the guest may own a handle
 * of the object already. */
typedef struct mp_shared mp_shared;
mp_shared *mp_shared_new(void);
mp_shared *mp_shared_ref(mp_shared *s);
void mp_shared_unref(mp_shared *s);
/* A variable holding one of the library's own objects (GraphBLAS's
 * `GxB_PLUS_TIMES_FP64`): a `borrowed` getter. */
extern mp_shared *mp_default_shared;
/* A handle typedef of `void *` (lcms2's `cmsHPROFILE`): a constructor
 * returns it, one destructor ends it. */
typedef void *mp_hprofile;
mp_hprofile mp_open_profile(const char *name);
int mp_profile_version(mp_hprofile p);
int mp_close_profile(mp_hprofile p);
/* Short destructor words that only stand alone: `put` (json-c's last
 * reference, `json_object_put`), `exit` (`libusb_exit(ctx)`). */
typedef struct mp_json mp_json;
mp_json *mp_json_new_object(void);
int mp_json_put(mp_json *j);
/* Of several destructors, one named after the object, then one that frees
 * it, then the shortest: `git_reference_free`, not `git_branch_delete`
 * (which deletes the branch, and is shorter). */
typedef struct mp_reference mp_reference;
mp_reference *mp_reference_new(void);
void mp_reference_free(mp_reference *r);
void mp_branch_delete(mp_reference *r);
/* A handle type with no library prefix (Xlib's `Display`): its own name,
 * `display`, picks `mp_close_display`, not `mp_vendor_release` (a getter
 * whose name ends like a destructor's). */
typedef struct mp_display_s Display;
Display *mp_open_display(void);
int mp_close_display(Display *d);
int mp_vendor_release(Display *d);
/* User data known by its position: the callback's only `void *` C may
 * write through, not named like user data (libevent's `void (*)(int,
 * short, void *)`), with the one such `void *` beside it (git's
 * `payload`), NULL. */
typedef int (*mp_visit_cb)(const char *path, void *p2);
int mp_walk(mp_db *db, mp_visit_cb visit, void *payload);
/* A struct held in place that only its initialisers make (GMP's `mpz_t`):
 * each `void` initialiser returns one, made by the host and initialised
 * by C, and there is no zeroed one; one that may fail would initialise it
 * again (skipped); the function that ends it is its drop alone (skipped);
 * functions of other objects may read it through `const`; one that writes
 * it after another parameter is skipped (C may keep it there), and so is
 * one that returns one. */
typedef struct { int size; long *limbs; } mp_num;
void mp_num_init(mp_num *x);
void mp_num_init_set(mp_num *x, long v);
int mp_num_init_str(mp_num *x, const char *s);
void mp_num_clear(mp_num *x);
void mp_num_add(mp_num *r, const mp_num *a, const mp_num *b);
int mp_db_has_num(mp_db *db, const mp_num *x);
void mp_db_store_num(mp_db *db, mp_num *x);
mp_num *mp_num_view(mp_num *x, long *limbs, int n);
/* A struct of plain data C writes as its result beside a handle: only
 * when named `out` or first (git's `git_oid *out`); named `in_out`, C
 * reads it too (Xlib's `XColor *screen_in_out`). */
typedef struct { unsigned char id[20]; } mp_oid;
int mp_name_to_id(mp_oid *out, mp_db *db, const char *name);
int mp_db_lookup(mp_db *db, mp_oid *id_in_out);
/* A callback lent a struct of plain data gets a copy of it. */
typedef int (*mp_oid_cb)(const mp_oid *id, void *payload);
int mp_each_oid(mp_db *db, mp_oid_cb cb, void *payload);

/* `FILE *` (libtiff's `TIFFPrintDirectory(TIFF *, FILE *, long)`): the C
 * library's `fopen` and `fclose` come with it, a `file` resource the guest
 * opens in its own directories. */
int mp_dump(mp_db *db, FILE *out);
