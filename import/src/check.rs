//! Compares each overlay prototype with the header's declaration: a
//! difference is a warning.

use crate::model::{Kind, Model, Ty};
use crate::proto::{param_type, proto_params};
use dlwit_ctype::CName;

/// Compares an overlay prototype with the header's declaration.
pub fn cross_check(model: &Model, symbol: &str, proto: &str) -> Option<String> {
    let Some(f) = model.functions.iter().find(|f| f.name == symbol) else {
        return Some(format!(
            "overlay function `{symbol}` is not declared in the headers"
        ));
    };
    let mut params = proto_params(proto);
    if params.last().is_some_and(|p| p == "...") {
        params.pop();
        if !f.variadic {
            return Some(format!(
                "overlay `{symbol}` is variadic, the header's is not"
            ));
        }
    }
    // A pointer typedef the header declares (`gzFile`) is spelled by what
    // it points to (`struct gzFile_s *`), as clang spells it.
    let compact = |s: &str| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        match model.handles.iter().find(|h| h.is_pointer && h.name == s) {
            Some(h) => format!("{}*", model.structs[&h.target].c_name.replace(' ', "")),
            None => s,
        }
    };
    let header_ret = compact(&f.ret.spelling);
    let open = proto.find('(').unwrap_or(0);
    let overlay_ret = compact(proto[..open].trim_end().trim_end_matches(symbol));
    let mut diffs = Vec::new();
    if overlay_ret != header_ret
        && !same_scalar(&overlay_ret, &f.ret)
        && !refines_void(&overlay_ret, &header_ret)
    {
        diffs.push(format!(
            "returns `{}`, the header `{}`",
            overlay_ret, header_ret
        ));
    }
    if params.len() != f.params.len() {
        diffs.push(format!(
            "has {} parameters, the header {}",
            params.len(),
            f.params.len()
        ));
    } else {
        for (i, (p, (_, ty))) in params.iter().zip(&f.params).enumerate() {
            let h = compact(&ty.spelling);
            let o = compact(&param_type(p));
            if o != h && !same_scalar(&o, ty) && !refines_void(&o, &h) {
                diffs.push(format!("parameter {} is `{o}`, the header `{h}`", i + 1));
            }
        }
    }
    (!diffs.is_empty()).then(|| format!("overlay `{symbol}`: {}", diffs.join("; ")))
}

/// Whether the overlay names what a header's `void *` points to
/// (`const char16_t *` for sqlite's UTF-16 `const void *`): the same
/// pointer, with the same `const`, which the header leaves untyped.
fn refines_void(overlay: &str, header: &str) -> bool {
    let pointee = |s: &str| s.strip_suffix('*').map(str::to_string);
    match (pointee(overlay), pointee(header)) {
        (Some(o), Some(h)) if !o.ends_with('*') => {
            let constant = |s: &str| s.starts_with("const") || s.ends_with("const");
            matches!(h.as_str(), "void" | "constvoid" | "voidconst") && constant(&o) == constant(&h)
        }
        _ => false,
    }
}

/// Whether a C spelling (`long`, `unsigned int`, `uint64_t`) names a scalar
/// stored like the header's type (`off_t`, `uInt`): the same size, ABI
/// class and signedness in the shared table.
fn same_scalar(compact: &str, header: &Ty) -> bool {
    let storage = |c: CName| {
        let f = c.scalar().facts();
        (f.size, f.class, f.signed)
    };
    match (CName::by_spelling(compact), &header.kind) {
        (Some(o), Kind::Scalar(h)) => storage(o) == storage(*h),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::refines_void;

    #[test]
    fn a_typed_pointer_refines_the_headers_void_pointer() {
        assert!(refines_void("constchar16_t*", "constvoid*"));
        assert!(refines_void("unsignedchar*", "void*"));
        // `const` must agree, one level only, and only `void` is untyped.
        assert!(!refines_void("char16_t*", "constvoid*"));
        assert!(!refines_void("constchar16_t*", "void*"));
        assert!(!refines_void("char**", "void*"));
        assert!(!refines_void("char16_t*", "int*"));
        assert!(!refines_void("int", "void*"));
    }
}
