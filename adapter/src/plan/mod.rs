//! Stage 2, pure data and free of `unsafe`: what C sees for every WIT
//! function and type. Computed once from the resolved WIT; later stages only
//! read it. `dlwit plan` prints it.

mod args;
mod build;
mod callback;
mod cproto;
mod expr;
mod format;
mod func;
mod held;
pub(crate) mod layout;
mod notes;
mod print;
mod require;
mod results;
mod sig;
mod types;
mod unions;

pub use callback::MAX_CALLBACK_ARGS;
pub use func::Variable;
pub use held::{Accessor, Buffer, HeldOp};
pub use layout::{CStruct, CType, Field, Scalar, StructId, StructKind};
pub use require::{Access, CmpOp, HELD, Kind, Load, Num, Op, Operand, Require};
pub use sig::{Render, Signature, WitType};
pub use types::ArrayPlan;
pub use unions::{UnionCase, UnionPlan};

use crate::error::Location;

/// How one WIT value is stored in C memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `bool` as `_Bool`, or `c-bool` as `int` (0 or 1 in, non-zero is true out).
    Bool(Scalar),
    /// An integer (or `ptr`) of the given C width and signedness.
    Int(Scalar),
    /// `f32` as `float`.
    F32,
    /// `f64` as `double`.
    F64,
    /// `f64` as `long double` (`c-long-double`): converted to and from x87
    /// extended precision ([`dlwit_ctype::x87`]); only the general path
    /// (`Val`s and libffi) takes it.
    LongDouble,
    /// `char` as `uint32_t`, a Unicode scalar value.
    Char,
    /// A WIT enum as a C integer holding the case's C value.
    Enum(Box<EnumPlan>),
    /// WIT flags as an unsigned C bitmask.
    Flags(Box<FlagsPlan>),
    /// A record or tuple as a C struct, by value.
    Struct(StructId),
    /// A C array inside a struct (`T[N]`, `char[N]`): a `list<T>` of exactly
    /// N elements, or a `string` of fewer than N bytes, with
    /// `@ffi(array = N)` on the record field.
    Array(Box<ArrayPlan>),
    /// A `string` (or, `nullable`, an `option<string>`) record field: a
    /// `const char *` in the struct. Into C, a NUL-terminated copy kept for
    /// the call; out of C, the string it points at, copied.
    CStr {
        /// `option<string>`: NULL is `none` (else NULL is an error).
        nullable: bool,
    },
    /// A WIT variant as a tagged C union (`@ffi(tag = "u32")` on the
    /// variant): passed through pointers and inside structs, never by value.
    Union(Box<UnionPlan>),
    /// A resource handle: the C pointer behind it, or, for a resource held
    /// by value, the address of the struct the table keeps.
    Handle {
        /// Index into [`Plan::resources`].
        resource: usize,
        /// `own<T>`: the handle moves (to C as a parameter, to the guest as a result).
        own: bool,
        /// For a resource held by value ([`Resource::value`]) passed or
        /// returned as the struct itself (`Image`, not `Image *`): the struct.
        value: Option<StructId>,
    },
}

/// A WIT enum's C representation.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumPlan {
    /// The C integer type.
    pub repr: Scalar,
    /// The C value of each case, by case index.
    pub values: Vec<i64>,
    /// Case names, by case index.
    pub names: Vec<String>,
}

/// WIT flags' C representation.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagsPlan {
    /// The C integer type.
    pub repr: Scalar,
    /// The C bit (mask) of each flag, by flag index.
    pub bits: Vec<u64>,
    /// Flag names, by flag index.
    pub names: Vec<String>,
}

impl Shape {
    /// The shape of a value of the named C type `c` (a prelude alias).
    pub fn of(c: dlwit_ctype::CName) -> Shape {
        let s = c.scalar();
        if c.is_truth() {
            return Shape::Bool(s);
        }
        match s {
            Scalar::Bool => Shape::Bool(s),
            Scalar::I8
            | Scalar::U8
            | Scalar::I16
            | Scalar::U16
            | Scalar::I32
            | Scalar::U32
            | Scalar::I64
            | Scalar::U64
            | Scalar::Ptr => Shape::Int(s),
            Scalar::F32 => Shape::F32,
            Scalar::F64 => Shape::F64,
            Scalar::LongDouble => Shape::LongDouble,
        }
    }

    /// The C type that holds this value.
    pub fn ctype(&self) -> CType {
        match self {
            Shape::Bool(s) | Shape::Int(s) => CType::Scalar(*s),
            Shape::F32 => CType::Scalar(Scalar::F32),
            Shape::F64 => CType::Scalar(Scalar::F64),
            Shape::LongDouble => CType::Scalar(Scalar::LongDouble),
            Shape::Char => CType::Scalar(Scalar::U32),
            Shape::Enum(e) => CType::Scalar(e.repr),
            Shape::Flags(f) => CType::Scalar(f.repr),
            Shape::Struct(id) => CType::Struct(*id),
            Shape::Array(a) => CType::Struct(a.layout),
            Shape::Union(u) => CType::Struct(u.layout),
            Shape::CStr { .. } => CType::Scalar(Scalar::Ptr),
            Shape::Handle { value: None, .. } => CType::Scalar(Scalar::Ptr),
            Shape::Handle {
                value: Some(id), ..
            } => CType::Struct(*id),
        }
    }
}

/// How one WIT parameter becomes C arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A value passed as one C argument.
    Value {
        /// C argument index.
        arg: usize,
        /// Its shape.
        shape: Shape,
    },
    /// `string`: a NUL-terminated copy, `const char *`.
    String {
        /// C argument index.
        arg: usize,
    },
    /// `string` where the prototype says `const wchar_t *` (a copy in
    /// UTF-32: `wchar_t` is 4 bytes on Linux) or `const char16_t *` (UTF-16),
    /// ending in a 0 unit.
    WideString {
        /// C argument index.
        arg: usize,
        /// The encoding.
        wide: Wide,
    },
    /// `list<T>`: `(const T *, length)`, a C-layout copy of the elements.
    List {
        /// C argument index of the pointer.
        arg: usize,
        /// C argument index of its length: the next one, or the one
        /// `@ffi(count = "list = n")` names; none with `count = "list =
        /// _"` (C knows the length otherwise, a `require` bounds it).
        len: Option<usize>,
        /// Element shape.
        elem: Shape,
    },
    /// A pointer to a host copy of the value: `option<record>` (none is
    /// NULL), or a value whose C parameter is a pointer (`const void *key`).
    Ref {
        /// C argument index.
        arg: usize,
        /// The pointee.
        shape: Shape,
        /// `option<T>`: none is NULL.
        optional: bool,
    },
    /// A WIT parameter C never sees (the capacity of a buffer out-parameter).
    Capacity,
    /// `self` of a `call = true` method: the handle's C function pointer
    /// is the function called, not an argument.
    Callee {
        /// The resource (`function = true`).
        resource: usize,
    },
    /// A scalar passed as a variadic argument: the value of `shape`,
    /// widened by C's default argument promotions to the C argument's type
    /// (`float` → `double`, integers narrower than `int` → `int`).
    Vararg {
        /// C argument index.
        arg: usize,
        /// The WIT value's shape.
        shape: Shape,
    },
}

/// What an out-parameter's slot holds, and how it is read after the call.
#[derive(Debug, Clone, PartialEq)]
pub enum OutKind {
    /// A value of this shape (scalar, struct, or a handle C created).
    Value(Shape),
    /// `char **`: a string copied out (and freed with `free`, if given).
    String,
    /// `char **` pointing into the string parameter with this C argument
    /// index: read as a byte offset into it, of this integer type.
    Index {
        /// The string's C argument.
        string_arg: usize,
        /// The WIT integer the offset is given as.
        int: Scalar,
    },
    /// A caller-provided buffer of `capacity` bytes, whose size C gets by
    /// value in `size_arg`, read back as a NUL-terminated string
    /// (`snprintf(str, size, ...)`).
    Text {
        /// The C argument of the size.
        size_arg: usize,
        /// Where the capacity comes from.
        capacity: Capacity,
    },
    /// A caller-provided buffer of `capacity` bytes, whose size C gets by
    /// value in `size_arg`, read back as the `list<u8>` of as many bytes as
    /// C returns (`gzread(file, buf, len)`, `read(fd, buf, count)`): the C
    /// return value is the count, not a value of its own.
    Bytes {
        /// The C argument of the size.
        size_arg: usize,
        /// Where the capacity comes from.
        capacity: Capacity,
    },
    /// A caller-provided buffer: `capacity` bytes, with its length in
    /// `len_arg` (a pointer to an integer of type `len`, in and out).
    Buffer {
        /// The C argument of the length pointer.
        len_arg: usize,
        /// The length's C type.
        len: Scalar,
        /// Where the capacity comes from.
        capacity: Capacity,
    },
    /// The list parameter at this C argument, read back after the call
    /// (C changed it in place: `qsort`), `inout = "base"`.
    Back {
        /// The element shape.
        elem: Shape,
        /// The C argument of the list's length (none: as many elements
        /// as the guest gave).
        len: Option<usize>,
    },
    /// The value parameter at this C argument (a `T *` to a copy of it),
    /// read back after the call (C changed it in place), `inout = "x"`.
    InOut(Shape),
    /// Written by C, not read.
    Discard,
    /// A struct held in place ([`Resource::in_place`]) that C initialises
    /// (`mpz_init(x)`, `inflateInit_(strm, ...)`): the host makes it
    /// zeroed in its table before the call and points the argument at it;
    /// the guest gets its `own` handle once C succeeded. Index into
    /// [`Plan::resources`].
    Held(usize),
}

/// The capacity of a buffer out-parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Capacity {
    /// A fixed number of bytes.
    Fixed(u64),
    /// The value of the WIT parameter with this index (an integer).
    Param(usize),
}

/// One out-parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    /// Its C argument index.
    pub arg: usize,
    /// What it holds.
    pub kind: OutKind,
}

/// What the C return value is, read as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Ret {
    /// No result (`void`), or a status only an error convention reads.
    Void,
    /// A value.
    Value(Shape),
    /// `const char *` copied into the guest; NULL is `none` when `nullable`,
    /// an error otherwise (unless an error convention handles it).
    String {
        /// Declared as `option<string>`.
        nullable: bool,
    },
    /// `const wchar_t *` (UTF-32 up to a 0 unit) or `const char16_t *`
    /// (UTF-16) copied into the guest as a `string`; NULL as for
    /// [`Ret::String`].
    WideString {
        /// Declared as `option<string>`.
        nullable: bool,
        /// The encoding.
        wide: Wide,
    },
    /// A `handle` that may be NULL (`option<T>`): NULL is `none`.
    NullableHandle(Shape),
    /// A pointer to a C struct (`const struct lconv *`, `SDL_version *`),
    /// read as the record: copied out of C's memory, never freed. NULL is
    /// `none` when `nullable` (`option<record>`), an error otherwise
    /// (unless an error convention handles it).
    StructPtr {
        /// The struct.
        id: StructId,
        /// Declared as `option<record>`.
        nullable: bool,
    },
    /// A pointer into the list parameter at C argument `list_arg`, read as
    /// an element index (`bsearch`, `index = "return = base"`); NULL is none.
    Index {
        /// The list's C argument.
        list_arg: usize,
        /// The C argument of its length.
        len_arg: usize,
        /// The size of one element.
        elem_size: usize,
        /// The WIT integer the index is given as.
        int: Scalar,
    },
    /// A pointer to `length` elements of plain data (numbers, and records
    /// of them), copied into a `list<T>`.
    Array {
        /// The element.
        elem: Shape,
        /// Its C size.
        size: usize,
        /// The length in elements: computed right after the function
        /// returns (a call, an out-parameter, a parameter's field, a
        /// product).
        length: Expr,
    },
}

/// The encoding of a wide string, in host byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wide {
    /// `char16_t`: UTF-16, 2-byte units (surrogate pairs beyond the BMP).
    Utf16,
    /// `wchar_t` on Linux: UTF-32, 4-byte units.
    Utf32,
}

impl Wide {
    /// The C type of one unit.
    pub fn unit(self) -> &'static str {
        match self {
            Wide::Utf16 => "char16_t",
            Wide::Utf32 => "wchar_t",
        }
    }

    /// How it is named.
    pub fn name(self) -> &'static str {
        match self {
            Wide::Utf16 => "UTF-16",
            Wide::Utf32 => "UTF-32",
        }
    }
}

/// A C error convention: when the C return value means failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// Failure when not 0; the return value is a status.
    Nonzero,
    /// Failure when below 0.
    Negative,
    /// Failure when -1.
    MinusOne,
    /// Failure when NULL.
    Null,
    /// Failure when 0; the return value is a status.
    False,
}

impl Convention {
    /// The name `@ffi(error = ...)` uses.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Nonzero => "nonzero",
            Convention::Negative => "negative",
            Convention::MinusOne => "minus-one",
            Convention::Null => "null",
            Convention::False => "false",
        }
    }

    /// Whether the return value is data when the call succeeds.
    pub fn returns_data(self) -> bool {
        matches!(
            self,
            Convention::Negative | Convention::MinusOne | Convention::Null
        )
    }
}

/// A value computed for an error message or a length.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The value of C argument `i` (for an out-parameter: what C wrote).
    Arg(usize),
    /// The error code (errno or the return value).
    Code,
    /// errno, read right after the call.
    Errno,
    /// An `int` literal.
    Int(i32),
    /// An integer field of the struct C argument `arg` passes by value
    /// (`wave.frameCount`), at `offset`.
    Field {
        /// The C argument.
        arg: usize,
        /// Byte offset in the struct.
        offset: usize,
        /// Bytes.
        size: u8,
        /// Sign-extended.
        signed: bool,
    },
    /// `a * b` as 64-bit signed integers; beyond them, `i64::MAX`.
    Mul(Box<Expr>, Box<Expr>),
    /// A call of [`Plan::calls`]`[callee]` with these arguments.
    Call {
        /// Index into [`Plan::calls`].
        callee: usize,
        /// Its arguments.
        args: Vec<Expr>,
    },
}

/// Where one value of the WIT result comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The C return value, read as [`Function::ret`] says.
    Return,
    /// Out-parameter number `i` of [`Function::outs`].
    Out(usize),
}

/// How several values make one WIT value.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// No value (`_`, or no result).
    Unit,
    /// Exactly one value.
    Single,
    /// A tuple of the values.
    Tuple,
    /// A record of the values, with these field names.
    Record(Vec<String>),
}

/// How the WIT error value is made when the convention says the call failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorPlan {
    /// The convention.
    pub convention: Convention,
    /// The code's shape (integer or enum), if `E` has a code.
    pub code: Option<Shape>,
    /// The message expression, if `E` has a message.
    pub message: Option<Expr>,
    /// How code and message make `E`.
    pub form: Form,
}

/// How the WIT result is assembled after the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The values, in order.
    pub values: Vec<Source>,
    /// How they make the (ok) value.
    pub form: Form,
    /// With an error convention: the result is `result<ok, E>`.
    pub error: Option<ErrorPlan>,
}

/// An auxiliary C function: a destructor, a `free`, or a function called
/// in a `message` or `length` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The symbol.
    pub symbol: String,
    /// Index into [`Plan::libraries`].
    pub library: usize,
    /// Parameter types.
    pub args: Vec<CType>,
    /// Return type.
    pub ret: CType,
    /// Where it is named.
    pub location: Option<Location>,
}

/// A WIT resource: an opaque C pointer with an optional destructor, or a C
/// struct held by value in the handle table (raylib's `Image`, `Texture2D`).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The WIT name.
    pub name: String,
    /// The instance (interface) that defines it.
    pub interface: String,
    /// The C type as C spells it (`sqlite3 *`; `Image` when held by value).
    pub c_name: String,
    /// Held by value (`@ffi(struct = "record")`): the struct. C functions
    /// take it by value (`Image`) or by address (`Image *`, which points at
    /// the table's copy, so C may change it in place), and return it by
    /// value; the destructor takes it by value.
    pub value: Option<StructId>,
    /// Held in place (`@ffi(in-place = true)`, with `struct`): the guest
    /// makes it (zeroed, by an accessor `held = "new"`), C keeps its
    /// address across calls (`z_stream`), so C functions take it only by
    /// address, never own it, never make one, and the destructor takes
    /// its address.
    pub in_place: bool,
    /// In-place structs' pointer fields the host points at buffers of its
    /// own (`@ffi(buffers = "next-in: avail-in")`).
    pub buffers: Vec<Buffer>,
    /// The destructor: index into [`Plan::calls`].
    pub drop: Option<usize>,
    /// `@ffi(function = true)`: each handle is a C function pointer C
    /// handed back; a method with `call = true` calls it.
    pub function: bool,
}

/// A function a guest exports that C calls through a function pointer
/// (a `qsort` comparator, an `sqlite3_exec` row callback). Its interface is
/// marked `@ffi(callbacks = true)`; `@ffi(c = "...")` gives its C type.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// The exported interface's instance name (`dlwit:libc/compare`).
    pub interface: String,
    /// The export's WIT name (`compare-s32`).
    pub name: String,
    /// Its WIT type, which the guest's export must have.
    pub sig: Signature,
    /// The C parameters C calls it with.
    pub args: Vec<CArg>,
    /// The C return type.
    pub ret_type: CType,
    /// The C return type as C spells it.
    pub ret_spelling: String,
    /// How each WIT parameter is made from the C arguments.
    pub params: Vec<CbParam>,
    /// The WIT result, given back to C as the return value.
    pub result: Option<Shape>,
    /// What C gets when the guest cannot answer (it trapped, or the call
    /// came from another thread).
    pub fallback: i64,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// How one WIT parameter of a callback is made from C arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum CbParam {
    /// The C argument, by value.
    Value {
        /// C argument index.
        arg: usize,
        /// Its shape.
        shape: Shape,
    },
    /// What the C argument points at (`const void *a` read as `T`).
    Pointee {
        /// C argument index.
        arg: usize,
        /// The pointee's shape.
        shape: Shape,
    },
    /// `const char *`, copied; NULL is none (`option<string>`) or an error.
    String {
        /// C argument index.
        arg: usize,
        /// `option<string>`.
        nullable: bool,
    },
    /// `char **` with `count` elements: `list<string>` or
    /// `list<option<string>>`.
    Strings {
        /// C argument index.
        arg: usize,
        /// The C argument that holds the count.
        count: usize,
        /// Elements are `option<string>`.
        nullable: bool,
    },
    /// `T **` with `count` elements, each read with a C function of one
    /// argument (`read = "argv = sqlite3_value_text"`): a list of its
    /// results, strings or integers.
    Read {
        /// C argument index.
        arg: usize,
        /// The C argument that holds the count.
        count: usize,
        /// The reader: index into [`Plan::calls`].
        call: usize,
        /// What it returns: a string (`nullable`: NULL is none) when
        /// `None`, else this integer type.
        int: Option<Scalar>,
        /// For strings: NULL is none.
        nullable: bool,
    },
    /// A C handle lent to the guest for the callback (`borrow<T>`).
    Handle {
        /// C argument index.
        arg: usize,
        /// Index into [`Plan::resources`].
        resource: usize,
    },
    /// `T **` with `count` elements, each lent as `borrow<T>`.
    Handles {
        /// C argument index.
        arg: usize,
        /// The C argument that holds the count.
        count: usize,
        /// Index into [`Plan::resources`].
        resource: usize,
    },
    /// `const T *` with `count` elements of plain numbers (`list<u8>` for
    /// expat's `const XML_Char *s, int len`): copied.
    Array {
        /// C argument index.
        arg: usize,
        /// The C argument that holds the count.
        count: usize,
        /// The element's shape: an integer, `f32` or `f64`.
        elem: Shape,
    },
}

/// One C parameter as printed: its type spelled in C, and a name.
#[derive(Debug, Clone, PartialEq)]
pub struct CArg {
    /// The type for the ABI.
    pub ty: CType,
    /// The type as C spells it (`const char *`, `size_t`, `struct rgba`).
    pub spelling: String,
    /// The parameter's name.
    pub name: String,
}

/// One WIT function bound to one C symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The WIT name (`pass-u8`, `[method]connection.prepare`).
    pub name: String,
    /// Its WIT type, which a component's import of it must have.
    pub sig: Signature,
    /// The C symbol (`fx_pass_u8`).
    pub symbol: String,
    /// Index into [`Plan::libraries`].
    pub library: usize,
    /// The C parameters, in order.
    pub args: Vec<CArg>,
    /// The C return type.
    pub ret_type: CType,
    /// The C return type as C spells it.
    pub ret_spelling: String,
    /// WIT parameters, in order, and their C arguments.
    pub params: Vec<Param>,
    /// C arguments with fixed values (`set`, and NULL for unused `const T *`).
    pub fixed: Vec<(usize, i64)>,
    /// Of those, the `const char *` constants (`set = "version = '1.2.13'"`),
    /// as written: their [`Function::fixed`] value is the address of a copy
    /// that lives as long as the process.
    pub constants: Vec<(usize, String)>,
    /// Out-parameters, in C order.
    pub outs: Vec<Out>,
    /// The C return value as data.
    pub ret: Ret,
    /// How the WIT result is made.
    pub results: Results,
    /// Releases returned strings: index into [`Plan::calls`].
    pub free: Option<usize>,
    /// Function-pointer parameters filled with a guest callback: (C argument,
    /// index into [`Plan::callbacks`]).
    pub callbacks: Vec<(usize, usize)>,
    /// Whether errno is read right after the call.
    pub errno: bool,
    /// `@ffi(reentrant = true)`: a callback may pass this function a
    /// handle that a C call in progress (the one that made the callback)
    /// was given, or the parent of one. Without it such a call traps
    /// before C runs: C libraries rarely survive being re-entered on the
    /// object they are working on (`sqlite3_reset` on the statement whose
    /// `sqlite3_step` called the guest).
    pub reentrant: bool,
    /// `@ffi(parent = "p")`: index into [`Function::params`] of the
    /// borrowed handle every handle this function returns keeps alive (its
    /// C destructor waits for theirs).
    pub parent: Option<usize>,
    /// `@ffi(keep = "p")`: (the first parameter, `p`), indices into
    /// [`Function::params`] of two borrowed handles: C keeps `p`'s object in
    /// the first's, which keeps it alive from the call on (`p`'s C
    /// destructor waits for the first's).
    pub keep: Option<(usize, usize)>,
    /// `@ffi(borrowed = true)`: the handles the function returns (or
    /// writes to out-parameters) are objects C owns (`EVP_sha256()`'s
    /// static digest, an accessor's `get0` object): no destructor runs
    /// when the guest drops them, and no `own` parameter takes them.
    pub borrowed: bool,
    /// `@ffi(refcounted = true)`: the handles the function returns may be
    /// objects the guest already owns handles of, because C counts
    /// references to them (`cairo_reference`, `g_object_ref`): each handle
    /// holds one, which its drop gives back. Without it the host refuses
    /// a second owned handle of one object, which would be destroyed twice
    /// (`initscr()` returns ncurses' one `stdscr` each time).
    pub refcounted: bool,
    /// With `borrowed`: the prototype returns `const T *`, an object C
    /// may keep in read-only memory: only parameters the prototype spells
    /// `const T *` ([`Function::reads_only`]) take its handles.
    pub readonly: bool,
    /// The C arguments the prototype spells `const T *` (one level): C
    /// only reads through them. Empty without a prototype.
    pub reads_only: Vec<usize>,
    /// `@ffi(then = "fn(args)")`: a C call made after every call that
    /// succeeded (its result ignored), as written and bound: what the WIT
    /// author needs done to every new object, such as
    /// `sqlite3_limit(ppDb, 7, 0)` on a new connection.
    pub then: Option<(String, Expr)>,
    /// A variadic C function: how many C parameters are fixed (the rest of
    /// [`Function::args`] are variadic arguments).
    pub variadic: Option<usize>,
    /// String parameters that are paths (`@ffi(path = ...)`), resolved in
    /// the store's preopened directories before the call.
    pub paths: Vec<PathParam>,
    /// `@ffi(require = ...)`: conditions on the parameters, all checked
    /// before C is called.
    pub require: Vec<Require>,
    /// A printf-style format parameter, checked against the variadic
    /// arguments before every call (`@ffi(format = "format = printf")`).
    pub format: Option<Format>,
    /// List parameters (indices into [`Function::params`]) C gets a copy
    /// of, never the guest's own memory (`@ffi(copy = "buf")`): what C may
    /// keep past the call or write through a `const` pointer. Lists not
    /// named may be lent in place when the call allows it (see
    /// `marshal::fast`).
    pub copy: Vec<usize>,
    /// The `@ffi(c = ...)` prototype as written, if any
    /// (`dlwit check --verify-layout` compares it with the header's).
    pub c: Option<String>,
    /// `@ffi(variable = "...")`: the symbol is a variable the function
    /// reads, not a function it calls.
    pub variable: Option<Variable>,
    /// Where the function is declared.
    pub location: Option<Location>,
}

impl Function {
    /// The out-parameters C initialises structs held in place through
    /// ([`OutKind::Held`]; the plan allows one): C argument and resource.
    pub fn held_outs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.outs.iter().filter_map(|o| match o.kind {
            OutKind::Held(r) => Some((o.arg, r)),
            _ => None,
        })
    }

    /// The out-parameter C initialises a struct held in place through, if
    /// any: its C argument and resource.
    pub fn held_out(&self) -> Option<(usize, usize)> {
        self.held_outs().next()
    }

    /// Whether C may write through pointer argument `arg` (its prototype
    /// does not spell it `const T *`).
    pub fn c_writes(&self, arg: usize) -> bool {
        !self.reads_only.contains(&arg)
    }

    /// For a `call = true` method: the resource whose handle (`self`) is
    /// the C function called; its symbol is not looked up.
    pub fn callee(&self) -> Option<usize> {
        match self.params.first() {
            Some(Param::Callee { resource }) => Some(*resource),
            _ => None,
        }
    }
}

/// A string parameter that names a file (`@ffi(path = "filename")`): the
/// guest's path, resolved against the directories the guest was given; C
/// gets the host path. A function with one takes the general `Val` path,
/// which has the store and its directories.
#[derive(Debug, Clone, PartialEq)]
pub struct PathParam {
    /// Index into [`Function::params`] (a [`Param::String`]).
    pub param: usize,
    /// Whether C may write (create, change, remove) what it names: refused
    /// in a directory given read-only.
    pub write: bool,
    /// Strings passed to C as they are (`path-allow = "':memory:'"`).
    pub allow: Vec<String>,
}

/// A printf dialect: which conversions a format may use, and how they are
/// written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// C's `printf` as glibc reads it, with positional `%n$` arguments.
    Printf,
    /// SQLite's printf (`sqlite3_mprintf`): adds `%q`, `%Q`, `%w` and `%r`,
    /// knows only the `l` and `ll` lengths, and has no positional arguments.
    Sqlite,
}

impl Dialect {
    /// The name `@ffi(format = "param = dialect")` uses.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Printf => "printf",
            Dialect::Sqlite => "sqlite",
        }
    }
}

/// What C's `va_arg` must read for one variadic argument, as a format's
/// conversion asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaKind {
    /// A 4-byte integer (`int`, and everything C promotes to it).
    Int,
    /// An 8-byte integer (`long`, `long long`, `size_t`, ...).
    Long,
    /// `double` (and `float`, promoted).
    Double,
    /// `const char *` to a NUL-terminated copy.
    Str,
}

/// A format parameter: its conversions are checked against the variadic
/// arguments before every call.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    /// The WIT parameter that holds the format, a fixed `string`.
    pub param: usize,
    /// Its C argument.
    pub arg: usize,
    /// Its dialect.
    pub dialect: Dialect,
    /// What each variadic argument is, in order (C arguments from
    /// [`Function::variadic`] on).
    pub args: Vec<VaKind>,
    /// The WIT parameter of each variadic argument (a `*` width's value is
    /// checked too).
    pub params: Vec<usize>,
}

/// A WIT interface whose functions are C functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// The instance name a component imports (`dlwit:libm/libm`).
    pub name: String,
    /// Its functions, in source order.
    pub functions: Vec<Function>,
    /// Its functions the host answers itself from a struct held in place
    /// (`@ffi(held = ...)`), in source order.
    pub accessors: Vec<Accessor>,
}

/// A library as the WIT names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    /// The name in `@ffi(lib = ...)`, or empty when the WIT names none.
    pub name: String,
    /// Where it is named.
    pub location: Option<Location>,
}

/// The whole plan for a WIT: every bound interface, every struct.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Libraries, each once.
    pub libraries: Vec<Library>,
    /// Bound interfaces.
    pub interfaces: Vec<Interface>,
    /// Every C struct, indexed by [`StructId`].
    pub structs: Vec<CStruct>,
    /// Every resource.
    pub resources: Vec<Resource>,
    /// Auxiliary C functions (destructors, `free`, message and length calls).
    pub calls: Vec<Call>,
    /// Guest exports C calls back.
    pub callbacks: Vec<Callback>,
}

impl Plan {
    /// Plans every interface of the world's main package.
    pub fn new(world: &crate::world::World) -> Result<Plan, crate::error::Error> {
        build::plan(world)
    }

    /// The struct behind `id`.
    pub fn struct_(&self, id: StructId) -> &CStruct {
        &self.structs[id.0]
    }

    /// Every struct's layout as the native layer reads it (fields' offsets
    /// and C types, size, alignment), indexed like [`Plan::structs`].
    pub fn layouts(&self) -> dlwit_ctype::Layouts {
        dlwit_ctype::Layouts::new(
            self.structs
                .iter()
                .map(|s| dlwit_ctype::Layout {
                    fields: s
                        .fields
                        .iter()
                        .map(|f| (f.offset, f.shape.ctype()))
                        .collect(),
                    size: s.size,
                    align: s.align,
                    union: s.kind == StructKind::Union,
                })
                .collect(),
        )
    }

    /// Size and alignment of a C type.
    pub fn size_align(&self, ty: CType) -> (usize, usize) {
        ty.size_align(|id| {
            let s = self.struct_(id);
            (s.size, s.align)
        })
    }

    /// Every function, with its interface.
    pub fn functions(&self) -> impl Iterator<Item = (&Interface, &Function)> {
        self.interfaces
            .iter()
            .flat_map(|i| i.functions.iter().map(move |f| (i, f)))
    }
}

pub use print::render as render_plan;
