//! Stage 2, pure data and free of `unsafe`: what C sees for every WIT
//! function and type. Computed once from the resolved WIT; later stages only
//! read it. `dlwit plan` prints it.

mod build;
mod cproto;
mod layout;
mod print;

pub use layout::{CStruct, CType, Field, Scalar, StructId};

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
    /// `char` as `uint32_t`, a Unicode scalar value.
    Char,
    /// A WIT enum as a C integer holding the case's C value.
    Enum(Box<EnumPlan>),
    /// WIT flags as an unsigned C bitmask.
    Flags(Box<FlagsPlan>),
    /// A record or tuple as a C struct, by value.
    Struct(StructId),
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
    /// The C type that holds this value.
    pub fn ctype(&self) -> CType {
        match self {
            Shape::Bool(s) | Shape::Int(s) => CType::Scalar(*s),
            Shape::F32 => CType::Scalar(Scalar::F32),
            Shape::F64 => CType::Scalar(Scalar::F64),
            Shape::Char => CType::Scalar(Scalar::U32),
            Shape::Enum(e) => CType::Scalar(e.repr),
            Shape::Flags(f) => CType::Scalar(f.repr),
            Shape::Struct(id) => CType::Struct(*id),
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
    /// `list<T>`: `(const T *, size_t)`, a C-layout copy of the elements.
    List {
        /// C argument index of the pointer; the length follows it.
        arg: usize,
        /// Element shape.
        elem: Shape,
    },
    /// `option<record>`: a nullable pointer to a host copy.
    Nullable {
        /// C argument index.
        arg: usize,
        /// The pointee.
        shape: Shape,
    },
}

/// How the C return value becomes the WIT result.
#[derive(Debug, Clone, PartialEq)]
pub enum Ret {
    /// No result (`void`).
    Void,
    /// A value.
    Value(Shape),
    /// `const char *` copied into the guest; NULL is `none` when `nullable`,
    /// an error otherwise.
    String {
        /// Declared as `option<string>`.
        nullable: bool,
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
    /// The WIT name (`pass-u8`).
    pub name: String,
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
    /// The WIT result.
    pub ret: Ret,
    /// Where the function is declared.
    pub location: Option<Location>,
}

/// A WIT interface whose functions are C functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// The instance name a component imports (`dlwit:libm/libm`).
    pub name: String,
    /// Its functions, in source order.
    pub functions: Vec<Function>,
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
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Libraries, each once.
    pub libraries: Vec<Library>,
    /// Bound interfaces.
    pub interfaces: Vec<Interface>,
    /// Every C struct, indexed by [`StructId`].
    pub structs: Vec<CStruct>,
}

impl Plan {
    /// Plans every interface of the world's main package.
    pub fn new(world: &crate::world::World) -> Result<Plan, crate::Error> {
        build::plan(world)
    }

    /// The struct behind `id`.
    pub fn struct_(&self, id: StructId) -> &CStruct {
        &self.structs[id.0]
    }

    /// Size and alignment of a C type.
    pub fn size_align(&self, ty: CType) -> (usize, usize) {
        match ty {
            CType::Void => (0, 1),
            CType::Scalar(s) => (s.size(), s.size()),
            CType::Struct(id) => {
                let s = self.struct_(id);
                (s.size, s.align)
            }
        }
    }

    /// Every function, with its interface.
    pub fn functions(&self) -> impl Iterator<Item = (&Interface, &Function)> {
        self.interfaces
            .iter()
            .flat_map(|i| i.functions.iter().map(move |f| (i, f)))
    }
}

pub use print::render as render_plan;
