//! Reading headers with libclang (loaded at run time) into a [`Model`].

use crate::macros;
use crate::model::{
    Enum, Field, FnTypedef, Function, HandleTypedef, Kind, Macro, Model, Struct, Ty,
};
use crate::options::{Error, ParseOptions, is_system_dir};
use clang::{Clang, Entity, EntityKind, Index, StorageClass, TypeKind, diagnostic::Severity};
use dlwit_ctype::CName;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// libclang allows one `Clang` at a time, on the thread that made it.
static CLANG: Mutex<()> = Mutex::new(());

/// The name of the synthetic main file that includes the headers.
pub(crate) const MAIN: &str = "dlwit-import.c";

/// Runs `f` with libclang loaded, one caller at a time.
fn with_clang<T>(f: impl FnOnce(&Clang) -> Result<T, Error>) -> Result<T, Error> {
    let _guard = CLANG.lock().unwrap_or_else(|e| e.into_inner());
    let clang = Clang::new().map_err(|e| {
        Error::Clang(format!(
            "cannot load libclang: {e} (on Debian: `apt-get install libclang-dev`, or set LIBCLANG_PATH)"
        ))
    })?;
    f(&clang)
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The arguments clang gets: C, then where and how to read the headers.
fn arguments(opts: &ParseOptions) -> Vec<String> {
    let mut args = vec!["-x".into(), "c".into(), "-std=gnu11".into()];
    args.extend(opts.compiler_args());
    args
}

/// The synthetic main file: the prerequisite includes, every header, then
/// `extra`.
pub(crate) fn main_text(opts: &ParseOptions, headers: &[PathBuf], extra: &str) -> String {
    let mut text = String::new();
    for i in &opts.includes {
        text.push_str(&include_line(i));
    }
    for h in headers {
        text.push_str(&format!("#include \"{}\"\n", h.display()));
    }
    text.push_str(extra);
    text
}

/// `#include` of a prerequisite: a file that exists by its path, else a
/// name the include path resolves (`stdio.h`, `<stdio.h>`).
pub fn include_line(include: &str) -> String {
    let bare = include.trim_start_matches('<').trim_end_matches('>');
    let path = Path::new(bare);
    if !include.starts_with('<') && path.is_file() {
        format!("#include \"{}\"\n", canonical(path).display())
    } else {
        format!("#include <{bare}>\n")
    }
}

/// The directories whose headers are the library's own: each header's
/// directory (unless a system one) and the directory named after it next
/// to it (`/usr/include/sodium.h` → `/usr/include/sodium/`).
fn library_dirs(headers: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for h in headers {
        let Some(dir) = h.parent() else { continue };
        if !is_system_dir(dir) {
            dirs.push(dir.to_path_buf());
        }
        if let Some(stem) = h.file_stem() {
            let named = dir.join(stem);
            if named.is_dir() {
                dirs.push(canonical(&named));
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The file-name prefixes of the library's own headers in a system
/// directory: the imported header's stem and `_` or `-`
/// (`/usr/include/z3.h` includes `z3_api.h`, `zstd.h` includes
/// `zstd_errors.h`, `wayland-client.h` includes `wayland-client-core.h`).
fn library_prefixes(headers: &[PathBuf]) -> Vec<String> {
    headers
        .iter()
        .filter(|h| h.parent().is_some_and(is_system_dir))
        .filter_map(|h| Some(h.with_file_name(h.file_stem()?)))
        .flat_map(|stem| ["_", "-"].map(|sep| format!("{}{sep}", stem.display())))
        .collect()
}

pub(crate) fn check_headers(opts: &ParseOptions) -> Result<Vec<PathBuf>, Error> {
    if opts.headers.is_empty() {
        return Err(Error::Usage("no header given".into()));
    }
    opts.headers
        .iter()
        .map(|h| {
            if h.is_file() {
                Ok(canonical(h))
            } else {
                Err(Error::Usage(format!("no header at `{}`", h.display())))
            }
        })
        .collect()
}

/// Clang's errors, one `file:line:col: error: message` per line; `skip`
/// says which to leave out (those in the synthetic file, for probes).
fn errors(tu: &clang::TranslationUnit<'_>, skip_main: bool) -> Vec<String> {
    let mut out = Vec::new();
    for d in tu.get_diagnostics() {
        if d.get_severity() < Severity::Error {
            continue;
        }
        let loc = d.get_location().get_file_location();
        let file = loc
            .file
            .map(|f| f.get_path().display().to_string())
            .unwrap_or_else(|| MAIN.into());
        if skip_main && file.ends_with(MAIN) {
            continue;
        }
        out.push(format!(
            "{file}:{}:{}: error: {}",
            loc.line,
            loc.column,
            d.get_text()
        ));
    }
    out
}

/// The headers followed by `extra`, parsed as the synthetic main file
/// with function bodies skipped (and, when `macros`, the preprocessing
/// record `#define`s are read from).
fn translation_unit<'i>(
    index: &'i Index<'_>,
    opts: &ParseOptions,
    headers: &[PathBuf],
    extra: &str,
    macros: bool,
) -> Result<clang::TranslationUnit<'i>, clang::SourceError> {
    let main = std::env::temp_dir().join(MAIN);
    let unsaved = clang::Unsaved::new(&main, main_text(opts, headers, extra));
    index
        .parser(&main)
        .arguments(&arguments(opts))
        .unsaved(&[unsaved])
        .detailed_preprocessing_record(macros)
        .skip_function_bodies(true)
        .parse()
}

fn unparsed(e: clang::SourceError) -> Error {
    Error::Clang(format!("libclang could not parse the headers: {e}"))
}

/// Parses the headers followed by `extra` (probes in the synthetic main
/// file) and hands the translation unit to `read`; an error clang finds in
/// the headers themselves is an error.
pub(crate) fn with_probe<T>(
    opts: &ParseOptions,
    headers: &[PathBuf],
    extra: &str,
    read: impl FnOnce(&clang::TranslationUnit<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    with_clang(|clang| {
        let index = Index::new(clang, false, false);
        let tu = translation_unit(&index, opts, headers, extra, false).map_err(unparsed)?;
        let errs = errors(&tu, true);
        if !errs.is_empty() {
            return Err(Error::Parse(errs));
        }
        read(&tu)
    })
}

/// Finds what the headers include that the compiler cannot: for each
/// `'P' file not found`, the one directory one level under a system
/// include directory, or an architecture's `include` directory under the
/// multiarch library directory, that has `P` (`libxml/tree.h` in
/// `/usr/include/libxml2`, `glibconfig.h` in
/// `/usr/lib/x86_64-linux-gnu/glib-2.0/include`: what `pkg-config
/// --cflags` would give `-I` for). Adds each to `opts.after_dirs`, parses
/// again until nothing more is found, and returns what it added, with the
/// include it was for. A header found in no such directory, or in two, is
/// left to the parse's error. So is a standard C type the headers use but
/// do not include (`size_t`, `va_list` in `cmocka.h`, `FILE` in
/// `jpeglib.h`): the standard header that declares it is included first,
/// as `--include` would.
pub fn find_includes(opts: &mut ParseOptions) -> Result<Vec<Found>, Error> {
    let headers = check_headers(opts)?;
    with_clang(|clang| {
        let index = Index::new(clang, false, false);
        let mut found = Vec::new();
        // Each round finds at least one new directory or prerequisite, of
        // finitely many.
        loop {
            let Ok(tu) = translation_unit(&index, opts, &headers, "", false) else {
                return Ok(found);
            };
            let mut more = Vec::new();
            for e in errors(&tu, false) {
                if let Some(ty) = e
                    .split_once("error: unknown type name '")
                    .and_then(|(_, rest)| rest.strip_suffix('\''))
                    && let Some(header) = standard_header_of(ty)
                    && !opts.includes.iter().any(|i| i == header)
                {
                    opts.includes.push(header.to_string());
                    more.push(Found::Prerequisite {
                        ty: ty.to_string(),
                        header,
                    });
                    continue;
                }
                let Some(name) = e
                    .split_once("error: '")
                    .and_then(|(_, rest)| rest.strip_suffix("' file not found"))
                else {
                    continue;
                };
                if let Some(dir) = include_dir_of(name).filter(|d| !opts.after_dirs.contains(d)) {
                    opts.after_dirs.push(dir.clone());
                    more.push(Found::Dir {
                        include: name.to_string(),
                        dir,
                    });
                }
            }
            if more.is_empty() {
                return Ok(found);
            }
            found.extend(more);
        }
    })
}

/// What [`find_includes`] added to the options.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// A directory, now searched last.
    Dir {
        /// What the headers include (`glibconfig.h`).
        include: String,
        /// The directory that has it.
        dir: PathBuf,
    },
    /// A standard header the headers use a type of without including it,
    /// now included first.
    Prerequisite {
        /// The type (`size_t`).
        ty: String,
        /// The header that declares it (`stddef.h`).
        header: &'static str,
    },
}

/// The standard header that declares the C type `ty`, for those a
/// library's header may use without including it.
fn standard_header_of(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "size_t" | "ptrdiff_t" | "wchar_t" | "max_align_t" => "stddef.h",
        "va_list" => "stdarg.h",
        "FILE" | "fpos_t" => "stdio.h",
        "jmp_buf" | "sigjmp_buf" => "setjmp.h",
        "int8_t" | "int16_t" | "int32_t" | "int64_t" | "uint8_t" | "uint16_t" | "uint32_t"
        | "uint64_t" | "intptr_t" | "uintptr_t" | "intmax_t" | "uintmax_t" => "stdint.h",
        "bool" => "stdbool.h",
        "time_t" | "clock_t" => "time.h",
        "ssize_t" | "off_t" | "pid_t" | "uid_t" | "gid_t" | "mode_t" | "dev_t" | "ino_t" => {
            "sys/types.h"
        }
        "sigset_t" | "sig_atomic_t" => "signal.h",
        "wint_t" | "mbstate_t" => "wchar.h",
        "socklen_t" => "sys/socket.h",
        _ => return None,
    })
}

/// The one directory that has `name` among those [`find_includes`] looks
/// in.
fn include_dir_of(name: &str) -> Option<PathBuf> {
    let subdirs = |root: &Path| -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    };
    let mut roots = vec![
        PathBuf::from("/usr/include"),
        PathBuf::from("/usr/local/include"),
    ];
    roots.extend(
        subdirs(Path::new("/usr/include"))
            .into_iter()
            .filter(|d| is_system_dir(d)),
    );
    let mut candidates: Vec<PathBuf> = roots.iter().flat_map(|r| subdirs(r)).collect();
    for lib in subdirs(Path::new("/usr/lib")) {
        // This machine's (`x86_64-linux-gnu`), not another's
        // libraries installed beside them.
        let name = lib.to_string_lossy();
        if name.contains("-linux-") && name.contains(std::env::consts::ARCH) {
            candidates.extend(subdirs(&lib).into_iter().map(|d| d.join("include")));
        }
    }
    let mut found = candidates.into_iter().filter(|d| d.join(name).is_file());
    let one = found.next()?;
    found.next().is_none().then_some(one)
}

/// Parses the headers into a [`Model`].
pub fn parse(opts: &ParseOptions) -> Result<Model, Error> {
    let headers = check_headers(opts)?;
    with_clang(|clang| {
        let index = Index::new(clang, false, false);
        let tu = translation_unit(&index, opts, &headers, "", true).map_err(unparsed)?;
        let mut errs = errors(&tu, false);
        // Errors the headers cause show up in the synthetic file too.
        if errs.iter().any(|e| !e.contains(MAIN)) {
            errs.retain(|e| !e.contains(MAIN));
        }
        if !errs.is_empty() {
            return Err(Error::Parse(errs));
        }
        let mut reader = Reader {
            files: headers.clone(),
            library_dirs: library_dirs(&headers),
            library_prefixes: library_prefixes(&headers),
            not_own: Default::default(),
            model: Model::default(),
            seen: HashMap::new(),
            reading: Default::default(),
            macro_values: HashMap::new(),
            void_handles: HashMap::new(),
            void_pointers: Vec::new(),
            inline_fns: HashMap::new(),
        };
        reader.model.header_lines = headers.iter().map(|h| lines_of(h)).collect();
        reader.glibc_parts(&tu.get_entity().get_children());
        let top = tu.get_entity().get_children();
        for e in &top {
            reader.top(*e);
        }
        reader.streams(&top);
        reader.void_pointer_handles();
        Ok(reader.model)
    })
}

fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

struct Reader {
    /// The imported headers, then the library's headers they include, in
    /// the order they are met.
    files: Vec<PathBuf>,
    /// Where the library's own headers are (see [`library_dirs`]).
    library_dirs: Vec<PathBuf>,
    /// Their file-name prefixes in a system directory (see
    /// [`library_prefixes`]).
    library_prefixes: Vec<String>,
    /// Files found not to be the library's.
    not_own: std::collections::HashSet<PathBuf>,
    model: Model,
    /// Functions already seen, by name.
    seen: HashMap<String, ()>,
    /// Structs whose fields are being read.
    reading: std::collections::HashSet<String>,
    macro_values: HashMap<String, i64>,
    /// `typedef void BZFILE;` of the imported headers: a typedef name of
    /// `void` that only pointers use, read as an incomplete struct (a
    /// handle type), by the key it is registered under.
    void_handles: HashMap<String, String>,
    /// `typedef void *cmsHPROFILE;` of the imported headers, with their
    /// docs: handles when functions make and end them.
    void_pointers: Vec<(String, Option<String>)>,
    /// Function types written out in parameters, by their canonical
    /// spelling: the name given to the first (one export for
    /// `sqlite3_auto_extension` and `sqlite3_cancel_auto_extension`, so
    /// that the pointer one registers is the one the other cancels).
    inline_fns: HashMap<String, String>,
}

/// The key of the struct or enum behind a declaration.
fn key_of(decl: &Entity<'_>) -> String {
    let canon = decl.get_canonical_entity();
    canon
        .get_usr()
        .map(|u| u.0)
        .or_else(|| canon.get_name())
        .unwrap_or_default()
}

/// The named C type of a typedef the shared table names exactly (`size_t`,
/// `int32_t`): its own prelude alias or WIT type, not the one underneath.
fn known_typedef(name: &str) -> Option<CName> {
    CName::by_spelling(name).filter(|c| !c.spelling().contains(' '))
}

fn doc_of(e: &Entity<'_>) -> Option<String> {
    e.get_comment_brief()
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|c| !c.is_empty())
}

impl Reader {
    /// glibc's umbrella headers declare their functions in `bits/` headers
    /// they include (`math.h` → `bits/mathcalls.h`): such a header, included
    /// right from an imported header of a system directory, is its own.
    fn glibc_parts(&mut self, top: &[Entity<'_>]) {
        let umbrellas: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|h| h.parent().is_some_and(is_system_dir))
            .map(|h| canonical(h))
            .collect();
        for e in top {
            if e.get_kind() != EntityKind::InclusionDirective {
                continue;
            }
            let (Some(included), Some(from)) = (
                e.get_file(),
                e.get_location().and_then(|l| l.get_file_location().file),
            ) else {
                continue;
            };
            let path = canonical(&included.get_path());
            let in_bits = path.parent().is_some_and(|d| {
                d.file_name().is_some_and(|n| n == "bits") && d.parent().is_some_and(is_system_dir)
            });
            if in_bits
                && umbrellas.contains(&canonical(&from.get_path()))
                && !self.files.contains(&path)
            {
                self.model.header_lines.push(lines_of(&path));
                self.files.push(path);
            }
        }
    }

    /// The index of the imported header (or library header) that declares
    /// `e`, if any.
    fn header_of(&mut self, e: &Entity<'_>) -> Option<usize> {
        let file = e.get_location()?.get_file_location().file?;
        let path = file.get_path();
        if let Some(i) = self.files.iter().position(|h| *h == path) {
            return Some(i);
        }
        if self.not_own.contains(&path) {
            return None;
        }
        let canon = canonical(&path);
        if let Some(i) = self.files.iter().position(|h| *h == canon) {
            return Some(i);
        }
        let named = canon.to_string_lossy();
        if self.library_dirs.iter().any(|d| canon.starts_with(d))
            || self.library_prefixes.iter().any(|p| named.starts_with(p))
        {
            self.model.header_lines.push(lines_of(&canon));
            self.files.push(canon);
            return Some(self.files.len() - 1);
        }
        self.not_own.insert(path);
        None
    }

    fn top(&mut self, e: Entity<'_>) {
        match e.get_kind() {
            EntityKind::FunctionDecl => self.function(e),
            EntityKind::VarDecl => self.variable(e),
            EntityKind::StructDecl => {
                self.record(e);
            }
            EntityKind::EnumDecl => {
                self.enumeration(e);
            }
            EntityKind::TypedefDecl => self.typedef(e),
            EntityKind::MacroDefinition => self.macro_def(e),
            _ => {}
        }
    }

    /// The name of a function or variable one of the library's headers
    /// declares, the first time it is seen.
    fn first_declared(&mut self, e: &Entity<'_>) -> Option<String> {
        self.header_of(e)?;
        let name = e.get_name()?;
        self.seen.insert(name.clone(), ()).is_none().then_some(name)
    }

    fn function(&mut self, e: Entity<'_>) {
        let Some(name) = self.first_declared(&e) else {
            return;
        };
        self.read_function(name, e, false);
    }

    /// `FILE *` in the library's functions (`TIFFPrintDirectory(TIFF *,
    /// FILE *, long)`, `mpz_out_str(FILE *, int, const mpz_t)`): the C
    /// library's `fopen` and `fclose` too, which make `FILE` a handle the
    /// guest opens in its own directories and drops to close.
    fn streams(&mut self, top: &[Entity<'_>]) {
        let file = self.model.structs.iter().find_map(|(k, s)| {
            (s.c_name == "FILE" || s.aliases.iter().any(|a| a == "FILE")).then(|| k.clone())
        });
        let Some(file) = file else { return };
        let takes = |t: &Ty| matches!(&t.kind, Kind::Ptr(p) if matches!(&p.kind, Kind::Struct(k) if *k == file));
        if !self
            .model
            .functions
            .iter()
            .any(|f| f.params.iter().any(|(_, t)| takes(t)))
        {
            return;
        }
        for want in ["fopen", "fclose"] {
            let found = top.iter().find(|e| {
                e.get_kind() == EntityKind::FunctionDecl && e.get_name().as_deref() == Some(want)
            });
            if let Some(e) = found
                && self.seen.insert(want.to_string(), ()).is_none()
            {
                self.read_function(want.to_string(), *e, true);
            }
        }
    }

    fn read_function(&mut self, name: String, e: Entity<'_>, from_libc: bool) {
        let mut arrays = Vec::new();
        let params = e
            .get_arguments()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let mut ty = p.get_type().map(|t| self.param_ty(t)).unwrap_or_else(void);
                // `void (*func)(void *)`: a function type no typedef names,
                // named after the function and parameter
                // (`OPENSSL_sk_pop_free_func`), its parameters as written.
                if ty.kind == Kind::Function
                    && ty.typedef.is_none()
                    && let Some(f) = p
                        .get_type()
                        .and_then(|t| t.get_canonical_type().get_pointee_type())
                        .filter(|f| f.get_kind() == TypeKind::FunctionPrototype)
                {
                    let spelled = f.get_canonical_type().get_display_name();
                    let synthetic = match self.inline_fns.get(&spelled) {
                        Some(first) => first.clone(),
                        None => {
                            let synthetic = match p.get_name() {
                                Some(n) if !n.is_empty() => format!("{name}_{n}"),
                                _ => format!("{name}_arg{}", i + 1),
                            };
                            self.inline_fns.insert(spelled, synthetic.clone());
                            self.fn_typedef(synthetic.clone(), &p, f);
                            synthetic
                        }
                    };
                    ty.typedef = Some(synthetic);
                }
                // As written: an array typedef (`va_list`, `uuid_t`) is not.
                if let Some(t) = p.get_type()
                    && matches!(ty.kind, Kind::Ptr(_))
                    && matches!(
                        t.get_kind(),
                        TypeKind::ConstantArray | TypeKind::IncompleteArray
                    )
                {
                    arrays.push((i, t.get_size().unwrap_or(0)));
                }
                (p.get_name().unwrap_or_default(), ty)
            })
            .collect();
        let ret = e.get_result_type().map(|t| self.ty(t)).unwrap_or_else(void);
        self.model.functions.push(Function {
            name,
            params,
            arrays,
            ret,
            variadic: e.is_variadic(),
            is_static: e.get_storage_class() == Some(StorageClass::Static),
            doc: doc_of(&e),
            variable: false,
            from_libc,
        });
    }

    /// A variable the header declares: a getter's symbol.
    fn variable(&mut self, e: Entity<'_>) {
        let Some(name) = self.first_declared(&e) else {
            return;
        };
        let ty = e.get_type().map(|t| self.ty(t)).unwrap_or_else(void);
        self.model.functions.push(Function {
            arrays: Vec::new(),
            name,
            params: Vec::new(),
            ret: ty,
            variadic: false,
            is_static: e.get_storage_class() == Some(StorageClass::Static),
            doc: doc_of(&e),
            variable: true,
            from_libc: false,
        });
    }

    /// Registers a struct declaration (reading its fields once); returns
    /// its key.
    fn record(&mut self, e: Entity<'_>) -> String {
        let key = key_of(&e);
        let in_headers = self.header_of(&e).is_some();
        let def = e.get_definition();
        match self.model.structs.get_mut(&key) {
            Some(s) => {
                s.in_headers |= in_headers;
                if s.fields.is_some() || def.is_none() || self.reading.contains(&key) {
                    return key;
                }
            }
            None => {
                let tag = e.get_name().unwrap_or_default();
                self.model.struct_order.push(key.clone());
                self.model.structs.insert(
                    key.clone(),
                    Struct {
                        c_name: if tag.is_empty() {
                            String::new()
                        } else {
                            format!("struct {tag}")
                        },
                        base: tag,
                        fields: None,
                        natural: true,
                        has_typedef: false,
                        aliases: Vec::new(),
                        in_headers,
                        doc: None,
                    },
                );
            }
        }
        let Some(d) = def else { return key };
        // A struct may point to itself: read its fields once.
        self.reading.insert(key.clone());
        let mut fields = Vec::new();
        // Natural layout: each field at a multiple of its alignment, and the
        // struct aligned as its most aligned field (not `packed`, not
        // `aligned(N)`), the layout a record describes.
        let mut natural = true;
        let mut most = 1;
        for c in d.get_children() {
            match c.get_kind() {
                EntityKind::FieldDecl => {
                    let align = c.get_type().and_then(|t| t.get_alignof().ok());
                    if let Some(a) = align {
                        most = most.max(a);
                        if let (false, Ok(bits)) = (c.is_bit_field(), c.get_offset_of_field()) {
                            natural &= bits % (8 * a) == 0;
                        }
                    }
                    let size = c.get_type().and_then(|t| t.get_sizeof().ok());
                    let ty = c.get_type().map(|t| self.ty(t)).unwrap_or_else(void);
                    fields.push(Field {
                        name: c.get_name().unwrap_or_default(),
                        ty,
                        bitfield: c.is_bit_field(),
                        size: size.unwrap_or(0),
                        align: align.unwrap_or(0),
                    });
                }
                EntityKind::StructDecl | EntityKind::UnionDecl if c.is_anonymous_record_decl() => {
                    fields.push(Field {
                        name: String::new(),
                        ty: Ty {
                            kind: Kind::Unsupported("an anonymous member".into()),
                            spelling: String::new(),
                            is_const: false,
                            typedef: None,
                            is_char: false,
                        },
                        bitfield: false,
                        size: 0,
                        align: 0,
                    });
                }
                EntityKind::StructDecl => {
                    self.record(c);
                }
                EntityKind::EnumDecl => {
                    self.enumeration(c);
                }
                _ => {}
            }
        }
        self.reading.remove(&key);
        natural &= d.get_type().and_then(|t| t.get_alignof().ok()) == Some(most);
        let doc = doc_of(&d);
        let s = self.model.structs.get_mut(&key).expect("registered");
        s.fields = Some(fields);
        s.natural = natural;
        s.doc = s.doc.take().or(doc);
        key
    }

    fn enumeration(&mut self, e: Entity<'_>) -> String {
        let key = key_of(&e);
        if self.model.enums.contains_key(&key) {
            return key;
        }
        let cases = e
            .get_children()
            .into_iter()
            .filter(|c| c.get_kind() == EntityKind::EnumConstantDecl)
            .map(|c| {
                let v = c.get_enum_constant_value().map_or(0, |v| v.0);
                let name = c.get_name().unwrap_or_default();
                self.macro_values.insert(name.clone(), v);
                (name, v)
            })
            .collect();
        let tag = e.get_name().unwrap_or_default();
        let in_headers = self.header_of(&e).is_some();
        self.model.enum_order.push(key.clone());
        self.model.enums.insert(
            key.clone(),
            Enum {
                c_name: if tag.is_empty() {
                    String::new()
                } else {
                    format!("enum {tag}")
                },
                base: tag,
                cases,
                in_headers,
                doc: doc_of(&e),
            },
        );
        key
    }

    fn typedef(&mut self, e: Entity<'_>) {
        let Some(name) = e.get_name() else { return };
        let Some(under) = e.get_typedef_underlying_type() else {
            return;
        };
        let mut t = under;
        while t.get_kind() == TypeKind::Elaborated {
            match t.get_elaborated_type() {
                Some(inner) => t = inner,
                None => break,
            }
        }
        match t.get_kind() {
            // `typedef void BZFILE;`, `typedef void CURL;`: what `BZFILE *`
            // points to is the library's, as an incomplete struct's is.
            TypeKind::Void if self.header_of(&e).is_some() => {
                let key = self.opaque_typedef("void", name.clone(), doc_of(&e), false);
                self.void_handles.insert(name, key);
            }
            TypeKind::Record => {
                let Some(decl) = t.get_declaration() else {
                    return;
                };
                if decl.get_kind() != EntityKind::StructDecl {
                    return;
                }
                let key = self.record(decl);
                let s = self.model.structs.get_mut(&key).expect("registered");
                if s.has_typedef {
                    s.aliases.push(name);
                } else {
                    s.has_typedef = true;
                    s.c_name = name.clone();
                    s.base = name.clone();
                    if s.fields.is_none() {
                        self.model.handles.push(HandleTypedef {
                            name,
                            target: key,
                            is_pointer: false,
                        });
                    }
                }
            }
            TypeKind::Enum => {
                let Some(decl) = t.get_declaration() else {
                    return;
                };
                let key = self.enumeration(decl);
                let en = self.model.enums.get_mut(&key).expect("registered");
                // The typedef's name is the C spelling: `enum tag` is wrong
                // for an anonymous enum clang names after its typedef.
                if en.base.is_empty() || en.c_name.starts_with("enum ") {
                    en.c_name = name.clone();
                    en.base = name;
                }
            }
            // `typedef Texture Texture2D`: another name of the same struct.
            TypeKind::Typedef => {
                let canon = t.get_canonical_type();
                if canon.get_kind() == TypeKind::Record
                    && let Some(decl) = canon.get_declaration()
                    && decl.get_kind() == EntityKind::StructDecl
                {
                    let key = self.record(decl);
                    let s = self.model.structs.get_mut(&key).expect("registered");
                    s.aliases.push(name);
                }
            }
            // `typedef la_ssize_t archive_read_callback(struct archive *,
            // void *, const void **)`: a function type, which parameters
            // take as `archive_read_callback *`.
            TypeKind::FunctionPrototype => self.fn_typedef(name, &e, t.get_canonical_type()),
            TypeKind::Pointer => {
                let Some(pointee) = t.get_pointee_type() else {
                    return;
                };
                let canon = pointee.get_canonical_type();
                if canon.get_kind() == TypeKind::FunctionPrototype {
                    self.fn_typedef(name, &e, canon);
                    return;
                }
                // `typedef void *cmsHPROFILE`: perhaps a handle
                // ([`Reader::void_pointer_handles`]).
                if canon.get_kind() == TypeKind::Void
                    && !canon.is_const_qualified()
                    && self.header_of(&e).is_some()
                {
                    self.void_pointers.push((name, doc_of(&e)));
                    return;
                }
                if canon.get_kind() != TypeKind::Record {
                    return;
                }
                let Some(decl) = canon.get_declaration() else {
                    return;
                };
                if decl.get_kind() != EntityKind::StructDecl {
                    return;
                }
                let key = self.record(decl);
                self.model.handles.push(HandleTypedef {
                    name,
                    target: key,
                    is_pointer: true,
                });
            }
            _ => {}
        }
    }

    /// Registers the typedef `name` of `void` (or, with `pointer`, of
    /// `void *`) as a handle typedef of an incomplete struct of that name,
    /// under a key with `kind`; returns the key.
    fn opaque_typedef(
        &mut self,
        kind: &str,
        name: String,
        doc: Option<String>,
        pointer: bool,
    ) -> String {
        let key = format!("{kind}:{name}");
        self.model.struct_order.push(key.clone());
        self.model.structs.insert(
            key.clone(),
            Struct {
                c_name: name.clone(),
                base: name.clone(),
                fields: None,
                natural: true,
                has_typedef: true,
                aliases: Vec::new(),
                in_headers: true,
                doc,
            },
        );
        self.model.handles.push(HandleTypedef {
            name,
            target: key.clone(),
            is_pointer: pointer,
        });
        key
    }

    /// Typedefs of `void *` that are handles: a function named like a
    /// constructor returns one and one function named like a destructor
    /// (only one: the typedef stands for one kind of object) takes it
    /// alone (lcms2's `cmsHPROFILE cmsOpenProfileFromFile(...)` and
    /// `cmsCloseProfile(cmsHPROFILE)`), and the name is not a generic
    /// pointer's (zlib's `voidpf`, GLib's `gpointer`). Each becomes an
    /// incomplete struct the typedef points to, as if the header had
    /// written `typedef struct cmsHPROFILE_s *cmsHPROFILE`: every type
    /// spelled with it points to that struct.
    fn void_pointer_handles(&mut self) {
        let generic = |name: &str| {
            let n = name.to_ascii_lowercase();
            [
                "ptr", "pointer", "void", "data", "buf", "addr", "mem", "arg", "user", "opaque",
            ]
            .iter()
            .any(|w| n.contains(w))
                || n.ends_with('p')
        };
        let mut keys: HashMap<String, String> = HashMap::new();
        for (name, doc) in std::mem::take(&mut self.void_pointers) {
            let is_it = |t: &Ty| {
                t.typedef.as_deref() == Some(name.as_str())
                    && matches!(&t.kind, Kind::Ptr(p) if p.kind == Kind::Void)
            };
            let fns = &self.model.functions;
            let made = fns.iter().any(|f| {
                is_it(&f.ret) && crate::map::named_like(&f.name, crate::map::CONSTRUCTOR_WORDS)
            });
            let ends = fns.iter().filter(|f| {
                f.params.len() == 1
                    && is_it(&f.params[0].1)
                    && crate::map::named_like_destructor(&f.name)
            });
            // One: lcms2's `cmsHANDLE` is an IT8 table's (`cmsIT8Free`), a
            // dictionary's (`cmsDictFree`) or a gamut boundary's
            // (`cmsGBDFree`), which no one destructor ends.
            if generic(&name) || !made || ends.count() != 1 {
                continue;
            }
            let key = self.opaque_typedef("void*", name.clone(), doc, true);
            keys.insert(name, key);
        }
        if keys.is_empty() {
            return;
        }
        fn point(t: &mut Ty, keys: &HashMap<String, String>) {
            if let Some((name, key)) = t.typedef.as_ref().and_then(|n| keys.get_key_value(n))
                && let Kind::Ptr(p) = &mut t.kind
                && p.kind == Kind::Void
            {
                p.kind = Kind::Struct(key.clone());
                // Spelled by its name, not as the `void *` it stands for.
                t.spelling = match t.is_const {
                    true => format!("{name} const"),
                    false => name.clone(),
                };
                return;
            }
            match &mut t.kind {
                Kind::Ptr(inner) | Kind::Array(inner, _) | Kind::FlexArray(inner) => {
                    point(inner, keys)
                }
                _ => {}
            }
        }
        let m = &mut self.model;
        for f in &mut m.functions {
            f.params.iter_mut().for_each(|(_, t)| point(t, &keys));
            point(&mut f.ret, &keys);
        }
        for f in m.fn_typedefs.values_mut() {
            f.params.iter_mut().for_each(|(_, t)| point(t, &keys));
            point(&mut f.ret, &keys);
        }
        for s in m.structs.values_mut() {
            for field in s.fields.iter_mut().flatten() {
                point(&mut field.ty, &keys);
            }
        }
    }

    /// `typedef R (*name)(params)`: the function type, its parameters
    /// named as the typedef names them (clang keeps them as its children).
    fn fn_typedef(&mut self, name: String, e: &Entity<'_>, function: clang::Type<'_>) {
        let named: Vec<(String, Ty)> = e
            .get_children()
            .into_iter()
            .filter(|c| c.get_kind() == EntityKind::ParmDecl)
            .map(|p| {
                let ty = p.get_type().map(|t| self.param_ty(t)).unwrap_or_else(void);
                (p.get_name().unwrap_or_default(), ty)
            })
            .collect();
        let types = function.get_argument_types().unwrap_or_default();
        let params = if named.len() == types.len() {
            named
        } else {
            types
                .into_iter()
                .map(|t| (String::new(), self.param_ty(t)))
                .collect()
        };
        let ret = function
            .get_result_type()
            .map(|t| self.ty(t))
            .unwrap_or_else(void);
        self.model.fn_typedefs.insert(
            name,
            FnTypedef {
                params,
                ret,
                variadic: function.is_variadic(),
            },
        );
    }

    fn macro_def(&mut self, e: Entity<'_>) {
        if e.is_function_like_macro() || e.is_builtin_macro() {
            return;
        }
        let Some(header) = self.header_of(&e) else {
            return;
        };
        let Some(range) = e.get_range() else { return };
        let tokens: Vec<String> = range.tokenize().iter().map(|t| t.get_spelling()).collect();
        let Some((name, body)) = tokens.split_first() else {
            return;
        };
        if let Some(value) = macros::evaluate(body, &self.macro_values) {
            self.macro_values.insert(name.clone(), value);
            let line = e.get_location().map_or(0, |l| l.get_file_location().line);
            self.model.macros.push(Macro {
                name: name.clone(),
                value,
                header,
                line,
            });
        }
    }

    /// A parameter's type: arrays are pointers, spelled so; one written
    /// with an array typedef (`const uuid_t uu`) stays `Kind::Array`, with
    /// the typedef, for its length (`const` on its elements).
    fn param_ty(&mut self, t: clang::Type<'_>) -> Ty {
        let c = t.get_canonical_type();
        if matches!(
            c.get_kind(),
            TypeKind::ConstantArray | TypeKind::IncompleteArray
        ) && let Some(elem) = c.get_element_type()
        {
            let mut elem = self.ty(elem);
            elem.is_const |= c.is_const_qualified() || t.is_const_qualified();
            // `Z3_ast const args[]`: the pointers are const, not what
            // they point at (`Z3_ast const *`).
            let spelling = if !elem.is_const || elem.spelling.starts_with("const ") {
                format!("{} *", elem.spelling)
            } else if matches!(elem.kind, Kind::Ptr(_) | Kind::Function) {
                format!("{} const *", elem.spelling)
            } else {
                format!("const {} *", elem.spelling)
            };
            // (`va_list` is an array typedef too, of one `__va_list_tag`.)
            let written = match t.get_kind() {
                TypeKind::Elaborated => t.get_elaborated_type().unwrap_or(t),
                _ => t,
            };
            let typedef = (written.get_kind() == TypeKind::Typedef)
                .then(|| written.get_declaration().and_then(|d| d.get_name()))
                .flatten()
                .filter(|n| !n.contains("va_list"));
            let kind = match (typedef.is_some(), c.get_size()) {
                (true, Some(n)) => Kind::Array(Box::new(elem), n),
                _ => Kind::Ptr(Box::new(elem)),
            };
            return Ty {
                spelling,
                kind,
                is_const: false,
                typedef,
                is_char: false,
            };
        }
        self.ty(t)
    }

    /// Reads a type, typedefs resolved (and remembered).
    fn ty(&mut self, t: clang::Type<'_>) -> Ty {
        let mut spelling = t.get_display_name();
        let is_const = t.is_const_qualified();
        let mut typedef = None;
        let mut known = None;
        let mut void_handle = None;
        let mut cur = t;
        loop {
            match cur.get_kind() {
                TypeKind::Typedef => {
                    let decl = cur.get_declaration();
                    let name = decl.and_then(|d| d.get_name()).unwrap_or_default();
                    if typedef.is_none() {
                        typedef = Some(name.clone());
                    }
                    if void_handle.is_none() {
                        void_handle = self.void_handles.get(&name).cloned();
                    }
                    if known.is_none() {
                        known = known_typedef(&name);
                    }
                    match decl.and_then(|d| d.get_typedef_underlying_type()) {
                        Some(u) => cur = u,
                        None => break,
                    }
                }
                TypeKind::Elaborated => match cur.get_elaborated_type() {
                    Some(u) => cur = u,
                    None => break,
                },
                _ => break,
            }
        }
        let canon = cur.get_canonical_type();
        let mut is_char = false;
        let prim = Kind::Scalar;
        let kind = match canon.get_kind() {
            TypeKind::Void => match void_handle {
                Some(key) => Kind::Struct(key),
                None => Kind::Void,
            },
            TypeKind::Bool => prim(CName::Bool),
            TypeKind::CharS => {
                is_char = true;
                prim(CName::Char)
            }
            TypeKind::SChar => {
                is_char = true;
                prim(CName::SChar)
            }
            // Plain `char` where it is unsigned (AArch64) is still `char`.
            TypeKind::CharU => {
                is_char = true;
                prim(CName::Char)
            }
            TypeKind::UChar => {
                is_char = true;
                prim(CName::UChar)
            }
            TypeKind::Short => prim(CName::Short),
            TypeKind::UShort => prim(CName::UShort),
            TypeKind::Int => prim(CName::Int),
            TypeKind::UInt => prim(CName::UInt),
            TypeKind::Long => prim(CName::Long),
            TypeKind::ULong => prim(CName::ULong),
            TypeKind::LongLong => prim(CName::LongLong),
            TypeKind::ULongLong => prim(CName::ULongLong),
            TypeKind::Float => prim(CName::Float),
            TypeKind::Double => prim(CName::Double),
            TypeKind::LongDouble => prim(CName::LongDouble),
            TypeKind::Pointer => {
                let pointee = canon
                    .get_pointee_type()
                    .filter(|_| cur.get_kind() != TypeKind::Pointer)
                    .or_else(|| cur.get_pointee_type())
                    .map(|p| self.ty(p))
                    .unwrap_or_else(void);
                // A pointer to a function type (not to a function pointer,
                // `EVP_PBE_KEYGEN **`, an out-parameter).
                let to_function = canon.get_pointee_type().is_some_and(|p| {
                    matches!(
                        p.get_canonical_type().get_kind(),
                        TypeKind::FunctionPrototype | TypeKind::FunctionNoPrototype
                    )
                });
                if pointee.kind == Kind::Function && to_function {
                    // `archive_read_callback *`: a pointer to a typedef of a
                    // function type is named by that typedef.
                    if typedef.is_none() {
                        typedef = pointee.typedef;
                    }
                    Kind::Function
                } else {
                    // A typedef of a pointer (`gzFile`): the prototype spells
                    // the pointer, which dlwit's prototype reader checks.
                    if typedef.is_some() && !spelling.contains('*') {
                        spelling = format!("{} *", pointee.spelling);
                        if is_const {
                            spelling.push_str(" const");
                        }
                    }
                    Kind::Ptr(Box::new(pointee))
                }
            }
            TypeKind::FunctionPrototype | TypeKind::FunctionNoPrototype => Kind::Function,
            TypeKind::Record => match canon.get_declaration() {
                Some(d) if d.get_kind() == EntityKind::StructDecl => Kind::Struct(self.record(d)),
                _ => Kind::Union,
            },
            TypeKind::Enum => match canon.get_declaration() {
                Some(d) => Kind::Enum(self.enumeration(d)),
                None => prim(CName::Int),
            },
            TypeKind::ConstantArray => {
                let elem = canon.get_element_type().map(|e| self.ty(e));
                match (elem, canon.get_size()) {
                    (Some(e), Some(n)) => Kind::Array(Box::new(e), n),
                    _ => Kind::Unsupported("an array".into()),
                }
            }
            TypeKind::IncompleteArray => match canon.get_element_type() {
                Some(e) => Kind::FlexArray(Box::new(self.ty(e))),
                None => Kind::Unsupported("an array".into()),
            },
            TypeKind::Int128 | TypeKind::UInt128 => Kind::Unsupported("`__int128`".into()),
            TypeKind::Complex => Kind::Unsupported("`_Complex`".into()),
            other => Kind::Unsupported(format!("{other:?}")),
        };
        let kind = match (kind, known) {
            (Kind::Scalar(_), Some(k)) => Kind::Scalar(k),
            (k, _) => k,
        };
        Ty {
            kind,
            spelling,
            is_const,
            typedef,
            is_char,
        }
    }
}

fn void() -> Ty {
    Ty {
        kind: Kind::Void,
        spelling: "void".into(),
        is_const: false,
        typedef: None,
        is_char: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_libraries_own_headers_are_beside_it_or_named_after_it() {
        assert!(is_system_dir(Path::new("/usr/include")));
        assert!(is_system_dir(Path::new("/usr/include/x86_64-linux-gnu")));
        assert!(is_system_dir(Path::new("/usr/include/aarch64-linux-gnu")));
        assert!(!is_system_dir(Path::new("/usr/include/SDL2")));
        assert!(!is_system_dir(Path::new(
            "/usr/include/x86_64-linux-gnu/curl"
        )));
        // `/usr/include/zlib.h` brings no other header of `/usr/include`.
        let dirs = library_dirs(&[PathBuf::from("/usr/include/no-such-lib.h")]);
        assert!(dirs.is_empty(), "{dirs:?}");
        let dirs = library_dirs(&[PathBuf::from("/opt/lib/include/lib.h")]);
        assert_eq!(dirs, vec![PathBuf::from("/opt/lib/include")]);
        // `/usr/include/z3.h` brings `z3_api.h`, not `z3++.h` or `zlib.h`;
        // `wayland-client.h` brings `wayland-client-core.h`.
        let prefixes = library_prefixes(&[
            PathBuf::from("/usr/include/z3.h"),
            PathBuf::from("/opt/lib/include/lib.h"),
        ]);
        assert_eq!(prefixes, ["/usr/include/z3_", "/usr/include/z3-"]);
    }

    #[test]
    fn standard_types_used_without_their_headers_are_included_first() {
        let dir = std::env::temp_dir().join(format!("dlwit-prereq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let header = dir.join("needs.h");
        std::fs::write(
            &header,
            "size_t n_read(FILE *f, void *buf, size_t n);\nint vlog(const char *fmt, va_list ap);\n",
        )
        .unwrap();
        let mut opts = ParseOptions {
            headers: vec![header],
            ..ParseOptions::default()
        };
        let found = find_includes(&mut opts).unwrap();
        let added: Vec<_> = found
            .iter()
            .map(|f| match f {
                Found::Prerequisite { ty, header } => format!("{ty} {header}"),
                Found::Dir { include, .. } => include.clone(),
            })
            .collect();
        assert_eq!(
            added,
            ["size_t stddef.h", "FILE stdio.h", "va_list stdarg.h"]
        );
        assert_eq!(opts.includes, ["stddef.h", "stdio.h", "stdarg.h"]);
        let model = parse(&opts).unwrap();
        let names = |libc: bool| -> Vec<&str> {
            (model.functions.iter())
                .filter(|f| f.from_libc == libc)
                .map(|f| f.name.as_str())
                .collect()
        };
        assert_eq!(names(false), ["n_read", "vlog"]);
        // `FILE *` brings the C library's way to open and close one.
        assert_eq!(names(true), ["fopen", "fclose"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn prerequisites_are_included_by_name_or_path() {
        assert_eq!(include_line("stdio.h"), "#include <stdio.h>\n");
        assert_eq!(include_line("<sys/types.h>"), "#include <sys/types.h>\n");
        let here = std::env::current_dir().unwrap().join("Cargo.toml");
        assert_eq!(
            include_line(here.to_str().unwrap()),
            format!("#include \"{}\"\n", canonical(&here).display())
        );
    }
}
