//! `dlwit run`: a `wasi:cli` command component with WASI and the WIT's
//! libraries linked, compiled through wasmtime's compilation cache.

use super::{LibArgs, load};
use anyhow::{Context, Result};
use dlwit::{Preopens, WasiHost};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmtime::component::{Component, Linker};
use wasmtime::{Cache, CacheConfig, Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx};

#[derive(clap::Args)]
#[command(args_override_self = true)]
pub struct RunArgs {
    /// The WIT that describes the C libraries: a .wit file (with its sibling
    /// deps/) or a package directory; repeatable, for a guest that imports
    /// several libraries' worlds.
    #[arg(long, value_name = "WIT", required = true)]
    wit: Vec<PathBuf>,
    #[command(flatten)]
    libs: LibArgs,
    /// Give the guest the host directory HOST as GUEST (default: HOST),
    /// read-write, through WASI and to C functions that take paths (it has
    /// no other files); repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    /// After the run, print on stderr how many calls the guest made into C,
    /// in total and per function (every call then takes the slower general
    /// path).
    #[arg(long)]
    count_calls: bool,
    /// Bound what dlwit allocates on the host for the guest (copies,
    /// buffers, results, handles); K, M and G are powers of 1024.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_bytes)]
    max_memory: usize,
    #[command(flatten)]
    cache: CacheArgs,
    /// The component to run, then the arguments it is given (everything
    /// after the component is the component's).
    #[arg(value_name = "COMPONENT", required = true, trailing_var_arg = true)]
    component_and_args: Vec<OsString>,
}

/// The compilation cache: compiled components are kept on disk, keyed by
/// the component's bytes and the engine's settings, so the next run of the
/// same component loads its machine code instead of compiling it.
#[derive(clap::Args)]
struct CacheArgs {
    /// Compile the component from scratch, neither reading nor writing the
    /// compilation cache.
    #[arg(long)]
    no_cache: bool,
    /// The compilation cache's directory (default: $XDG_CACHE_HOME/dlwit,
    /// else ~/.cache/dlwit).
    #[arg(long, value_name = "DIR", env = "DLWIT_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// A wasmtime cache configuration file (TOML, as `wasmtime --cache-config`
    /// takes: directory, size limits, compression); --cache-dir overrides
    /// its directory.
    #[arg(long, value_name = "FILE")]
    cache_config: Option<PathBuf>,
}

impl CacheArgs {
    /// The cache to give the engine, if any.
    fn cache(&self) -> Result<Option<Cache>> {
        if self.no_cache {
            return Ok(None);
        }
        let mut config = match &self.cache_config {
            Some(file) => CacheConfig::from_file(Some(file)).map_err(|e| {
                anyhow::Error::from(e)
                    .context(format!("cannot read cache config `{}`", file.display()))
            })?,
            None => CacheConfig::new(),
        };
        let dir = self.cache_dir.clone().or_else(|| {
            // A configuration file names its own directory.
            (self.cache_config.is_none())
                .then(default_cache_dir)
                .flatten()
        });
        if let Some(dir) = dir {
            // wasmtime wants an absolute path.
            let dir = std::path::absolute(&dir)
                .with_context(|| format!("bad cache directory `{}`", dir.display()))?;
            config.with_directory(dir);
        }
        match Cache::new(config) {
            Ok(cache) => Ok(Some(cache)),
            // The default directory cannot be made (a read-only home): run
            // without the cache rather than not at all.
            Err(e) if self.cache_dir.is_none() && self.cache_config.is_none() => {
                eprintln!("warning: running without the compilation cache: {e:#}");
                Ok(None)
            }
            Err(e) => Err(anyhow::Error::from(e).context("cannot set up the compilation cache")),
        }
    }
}

/// `$XDG_CACHE_HOME/dlwit`, else `$HOME/.cache/dlwit`.
fn default_cache_dir() -> Option<PathBuf> {
    let nonempty = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    nonempty("XDG_CACHE_HOME")
        .or_else(|| nonempty("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("dlwit"))
}

/// `--dir HOST[::GUEST]`: (host, guest).
fn parse_dir(v: &str) -> Result<(PathBuf, String), String> {
    let (host, guest) = v.split_once("::").unwrap_or((v, v));
    if host.is_empty() || guest.is_empty() {
        return Err(format!("expected HOST or HOST::GUEST, got `{v}`"));
    }
    Ok((PathBuf::from(host), guest.to_string()))
}

/// A byte count: digits, with an optional `K`, `M` or `G` (powers of 1024).
fn parse_bytes(v: &str) -> Result<usize, String> {
    let (digits, shift) = match v.strip_suffix(['K', 'k']) {
        Some(d) => (d, 10),
        None => match v.strip_suffix(['M', 'm']) {
            Some(d) => (d, 20),
            None => match v.strip_suffix(['G', 'g']) {
                Some(d) => (d, 30),
                None => (v, 0),
            },
        },
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("expected a byte count such as 67108864 or 64M, got `{v}`"))
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let libs = args.libs.libraries("run");
    let (path, guest_args) = args
        .component_and_args
        .split_first()
        .expect("clap requires the component");
    let path = Path::new(path);
    let bindings = args
        .wit
        .iter()
        .map(|wit| load(wit, &libs))
        .collect::<Result<Vec<_>>>()?;
    let mut config = Config::new();
    // Nothing here is async: without concurrency support every host call is
    // cheaper (see docs/embedding.md).
    config.concurrency_support(false);
    config.cache(args.cache.cache()?);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, path).map_err(|e| {
        anyhow::Error::from(e).context(format!("cannot load component `{}`", path.display()))
    })?;
    let mut linker: Linker<WasiHost> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let options = dlwit::LinkOptions {
        count_calls: args.count_calls,
        ..Default::default()
    };
    for b in &bindings {
        dlwit::add_to_linker_with(&mut linker, b, options)?;
    }
    let name = path
        .file_name()
        .map_or("component".into(), |n| n.to_string_lossy().into_owned());
    let mut wasi = WasiCtx::builder();
    let argv = std::iter::once(Ok(name))
        .chain(guest_args.iter().map(|a| {
            a.clone()
                .into_string()
                .map_err(|a| anyhow::anyhow!("argument {a:?} is not UTF-8"))
        }))
        .collect::<Result<Vec<_>>>()?;
    wasi.inherit_stdio().inherit_env().args(&argv);
    // The guest's directories, for WASI and for C functions that take paths.
    let mut preopens = Preopens::new();
    for (host, guest) in &args.dirs {
        WasiHost::preopened_dir(&mut wasi, &mut preopens, host, guest, FsPerms::ReadWrite)
            .map_err(|e| {
                anyhow::Error::from(e)
                    .context(format!("cannot open directory `{}`", host.display()))
            })?;
    }
    let mut host = WasiHost::with_preopens(wasi.build(), preopens);
    host.handles.set_limit(args.max_memory);
    let mut store = Store::new(&engine, host);
    // wasmtime's own bound on what one call copies from the guest to the
    // host (as `Val`s on the general path): the same figure.
    store.set_hostcall_fuel(args.max_memory);
    let all: Vec<&dlwit::Bindings> = bindings.iter().collect();
    let command = dlwit::instantiate(&linker, &mut store, &component, &all)
        .and_then(|instance| Command::new(&mut store, &instance))
        .map_err(|e| {
            anyhow::Error::from(e).context(format!("cannot instantiate `{}`", path.display()))
        })?;
    let ran = command.wasi_cli_run().call_run(&mut store);
    if args.count_calls {
        let counts: Vec<_> = bindings.iter().flat_map(|b| b.call_counts()).collect();
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        eprintln!("dlwit: {total} calls into C");
        for (name, n) in &counts {
            eprintln!("dlwit: {n:>10}  {name}");
        }
    }
    match ran {
        Ok(Ok(())) => Ok(ExitCode::SUCCESS),
        Ok(Err(())) => Ok(ExitCode::FAILURE),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(ExitCode::from(exit.0 as u8)),
            None => Err(anyhow::Error::from(e)).context(format!("`{}` trapped", path.display())),
        },
    }
}
