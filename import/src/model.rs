//! What the headers declare, read out of libclang into plain data: types,
//! functions, structs, enums and integer macros, in header order.

/// A C type as the import needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `void`
    Void,
    /// A scalar, by its C name in the shared table (`int`, `size_t`,
    /// `double`, `_Bool`, `int64_t`, `long double`): its WIT spelling is
    /// [`dlwit_ctype::CName::wit_spelling`].
    Scalar(dlwit_ctype::CName),
    /// Anything else with no mapping (`__int128`, `_Complex`, vectors).
    Unsupported(String),
    /// A pointer.
    Ptr(Box<Ty>),
    /// A function or a pointer to one.
    Function,
    /// A struct, by its key in [`Model::structs`].
    Struct(String),
    /// A union.
    Union,
    /// An enum, by its key in [`Model::enums`].
    Enum(String),
    /// `T name[N]`
    Array(Box<Ty>, usize),
    /// `T name[]`
    FlexArray(Box<Ty>),
}

/// A C type: what it is, and how the header spells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ty {
    /// What it is, typedefs resolved.
    pub kind: Kind,
    /// The spelling for a prototype (`const char *`, `uLong`).
    pub spelling: String,
    /// `const`-qualified.
    pub is_const: bool,
    /// The outermost typedef name, if the header wrote one.
    pub typedef: Option<String>,
    /// A character type (`char`, `signed char`, `unsigned char`).
    pub is_char: bool,
}

/// A C function declaration.
#[derive(Debug, Clone)]
pub struct Function {
    /// The symbol.
    pub name: String,
    /// Parameters: name (possibly empty) and type.
    pub params: Vec<(String, Ty)>,
    /// The parameters the header writes as arrays, not through an array
    /// typedef: index and length (`double avg[3]`), 0 for none
    /// (`Z3_ast const args[]`). Pointers to that many elements, or to as
    /// many as something else says; never to one.
    pub arrays: Vec<(usize, usize)>,
    /// The return type.
    pub ret: Ty,
    /// `...`
    pub variadic: bool,
    /// `static` (or `static inline`): not exported by any library.
    pub is_static: bool,
    /// A brief doc comment from the header.
    pub doc: Option<String>,
    /// An exported variable (`extern const char v[];`), of type `ret`,
    /// with no parameters: imported as a getter.
    pub variable: bool,
    /// The C library's (`fopen`, `fclose`), declared by its headers and
    /// imported for a library whose functions take its type (`FILE *`):
    /// found through the library, which depends on it.
    pub from_libc: bool,
}

impl Function {
    /// Whether parameter `i` is written as an array, and its length (0 for
    /// `[]`).
    pub fn array(&self, i: usize) -> Option<usize> {
        self.arrays.iter().find(|a| a.0 == i).map(|a| a.1)
    }
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The C name (empty for an anonymous member).
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// A bitfield.
    pub bitfield: bool,
    /// Its size and alignment in bytes, as clang lays it out (0 when
    /// clang cannot say).
    pub size: usize,
    /// Alignment in bytes.
    pub align: usize,
}

/// A struct.
#[derive(Debug, Clone)]
pub struct Struct {
    /// The C name to use (`Color`, `struct rgba`).
    pub c_name: String,
    /// The name a WIT name is made from (`Color`, `rgba`).
    pub base: String,
    /// `None` when incomplete (opaque).
    pub fields: Option<Vec<Field>>,
    /// Laid out naturally (every field at a multiple of its alignment, the
    /// struct aligned as its most aligned field): not `packed` or
    /// `aligned(N)`, which a record cannot describe.
    pub natural: bool,
    /// The struct has a typedef of its own.
    pub has_typedef: bool,
    /// Other typedef names of it (`Texture2D` for `Texture`).
    pub aliases: Vec<String>,
    /// Declared in one of the imported headers.
    pub in_headers: bool,
    /// A brief doc comment.
    pub doc: Option<String>,
}

/// An enum.
#[derive(Debug, Clone)]
pub struct Enum {
    /// The C name (`ConfigFlags`, `enum color`), empty when anonymous.
    pub c_name: String,
    /// The name a WIT name is made from, empty when anonymous.
    pub base: String,
    /// Cases: C name and value.
    pub cases: Vec<(String, i64)>,
    /// Declared in one of the imported headers.
    pub in_headers: bool,
    /// A brief doc comment.
    pub doc: Option<String>,
}

/// A typedef of a pointer to a struct (`typedef struct gzFile_s *gzFile`),
/// or of an incomplete struct (`typedef struct sqlite3 sqlite3`).
#[derive(Debug, Clone)]
pub struct HandleTypedef {
    /// The typedef's name.
    pub name: String,
    /// The struct's key.
    pub target: String,
    /// The typedef is the pointer itself.
    pub is_pointer: bool,
}

/// A typedef of a pointer to a function (`typedef int (*binop)(int a, int
/// b);`): what C hands back or takes as a function pointer by that name.
#[derive(Debug, Clone)]
pub struct FnTypedef {
    /// Parameters: name (possibly empty) and type.
    pub params: Vec<(String, Ty)>,
    /// The return type.
    pub ret: Ty,
    /// `...`
    pub variadic: bool,
}

/// An integer `#define` in one of the headers.
#[derive(Debug, Clone)]
pub struct Macro {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: i64,
    /// Index of its header.
    pub header: usize,
    /// Its line.
    pub line: u32,
}

/// Everything the headers declare.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Functions declared in the headers, in order.
    pub functions: Vec<Function>,
    /// Structs by key (declaration order in `struct_order`).
    pub structs: std::collections::BTreeMap<String, Struct>,
    /// Struct keys in declaration order.
    pub struct_order: Vec<String>,
    /// Enums by key.
    pub enums: std::collections::BTreeMap<String, Enum>,
    /// Enum keys in declaration order.
    pub enum_order: Vec<String>,
    /// Handle typedefs in declaration order.
    pub handles: Vec<HandleTypedef>,
    /// Function pointer typedefs by name.
    pub fn_typedefs: std::collections::BTreeMap<String, FnTypedef>,
    /// Integer macros in order.
    pub macros: Vec<Macro>,
    /// The text of each header, by index (for grouping macros).
    pub header_lines: Vec<Vec<String>>,
}
