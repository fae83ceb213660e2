//! What an import is asked to do ([`Options`], [`ParseOptions`]), and why
//! it may fail ([`Error`]): the vocabulary every stage shares.

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
    /// Directories searched after every other (`-idirafter`): where
    /// [`crate::find_includes`] found what the headers include but the
    /// compiler could not find.
    pub after_dirs: Vec<PathBuf>,
}

impl ParseOptions {
    /// What a C compiler (clang reading the headers, the layout probe) is
    /// told of where and how to read them: each `-I` and `-D`, then each
    /// header's own directory, searched last (`-idirafter`): a header that
    /// includes its neighbours with `<...>` (`pixman.h`'s
    /// `<pixman-version.h>`, which `pkg-config --cflags` would give `-I`
    /// for) finds them, and never shadows a system header. Under a system
    /// include directory, so are the directories between it and the
    /// header: `/usr/include/libxml2/libxml/tree.h` includes
    /// `<libxml/xmlversion.h>`, found in `/usr/include/libxml2` (what
    /// `pkg-config --cflags libxml-2.0` says).
    pub fn compiler_args(&self) -> Vec<String> {
        let absolute =
            |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut args: Vec<String> = Vec::new();
        for dir in &self.include_dirs {
            args.push(format!("-I{}", absolute(dir).display()));
        }
        for d in &self.defines {
            args.push(format!("-D{d}"));
        }
        for dir in self.headers.iter().flat_map(|h| search_dirs(&absolute(h))) {
            let arg = format!("-idirafter{}", dir.display());
            if !args.contains(&arg) {
                args.push(arg);
            }
        }
        for dir in &self.after_dirs {
            args.push(format!("-idirafter{}", dir.display()));
        }
        args
    }
}

/// Where a header's neighbours may be: its directory, and, for a header
/// under a system include directory (`/usr/include`, its multiarch
/// directory, `/usr/local/include`: [`is_system_dir`]), each
/// directory above it up to that one (which the compiler searches anyway),
/// nearest first.
fn search_dirs(header: &std::path::Path) -> Vec<PathBuf> {
    let Some(own) = header.parent() else {
        return Vec::new();
    };
    let mut dirs = vec![own.to_path_buf()];
    if own.ancestors().skip(1).any(is_system_dir) {
        dirs.extend(
            own.ancestors()
                .skip(1)
                .take_while(|d| !is_system_dir(d))
                .map(PathBuf::from),
        );
    }
    dirs
}

/// Directories where system headers live: a header there does not make
/// its neighbours the library's own.
pub(crate) fn is_system_dir(dir: &std::path::Path) -> bool {
    let s = dir.to_string_lossy();
    matches!(
        s.as_ref(),
        "/usr/include" | "/usr/local/include" | "/include" | "/opt/homebrew/include"
    ) || dir
        .parent()
        .is_some_and(|p| p == std::path::Path::new("/usr/include"))
        && dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("-linux-"))
        || s.contains("/lib/clang/") && s.ends_with("/include")
        || s.ends_with(".sdk/usr/include")
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
    /// Hand-written WIT items merged in by C name (see [`crate::overlay`]):
    /// each overlay's items before the next's, which claim only what the
    /// earlier ones left.
    pub overlays: Vec<PathBuf>,
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
