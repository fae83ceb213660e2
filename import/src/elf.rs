//! Which functions a shared library exports, read from its ELF dynamic
//! symbol table (no `dlopen`, so nothing of the library runs).

use object::{Object, ObjectSymbol};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's exported symbols, and the name to write in `@ffi(lib)`.
#[derive(Debug, Clone)]
pub struct Exports {
    /// The `lib` annotation: the soname given, or the file's `DT_SONAME`.
    pub name: String,
    /// Defined, exported symbol names.
    pub symbols: BTreeSet<String>,
}

/// Finds `lib` (a path, or a soname in the usual directories).
fn locate(lib: &str) -> Option<PathBuf> {
    if lib.contains('/') {
        return Some(PathBuf::from(lib));
    }
    let mut dirs: Vec<PathBuf> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect();
    for d in [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/local/lib",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.into_iter().map(|d| d.join(lib)).find(|p| p.exists())
}

/// Reads the exports of `lib`.
pub fn exports(lib: &str) -> Result<Exports, String> {
    let path = locate(lib).ok_or_else(|| format!("cannot find the library `{lib}`"))?;
    let data = std::fs::read(&path)
        .map_err(|e| format!("cannot read the library `{}`: {e}", path.display()))?;
    let file = object::File::parse(&*data)
        .map_err(|e| format!("`{}` is not a shared library: {e}", path.display()))?;
    let symbols = file
        .dynamic_symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .collect();
    let name = if lib.contains('/') {
        soname(&file).unwrap_or_else(|| file_name(&path))
    } else {
        lib.to_string()
    };
    Ok(Exports { name, symbols })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// `DT_SONAME`, read from the dynamic string table.
fn soname(file: &object::File<'_>) -> Option<String> {
    use object::read::elf::{Dyn, FileHeader, SectionHeader};
    let object::File::Elf64(elf) = file else {
        return None;
    };
    let endian = elf.endian();
    let data = elf.data();
    let sections = elf.elf_header().sections(endian, data).ok()?;
    for section in sections.iter() {
        let Ok(Some((entries, link))) = section.dynamic(endian, data) else {
            continue;
        };
        let strings = sections.strings(endian, data, link).ok()?;
        for d in entries {
            if d.tag32(endian) == Some(object::elf::DT_SONAME as i32) {
                let name = d.string(endian, strings).ok()?;
                return Some(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    None
}
