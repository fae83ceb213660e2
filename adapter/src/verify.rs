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

use crate::plan::Plan;
use dlwit_import::ParseOptions;
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
        .filter(|s| !s.tuple && !s.c_name.starts_with("struct /*"))
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
        let implicit = s.c_name == format!("struct {}", s.wit_name.replace('-', "_"));
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
        let t = &s.c_name;
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
            if norm(&f.name) != norm(cname) {
                report.errors.push(format!(
                    "`{t}.{cname}`: the WIT names this field `{}`",
                    f.name
                ));
            }
            let _ = writeln!(
                probe,
                "  printf(\"%zu %zu\\n\", offsetof({t}, {cname}), sizeof((({t} *)0)->{cname}));"
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
        for d in &headers.include_dirs {
            cmd.arg(format!("-I{}", absolute(d).display()));
        }
        for d in &headers.defines {
            cmd.arg(format!("-D{d}"));
        }
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
