//! dlwit's one vocabulary of C types, shared by the adapter (`dlwit`) and
//! the importer (`dlwit-import`):
//!
//! - [`Scalar`]: each C scalar's size and alignment, System V class,
//!   libffi type, WIT type and conversion, in one exhaustive table
//!   ([`Scalar::facts_on`]);
//! - [`CName`]: the named C types (`long`, `size_t`, `int32_t`), their
//!   prelude aliases (`wit/deps/c/types.wit`, [`PRELUDE`]) and spellings,
//!   and the scalar each is on a [`Target`];
//! - [`Target`]: the facts that differ between targets (`long`'s width,
//!   `long double`, the library directories);
//! - [`x87`], [`binary128`]: `f64` ↔ `long double` (x86-64's, AArch64
//!   Linux's);
//! - [`annotations`]: the `@ffi(key = value, ...)` doc-line syntax;
//! - [`CType`] and [`Layouts`]: C types as a call sees them (`void`, a
//!   scalar, a struct by value) and each struct's layout.
//!
//! A new C scalar is a new [`Scalar`] (and [`CName`]) variant: every
//! `match` over them is exhaustive, so the compiler lists each place that
//! must handle it.

#![deny(missing_docs)]

pub mod annotations;
pub mod binary128;
mod cname;
mod layout;
mod nearest;
mod scalar;
mod target;
pub mod x87;

pub use cname::{CName, Row};
pub use layout::{CType, Layout, Layouts, StructId, Variable};
pub use scalar::{AbiClass, Conversion, Facts, Ffi, Scalar, Wit};
pub use target::{LongDouble, Target};

/// The C prelude package `dlwit:c` (`wit/deps/c/types.wit`).
pub const PRELUDE: &str = include_str!("../../wit/deps/c/types.wit");

#[cfg(test)]
mod tests {
    use super::*;

    /// The prelude file and the table agree: the same aliases in the same
    /// order, each aliasing the table's WIT type, documented with the
    /// table's C spelling.
    #[test]
    fn prelude_matches_the_table() {
        let mut resolve = wit_parser::Resolve::default();
        let pkg = resolve.push_str("types.wit", PRELUDE).expect("parses");
        let iface = resolve.packages[pkg].interfaces["types"];
        let mut seen = Vec::new();
        for (name, id) in &resolve.interfaces[iface].types {
            let ty = &resolve.types[*id];
            let c = CName::by_prelude(name).unwrap_or_else(|| panic!("`{name}` not in the table"));
            let wit = match ty.kind {
                wit_parser::TypeDefKind::Type(t) => match t {
                    wit_parser::Type::Bool => Wit::Bool,
                    wit_parser::Type::S8 => Wit::S8,
                    wit_parser::Type::U8 => Wit::U8,
                    wit_parser::Type::S16 => Wit::S16,
                    wit_parser::Type::U16 => Wit::U16,
                    wit_parser::Type::S32 => Wit::S32,
                    wit_parser::Type::U32 => Wit::U32,
                    wit_parser::Type::S64 => Wit::S64,
                    wit_parser::Type::U64 => Wit::U64,
                    wit_parser::Type::F32 => Wit::F32,
                    wit_parser::Type::F64 => Wit::F64,
                    other => panic!("`{name}` aliases {other:?}"),
                },
                ref other => panic!("`{name}` is {other:?}"),
            };
            assert_eq!(wit, c.wit_on(&Target::HOST), "`{name}`'s WIT type");
            let doc = ty.docs.contents.as_deref().unwrap_or("");
            assert_eq!(doc.trim(), c.row().doc, "`{name}`'s doc");
            let spelled = doc.split('`').nth(1).unwrap_or("");
            assert_eq!(spelled, c.spelling(), "`{name}`'s C spelling");
            seen.push(c);
        }
        assert_eq!(seen, CName::prelude().collect::<Vec<_>>());
    }

    #[test]
    fn named_types_on_targets() {
        let lp64 = Target::X86_64_LINUX;
        assert_eq!(CName::Long.scalar_on(&lp64), Scalar::I64);
        assert_eq!(CName::Long.scalar_on(&Target::X86_64_WINDOWS), Scalar::I32);
        // `c-char` is `s8` everywhere, AArch64 Linux's unsigned `char` too.
        assert_eq!(CName::Char.scalar_on(&Target::AARCH64_LINUX), Scalar::I8);
        assert_eq!(CName::by_spelling("long  unsigned int"), Some(CName::ULong));
        assert_eq!(CName::by_spelling("int"), Some(CName::Int));
        assert_eq!(CName::by_spelling("size_t"), Some(CName::Size));
        assert_eq!(CName::by_spelling("uLong"), None);
        assert_eq!(CName::LongDouble.wit_spelling(), "c-long-double");
        assert_eq!(CName::UInt8.wit_spelling(), "u8");
        let ld = Scalar::LongDouble.facts_on(&lp64);
        assert_eq!((ld.size, ld.align, ld.class), (16, 16, AbiClass::X87));
        assert_eq!(
            (ld.ffi, ld.wit, ld.conversion),
            (Ffi::LongDouble, Wit::F64, Conversion::X87)
        );
        let q = Scalar::LongDouble.facts_on(&Target::AARCH64_LINUX);
        assert_eq!(
            (q.size, q.align, q.class, q.conversion),
            (16, 16, AbiClass::Quad, Conversion::Binary128)
        );
        for s in Scalar::ALL {
            let f = s.facts_on(&lp64);
            assert!(f.size.is_power_of_two() && f.align == f.size, "{s:?}");
        }
    }
}
