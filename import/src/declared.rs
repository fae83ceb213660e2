//! What the headers declare, for `dlwit check --verify-layout`: the fields
//! of the structs a WIT lays out and the declarations of the functions it
//! binds (with the WIT's own prototypes read beside them), each probe parsed
//! after the headers in the synthetic main file.

use crate::options::{Error, ParseOptions};
use crate::parse::{MAIN, check_headers, main_text, with_probe};
use clang::{Entity, EntityKind, TypeKind, diagnostic::Severity};
use std::collections::HashMap;

/// The C field names of a struct or union, as clang sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFields {
    /// Field names in order (empty for an anonymous member).
    pub names: Vec<String>,
    /// A union: its fields are its members, all at offset 0.
    pub union: bool,
}

/// For each C type spelling (`Color`, `struct rgba`, `div_t`), the fields
/// of the struct or union it names in the headers, or why it names none.
pub fn struct_fields(
    opts: &ParseOptions,
    types: &[String],
) -> Result<Vec<Result<CFields, String>>, Error> {
    let headers = check_headers(opts)?;
    let mut extra = String::new();
    for (i, t) in types.iter().enumerate() {
        extra.push_str(&format!("typedef {t} dlwit_probe_{i};\n"));
    }
    with_probe(opts, &headers, &extra, |tu| {
        let mut found: HashMap<String, Result<CFields, String>> = HashMap::new();
        for e in tu.get_entity().get_children() {
            let Some(name) = e.get_name().filter(|n| n.starts_with("dlwit_probe_")) else {
                continue;
            };
            if e.get_kind() != EntityKind::TypedefDecl {
                continue;
            }
            let i: usize = name["dlwit_probe_".len()..].parse().unwrap_or(usize::MAX);
            let Some(spelled) = types.get(i) else {
                continue;
            };
            let ty = e
                .get_typedef_underlying_type()
                .map(|t| t.get_canonical_type());
            let result = match ty {
                Some(t) if t.get_kind() == TypeKind::Record => {
                    match t.get_declaration().filter(|d| {
                        matches!(d.get_kind(), EntityKind::StructDecl | EntityKind::UnionDecl)
                    }) {
                        Some(decl) => match decl.get_definition() {
                            Some(def) => Ok(CFields {
                                union: decl.get_kind() == EntityKind::UnionDecl,
                                names: def
                                    .get_children()
                                    .into_iter()
                                    .filter(|c| c.get_kind() == EntityKind::FieldDecl)
                                    .map(|c| c.get_name().unwrap_or_default())
                                    .collect(),
                            }),
                            None => Err(format!("`{spelled}` is an incomplete struct")),
                        },
                        None => Err(format!("`{spelled}` is neither a struct nor a union")),
                    }
                }
                _ => Err(format!("`{spelled}` is not a struct the headers declare")),
            };
            found.insert(spelled.clone(), result);
        }
        Ok(types
            .iter()
            .map(|t| {
                found
                    .remove(t)
                    .unwrap_or_else(|| Err(format!("`{t}` is not a struct the headers declare")))
            })
            .collect())
    })
}

/// A C type as a declaration has it, for comparing a WIT's C with a
/// header's: what `dlwit check --verify-layout` checks of functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CShape {
    /// `void`
    Void,
    /// An integer (`_Bool` and enums included): its size, and whether it
    /// is signed.
    Int(usize, bool),
    /// A floating-point type of this size.
    Float(usize),
    /// A pointer (or an array parameter): to what, and whether that is
    /// `const`.
    Ptr(Box<CShape>, bool),
    /// A struct or union: its identity (clang's USR, the same for every
    /// typedef of it), its name, and whether it is a union.
    Record(String, String, bool),
    /// An enum of this size (its sign is the compiler's choice).
    Enum(usize),
    /// A function (what a function pointer points to).
    Function,
    /// Anything else (vectors, `_Complex`, `__int128` is an `Int`).
    Other(String),
}

impl CShape {
    /// How the shape reads in a message: `a 4-byte unsigned integer`,
    /// `a pointer to const struct sqlite3`.
    pub fn describe(&self) -> String {
        match self {
            CShape::Void => "`void`".into(),
            CShape::Int(n, true) => format!("{} {n}-byte signed integer", article(*n)),
            CShape::Int(n, false) => format!("{} {n}-byte unsigned integer", article(*n)),
            CShape::Float(n) => format!("{} {n}-byte float", article(*n)),
            CShape::Enum(n) => format!("{} {n}-byte enum", article(*n)),
            CShape::Ptr(to, c) => {
                let to = to.describe();
                let to = to
                    .strip_prefix("a ")
                    .or_else(|| to.strip_prefix("an "))
                    .unwrap_or(&to);
                format!("a pointer to {}{to}", if *c { "const " } else { "" })
            }
            CShape::Record(_, name, _) => format!("`{name}`"),
            CShape::Function => "a function".into(),
            CShape::Other(what) => format!("`{what}`"),
        }
    }
}

fn article(n: usize) -> &'static str {
    if n == 8 || n == 11 || n == 18 {
        "an"
    } else {
        "a"
    }
}

/// One C type of a declaration: its shape, and how it is spelled there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CParam {
    /// What it is.
    pub shape: CShape,
    /// As the declaration spells it (`uLong`, `const char *`).
    pub spelling: String,
}

/// A function declaration's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CDecl {
    /// The parameters' types, in order (the fixed ones).
    pub params: Vec<CParam>,
    /// The return type.
    pub ret: CParam,
    /// It ends with `...`.
    pub variadic: bool,
}

/// What the headers say of the functions and structs a WIT binds.
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    /// For each symbol asked for, its declaration, or `None` when the
    /// headers (and what they include) declare no such function.
    pub functions: Vec<Option<CDecl>>,
    /// For each prototype asked for, its types read with the headers'
    /// declarations in scope, or clang's error.
    pub prototypes: Vec<Option<Result<CDecl, String>>>,
    /// For each C type spelling asked for (`Color`, `struct rgba`; an
    /// empty one is skipped), the struct it names, if the headers declare
    /// it.
    pub records: Vec<Option<CShape>>,
}

fn shape_of(t: clang::Type<'_>) -> CShape {
    let c = t.get_canonical_type();
    let size = || c.get_sizeof().unwrap_or(0);
    match c.get_kind() {
        TypeKind::Void => CShape::Void,
        TypeKind::Bool
        | TypeKind::CharU
        | TypeKind::UChar
        | TypeKind::UShort
        | TypeKind::UInt
        | TypeKind::ULong
        | TypeKind::ULongLong
        | TypeKind::UInt128 => CShape::Int(size(), false),
        TypeKind::CharS
        | TypeKind::SChar
        | TypeKind::Short
        | TypeKind::Int
        | TypeKind::Long
        | TypeKind::LongLong
        | TypeKind::Int128
        | TypeKind::WChar => CShape::Int(size(), true),
        TypeKind::Float | TypeKind::Double | TypeKind::LongDouble => CShape::Float(size()),
        TypeKind::Enum => CShape::Enum(size()),
        TypeKind::Pointer => match c.get_pointee_type() {
            Some(p) => {
                let inner = shape_of(p);
                if inner == CShape::Function {
                    CShape::Ptr(Box::new(CShape::Function), false)
                } else {
                    CShape::Ptr(Box::new(inner), p.is_const_qualified())
                }
            }
            None => CShape::Other("a pointer".into()),
        },
        // A parameter of array type is a pointer to its elements; `const
        // uuid_t` puts the `const` on them.
        TypeKind::ConstantArray | TypeKind::IncompleteArray => match c.get_element_type() {
            Some(e) => CShape::Ptr(
                Box::new(shape_of(e)),
                e.is_const_qualified() || c.is_const_qualified() || t.is_const_qualified(),
            ),
            None => CShape::Other("an array".into()),
        },
        TypeKind::Record => match c.get_declaration() {
            Some(d) => {
                let canon = d.get_canonical_entity();
                let id = canon
                    .get_usr()
                    .map(|u| u.0)
                    .unwrap_or_else(|| c.get_display_name());
                CShape::Record(
                    id,
                    c.get_display_name()
                        .trim_start_matches("const ")
                        .trim_start_matches("volatile ")
                        .to_string(),
                    d.get_kind() == EntityKind::UnionDecl,
                )
            }
            None => CShape::Other(c.get_display_name()),
        },
        TypeKind::FunctionPrototype | TypeKind::FunctionNoPrototype => CShape::Function,
        _ => CShape::Other(c.get_display_name()),
    }
}

fn decl_of(e: &Entity<'_>) -> CDecl {
    let param = |t: Option<clang::Type<'_>>| match t {
        Some(t) => CParam {
            shape: shape_of(t),
            spelling: t.get_display_name(),
        },
        None => CParam {
            shape: CShape::Void,
            spelling: "void".into(),
        },
    };
    CDecl {
        // A parameter of a function type (`Z3_error_handler h`) is a
        // pointer to it, as C adjusts it.
        params: e
            .get_arguments()
            .unwrap_or_default()
            .iter()
            .map(|a| {
                let mut p = param(a.get_type());
                if p.shape == CShape::Function {
                    p.shape = CShape::Ptr(Box::new(CShape::Function), false);
                }
                p
            })
            .collect(),
        ret: param(e.get_result_type()),
        variadic: e.is_variadic(),
    }
}

/// The prefix of the probe functions made from the WIT's prototypes.
const PROBE_FN: &str = "dlwit_proto_";

/// Reads what the headers declare of `symbols`, the WIT's own C prototypes
/// `prototypes` (their function renamed: `name` → a probe name, each read
/// with the headers in scope) and the structs `records` names.
pub fn declarations(
    opts: &ParseOptions,
    symbols: &[String],
    prototypes: &[Option<(String, String)>],
    records: &[String],
) -> Result<Declarations, Error> {
    let headers = check_headers(opts)?;
    // The synthetic file: the headers, then one line per probe, so that
    // clang's errors point at the probe they are in.
    // The prototypes may name what C's own headers define for strings
    // (`const char16_t *` where sqlite's says `const void *`).
    let mut extra = String::from("#include <uchar.h>\n#include <wchar.h>\n");
    let mut line_of_proto = HashMap::new();
    let base_lines = main_text(opts, &headers, "").lines().count();
    let mut line = base_lines + 2;
    for (i, p) in prototypes.iter().enumerate() {
        let Some((name, text)) = p else { continue };
        line += 1;
        line_of_proto.insert(line as u32, i);
        extra.push_str(&format!("{};\n", rename_function(text, name, i)));
    }
    for (i, t) in records.iter().enumerate() {
        if !t.is_empty() {
            extra.push_str(&format!("typedef {t} dlwit_record_{i};\n"));
        }
    }
    with_probe(opts, &headers, &extra, |tu| {
        // Errors in the probes: the prototype they are in.
        let mut proto_errors: HashMap<usize, String> = HashMap::new();
        for d in tu.get_diagnostics() {
            if d.get_severity() < Severity::Error {
                continue;
            }
            let loc = d.get_location().get_file_location();
            let in_main = loc
                .file
                .is_none_or(|f| f.get_path().display().to_string().ends_with(MAIN));
            if let Some(i) = line_of_proto.get(&loc.line).filter(|_| in_main) {
                proto_errors.entry(*i).or_insert_with(|| d.get_text());
            }
        }
        let mut by_name: HashMap<String, CDecl> = HashMap::new();
        let mut out = Declarations {
            functions: vec![None; symbols.len()],
            prototypes: vec![None; prototypes.len()],
            records: vec![None; records.len()],
        };
        for e in tu.get_entity().get_children() {
            let Some(name) = e.get_name() else { continue };
            match e.get_kind() {
                EntityKind::FunctionDecl => {
                    if let Some(i) = name
                        .strip_prefix(PROBE_FN)
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|i| *i < prototypes.len())
                    {
                        out.prototypes[i] = Some(match proto_errors.remove(&i) {
                            Some(err) => Err(err),
                            None => Ok(decl_of(&e)),
                        });
                    } else if symbols.contains(&name) && !by_name.contains_key(&name) {
                        by_name.insert(name, decl_of(&e));
                    }
                }
                EntityKind::TypedefDecl => {
                    if let Some(i) = name
                        .strip_prefix("dlwit_record_")
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|i| *i < records.len())
                        && let Some(t) = e.get_typedef_underlying_type()
                        && let shape @ CShape::Record(..) = shape_of(t)
                    {
                        out.records[i] = Some(shape);
                    }
                }
                _ => {}
            }
        }
        for (i, sym) in symbols.iter().enumerate() {
            out.functions[i] = by_name.get(sym).cloned();
        }
        for (i, err) in proto_errors {
            out.prototypes[i] = Some(Err(err));
        }
        Ok(out)
    })
}

/// The prototype with its function's name (the identifier `name` right
/// before its parameter list) replaced by the probe's.
fn rename_function(text: &str, name: &str, i: usize) -> String {
    let text = text.trim().trim_end_matches(';');
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(pos) = text[from..].find(name).map(|p| p + from) {
        let end = pos + name.len();
        let whole =
            (pos == 0 || !ident(bytes[pos - 1])) && (end == text.len() || !ident(bytes[end]));
        if whole && text[end..].trim_start().starts_with('(') {
            return format!("{}{PROBE_FN}{i}{}", &text[..pos], &text[end..]);
        }
        from = end;
    }
    format!("{text} /* no function `{name}` */")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prototypes_function_is_renamed_for_the_probe() {
        assert_eq!(
            rename_function("int abs(int abs_x);", "abs", 3),
            "int dlwit_proto_3(int abs_x)"
        );
        assert_eq!(
            rename_function("const char *zlibVersion (void)", "zlibVersion", 0),
            "const char *dlwit_proto_0 (void)"
        );
        assert!(rename_function("int f(void)", "g", 0).contains("no function `g`"));
    }
}
