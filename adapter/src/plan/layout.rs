//! C types and their layout on the target (the table's [`dlwit_ctype::Target::HOST`],
//! x86-64 SysV LP64): natural alignment, fields in order, size rounded up
//! to the alignment.

use super::Shape;

/// A C scalar type: the shared table ([`dlwit_ctype::Scalar`]) gives its
/// size, alignment, System V class, libffi type and WIT type.
pub use dlwit_ctype::Scalar;

/// A C type as the ABI sees it, and the index of a struct in
/// [`super::Plan::structs`] (and in the [`dlwit_ctype::Layouts`] made from
/// them, [`super::Plan::layouts`]).
pub use dlwit_ctype::{CType, StructId};

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The WIT field name (`0`, `1`, ... for tuples).
    pub name: String,
    /// How the field's value is stored.
    pub shape: Shape,
    /// The field's C type as C spells it.
    pub spelling: String,
    /// Byte offset from the start of the struct.
    pub offset: usize,
}

/// A C struct with its layout.
#[derive(Debug, Clone, PartialEq)]
pub struct CStruct {
    /// The C name (`struct rgba`, or the `@ffi(c = ...)` name).
    pub c_name: String,
    /// The WIT name (`rgba`, or `tuple<s32, f64>`).
    pub wit_name: String,
    /// Fields in order, with offsets.
    pub fields: Vec<Field>,
    /// `sizeof`
    pub size: usize,
    /// `_Alignof`
    pub align: usize,
    /// A WIT tuple (fields are positional) rather than a record.
    pub tuple: bool,
    /// A struct, or the layout of something else.
    pub kind: StructKind,
}

/// What a [`CStruct`] lays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    /// A C struct (a record or tuple).
    Struct,
    /// An array field ([`super::ArrayPlan`]): N fields of its element,
    /// named `0`..; not a struct of its own in C.
    Array,
    /// A tagged union ([`super::UnionPlan`]): the tag, then each case's
    /// payload at the same offset. Its size and alignment are the union's;
    /// its fields overlap, so it is never passed by value.
    Union,
}

/// Lays out fields of the given (size, align) in order; returns offsets,
/// size and alignment.
pub fn lay_out(fields: &[(usize, usize)]) -> (Vec<usize>, usize, usize) {
    let mut offsets = Vec::with_capacity(fields.len());
    let mut end = 0usize;
    let mut align = 1usize;
    for &(size, a) in fields {
        let offset = end.next_multiple_of(a);
        offsets.push(offset);
        end = offset + size;
        align = align.max(a);
    }
    (offsets, end.next_multiple_of(align), align)
}

impl super::Plan {
    /// Whether `pred` holds for a leaf of `shape`: `shape` itself, or a
    /// value inside it (a struct's fields, an array's element, a union's
    /// payloads), at any depth.
    pub fn any_leaf(&self, shape: &Shape, pred: &impl Fn(&Shape) -> bool) -> bool {
        match shape {
            Shape::Struct(id) => self
                .struct_(*id)
                .fields
                .iter()
                .any(|f| self.any_leaf(&f.shape, pred)),
            Shape::Array(a) => self.any_leaf(&a.elem, pred),
            Shape::Union(u) => u
                .cases
                .iter()
                .flat_map(|c| &c.payload)
                .any(|p| self.any_leaf(p, pred)),
            leaf => pred(leaf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lay_out;

    #[test]
    fn natural_alignment() {
        // struct { char a; double b; short c; } -> 0, 8, 16; size 24
        assert_eq!(lay_out(&[(1, 1), (8, 8), (2, 2)]), (vec![0, 8, 16], 24, 8));
        // struct { float x, y, z; } -> size 12, align 4
        assert_eq!(lay_out(&[(4, 4); 3]), (vec![0, 4, 8], 12, 4));
        // struct { uint8_t a; uint16_t b; uint32_t c; uint64_t d; }
        assert_eq!(
            lay_out(&[(1, 1), (2, 2), (4, 4), (8, 8)]),
            (vec![0, 2, 4, 8], 16, 8)
        );
    }
}
