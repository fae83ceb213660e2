//! The guest's own view of the filesystem, for C functions that take a path.
//!
//! A string parameter marked `@ffi(path = "...")` is a path the guest names
//! as it names files through WASI: against its preopened directories. dlwit
//! resolves it to the host path of the same file and hands C that, or
//! refuses: with no directories, outside them, out of them through `..` or a
//! symbolic link, or a write into a directory given read-only.
//!
//! wasmtime-wasi 48 keeps a `WasiCtx`'s preopens to itself (and holds them
//! as open directories, not host paths), so dlwit keeps its own list,
//! [`Preopens`], in the store data (`DlwitView::preopens`).
//! [`Preopens::preopen`] gives a directory to WASI and records it here in
//! one call, so the two views cannot disagree.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
#[cfg(feature = "wasi")]
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// The directories a guest was given, as (canonical host directory, guest
/// path, permissions): what [`Preopens::resolve`] resolves paths against.
#[derive(Debug, Clone, Default)]
pub struct Preopens {
    dirs: Vec<Preopen>,
}

#[derive(Debug, Clone)]
struct Preopen {
    /// The host directory, canonical (every symbolic link resolved).
    host: PathBuf,
    /// The guest path as given (`.`, `/data`).
    guest: String,
    /// Whether the guest path starts with `/`.
    absolute: bool,
    /// Its components, without `.` and empty ones.
    parts: Vec<String>,
    /// Given read-write.
    writable: bool,
}

static NONE: Preopens = Preopens::new();

impl Preopens {
    /// No directories: every path is refused.
    pub const fn new() -> Preopens {
        Preopens { dirs: Vec::new() }
    }

    /// The empty list, for stores that give the guest no directories.
    pub fn none() -> &'static Preopens {
        &NONE
    }

    /// Whether no directory was given.
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// Gives the host directory `host` to the guest as `guest` (`.`, `/data`),
    /// both to WASI (`WasiCtxBuilder::preopened_dir`) and to dlwit's path
    /// parameters: the one way to give a directory to both (with the `wasi`
    /// feature).
    #[cfg(feature = "wasi")]
    pub fn preopen(
        &mut self,
        wasi: &mut WasiCtxBuilder,
        host: impl AsRef<Path>,
        guest: &str,
        perms: FsPerms,
    ) -> wasmtime::Result<()> {
        let host = host.as_ref();
        wasi.preopened_dir(host, guest, perms)?;
        self.add(host, guest, perms == FsPerms::ReadWrite)
            .map_err(|e| wasmtime::Error::msg(format!("`{}`: {e}", host.display())))
    }

    /// Records `host` as the guest's `guest` for dlwit alone, for an embedder
    /// that preopens it in WASI itself (prefer [`Preopens::preopen`], which
    /// does both).
    pub fn add(&mut self, host: impl AsRef<Path>, guest: &str, writable: bool) -> io::Result<()> {
        let host = fs::canonicalize(host)?;
        if !host.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        let (absolute, parts) = match components(guest) {
            Ok((a, p)) => (a, p.into_iter().map(String::from).collect()),
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("guest path `{guest}` leads out of itself with `..`"),
                ));
            }
        };
        self.dirs.push(Preopen {
            host,
            guest: guest.to_string(),
            absolute,
            parts,
            writable,
        });
        Ok(())
    }

    /// The host path of the guest's `path`, for a C function that reads
    /// (`write` false) or may write it; the message says why not.
    ///
    /// The guest path is made lexical first (`.` and empty components
    /// dropped, `..` taking the one before it, never above where it
    /// starts); it then belongs to the directory whose guest path is its
    /// longest prefix (absolute paths to absolute guest paths, relative
    /// ones to relative guest paths such as `.`). Of the host path, the
    /// longest part that exists is resolved with `realpath` and must stay
    /// in the directory's canonical host path; the rest (a file C may
    /// create) is appended. C gets that resolved path, so symbolic links
    /// in it are already followed.
    pub fn resolve(&self, path: &str, write: bool) -> Result<PathBuf, String> {
        if self.dirs.is_empty() {
            return Err("the guest was given no directories".into());
        }
        if path.is_empty() {
            return Err("an empty path".into());
        }
        let (absolute, parts) = components(path).map_err(|()| match path.starts_with('/') {
            true => "`..` leads above `/`".to_string(),
            false => "`..` leads out of `.`".to_string(),
        })?;
        let dir = self
            .dirs
            .iter()
            .filter(|d| d.absolute == absolute && d.parts.len() <= parts.len())
            .filter(|d| d.parts.iter().zip(&parts).all(|(a, b)| a == b))
            .max_by_key(|d| d.parts.len())
            .ok_or_else(|| match absolute {
                true => "not in a directory the guest was given".to_string(),
                false => "a relative path, and no directory was given as `.`".to_string(),
            })?;
        if write && !dir.writable {
            return Err(format!(
                "`{}` was given read-only, and this function may write",
                dir.guest
            ));
        }
        let rest = &parts[dir.parts.len()..];
        // The longest part of the path that exists (a symbolic link counts,
        // followed or not).
        let mut existing = rest.len();
        let mut host = dir.host.clone();
        host.extend(rest);
        while fs::symlink_metadata(&host).is_err() && existing > 0 {
            existing -= 1;
            host.pop();
        }
        let mut real = fs::canonicalize(&host).map_err(|e| match existing {
            0 => format!("`{}` cannot be resolved ({e})", dir.guest),
            _ => format!("a symbolic link in it cannot be followed ({e})"),
        })?;
        if !real.starts_with(&dir.host) {
            return Err(format!(
                "leads out of `{}` through a symbolic link",
                dir.guest
            ));
        }
        real.extend(&rest[existing..]);
        Ok(real)
    }
}

/// A guest path as (absolute, components), `.` and empty components
/// dropped and `..` applied; `Err` when `..` climbs above the start.
fn components(path: &str) -> Result<(bool, Vec<&str>), ()> {
    let mut parts = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(())?;
            }
            c => parts.push(c),
        }
    }
    Ok((path.starts_with('/'), parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_lexical() {
        assert_eq!(components("/a/./b//c/"), Ok((true, vec!["a", "b", "c"])));
        assert_eq!(components("a/../b"), Ok((false, vec!["b"])));
        assert_eq!(components("."), Ok((false, vec![])));
        assert_eq!(components("../x"), Err(()));
        assert_eq!(components("/.."), Err(()));
        assert_eq!(components("a/../../x"), Err(()));
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dlwit-paths-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("in/sub")).unwrap();
        fs::create_dir_all(dir.join("out")).unwrap();
        fs::write(dir.join("out/secret"), "x").unwrap();
        fs::canonicalize(dir).unwrap()
    }

    #[test]
    fn resolves_inside_and_refuses_escapes() {
        let t = temp("unit");
        let mut p = Preopens::new();
        assert_eq!(
            p.resolve("x", false).unwrap_err(),
            "the guest was given no directories"
        );
        p.add(t.join("in"), ".", true).unwrap();
        p.add(t.join("in/sub"), "/data", false).unwrap();
        std::os::unix::fs::symlink(t.join("out"), t.join("in/link")).unwrap();
        std::os::unix::fs::symlink(t.join("out/new"), t.join("in/dangling")).unwrap();
        std::os::unix::fs::symlink("sub", t.join("in/inner")).unwrap();

        assert_eq!(p.resolve("a.db", true).unwrap(), t.join("in/a.db"));
        assert_eq!(p.resolve("./sub/../b", true).unwrap(), t.join("in/b"));
        assert_eq!(p.resolve("inner/c", true).unwrap(), t.join("in/sub/c"));
        assert_eq!(p.resolve("/data/d", false).unwrap(), t.join("in/sub/d"));
        assert_eq!(p.resolve("/data", false).unwrap(), t.join("in/sub"));
        assert_eq!(
            p.resolve("new/dir/e", true).unwrap(),
            t.join("in/new/dir/e")
        );

        let err = |path: &str, write: bool| p.resolve(path, write).unwrap_err();
        assert_eq!(err("", false), "an empty path");
        assert_eq!(err("../out/secret", false), "`..` leads out of `.`");
        assert_eq!(err("/..", false), "`..` leads above `/`");
        assert_eq!(
            err("/etc/passwd", false),
            "not in a directory the guest was given"
        );
        assert_eq!(
            err("/data/../x", false),
            "not in a directory the guest was given"
        );
        assert_eq!(
            err("/data/f", true),
            "`/data` was given read-only, and this function may write"
        );
        assert_eq!(
            err("link/secret", false),
            "leads out of `.` through a symbolic link"
        );
        assert_eq!(
            err("link", false),
            "leads out of `.` through a symbolic link"
        );
        assert!(
            err("dangling", true).starts_with("a symbolic link in it cannot be followed"),
            "{}",
            err("dangling", true)
        );

        let mut abs = Preopens::new();
        abs.add(t.join("in"), "/", true).unwrap();
        assert_eq!(
            abs.resolve("rel", false).unwrap_err(),
            "a relative path, and no directory was given as `.`"
        );
        assert_eq!(abs.resolve("/sub/x", false).unwrap(), t.join("in/sub/x"));
        fs::remove_dir_all(&t).unwrap();
    }
}
