//! The plan as `dlwit plan` prints it: each function's C prototype and how
//! its WIT parameters map onto C arguments, then every struct's layout.

use super::{Param, Plan, Ret};
use std::fmt::Write;

/// Renders the plan as text.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for iface in &plan.interfaces {
        let lib = &plan.libraries[iface.functions.first().map_or(0, |f| f.library)];
        let lib = if lib.name.is_empty() {
            "no library named: give one with --lib".to_string()
        } else {
            format!("library `{}`", lib.name)
        };
        let _ = writeln!(out, "interface {} ({lib})", iface.name);
        for f in &iface.functions {
            let args: Vec<String> = f
                .args
                .iter()
                .map(|a| spaced(&a.spelling, &a.name))
                .collect();
            let args = if args.is_empty() {
                "void".to_string()
            } else {
                args.join(", ")
            };
            let _ = writeln!(out, "  {}", f.name);
            let _ = writeln!(
                out,
                "    C: {}({args});",
                spaced(&f.ret_spelling, &f.symbol)
            );
            for p in &f.params {
                let note = match p {
                    Param::Value { .. } => continue,
                    Param::String { arg } => {
                        format!("`{}`: NUL-terminated copy", f.args[*arg].name)
                    }
                    Param::List { arg, .. } => format!(
                        "`{}`: C-layout copy of the list, length in `{}`",
                        f.args[*arg].name,
                        f.args[arg + 1].name
                    ),
                    Param::Nullable { arg, .. } => {
                        format!("`{}`: NULL for none, else a copy", f.args[*arg].name)
                    }
                };
                let _ = writeln!(out, "    {note}");
            }
            match &f.ret {
                Ret::String { nullable: false } => {
                    let _ = writeln!(out, "    result: string copied out; NULL is an error");
                }
                Ret::String { nullable: true } => {
                    let _ = writeln!(out, "    result: string copied out; NULL is none");
                }
                Ret::Value(_) | Ret::Void => {}
            }
        }
        out.push('\n');
    }
    for s in &plan.structs {
        let _ = writeln!(
            out,
            "{} (WIT `{}`): size {}, align {}",
            s.c_name, s.wit_name, s.size, s.align
        );
        for field in &s.fields {
            let _ = writeln!(
                out,
                "  {:>4}  {}",
                format!("+{}", field.offset),
                spaced(&field.spelling, &field.name)
            );
        }
    }
    out
}

/// `int x`, `const char *s`: no space after a `*`.
fn spaced(ty: &str, name: &str) -> String {
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}
