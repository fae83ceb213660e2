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
mod options;
pub mod overlay;
mod parse;
mod proto;
mod render;

pub use declared::{CDecl, CFields, CParam, CShape, Declarations, declarations, struct_fields};
use model::Model;
use names::kebab;
pub use options::{Error, Options, ParseOptions};
use overlay::Overlay;
pub use parse::{Found, find_includes, include_line};

/// The import's result.
#[derive(Debug, Clone)]
pub struct Output {
    /// The WIT text.
    pub wit: String,
    /// `imported N functions, ...; skipped M: ...`
    pub summary: String,
    /// Per skip reason, most frequent first, what would fix it:
    /// `C may read and write it (47): an overlay resource with ...`.
    pub remedies: Vec<String>,
    /// Functions imported, and functions the headers declare that the
    /// options select (imported or skipped).
    pub functions: (usize, usize),
    /// Functions the headers declare that the library does not export.
    pub missing: Vec<String>,
    /// How many are `static` (`static inline`): no library exports them.
    pub inline: usize,
    /// Overlay functions whose prototype differs from the header's, and
    /// other things worth a look.
    pub warnings: Vec<String>,
}

/// Imports the headers: the WIT text and what was skipped.
pub fn import(opts: &Options) -> Result<Output, Error> {
    let interface =
        (opts.interface.clone()).unwrap_or_else(|| default_interface(opts.parse.headers.first()));
    let package =
        (opts.package.clone()).unwrap_or_else(|| format!("dlwit:{}", names::ident(&interface)));
    if package == "dlwit:c" {
        return Err(Error::Usage(
            "the package `dlwit:c` is dlwit's C prelude (wit/deps/c), which the WIT uses: give another with --package".into(),
        ));
    }
    let model = parse::parse(&opts.parse)?;
    let exports = match &opts.lib {
        Some(lib) => Some(exports::exports(lib).map_err(Error::Usage)?),
        None => None,
    };
    let mut overlay: Option<Overlay> = None;
    for path in &opts.overlays {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("cannot read overlay `{}`: {e}", path.display())))?;
        let next = overlay::Overlay::parse(&text)
            .map_err(|e| Error::Usage(format!("overlay `{}`: {e}", path.display())))?;
        overlay = Some(match overlay {
            Some(first) => first.and(next),
            None => next,
        });
    }
    Ok(generate(
        &model,
        opts,
        exports.as_ref(),
        overlay.as_ref(),
        package,
        interface,
    ))
}

/// The interface a header's import is named after: its file name
/// (`zlib.h` → `zlib`), with its directory's before it when that alone
/// would be the name of the C prelude's package `dlwit:c`, which the
/// WIT uses (`leveldb/c.h` → `leveldb-c`).
fn default_interface(header: Option<&std::path::PathBuf>) -> String {
    let name = |p: Option<&std::ffi::OsStr>| p.map(|s| kebab(&s.to_string_lossy()));
    let Some(stem) = name(header.and_then(|h| h.file_stem())) else {
        return "header".into();
    };
    if stem != "c" {
        return stem;
    }
    let dir = name(header.and_then(|h| h.parent()).and_then(|d| d.file_name()));
    format!("{}-c", dir.unwrap_or_else(|| "header".into()))
}

/// Renders the import (merged with the overlay, if any) as interface
/// `interface` of `package`.
fn generate(
    model: &Model,
    opts: &Options,
    exports: Option<&exports::Exports>,
    overlay: Option<&Overlay>,
    package: String,
    interface: String,
) -> Output {
    let mut generated = map::items(model, opts, exports, overlay);
    if let Some(o) = overlay {
        o.guard(&mut generated.items);
    }
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
            package,
            interface,
            headers,
            overlay: (!opts.overlays.is_empty()).then(|| {
                let names: Vec<String> = opts
                    .overlays
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect();
                match names.as_slice() {
                    [one] => format!("the overlay {one}"),
                    _ => format!("the overlays {}", names.join(" and ")),
                }
            }),
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
        inline: generated.inline,
        warnings,
    }
}
