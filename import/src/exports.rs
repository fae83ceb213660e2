//! Which functions a shared library exports, read with the `object` crate
//! (ELF, Mach-O or PE; the library is not loaded, so nothing of it runs).
//! A library named without a directory is looked for where the target's
//! loader looks ([`dlwit_ctype::Target::lib_search_path`]).

use dlwit_ctype::Target;
use object::read::elf::{ElfFile, FileHeader};
use object::{BinaryFormat, Object, ObjectSymbol, SymbolKind};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The library's exported symbols, and the name to write in `@ffi(lib)`.
#[derive(Debug, Clone)]
pub struct Exports {
    /// The `lib` annotation: the soname given, or the file's `DT_SONAME`.
    pub name: String,
    /// Defined, exported symbol names (as C spells them).
    pub symbols: BTreeSet<String>,
}

/// Finds `lib`: a path, or a file name in the target's library directories.
fn locate(lib: &str, target: &Target) -> Option<PathBuf> {
    if Path::new(lib).components().count() > 1 {
        return Some(PathBuf::from(lib));
    }
    target
        .lib_search_path()
        .into_iter()
        .map(|d| d.join(lib))
        .find(|p| p.exists())
}

/// Reads the exports of `lib` (found as on the host).
pub fn exports(lib: &str) -> Result<Exports, String> {
    let target = Target::HOST;
    let path = locate(lib, &target).ok_or_else(|| format!("cannot find the library `{lib}`"))?;
    let data = std::fs::read(&path)
        .map_err(|e| format!("cannot read the library `{}`: {e}", path.display()))?;
    let not_a_library =
        |e: object::Error| format!("`{}` is not a shared library: {e}", path.display());
    let file = object::File::parse(&*data).map_err(not_a_library)?;
    let symbols = match file.format() {
        // The dynamic symbol table: what the dynamic linker binds to,
        // indirect functions (glibc's `cos`, `memcpy`: `STT_GNU_IFUNC`) too.
        // A symbol only of a hidden version (`pthread_atfork@GLIBC_2.2.5`
        // in glibc 2.34 and later, kept for old binaries) is not one
        // `dlsym` finds.
        BinaryFormat::Elf => {
            let hidden = hidden_versions(&data);
            file.dynamic_symbols()
                .filter(|s| {
                    s.is_global()
                        && (s.is_definition() || s.kind() == SymbolKind::Text && !s.is_undefined())
                        && !hidden.contains(&s.index().0)
                })
                .filter_map(|s| s.name().ok().map(str::to_string))
                .collect()
        }
        // The export trie: C names carry a leading `_`.
        BinaryFormat::MachO => exported(&file)
            .map_err(not_a_library)?
            .into_iter()
            .map(|n| n.strip_prefix('_').map_or(n.clone(), str::to_string))
            .collect(),
        _ => exported(&file)
            .map_err(not_a_library)?
            .into_iter()
            .collect(),
    };
    let name = if Path::new(lib).components().count() > 1 {
        soname(&data).unwrap_or_else(|| file_name(&path))
    } else {
        lib.to_string()
    };
    Ok(Exports { name, symbols })
}

/// The indices of the ELF library `data`'s dynamic symbols of a hidden
/// version (`name@VERSION`, not the default `name@@VERSION`).
fn hidden_versions(data: &[u8]) -> std::collections::HashSet<usize> {
    fn of<Elf: FileHeader>(data: &[u8]) -> Option<std::collections::HashSet<usize>> {
        let elf = ElfFile::<Elf>::parse(data).ok()?;
        let endian = elf.endian();
        let versions = (elf.elf_section_table().versions(endian, elf.data())).ok()??;
        let count = elf.elf_dynamic_symbol_table().len();
        let hidden = (0..count)
            .filter(|&i| (versions.version_index(endian, object::SymbolIndex(i))).is_hidden());
        Some(hidden.collect())
    }
    let hidden = match object::FileKind::parse(data) {
        Ok(object::FileKind::Elf64) => of::<object::elf::FileHeader64<object::Endianness>>(data),
        Ok(object::FileKind::Elf32) => of::<object::elf::FileHeader32<object::Endianness>>(data),
        _ => None,
    };
    hidden.unwrap_or_default()
}

fn exported(file: &object::File<'_>) -> Result<Vec<String>, object::Error> {
    Ok(file
        .exports()?
        .iter()
        .map(|e| String::from_utf8_lossy(e.name()).into_owned())
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// An ELF library's `DT_SONAME`.
fn soname(data: &[u8]) -> Option<String> {
    fn of<Elf: FileHeader>(data: &[u8]) -> Option<String> {
        let elf = ElfFile::<Elf>::parse(data).ok()?;
        let table = elf.elf_dynamic_table().ok()?;
        let entry = table.iter().find(|d| d.tag == object::elf::DT_SONAME)?;
        let name = table.string(entry).ok()?;
        Some(String::from_utf8_lossy(name).into_owned())
    }
    match object::FileKind::parse(data).ok()? {
        object::FileKind::Elf64 => of::<object::elf::FileHeader64<object::Endianness>>(data),
        object::FileKind::Elf32 => of::<object::elf::FileHeader32<object::Endianness>>(data),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::exports;

    #[test]
    fn finds_a_soname_in_the_targets_directories() {
        let m = exports("libm.so.6").unwrap();
        assert_eq!(m.name, "libm.so.6");
        assert!(m.symbols.contains("sqrtl") && m.symbols.contains("hypot"));
        assert!(
            exports("libno-such-library.so.9")
                .unwrap_err()
                .contains("cannot find")
        );
    }

    #[test]
    fn a_path_is_named_by_its_soname() {
        let dir = dlwit_ctype::Target::HOST
            .lib_search_path()
            .into_iter()
            .find(|d| d.join("libm.so.6").exists())
            .expect("libm.so.6 somewhere");
        let m = exports(dir.join("libm.so.6").to_str().unwrap()).unwrap();
        assert_eq!(m.name, "libm.so.6");
        assert!(m.symbols.contains("cos"));
        let not = exports("/proc/self/status").unwrap_err();
        assert!(not.contains("is not a shared library"), "{not}");
    }

    /// glibc 2.34 and later (which have `pthread_create` in libc) keep
    /// `pthread_atfork` only as `pthread_atfork@GLIBC_2.2.5`, a hidden
    /// version `dlsym` does not find: not an export.
    #[test]
    fn a_symbol_of_a_hidden_version_only_is_no_export() {
        let c = exports("libc.so.6").unwrap();
        if c.symbols.contains("pthread_create") {
            assert!(!c.symbols.contains("pthread_atfork"));
        }
        // `memcpy` has a hidden and a default version: an export.
        assert!(c.symbols.contains("memcpy") && c.symbols.contains("printf"));
    }
}
