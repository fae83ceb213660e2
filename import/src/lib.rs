//! `dlwit import`: C headers → a dlwit WIT package.
//!
//! One direction, each stage plain data for the next: libclang (loaded at
//! run time, so building needs no libclang) reads the headers into a
//! [`model::Model`]; wit-parser reads the optional overlay into an
//! [`overlay::Overlay`]; [`map`] decides each declaration's WIT form
//! ([`items::Item`]) or why it is skipped; `render` writes it out like
//! hand-written WIT, the overlay's items merged in by C name. C scalar
//! types come from the shared table (`dlwit-ctype`). Everything is
//! deterministic: header order, no hash order.

#![deny(missing_docs)]

mod check;
mod declared;
mod exports;
pub mod items;
mod macros;
pub mod map;
pub mod model;
pub mod names;
pub mod overlay;
mod parse;
mod proto;
mod render;

pub use declared::{CDecl, CFields, CParam, CShape, Declarations, declarations, struct_fields};
use model::Model;
use names::kebab;
use overlay::Overlay;
pub use parse::include_line;
use std::path::PathBuf;

/// How clang reads the headers.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The headers to import: their own declarations are imported, and
    /// those of the library's headers they include (the headers in their
    /// directory, unless it is a system include directory, and in a
    /// directory named after them: `sodium.h` → `sodium/`); what else
    /// they include is read for types only.
    pub headers: Vec<PathBuf>,
    /// `-I` directories.
    pub include_dirs: Vec<PathBuf>,
    /// `-D` definitions (`NAME` or `NAME=VALUE`).
    pub defines: Vec<String>,
    /// Headers included before the imported ones, which they need but do
    /// not include themselves (`stdio.h` for `jpeglib.h`): a name for
    /// `#include <...>`, or a path. Read for types only.
    pub includes: Vec<String>,
}

/// What to import and how to name it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Headers and compiler flags.
    pub parse: ParseOptions,
    /// The library: a soname (`libz.so.1`) or a path; when given, functions
    /// it does not export are skipped and reported.
    pub lib: Option<String>,
    /// Only functions starting with this prefix are imported, and their WIT
    /// names lose it (`sqlite3_` → `open-v2`).
    pub prefix: Option<String>,
    /// Only C names matching this regex are imported.
    pub allow: Option<regex::Regex>,
    /// C names matching this regex are left out.
    pub block: Option<regex::Regex>,
    /// Destructors: C handle type (or WIT resource name) → function.
    pub drops: Vec<(String, String)>,
    /// The package name (`dlwit:zlib`); default `dlwit:<interface>`.
    pub package: Option<String>,
    /// The interface name; default the first header's name.
    pub interface: Option<String>,
    /// Hand-written WIT items merged in by C name (see [`overlay`]).
    pub overlay: Option<PathBuf>,
}

/// The import's result.
#[derive(Debug, Clone)]
pub struct Output {
    /// The WIT text.
    pub wit: String,
    /// `imported N functions, ...; skipped M: ...`
    pub summary: String,
    /// Per skip reason, most frequent first, what would fix it:
    /// `C may read and write it (47): caller-owned structs (issue 18.1) ...`.
    pub remedies: Vec<String>,
    /// Functions imported, and functions the headers declare that the
    /// options select (imported or skipped).
    pub functions: (usize, usize),
    /// Functions the headers declare that the library does not export.
    pub missing: Vec<String>,
    /// Overlay functions whose prototype differs from the header's, and
    /// other things worth a look.
    pub warnings: Vec<String>,
}

/// Why an import failed.
#[derive(Debug, Clone)]
pub enum Error {
    /// libclang could not be loaded or run.
    Clang(String),
    /// The headers do not parse: clang's errors, `file:line:col: error: ...`.
    Parse(Vec<String>),
    /// Bad options or files.
    Usage(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Clang(m) | Error::Usage(m) => write!(f, "{m}"),
            Error::Parse(errs) => {
                write!(f, "the headers do not parse:")?;
                for e in errs {
                    write!(f, "\n{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Imports the headers: the WIT text and what was skipped.
pub fn import(opts: &Options) -> Result<Output, Error> {
    let model = parse::parse(&opts.parse)?;
    let exports = match &opts.lib {
        Some(lib) => Some(exports::exports(lib).map_err(Error::Usage)?),
        None => None,
    };
    let overlay = match &opts.overlay {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::Usage(format!("cannot read overlay `{}`: {e}", path.display()))
            })?;
            Some(
                overlay::Overlay::parse(&text)
                    .map_err(|e| Error::Usage(format!("overlay `{}`: {e}", path.display())))?,
            )
        }
        None => None,
    };
    Ok(generate(&model, opts, exports.as_ref(), overlay.as_ref()))
}

/// Renders the import (merged with the overlay, if any).
fn generate(
    model: &Model,
    opts: &Options,
    exports: Option<&exports::Exports>,
    overlay: Option<&Overlay>,
) -> Output {
    let generated = map::items(model, opts, exports, overlay);
    let interface = opts.interface.clone().unwrap_or_else(|| {
        opts.parse
            .headers
            .first()
            .and_then(|h| h.file_stem())
            .map_or("c".into(), |s| kebab(&s.to_string_lossy()))
    });
    let headers: Vec<String> = opts
        .parse
        .headers
        .iter()
        .map(|h| {
            h.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    let mut warnings = Vec::new();
    let wit = render::render(
        &generated,
        &render::Frame {
            package: opts
                .package
                .clone()
                .unwrap_or_else(|| format!("dlwit:{}", names::ident(&interface))),
            interface,
            headers,
            overlay: opts.overlay.as_ref().map(|p| p.display().to_string()),
        },
        overlay,
        model,
        &mut warnings,
    );
    Output {
        wit,
        summary: generated.summary,
        remedies: generated.remedies,
        functions: generated.functions,
        missing: generated.missing,
        warnings,
    }
}
