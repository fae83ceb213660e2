//! `dlwit import`: a WIT from C headers (libclang), written only once
//! dlwit's planner accepts it.

use anyhow::{Context, Result};
use dlwit::{Plan, WitSource, world::World};
use regex::Regex;
use std::path::PathBuf;
use std::process::ExitCode;

/// See docs/import.md for what maps to what.
#[derive(clap::Args)]
#[command(args_override_self = true)]
pub struct ImportArgs {
    /// The headers to import, read as C (-std=gnu11) in order; what they
    /// include is read for the types their functions use.
    #[arg(value_name = "HEADER", required = true)]
    headers: Vec<PathBuf>,
    /// Where to write the WIT (default: standard output); a failed import
    /// leaves no file behind.
    #[arg(short = 'o', long = "output", value_name = "OUT.wit")]
    out: Option<PathBuf>,
    /// The library: functions it does not export are skipped and reported,
    /// and it becomes the interface's @ffi(lib = ...).
    #[arg(long, value_name = "SONAME|PATH")]
    lib: Option<String>,
    /// Import only functions whose name starts with P, without it in their
    /// WIT names.
    #[arg(long, value_name = "P")]
    prefix: Option<String>,
    /// Import only C names that match (Rust regex syntax, matching anywhere
    /// in a name).
    #[arg(long, value_name = "REGEX", value_parser = Regex::new)]
    allow: Option<Regex>,
    /// Leave out C names that match.
    #[arg(long, value_name = "REGEX", value_parser = Regex::new)]
    block: Option<Regex>,
    /// An include directory for clang, as for a C compiler.
    #[arg(short = 'I', value_name = "DIR")]
    include_dir: Vec<PathBuf>,
    /// A definition for clang, as for a C compiler.
    #[arg(short = 'D', value_name = "NAME[=VAL]")]
    define: Vec<String>,
    /// A header to include before the imported ones, which they need but
    /// do not include (`--include stdio.h` for jpeglib.h); repeatable.
    #[arg(long, value_name = "HEADER")]
    include: Vec<String>,
    /// The destructor of a handle type (its C name or WIT resource name);
    /// `TYPE=` gives it none; repeatable.
    #[arg(long = "drop", value_name = "TYPE=FUNCTION", value_parser = parse_drop)]
    drops: Vec<(String, String)>,
    /// Hand-written WIT items that replace the generated ones; repeatable
    /// (an earlier overlay's items come first).
    #[arg(long = "overlay", value_name = "WIT")]
    overlays: Vec<PathBuf>,
    /// The package name (default: dlwit: and the interface name).
    #[arg(long, value_name = "NS:NAME")]
    package: Option<String>,
    /// The interface name (default: the first header's file name in
    /// kebab-case).
    #[arg(long, value_name = "NAME")]
    interface: Option<String>,
}

fn parse_drop(v: &str) -> Result<(String, String), String> {
    v.split_once('=')
        .map(|(t, f)| (t.to_string(), f.to_string()))
        .ok_or_else(|| format!("expected TYPE=FUNCTION, got `{v}`"))
}

/// Writes the import to `out` (or stdout) once dlwit's planner accepts it;
/// a failed import leaves no file behind.
pub fn import(args: ImportArgs) -> Result<ExitCode> {
    let mut opts = dlwit_import::Options {
        parse: dlwit_import::ParseOptions {
            headers: args.headers,
            include_dirs: args.include_dir,
            defines: args.define,
            includes: args.include,
            after_dirs: Vec::new(),
        },
        lib: args.lib,
        prefix: args.prefix,
        allow: args.allow,
        block: args.block,
        drops: args.drops,
        package: args.package,
        interface: args.interface,
        overlays: args.overlays,
    };
    if let Err(e) = crate::cli::find_includes(&mut opts.parse) {
        eprintln!("error: {e}");
        return Ok(ExitCode::FAILURE);
    }
    let out = args.out.as_deref();
    let output = match dlwit_import::import(&opts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let name = out.map_or("<import>".into(), |p| p.display().to_string());
    let world = World::load(&WitSource::Text {
        name: name.clone(),
        text: output.wit.clone(),
    })
    .and_then(|w| Plan::new(&w).map(|_| ()));
    if let Err(e) = world {
        eprintln!("error: the generated WIT does not plan (a bug in `dlwit import`):\n{e}");
        return Ok(ExitCode::FAILURE);
    }
    for w in &output.warnings {
        eprintln!("warning: {w}");
    }
    if !output.missing.is_empty() {
        eprintln!(
            "note: declared in the headers but not exported by the library: {}",
            output.missing.join(", ")
        );
    }
    match out {
        Some(path) => {
            let tmp = path.with_extension("wit.tmp");
            std::fs::write(&tmp, &output.wit)
                .with_context(|| format!("cannot write `{}`", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        None => print!("{}", output.wit),
    }
    eprintln!("{}", output.summary);
    let (imported, total) = output.functions;
    let percent = |n: usize, of: usize| (n * 100).checked_div(of).unwrap_or(100);
    // Functions the headers declare but the library lacks (compiled out,
    // another library's, or `static inline`) can be imported by no WIT.
    let exported = total.saturating_sub(output.missing.len() + output.inline);
    if exported < total {
        eprintln!(
            "coverage: {imported} of {total} functions imported ({} %); {imported} of the {exported} the library exports ({} %)",
            percent(imported, total),
            percent(imported, exported)
        );
    } else {
        eprintln!(
            "coverage: {imported} of {total} functions imported ({} %)",
            percent(imported, total)
        );
    }
    if !output.remedies.is_empty() {
        eprintln!("what would fix the skips:");
        for r in &output.remedies {
            eprintln!("  {r}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
