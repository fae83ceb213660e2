//! The named C scalar types: their prelude alias (`wit/deps/c/types.wit`),
//! how C spells them, and the [`Scalar`] each is on a [`Target`].

use crate::scalar::{Scalar, Wit};
use crate::target::Target;

/// A C scalar type by name: the prelude's aliases, then the types WIT
/// names itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CName {
    /// `char`
    Char,
    /// `signed char`
    SChar,
    /// `unsigned char`
    UChar,
    /// `short`
    Short,
    /// `unsigned short`
    UShort,
    /// `int`
    Int,
    /// `unsigned int`
    UInt,
    /// `long`
    Long,
    /// `unsigned long`
    ULong,
    /// `long long`
    LongLong,
    /// `unsigned long long`
    ULongLong,
    /// `size_t`
    Size,
    /// `ssize_t`
    SSize,
    /// `int` used as a truth value
    CBool,
    /// `void *`
    Ptr,
    /// `long double`
    LongDouble,
    /// `_Bool`
    Bool,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `int8_t`
    Int8,
    /// `uint8_t`
    UInt8,
    /// `int16_t`
    Int16,
    /// `uint16_t`
    UInt16,
    /// `int32_t`
    Int32,
    /// `uint32_t`
    UInt32,
    /// `int64_t`
    Int64,
    /// `uint64_t`
    UInt64,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The prelude alias (`c-ulong`), or `None` for a type WIT names
    /// itself (`u8`, `f64`).
    pub prelude: Option<&'static str>,
    /// C's spellings of it, the usual first (`unsigned long`, `unsigned
    /// long int`, `long unsigned int`).
    pub spellings: &'static [&'static str],
    /// The prelude's doc line (its first backquoted word is the C spelling).
    pub doc: &'static str,
}

impl CName {
    /// Every named type, the prelude's in the prelude's order.
    pub const ALL: [CName; 27] = [
        CName::Char,
        CName::SChar,
        CName::UChar,
        CName::Short,
        CName::UShort,
        CName::Int,
        CName::UInt,
        CName::Long,
        CName::ULong,
        CName::LongLong,
        CName::ULongLong,
        CName::Size,
        CName::SSize,
        CName::CBool,
        CName::Ptr,
        CName::LongDouble,
        CName::Bool,
        CName::Float,
        CName::Double,
        CName::Int8,
        CName::UInt8,
        CName::Int16,
        CName::UInt16,
        CName::Int32,
        CName::UInt32,
        CName::Int64,
        CName::UInt64,
    ];

    /// The table's row.
    pub const fn row(self) -> Row {
        const fn p(
            name: &'static str,
            spellings: &'static [&'static str],
            doc: &'static str,
        ) -> Row {
            Row {
                prelude: Some(name),
                spellings,
                doc,
            }
        }
        const fn w(spellings: &'static [&'static str]) -> Row {
            Row {
                prelude: None,
                spellings,
                doc: "",
            }
        }
        match self {
            CName::Char => p(
                "c-char",
                &["char"],
                "`char` (`s8` everywhere; the same byte reaches an unsigned `char`)",
            ),
            CName::SChar => p("c-schar", &["signed char"], "`signed char`"),
            CName::UChar => p("c-uchar", &["unsigned char"], "`unsigned char`"),
            CName::Short => p(
                "c-short",
                &["short", "short int", "signed short", "signed short int"],
                "`short`",
            ),
            CName::UShort => p(
                "c-ushort",
                &["unsigned short", "unsigned short int", "short unsigned int"],
                "`unsigned short`",
            ),
            CName::Int => p("c-int", &["int", "signed", "signed int"], "`int`"),
            CName::UInt => p("c-uint", &["unsigned int", "unsigned"], "`unsigned int`"),
            CName::Long => p(
                "c-long",
                &["long", "long int", "signed long", "signed long int"],
                "`long`",
            ),
            CName::ULong => p(
                "c-ulong",
                &["unsigned long", "unsigned long int", "long unsigned int"],
                "`unsigned long`",
            ),
            CName::LongLong => p(
                "c-longlong",
                &[
                    "long long",
                    "long long int",
                    "signed long long",
                    "signed long long int",
                ],
                "`long long`",
            ),
            CName::ULongLong => p(
                "c-ulonglong",
                &[
                    "unsigned long long",
                    "unsigned long long int",
                    "long long unsigned int",
                ],
                "`unsigned long long`",
            ),
            CName::Size => p("size", &["size_t"], "`size_t`"),
            CName::SSize => p("ssize", &["ssize_t"], "`ssize_t`"),
            CName::CBool => p(
                "c-bool",
                &["int"],
                "`int` used as a truth value: 0 is false, anything else is true",
            ),
            CName::Ptr => p(
                "ptr",
                &["void *"],
                "`void *`: a raw address, the explicit unsafe escape hatch (prefer resources)",
            ),
            CName::LongDouble => p(
                "c-long-double",
                &["long double"],
                "`long double` (x87 80-bit on x86-64, binary128 on AArch64 Linux), seen as an `f64`: a value goes to C exactly; one C returns keeps f64's 53 bits (rounded to nearest) and becomes ±inf beyond f64's range",
            ),
            CName::Bool => w(&["_Bool", "bool"]),
            CName::Float => w(&["float"]),
            CName::Double => w(&["double"]),
            CName::Int8 => w(&["int8_t"]),
            CName::UInt8 => w(&["uint8_t"]),
            CName::Int16 => w(&["int16_t"]),
            CName::UInt16 => w(&["uint16_t"]),
            CName::Int32 => w(&["int32_t"]),
            CName::UInt32 => w(&["uint32_t"]),
            CName::Int64 => w(&["int64_t"]),
            CName::UInt64 => w(&["uint64_t"]),
        }
    }

    /// The scalar it is on `target`.
    pub const fn scalar_on(self, target: &Target) -> Scalar {
        let long = if target.long_bytes == 8 {
            (Scalar::I64, Scalar::U64)
        } else {
            (Scalar::I32, Scalar::U32)
        };
        let size = if target.pointer_bytes == 8 {
            (Scalar::I64, Scalar::U64)
        } else {
            (Scalar::I32, Scalar::U32)
        };
        match self {
            // `s8` on every target (the prelude is one file). AArch64
            // Linux's `char` is unsigned, but its callees ignore a
            // register's bits above the type and the byte is the same;
            // Apple's arm64, whose callers extend, has a signed `char`.
            CName::Char | CName::SChar | CName::Int8 => Scalar::I8,
            CName::UChar | CName::UInt8 => Scalar::U8,
            CName::Short | CName::Int16 => Scalar::I16,
            CName::UShort | CName::UInt16 => Scalar::U16,
            CName::Int | CName::CBool | CName::Int32 => Scalar::I32,
            CName::UInt | CName::UInt32 => Scalar::U32,
            CName::Long => long.0,
            CName::ULong => long.1,
            CName::LongLong | CName::Int64 => Scalar::I64,
            CName::ULongLong | CName::UInt64 => Scalar::U64,
            CName::SSize => size.0,
            CName::Size => size.1,
            CName::Ptr => Scalar::Ptr,
            CName::LongDouble => Scalar::LongDouble,
            CName::Bool => Scalar::Bool,
            CName::Float => Scalar::F32,
            CName::Double => Scalar::F64,
        }
    }

    /// The scalar it is on the host.
    pub const fn scalar(self) -> Scalar {
        self.scalar_on(&Target::HOST)
    }

    /// A truth value: the WIT `bool` whatever the C storage (`c-bool`).
    pub const fn is_truth(self) -> bool {
        matches!(self, CName::CBool | CName::Bool)
    }

    /// The WIT type a guest sees on `target`.
    pub const fn wit_on(self, target: &Target) -> Wit {
        if self.is_truth() {
            Wit::Bool
        } else {
            self.scalar_on(target).facts_on(target).wit
        }
    }

    /// How a generated WIT spells it: the prelude alias, else the WIT type.
    pub fn wit_spelling(self) -> &'static str {
        match self.row().prelude {
            Some(p) => p,
            None => self.wit_on(&Target::HOST).name(),
        }
    }

    /// The C spelling (`unsigned long`).
    pub const fn spelling(self) -> &'static str {
        self.row().spellings[0]
    }

    /// The named type with this prelude alias.
    pub fn by_prelude(name: &str) -> Option<CName> {
        CName::ALL
            .into_iter()
            .find(|c| c.row().prelude == Some(name))
    }

    /// The named type C spells so (`unsigned  long int`, whitespace
    /// ignored; `int` is [`CName::Int`], not `c-bool`).
    pub fn by_spelling(spelling: &str) -> Option<CName> {
        let compact = |s: &str| s.split_whitespace().collect::<String>();
        let want = compact(spelling);
        CName::ALL
            .into_iter()
            .filter(|c| *c != CName::CBool)
            .find(|c| c.row().spellings.iter().any(|s| compact(s) == want))
    }

    /// The named type a typedef in a prototype stands for, as far as a
    /// prototype alone says: the table's own names (`size_t`, `int32_t`)
    /// and common library typedefs by the C type they are on the target
    /// (zlib's `uLong`, `off_t`). Any other typedef's width only its
    /// header knows: `dlwit import` spells those by the C type underneath,
    /// and the planner reads them as named types.
    pub fn by_typedef(name: &str) -> Option<CName> {
        CName::by_spelling(name).or(match name {
            "Bytef" | "Byte" => Some(CName::UChar),
            "uInt" | "mode_t" | "uid_t" | "gid_t" => Some(CName::UInt),
            "pid_t" | "wchar_t" | "wint_t" => Some(CName::Int),
            "uLong" | "uLongf" => Some(CName::ULong),
            "ptrdiff_t" | "intptr_t" | "off_t" | "time_t" | "intmax_t" => Some(CName::SSize),
            "uintptr_t" | "z_size_t" | "uintmax_t" => Some(CName::Size),
            "sqlite3_int64" | "sqlite_int64" => Some(CName::LongLong),
            "sqlite3_uint64" => Some(CName::ULongLong),
            _ => None,
        })
    }

    /// The prelude's aliases, in its order.
    pub fn prelude() -> impl Iterator<Item = CName> {
        CName::ALL.into_iter().filter(|c| c.row().prelude.is_some())
    }
}
