//! C types as a call sees them: `void`, a scalar, or a struct by value
//! (an index into a [`Layouts`] table of sizes, alignments and fields).
//! The adapter's plan makes them from the WIT; its native layer prepares
//! and classifies calls from them alone.

use crate::Scalar;

/// Index of a struct in a [`Layouts`] table (and in the plan's structs,
/// which the table is made from, in the same order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructId(pub usize);

/// A C type as the ABI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CType {
    /// `void` (results only).
    Void,
    /// A scalar.
    Scalar(Scalar),
    /// A struct, by value.
    Struct(StructId),
}

impl CType {
    /// Size and alignment, a struct's from `of_struct`.
    pub fn size_align(self, of_struct: impl FnOnce(StructId) -> (usize, usize)) -> (usize, usize) {
        match self {
            CType::Void => (0, 1),
            CType::Scalar(s) => (s.size(), s.align()),
            CType::Struct(id) => of_struct(id),
        }
    }
}

/// One struct's layout on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Each field's byte offset and C type, in order (an array's elements
    /// are its fields).
    pub fields: Vec<(usize, CType)>,
    /// `sizeof`
    pub size: usize,
    /// `_Alignof`
    pub align: usize,
    /// A union: its fields overlap, and it is laid out as opaque units of
    /// its alignment (it is never passed by value).
    pub union: bool,
}

/// Every struct's layout, indexed by [`StructId`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layouts {
    structs: Vec<Layout>,
}

impl Layouts {
    /// The table of `structs`, the `i`th being `StructId(i)`.
    pub fn new(structs: Vec<Layout>) -> Layouts {
        Layouts { structs }
    }

    /// The layout of struct `id`.
    pub fn get(&self, id: StructId) -> &Layout {
        &self.structs[id.0]
    }

    /// Size and alignment of a C type.
    pub fn size_align(&self, ty: CType) -> (usize, usize) {
        ty.size_align(|id| {
            let s = self.get(id);
            (s.size, s.align)
        })
    }
}

/// How a getter reads a C variable (`@ffi(variable = "...")`) instead of
/// calling a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// `T name`: the value at the symbol's address, as if C returned it.
    Value,
    /// `T name[]`: the symbol's address itself, as if C returned a `T *`
    /// (`const char sqlite3_version[]` read as a string).
    Address,
}
