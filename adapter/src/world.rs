//! Stage 1: load and resolve the WIT (wit-parser), and find where things
//! are in its source so that later stages can point at them.

use crate::error::{Error, Location};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use wit_parser::{InterfaceId, PackageId, Resolve, Span};

/// The C prelude package `dlwit:c`, used when the WIT's `deps/` lacks it.
pub const PRELUDE: &str = dlwit_ctype::PRELUDE;

/// The prelude's package name.
pub const PRELUDE_PACKAGE: &str = "dlwit:c";

/// Where the WIT comes from.
#[derive(Debug, Clone)]
pub enum WitSource {
    /// A `.wit` file (its sibling `deps/` folder is loaded first) or a WIT
    /// package directory with an optional `deps/` (as wit-parser's `push_path`).
    Path(PathBuf),
    /// WIT text, with a name used in messages.
    Text {
        /// The name messages use for this text.
        name: String,
        /// The WIT text.
        text: String,
    },
}

impl From<&Path> for WitSource {
    fn from(p: &Path) -> Self {
        WitSource::Path(p.to_path_buf())
    }
}

impl From<PathBuf> for WitSource {
    fn from(p: PathBuf) -> Self {
        WitSource::Path(p)
    }
}

impl From<&PathBuf> for WitSource {
    fn from(p: &PathBuf) -> Self {
        WitSource::Path(p.clone())
    }
}

impl From<&str> for WitSource {
    fn from(p: &str) -> Self {
        WitSource::Path(PathBuf::from(p))
    }
}

/// A resolved WIT: the packages, the main package, and the source texts.
pub struct World {
    /// The resolved WIT.
    pub resolve: Resolve,
    /// The package the user wrote (not its dependencies).
    pub main: PackageId,
    texts: HashMap<String, String>,
}

impl World {
    /// Loads and resolves `source`.
    pub fn load(source: &WitSource) -> Result<World, Error> {
        let mut resolve = Resolve::default();
        let mut texts = HashMap::new();
        let main = match source {
            WitSource::Text { name, text } => {
                push_prelude(&mut resolve)?;
                texts.insert(name.clone(), text.clone());
                resolve
                    .push_str(name, text)
                    .map_err(|e| Error::Wit(resolve.render_error(&e)))?
            }
            WitSource::Path(path) if path.is_dir() => {
                if !dir_has_prelude(&path.join("deps")) {
                    push_prelude(&mut resolve)?;
                }
                resolve
                    .push_dir(path)
                    .map_err(|e| Error::Wit(resolve.render_error(&e)))?
                    .0
            }
            WitSource::Path(path) => {
                if !path.exists() {
                    return Err(Error::Wit(format!(
                        "no WIT file or directory at `{}`",
                        path.display()
                    )));
                }
                let deps = path.parent().unwrap_or(Path::new(".")).join("deps");
                for entry in sorted_entries(&deps) {
                    resolve
                        .push_path(&entry)
                        .map_err(|e| Error::Wit(resolve.render_error(&e)))?;
                }
                if !has_package(&resolve, PRELUDE_PACKAGE) {
                    push_prelude(&mut resolve)?;
                }
                resolve
                    .push_file(path)
                    .map_err(|e| Error::Wit(resolve.render_error(&e)))?
            }
        };
        Ok(World {
            resolve,
            main,
            texts,
        })
    }

    /// The interfaces of the main package, in source order.
    pub fn interfaces(&self) -> Vec<InterfaceId> {
        self.resolve.packages[self.main]
            .interfaces
            .values()
            .copied()
            .collect()
    }

    /// The location of `span`, if the source is known.
    pub fn locate(&self, span: Span) -> Option<Location> {
        if !span.is_known() {
            return None;
        }
        let rendered = self.resolve.render_location(span);
        let mut parts = rendered.rsplitn(3, ':');
        let column: usize = parts.next()?.parse().ok()?;
        let line: usize = parts.next()?.parse().ok()?;
        let file = parts.next()?.to_string();
        let text = self.line_text(&file, line)?;
        let len = token_len(&text, column);
        Some(Location {
            file,
            line,
            column,
            len,
            text,
        })
    }

    /// The location of the doc-comment line holding the `nth` `@ffi(`
    /// annotation of the item at `span`, pointing at `needle` in that line.
    pub fn locate_doc(&self, span: Span, nth: usize, needle: &str) -> Option<Location> {
        let item = self.locate(span)?;
        let text = self.text(&item.file)?;
        let lines: Vec<&str> = text.lines().collect();
        // Doc comments sit directly above the item: walk up over them.
        let mut first = item.line - 1;
        while first > 0 && lines[first - 1].trim_start().starts_with("//") {
            first -= 1;
        }
        let (idx, line) = lines[first..item.line - 1]
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("@ffi("))
            .nth(nth)?;
        // The needle as a key (`format =`), not inside a value before it
        // (`c = "int printf(const char *format, ...)", format = ...`).
        let as_key = line.match_indices(needle).find(|(i, _)| {
            let before = line[..*i].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
                && line[i + needle.len()..].trim_start().starts_with('=')
        });
        let at = as_key
            .map(|(i, _)| i)
            .or_else(|| line.find(needle))
            .or_else(|| line.find("@ffi("))
            .unwrap_or(0);
        let column = line[..at].chars().count() + 1;
        Some(Location {
            file: item.file,
            line: first + idx + 1,
            column,
            len: needle.chars().count().max(1),
            text: line.to_string(),
        })
    }

    fn text(&self, file: &str) -> Option<std::borrow::Cow<'_, str>> {
        if let Some(t) = self.texts.get(file) {
            return Some(t.as_str().into());
        }
        std::fs::read_to_string(file).ok().map(Into::into)
    }

    fn line_text(&self, file: &str, line: usize) -> Option<String> {
        let text = self.text(file)?;
        text.lines().nth(line - 1).map(str::to_string)
    }
}

fn token_len(text: &str, column: usize) -> usize {
    text.chars()
        .skip(column - 1)
        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '%' || *c == '_')
        .count()
        .max(1)
}

fn push_prelude(resolve: &mut Resolve) -> Result<(), Error> {
    resolve
        .push_str("<dlwit prelude>/types.wit", PRELUDE)
        .map_err(|e| Error::Wit(resolve.render_error(&e)))?;
    Ok(())
}

fn has_package(resolve: &Resolve, name: &str) -> bool {
    resolve
        .package_names
        .keys()
        .any(|n| format!("{}:{}", n.namespace, n.name) == name)
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return Vec::new(),
    };
    entries.retain(|p| p.is_dir() || p.extension().is_some_and(|e| e == "wit"));
    entries.sort();
    entries
}

/// Whether a `deps/` folder already provides the prelude package.
fn dir_has_prelude(deps: &Path) -> bool {
    let needle = format!("package {PRELUDE_PACKAGE}");
    sorted_entries(deps).iter().any(|entry| {
        let files = if entry.is_dir() {
            sorted_entries(entry)
        } else {
            vec![entry.clone()]
        };
        files.iter().any(|f| {
            std::fs::read_to_string(f).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.trim_start().starts_with(needle.as_str()))
            })
        })
    })
}
