//! The facts that differ between targets, in one place: the width of
//! `long` and of pointers, what `long double` is, and where shared libraries are looked for.

/// What `long double` is on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongDouble {
    /// x87 80-bit extended precision in 16 bytes (x86-64 System V).
    X87,
    /// IEEE 754 binary128 in 16 bytes (AArch64 Linux), in a vector register.
    Binary128,
    /// The same as `double` (Windows x64, Apple arm64).
    Double,
}

/// A target's C facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// `sizeof(void *)`
    pub pointer_bytes: usize,
    /// `sizeof(long)`
    pub long_bytes: usize,
    /// What `long double` is.
    pub long_double: LongDouble,
    /// The environment variable that lists library directories first.
    pub lib_path_var: &'static str,
    /// The system's library directories, searched in order after it.
    pub lib_dirs: &'static [&'static str],
}

impl Target {
    /// x86-64 Linux (System V, LP64, Debian's multiarch directories).
    pub const X86_64_LINUX: Target = Target {
        pointer_bytes: 8,
        long_bytes: 8,
        long_double: LongDouble::X87,
        lib_path_var: "LD_LIBRARY_PATH",
        lib_dirs: &[
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/local/lib",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ],
    };

    /// AArch64 Linux (LP64, binary128 `long double`; its unsigned `char` is
    /// passed as [`crate::CName`] says).
    pub const AARCH64_LINUX: Target = Target {
        pointer_bytes: 8,
        long_bytes: 8,
        long_double: LongDouble::Binary128,
        lib_path_var: "LD_LIBRARY_PATH",
        lib_dirs: &[
            "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/local/lib",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ],
    };

    /// x86-64 macOS (LP64, x87 `long double`).
    pub const X86_64_MACOS: Target = Target {
        pointer_bytes: 8,
        long_bytes: 8,
        long_double: LongDouble::X87,
        lib_path_var: "DYLD_LIBRARY_PATH",
        lib_dirs: &["/usr/local/lib", "/usr/lib"],
    };

    /// AArch64 macOS (LP64, `long double` is `double`).
    pub const AARCH64_MACOS: Target = Target {
        pointer_bytes: 8,
        long_bytes: 8,
        long_double: LongDouble::Double,
        lib_path_var: "DYLD_LIBRARY_PATH",
        lib_dirs: &["/opt/homebrew/lib", "/usr/local/lib", "/usr/lib"],
    };

    /// x86-64 Windows (LLP64: `long` is 4 bytes; `long double` is `double`).
    pub const X86_64_WINDOWS: Target = Target {
        pointer_bytes: 8,
        long_bytes: 4,
        long_double: LongDouble::Double,
        lib_path_var: "PATH",
        lib_dirs: &["C:\\Windows\\System32"],
    };

    /// The target dlwit was built for.
    pub const HOST: Target = if cfg!(all(target_arch = "aarch64", target_os = "linux")) {
        Target::AARCH64_LINUX
    } else if cfg!(all(target_arch = "x86_64", target_os = "macos")) {
        Target::X86_64_MACOS
    } else if cfg!(all(target_arch = "aarch64", target_os = "macos")) {
        Target::AARCH64_MACOS
    } else if cfg!(windows) {
        Target::X86_64_WINDOWS
    } else {
        Target::X86_64_LINUX
    };

    /// Where a library named without a directory is looked for: the
    /// directories of [`Target::lib_path_var`] (as `std::env` has it),
    /// then [`Target::lib_dirs`].
    pub fn lib_search_path(&self) -> Vec<std::path::PathBuf> {
        let mut dirs: Vec<std::path::PathBuf> = std::env::var_os(self.lib_path_var)
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        dirs.retain(|d| !d.as_os_str().is_empty());
        dirs.extend(self.lib_dirs.iter().map(std::path::PathBuf::from));
        dirs
    }
}
