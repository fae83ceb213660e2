//! Layout verification: every struct the plan maps, compared with what the
//! system C compiler says about the header's struct (`sizeof`, `_Alignof`,
//! and each field's `offsetof` and `sizeof`).
//!
//! libclang (through `dlwit-import`) finds the struct each record names and
//! its C field names; a probe program compiled with `cc` prints the numbers.
//! Fields are matched in order; their names must agree too (compared
//! ignoring case, `-` and `_`). A record without `@ffi(c = ...)` whose
//! default name (`struct point`) the headers do not declare is a layout of
//! the WIT's own, and is left out.

use crate::plan::{CType, Param, Plan, Ret, Scalar, Shape, StructKind};
use dlwit_import::{CParam, CShape, ParseOptions};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// What layout verification found.
#[derive(Debug, Clone, Default)]
pub struct LayoutReport {
    /// The C names of the structs checked.
    pub checked: Vec<String>,
    /// Records without `@ffi(c = ...)` that the headers do not declare:
    /// layouts only the WIT defines, not checked.
    pub unmatched: Vec<String>,
    /// Every difference, naming the struct and the field.
    pub errors: Vec<String>,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Compares the plan's structs with the C compiler's view of `headers`.
pub fn verify_layout(plan: &Plan, headers: &ParseOptions) -> Result<LayoutReport, String> {
    let structs: Vec<_> = plan
        .structs
        .iter()
        .filter(|s| s.kind != StructKind::Array && !s.tuple && !s.c_name.starts_with("struct /*"))
        .collect();
    let mut report = LayoutReport::default();
    if structs.is_empty() {
        return Ok(report);
    }
    let names: Vec<String> = structs.iter().map(|s| s.c_name.clone()).collect();
    let fields = dlwit_import::struct_fields(headers, &names).map_err(|e| e.to_string())?;
    // The probe: one line for the struct, one per field.
    let mut probe = String::from("#include <stdio.h>\n#include <stddef.h>\n");
    for i in &headers.includes {
        probe.push_str(&dlwit_import::include_line(i));
    }
    for h in &headers.headers {
        let _ = writeln!(probe, "#include \"{}\"", absolute(h).display());
    }
    probe.push_str("int main(void) {\n");
    let mut expected = Vec::new();
    for (s, c) in structs.iter().zip(&fields) {
        // A record without `@ffi(c = ...)` that no header declares is the
        // WIT's own layout (a qsort element, say): nothing to compare.
        let plain = s.wit_name.replace('-', "_");
        let implicit =
            s.c_name == format!("struct {plain}") || s.c_name == format!("union {plain}");
        let c = match c {
            Ok(c) => c,
            Err(_) if implicit => {
                report.unmatched.push(s.c_name.clone());
                continue;
            }
            Err(e) => {
                report
                    .errors
                    .push(format!("`{}` (record `{}`): {e}", s.c_name, s.wit_name));
                continue;
            }
        };
        let t = &s.c_name;
        if s.kind == StructKind::Union {
            // A tagged union's cases are the WIT's choice of C's members
            // (and, after a tag, its union): its size and alignment are
            // what C and the plan must share; each payload record is
            // checked as a struct of its own.
            let _ = writeln!(
                probe,
                "  printf(\"%zu %zu\\n\", sizeof({t}), _Alignof({t}));"
            );
            expected.push((
                format!("`{t}` (variant `{}`)", s.wit_name),
                "sizeof and _Alignof",
                vec![s.size, s.align],
            ));
            report.checked.push(t.clone());
            continue;
        }
        if c.union {
            report.errors.push(format!(
                "`{t}` (record `{}`): C declares a union; a record is a struct",
                s.wit_name
            ));
            continue;
        }
        if c.names.len() != s.fields.len() {
            report.errors.push(format!(
                "`{}` (record `{}`): C has {} fields, the WIT {}",
                s.c_name,
                s.wit_name,
                c.names.len(),
                s.fields.len()
            ));
            continue;
        }
        let _ = writeln!(
            probe,
            "  printf(\"%zu %zu\\n\", sizeof({t}), _Alignof({t}));"
        );
        let mut lines = vec![(
            format!("`{t}` (record `{}`)", s.wit_name),
            "sizeof and _Alignof",
            vec![s.size, s.align],
        )];
        for (f, cname) in s.fields.iter().zip(&c.names) {
            // (`dlwit import` names the second of two fields that differ
            // only in case `-alt`: `cmsCIExyY`'s `x`, `y`, `Y` are `x`,
            // `y`, `y-alt`.)
            let mut wit = f.name.as_str();
            while let Some(shorter) = wit.strip_suffix("-alt") {
                wit = shorter;
            }
            if norm(wit) != norm(cname) {
                report.errors.push(format!(
                    "`{t}.{cname}`: the WIT names this field `{}`",
                    f.name
                ));
            }
            // A field named like a macro the headers define afterwards
            // (libxml2's `xmlGlobalState.xmlStructuredErrorContext`, also
            // `#define xmlStructuredErrorContext (*(...()))`) is the
            // field's name here: the macro is set aside for the line.
            let _ = writeln!(
                probe,
                "#pragma push_macro(\"{cname}\")\n#undef {cname}\n  printf(\"%zu %zu\\n\", offsetof({t}, {cname}), sizeof((({t} *)0)->{cname}));\n#pragma pop_macro(\"{cname}\")"
            );
            let (size, _) = plan.size_align(f.shape.ctype());
            lines.push((
                format!("`{t}.{cname}` (field `{}`)", f.name),
                "offsetof and sizeof",
                vec![f.offset, size],
            ));
        }
        report.checked.push(t.clone());
        expected.extend(lines);
    }
    probe.push_str("  return 0;\n}\n");
    if expected.is_empty() {
        return Ok(report);
    }
    let output = run_probe(&probe, headers)?;
    let got: Vec<Vec<usize>> = output
        .lines()
        .map(|l| {
            l.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .collect();
    if got.len() != expected.len() {
        return Err(format!(
            "the layout probe printed {} lines, expected {}",
            got.len(),
            expected.len()
        ));
    }
    for ((what, names, plan_says), c_says) in expected.iter().zip(&got) {
        if plan_says != c_says {
            report.errors.push(format!(
                "{what}: {names} are {} in C, {} in the plan",
                pair(c_says),
                pair(plan_says)
            ));
        }
    }
    Ok(report)
}

fn pair(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn absolute(p: &std::path::Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Compiles and runs the probe in a temporary directory.
fn run_probe(source: &str, headers: &ParseOptions) -> Result<String, String> {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("dlwit-layout-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let result = (|| {
        let src = dir.join("probe.c");
        let exe = dir.join("probe");
        std::fs::write(&src, source).map_err(|e| format!("cannot write the probe: {e}"))?;
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let mut cmd = Command::new(&cc);
        cmd.arg("-std=gnu11")
            .arg("-w")
            .arg("-o")
            .arg(&exe)
            .arg(&src);
        cmd.args(headers.compiler_args());
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run the C compiler `{cc}`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "the layout probe does not compile:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let run = Command::new(&exe)
            .output()
            .map_err(|e| format!("cannot run the layout probe: {e}"))?;
        if !run.status.success() {
            return Err("the layout probe failed".into());
        }
        Ok(String::from_utf8_lossy(&run.stdout).into_owned())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// What prototype verification found.
#[derive(Debug, Clone, Default)]
pub struct PrototypeReport {
    /// How many functions (and auxiliary calls: destructors, `free`) were
    /// compared with their header declaration.
    pub checked: usize,
    /// Symbols the headers (and what they include) do not declare.
    pub undeclared: Vec<String>,
    /// Every difference, naming the WIT line, the function, the symbol and
    /// the library.
    pub errors: Vec<String>,
}

/// One C function the plan calls: what the WIT says of it.
struct Bound<'a> {
    /// `file:line: `wit-name` (`symbol` in `lib`)`
    what: String,
    symbol: &'a str,
    /// Each C argument's planned type, name, and whether the WIT gives it
    /// as a plain integer (whose sign is then the WIT's word).
    args: Vec<(CType, String, bool)>,
    ret: CType,
    /// The result is a plain integer in the WIT.
    ret_signed: bool,
    /// An auxiliary call: only its parameter count is the WIT's word (the
    /// planner passes its arguments as it evaluates them, and may ignore
    /// its result).
    aux: bool,
    /// Fixed parameters, when variadic.
    variadic: Option<usize>,
    c: Option<&'a str>,
}

fn where_(loc: Option<&crate::error::Location>) -> String {
    loc.map_or(String::new(), |l| format!("{}:{}: ", l.file, l.line))
}

/// Compares every function the plan binds with the headers' declaration:
/// variadic or not, the number of parameters, each parameter's and the
/// result's type (integers by width, and by sign where the WIT gives a
/// plain integer; enums, flags and lengths by width; floats by width;
/// pointers; structs by identity), and, for a function with
/// `@ffi(c = ...)`, what its pointers point to (pointer level, `const`,
/// the pointee's type and struct identity). Auxiliary calls (destructors,
/// `free`, `length` and `message` calls) are checked for their number of
/// parameters.
pub fn verify_functions(plan: &Plan, headers: &ParseOptions) -> Result<PrototypeReport, String> {
    let lib = |i: usize| {
        plan.libraries
            .get(i)
            .map(|l| l.name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or("the process")
    };
    let mut bound: Vec<Bound<'_>> = Vec::new();
    // (A variable's getter is not a function the headers declare, nor is
    // a call through a function pointer.)
    for f in plan
        .interfaces
        .iter()
        .flat_map(|i| &i.functions)
        .filter(|f| f.variable.is_none() && f.callee().is_none())
    {
        bound.push(Bound {
            what: format!(
                "{}`{}` (`{}` in `{}`)",
                where_(f.location.as_ref()),
                f.name,
                f.symbol,
                lib(f.library)
            ),
            symbol: &f.symbol,
            args: f
                .args
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    let int = f.params.iter().any(
                        |p| matches!(p, Param::Value { arg, shape: Shape::Int(_) } if *arg == j),
                    );
                    (a.ty, a.name.clone(), int)
                })
                .collect(),
            ret: f.ret_type,
            ret_signed: matches!(f.ret, Ret::Value(Shape::Int(_))),
            aux: false,
            variadic: f.variadic,
            c: f.c.as_deref(),
        });
    }
    for c in &plan.calls {
        bound.push(Bound {
            what: format!(
                "{}`{}` (in `{}`)",
                where_(c.location.as_ref()),
                c.symbol,
                lib(c.library)
            ),
            symbol: &c.symbol,
            args: c.args.iter().map(|t| (*t, String::new(), false)).collect(),
            ret: c.ret,
            ret_signed: false,
            aux: true,
            variadic: None,
            c: None,
        });
    }
    let mut report = PrototypeReport::default();
    if bound.is_empty() {
        return Ok(report);
    }
    let symbols: Vec<String> = bound.iter().map(|b| b.symbol.to_string()).collect();
    let protos: Vec<Option<(String, String)>> = bound
        .iter()
        // The prototype names the symbol (the planner checks it).
        .map(|b| b.c.map(|c| (b.symbol.to_string(), c.to_string())))
        .collect();
    // Tuples have no C name (`struct /* tuple<...> */`): none asked for.
    let records: Vec<String> = plan
        .structs
        .iter()
        .map(|s| {
            if s.tuple {
                String::new()
            } else {
                s.c_name.clone()
            }
        })
        .collect();
    let found = dlwit_import::declarations(headers, &symbols, &protos, &records)
        .map_err(|e| e.to_string())?;
    for (i, b) in bound.iter().enumerate() {
        let Some(h) = &found.functions[i] else {
            if !report.undeclared.iter().any(|u| u == b.symbol) {
                report.undeclared.push(b.symbol.to_string());
            }
            continue;
        };
        report.checked += 1;
        let mut errs = Vec::new();
        let fixed = b.variadic.unwrap_or(b.args.len());
        if h.variadic != b.variadic.is_some() {
            errs.push(if h.variadic {
                "the header's is variadic (`...`), the WIT's is not".to_string()
            } else {
                "the WIT's is variadic (`...`), the header's is not".to_string()
            });
        }
        if h.params.len() != fixed {
            errs.push(format!(
                "the header declares {} parameter{}, the WIT passes {fixed}",
                h.params.len(),
                if h.params.len() == 1 { "" } else { "s" }
            ));
        }
        let wit_c = match &found.prototypes[i] {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errs.push(format!(
                    "the WIT's C prototype does not read with the headers: {e}"
                ));
                None
            }
            None => None,
        };
        if b.aux {
            for e in errs {
                report.errors.push(format!("{}: {e}", b.what));
            }
            continue;
        }
        for (j, ((ty, name, int), hp)) in b.args.iter().zip(&h.params).enumerate() {
            let what = if name.is_empty() {
                format!("C parameter {}", j + 1)
            } else {
                format!("C parameter {} (`{name}`)", j + 1)
            };
            let w = wit_c.and_then(|d| d.params.get(j));
            if let Some(e) = compare(plan, &found.records, *ty, *int, w, hp) {
                errs.push(format!("{what}: {e}"));
            }
        }
        if let Some(e) = compare(
            plan,
            &found.records,
            b.ret,
            b.ret_signed,
            wit_c.map(|d| &d.ret),
            &h.ret,
        ) {
            errs.push(format!("the result: {e}"));
        }
        for e in errs {
            report.errors.push(format!("{}: {e}", b.what));
        }
    }
    Ok(report)
}

fn plan_describe(plan: &Plan, ty: CType) -> String {
    match ty {
        CType::Void => "`void`".into(),
        CType::Scalar(Scalar::Ptr) => "a pointer".into(),
        CType::Scalar(s) if s.is_integer() => format!(
            "`{}` ({} {}-byte {} integer)",
            s.spelling(),
            if s.size() == 8 { "an" } else { "a" },
            s.size(),
            if s.signed() { "signed" } else { "unsigned" }
        ),
        CType::Scalar(s) => format!(
            "`{}` ({} {}-byte float)",
            s.spelling(),
            if s.size() == 8 { "an" } else { "a" },
            s.size()
        ),
        CType::Struct(id) => format!("`{}`", plan.struct_(id).c_name),
    }
}

/// The difference between what the WIT says of one C type (its planned
/// type, and its `c` prototype's when there is one) and the header's.
fn compare(
    plan: &Plan,
    records: &[Option<CShape>],
    ty: CType,
    signed_matters: bool,
    wit_c: Option<&CParam>,
    header: &CParam,
) -> Option<String> {
    let h = &header.shape;
    let ok = match (ty, h) {
        (CType::Void, CShape::Void) => true,
        (CType::Scalar(Scalar::Ptr), CShape::Ptr(..)) => true,
        (CType::Scalar(s), CShape::Int(n, signed)) if s.is_integer() => {
            s.size() == *n && (s.signed() == *signed || !signed_matters)
        }
        (CType::Scalar(s), CShape::Enum(n)) if s.is_integer() => s.size() == *n,
        (CType::Scalar(s), CShape::Float(n)) => {
            !s.is_integer() && s != Scalar::Ptr && s.size() == *n
        }
        // A tuple has no C name: like layouts, it is not checked.
        (CType::Struct(id), CShape::Record(_, _, false)) if plan.struct_(id).tuple => true,
        (CType::Struct(id), CShape::Record(hid, _, false)) => {
            matches!(&records[id.0], Some(CShape::Record(wid, _, _)) if wid == hid)
        }
        _ => false,
    };
    if !ok {
        return Some(format!(
            "the header has {}, the WIT passes {}",
            says(header),
            plan_describe(plan, ty)
        ));
    }
    // What a pointer points to, as the WIT's prototype says.
    if let (Some(w), CShape::Ptr(..)) = (wit_c, h)
        && !same(&w.shape, h)
        && !refines_void(&w.shape, h)
    {
        return Some(format!(
            "the header has {}, the WIT's prototype {}",
            says(header),
            says(w)
        ));
    }
    None
}

/// `` `uLong` (an 8-byte unsigned integer) ``; a struct by its name alone.
fn says(p: &CParam) -> String {
    match &p.shape {
        CShape::Record(..) => format!("`{}`", p.spelling),
        shape => format!("`{}` ({})", p.spelling, shape.describe()),
    }
}

/// Whether the WIT's prototype says what the header's `void *` points to
/// (`const char16_t *` for sqlite's UTF-16 `const void *`): one level, the
/// same `const`. The header says nothing the WIT could contradict there.
fn refines_void(wit: &CShape, header: &CShape) -> bool {
    match (wit, header) {
        (CShape::Ptr(x, cx), CShape::Ptr(y, cy)) => {
            cx == cy && **y == CShape::Void && !matches!(**x, CShape::Ptr(..))
        }
        _ => false,
    }
}

/// The same C type, as far as a call is concerned: integers by width and
/// sign (an enum by width), pointers by what they point to and its
/// `const`, structs by identity, functions as functions.
fn same(a: &CShape, b: &CShape) -> bool {
    match (a, b) {
        (CShape::Ptr(x, cx), CShape::Ptr(y, cy)) => cx == cy && same(x, y),
        (CShape::Enum(n), CShape::Int(m, _))
        | (CShape::Int(n, _), CShape::Enum(m))
        | (CShape::Enum(n), CShape::Enum(m)) => n == m,
        (CShape::Record(x, _, ux), CShape::Record(y, _, uy)) => x == y && ux == uy,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::{CShape, refines_void};

    fn ptr(to: CShape, constant: bool) -> CShape {
        CShape::Ptr(Box::new(to), constant)
    }

    #[test]
    fn a_typed_pointer_refines_the_headers_void_pointer() {
        let u16 = CShape::Int(2, false);
        assert!(refines_void(
            &ptr(u16.clone(), true),
            &ptr(CShape::Void, true)
        ));
        // `const` must agree, one level only, and only `void` is untyped.
        assert!(!refines_void(
            &ptr(u16.clone(), false),
            &ptr(CShape::Void, true)
        ));
        assert!(!refines_void(
            &ptr(ptr(u16.clone(), true), false),
            &ptr(CShape::Void, false)
        ));
        assert!(!refines_void(
            &ptr(u16, true),
            &ptr(CShape::Int(4, true), true)
        ));
    }
}
