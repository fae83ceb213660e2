//! Shared harness for dlwit's integration tests: paths, building the guest
//! components and the CLI once, and running a guest in-process with its
//! output captured.

use dlwit::{Bindings, Libraries, Preopens, WasiHost};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command as WasiCommand;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The C fixture library built by build.rs.
pub const FIXTURE_LIB: &str = env!("DLWIT_FIXTURE_LIB");
/// The layout probe built by build.rs.
pub const LAYOUT_PROBE: &str = env!("DLWIT_LAYOUT_PROBE");

/// Runs cargo in `dir`. The guest workspace has its own target directory:
/// for it (`own_target`) a `CARGO_TARGET_DIR` the tests run with is not
/// passed on; for the repository's own crates it is, since `cli()` looks
/// for the binary there.
fn run_cargo(args: &[&str], dir: &Path, what: &str, own_target: bool) {
    eprintln!("building {what} (once per test run)...");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(args).current_dir(dir);
    if own_target {
        cargo.env_remove("CARGO_TARGET_DIR");
    }
    let out = cargo
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build {what}: {e}"));
    assert!(
        out.status.success(),
        "building {what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// raylib as a shared library, built once by `scripts/raylib.sh` (which
/// installs cmake, the X11/GL headers and Xvfb when they are missing).
pub fn raylib() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            eprintln!("building raylib (once; cached in target/raylib)...");
            let out = Command::new(root().join("scripts/raylib.sh"))
                .output()
                .unwrap_or_else(|e| panic!("cannot run scripts/raylib.sh: {e}"));
            assert!(
                out.status.success(),
                "scripts/raylib.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        })
        .clone()
}

/// sqlite counts its allocations for the whole process, and the sqlite
/// guest checks that count: tests that run it hold this lock.
pub fn sqlite_serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The path of guest component `name`, building every guest once.
pub fn guest(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        run_cargo(
            &["build", "--release", "--target", "wasm32-wasip2"],
            &root().join("guest"),
            "the guest components",
            true,
        )
    });
    root().join(format!("guest/target/wasm32-wasip2/release/{name}.wasm"))
}

/// The target the tests were built for, and the host building them: they
/// differ when the tests are cross-built (`scripts/arm64.sh`) and run under
/// an emulator.
pub const TARGET: &str = env!("DLWIT_TEST_TARGET");
const HOST: &str = env!("DLWIT_TEST_HOST");

/// Whether the tests run under an emulator (cross-built): long runs are
/// cut short there.
pub const EMULATED: bool = !const_str_eq(TARGET, HOST);

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The `dlwit` binary, built once (for the tests' target).
pub fn cli() -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let cross = TARGET != HOST;
    BUILT.get_or_init(|| {
        let mut args = vec!["build", "-p", "dlwit", "--bin", "dlwit"];
        if cross {
            args.extend(["--target", TARGET]);
        }
        run_cargo(&args, &root(), "the dlwit CLI", false)
    });
    let mut dir = std::env::var_os("CARGO_TARGET_DIR").map_or(root().join("target"), PathBuf::from);
    if cross {
        dir.push(TARGET);
    }
    dir.join("debug/dlwit")
}

/// A command that runs `program`, a binary built for the tests' target:
/// through cargo's runner for that target (`CARGO_TARGET_<TRIPLE>_RUNNER`,
/// e.g. `qemu-aarch64`) when the tests are cross-built, as cargo runs the
/// tests themselves.
pub fn target_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let var = format!(
        "CARGO_TARGET_{}_RUNNER",
        TARGET.to_uppercase().replace('-', "_")
    );
    let runner = std::env::var(var).ok().filter(|_| TARGET != HOST);
    let mut words = runner.iter().flat_map(|r| r.split_whitespace());
    match words.next() {
        Some(emulator) => {
            let mut cmd = Command::new(emulator);
            cmd.args(words).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

/// A command that runs the `dlwit` binary (see [`target_command`]).
pub fn dlwit() -> Command {
    target_command(cli())
}

/// The engine every in-process run shares (concurrency support off, as the
/// CLI runs it).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.concurrency_support(false);
        Engine::new(&config).unwrap()
    })
}

/// Loads bindings for a WIT, relative to the repository root.
pub fn bindings(wit: &str, libs: &Libraries) -> Result<Bindings, dlwit::Error> {
    #[expect(
        unsafe_code,
        reason = "the load contract, accepted for the repo's own WITs"
    )]
    // SAFETY: the WITs in this repository describe their libraries' real
    // signatures; the tests check that they do.
    let bindings = unsafe { Bindings::load(root().join(wit), libs) };
    bindings
}

/// A linker with WASI and `bindings`, ready to instantiate guests.
pub struct Runner {
    linker: Linker<WasiHost>,
    bindings: Vec<Bindings>,
    /// Which call path each function got.
    pub report: dlwit::LinkReport,
}

/// What a guest run did.
#[derive(Debug)]
pub struct Outcome {
    /// Everything it printed.
    pub stdout: String,
    /// `Ok` when `run` returned normally; the error chain when it trapped.
    pub result: Result<(), String>,
}

impl Runner {
    /// A runner with WASI and these bindings (fast path where eligible).
    pub fn new(bindings: &Bindings) -> Runner {
        Self::with_options(bindings, dlwit::LinkOptions::default())
    }

    /// A runner with WASI and these bindings, linked with `options`.
    pub fn with_options(bindings: &Bindings, options: dlwit::LinkOptions) -> Runner {
        Self::with_all(&[bindings], options)
    }

    /// A runner with WASI and several bindings (of different packages),
    /// linked with `options`; the report sums theirs.
    pub fn with_all(all: &[&Bindings], options: dlwit::LinkOptions) -> Runner {
        let mut linker = Linker::new(engine());
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
        let mut report = dlwit::LinkReport::default();
        for b in all {
            let r = dlwit::add_to_linker_with(&mut linker, b, options).unwrap();
            report.functions += r.functions;
            report.fast += r.fast;
            report.fused += r.fused;
            report.stubs += r.stubs;
        }
        Runner {
            linker,
            bindings: all.iter().map(|b| (*b).clone()).collect(),
            report,
        }
    }

    /// Adds the functions of more `bindings` (another WIT's interfaces) to
    /// the runner, for a guest that imports both.
    pub fn and(mut self, bindings: &Bindings) -> Runner {
        let r = dlwit::add_to_linker(&mut self.linker, bindings);
        r.unwrap();
        self.bindings.push(bindings.clone());
        self
    }

    /// Runs guest `name` with `args`, capturing its output; it is given no
    /// directories.
    pub fn run(&self, name: &str, args: &[&str]) -> Outcome {
        self.run_full(name, args, &[], |_| ()).0
    }

    /// [`Runner::run`] in a store whose dlwit memory limit is `limit` bytes.
    pub fn run_with_limit(&self, name: &str, args: &[&str], limit: usize) -> Outcome {
        self.run_full(name, args, &[], |h| h.handles.set_limit(limit))
            .0
    }

    /// Runs guest `name` with `args` and the directories `dirs`, each
    /// (host directory, guest path, read-write), given to WASI and to C
    /// functions that take paths alike.
    pub fn run_in(&self, name: &str, args: &[&str], dirs: &[(&Path, &str, bool)]) -> Outcome {
        self.run_full(name, args, dirs, |_| ()).0
    }

    /// [`Runner::run`] with the store data set up by `setup` first, and
    /// handed back after the run (the store's handles are destroyed when
    /// it is dropped).
    pub fn run_with(
        &self,
        name: &str,
        args: &[&str],
        setup: impl FnOnce(&mut WasiHost),
    ) -> (Outcome, WasiHost) {
        self.run_full(name, args, &[], setup)
    }

    /// Runs the component at `path` (a guest built outside the Rust guest
    /// workspace: another language's) with `args` and the directories
    /// `dirs`, as [`Runner::run_in`]; its argument 0 is its file name.
    ///
    /// Its compiled code is kept beside it (`PATH.ARCH.cwasm`) and reused by later
    /// test runs while wasmtime accepts it (same version and settings): the
    /// other languages' components are large (Python's is 18 MB) and take
    /// seconds to compile.
    pub fn run_file(&self, path: &Path, args: &[&str], dirs: &[(&Path, &str, bool)]) -> Outcome {
        let key = path.display().to_string();
        let component = compiled(&key, || precompiled(path));
        let name = path
            .file_name()
            .map_or(key.clone(), |n| n.to_string_lossy().into_owned());
        self.run_component(&component, &name, args, dirs, |_| ()).0
    }

    fn run_full(
        &self,
        name: &str,
        args: &[&str],
        dirs: &[(&Path, &str, bool)],
        setup: impl FnOnce(&mut WasiHost),
    ) -> (Outcome, WasiHost) {
        self.run_component(&component(name), name, args, dirs, setup)
    }

    fn run_component(
        &self,
        component: &Component,
        name: &str,
        args: &[&str],
        dirs: &[(&Path, &str, bool)],
        setup: impl FnOnce(&mut WasiHost),
    ) -> (Outcome, WasiHost) {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let argv: Vec<&str> = std::iter::once(name).chain(args.iter().copied()).collect();
        let mut ctx = WasiCtx::builder();
        ctx.stdout(stdout.clone()).inherit_stderr().args(&argv);
        let mut preopens = Preopens::new();
        for (host, guest, rw) in dirs {
            let perms = if *rw {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            WasiHost::preopened_dir(&mut ctx, &mut preopens, host, guest, perms)
                .unwrap_or_else(|e| panic!("cannot preopen {}: {e}", host.display()));
        }
        let mut host = WasiHost::with_preopens(ctx.build(), preopens);
        setup(&mut host);
        let mut store = Store::new(engine(), host);
        let all: Vec<&Bindings> = self.bindings.iter().collect();
        let result = dlwit::instantiate(&self.linker, &mut store, component, &all)
            .and_then(|instance| WasiCommand::new(&mut store, &instance))
            .and_then(|cmd| cmd.wasi_cli_run().call_run(&mut store))
            .map_err(|e| format!("{e:?}"))
            .and_then(|r| r.map_err(|()| "the guest returned an error".to_string()));
        let outcome = Outcome {
            stdout: String::from_utf8_lossy(&stdout.contents()).into_owned(),
            result,
        };
        (outcome, store.into_data())
    }
}

impl Outcome {
    /// Asserts that the run trapped with every one of `needles` in the
    /// message, and that the guest did not go on after the bad call (the
    /// sad-path guests print `unreachable` after it).
    pub fn expect_trap(&self, needles: &[&str]) {
        let err = self
            .result
            .as_ref()
            .expect_err("the call should have trapped");
        for n in needles {
            assert!(err.contains(n), "trap message lacks `{n}`:\n{err}");
        }
        assert!(
            !self.stdout.contains("unreachable"),
            "the guest went on after the bad call:\n{}",
            self.stdout
        );
    }
}

/// A fresh, empty directory under the system's temporary directory, unique
/// to this process and `name`, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Makes it (canonical: symbolic links such as a `/tmp` link resolved).
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("dlwit-test-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(std::fs::canonicalize(dir).unwrap())
    }

    /// A path in it.
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Compiles guest `name` once per test process.
fn component(name: &str) -> Component {
    compiled(name, || {
        Component::from_file(engine(), guest(name))
            .unwrap_or_else(|e| panic!("cannot compile guest `{name}`: {e:?}"))
    })
}

/// The component at `path`, from the compiled code kept at `PATH.ARCH.cwasm` (ARCH the machine's)
/// when wasmtime accepts it, else compiled and kept there.
fn precompiled(path: &Path) -> Component {
    let mut cwasm = path.as_os_str().to_owned();
    cwasm.push(format!(".{}.cwasm", std::env::consts::ARCH));
    let cwasm = PathBuf::from(cwasm);
    #[expect(
        unsafe_code,
        reason = "deserializing compiled code this harness wrote itself"
    )]
    // SAFETY: `PATH.ARCH.cwasm` is only ever written below, by this harness, from
    // `Engine::precompile_component` on the component beside it (under
    // target/, named by a hash of the component's sources); wasmtime itself
    // refuses code from another version or with other settings.
    let cached = unsafe { Component::deserialize_file(engine(), &cwasm) };
    if let Ok(c) = cached {
        return c;
    }
    let wasm =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let code = engine()
        .precompile_component(&wasm)
        .unwrap_or_else(|e| panic!("cannot compile {}: {e:?}", path.display()));
    let tmp = cwasm.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, &code).is_ok() {
        let _ = std::fs::rename(&tmp, &cwasm);
    }
    #[expect(unsafe_code, reason = "deserializing code this engine just compiled")]
    // SAFETY: `code` is what `precompile_component` made with this engine.
    let component = unsafe { Component::deserialize(engine(), &code) };
    component.unwrap_or_else(|e| panic!("cannot load {}: {e:?}", path.display()))
}

/// The component compiled under `key`, compiling it with `compile` the
/// first time in this test process.
fn compiled(key: &str, compile: impl FnOnce() -> Component) -> Component {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(String, Component)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((_, c)) = cache.lock().unwrap().iter().find(|(n, _)| n == key) {
        return c.clone();
    }
    let c = compile();
    cache.lock().unwrap().push((key.to_string(), c.clone()));
    c
}

/// Compares `actual` with the golden file at `path` (relative to tests/);
/// `BLESS=1` rewrites it.
pub fn golden(path: &str, actual: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!("golden file tests/{path} is missing: run the tests with BLESS=1 to create it")
    });
    if expected != actual {
        let mut diff = String::new();
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            if e != a {
                diff.push_str(&format!("line {}:\n  - {e}\n  + {a}\n", i + 1));
            }
        }
        let (ne, na) = (expected.lines().count(), actual.lines().count());
        if ne != na {
            diff.push_str(&format!("expected {ne} lines, got {na}\n"));
        }
        panic!(
            "tests/{path} differs from the output:\n{diff}\nif the new output is right, run the tests with BLESS=1"
        );
    }
}

/// The value a guest printed after `label ... = ` (on the first line that
/// starts with `label`).
pub fn value<'a>(out: &'a str, label: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line `{label}` in:\n{out}"));
    line.split_once("= ").unwrap().1.trim()
}
