//! The `dlwit` command: run a component against native libraries, print a
//! WIT's C plan, check that a WIT binds (and that its structs have the C
//! compiler's layout), or generate a WIT from C headers.

use anyhow::{Context, Result};
use dlwit::{Bindings, Libraries, Plan, Preopens, WasiHost, WitSource, world::World};
use std::path::PathBuf;
use std::process::ExitCode;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx};

const USAGE: &str = "\
dlwit: lift native C libraries into WebAssembly component-model worlds

usage:
  dlwit run --wit WIT [--lib PATH | --lib SONAME=PATH]... [--dir HOST[::GUEST]]...
            [--count-calls] [--max-memory BYTES] COMPONENT [ARGS...]
      run a component (a wasi:cli command) with WASI and the WIT's C
      libraries linked; exits with the component's exit code; --dir gives
      the guest the host directory HOST as GUEST (default: HOST), read-write,
      both through WASI and to C functions that take paths (the guest has no
      other files); with
      --count-calls, prints how many calls it made into C (total and per
      function) on stderr at the end (every call then takes the slower
      general path); --max-memory bounds what dlwit allocates on the host
      for the guest (copies, buffers, results, handles; default 64M; K, M
      and G suffixes are powers of 1024)
  dlwit plan WIT
      print each function's C prototype and each struct's C layout
  dlwit check WIT [--lib PATH | --lib SONAME=PATH]... [--verify-layout HEADER... [-I DIR] [-D NAME=VAL]]
      check the WIT, open its libraries and resolve every symbol; with
      --verify-layout, also compare every struct's size, alignment and field
      offsets with what the C compiler says for the headers
  dlwit import HEADER... [-o OUT.wit] [--lib SONAME|PATH] [--prefix P]
               [--allow REGEX] [--block REGEX] [-I DIR] [-D NAME=VAL]
               [--drop TYPE=FUNCTION] [--overlay WIT] [--package NS:NAME]
               [--interface NAME]
      generate a WIT from C headers (libclang): functions, structs, enums,
      handles and #define groups; what cannot be mapped is skipped with a
      comment, and counted on stderr (docs/import.md)

WIT is a .wit file (its sibling deps/ folder is loaded too) or a WIT
package directory. `--lib PATH` replaces the WIT's library when it names
one or none; `--lib SONAME=PATH` replaces the library named SONAME.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<dlwit::Error>() {
                // Diagnostics are already rendered in full.
                Some(err) => eprintln!("{err}"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

struct Usage(String);

fn run(args: &[String]) -> Result<ExitCode> {
    let parsed = match parse(args) {
        Ok(p) => p,
        Err(Usage(msg)) if msg.is_empty() => {
            print!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Err(Usage(msg)) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            return Ok(ExitCode::from(2));
        }
    };
    match parsed {
        Cmd::Plan { wit } => {
            let world = World::load(&WitSource::Path(wit))?;
            let plan = Plan::new(&world)?;
            print!("{}", dlwit::plan::render_plan(&plan));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import { opts, out } => import(&opts, out.as_deref()),
        Cmd::Check { wit, libs, layout } => {
            let bindings = load(&wit, &libs)?;
            let n: usize = bindings
                .plan()
                .interfaces
                .iter()
                .map(|i| i.functions.len())
                .sum();
            println!(
                "ok: {n} function{} in {} interface{}, every symbol resolved",
                if n == 1 { "" } else { "s" },
                bindings.plan().interfaces.len(),
                if bindings.plan().interfaces.len() == 1 {
                    ""
                } else {
                    "s"
                },
            );
            if let Some(headers) = layout {
                let report = dlwit::verify::verify_layout(bindings.plan(), &headers)
                    .map_err(anyhow::Error::msg)?;
                if !report.errors.is_empty() {
                    for e in &report.errors {
                        eprintln!("error: layout: {e}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
                let unmatched = if report.unmatched.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the WIT's own, not in the headers: {}",
                        report.unmatched.join(", ")
                    )
                };
                println!(
                    "ok: every struct's layout matches the C compiler's ({} checked{unmatched})",
                    report.checked.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Run {
            wit,
            libs,
            component,
            args,
            dirs,
            count_calls,
            max_memory,
        } => run_component(
            &wit,
            &libs,
            &component,
            &args,
            &dirs,
            count_calls,
            max_memory,
        ),
    }
}

fn load(wit: &std::path::Path, libs: &Libraries) -> Result<Bindings> {
    #[expect(
        unsafe_code,
        reason = "the load contract is accepted by the user of the CLI"
    )]
    // SAFETY: the user running `dlwit` asserts that the WIT describes the
    // libraries' real C signatures: the one contract dlwit cannot check.
    let bindings = unsafe { Bindings::load(wit, libs) }?;
    Ok(bindings)
}

fn run_component(
    wit: &std::path::Path,
    libs: &Libraries,
    path: &std::path::Path,
    args: &[String],
    dirs: &[(PathBuf, String)],
    count_calls: bool,
    max_memory: usize,
) -> Result<ExitCode> {
    let bindings = load(wit, libs)?;
    let mut config = Config::new();
    // Nothing here is async: without concurrency support every host call is
    // cheaper (see docs/embedding.md).
    config.concurrency_support(false);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, path).map_err(|e| {
        anyhow::Error::from(e).context(format!("cannot load component `{}`", path.display()))
    })?;
    let mut linker: Linker<WasiHost> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let options = dlwit::LinkOptions {
        count_calls,
        ..Default::default()
    };
    dlwit::add_to_linker_with(&mut linker, &bindings, options)?;
    let name = path
        .file_name()
        .map_or("component".into(), |n| n.to_string_lossy().into_owned());
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().inherit_env().args(
        &std::iter::once(name)
            .chain(args.iter().cloned())
            .collect::<Vec<_>>(),
    );
    // The guest's directories, for WASI and for C functions that take paths.
    let mut preopens = Preopens::new();
    for (host, guest) in dirs {
        WasiHost::preopened_dir(&mut wasi, &mut preopens, host, guest, FsPerms::ReadWrite)
            .map_err(|e| {
                anyhow::Error::from(e)
                    .context(format!("cannot open directory `{}`", host.display()))
            })?;
    }
    let mut host = WasiHost::with_preopens(wasi.build(), preopens);
    host.handles.set_limit(max_memory);
    let mut store = Store::new(&engine, host);
    // wasmtime's own bound on what one call copies from the guest to the
    // host (as `Val`s on the general path): the same figure.
    store.set_hostcall_fuel(max_memory);
    let command = dlwit::instantiate(&linker, &mut store, &component, &[&bindings])
        .and_then(|instance| Command::new(&mut store, &instance))
        .map_err(|e| {
            anyhow::Error::from(e).context(format!("cannot instantiate `{}`", path.display()))
        })?;
    let ran = command.wasi_cli_run().call_run(&mut store);
    if count_calls {
        let counts = bindings.call_counts();
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

/// Writes the import to `out` (or stdout) once dlwit's planner accepts it;
/// a failed import leaves no file behind.
fn import(opts: &dlwit_import::Options, out: Option<&std::path::Path>) -> Result<ExitCode> {
    let output = match dlwit_import::import(opts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let name = out.map_or("<import>".into(), |p| p.display().to_string());
    let world = World::load(&WitSource::Text {
        name: name.clone(),
        text: output.wit.clone(),
    })
    .and_then(|w| Plan::new(&w).map(|_| ()));
    if let Err(e) = world {
        eprintln!("error: the generated WIT does not plan (a bug in `dlwit import`):\n{e}");
        return Ok(ExitCode::FAILURE);
    }
    for w in &output.warnings {
        eprintln!("warning: {w}");
    }
    if !output.missing.is_empty() {
        eprintln!(
            "note: declared in the headers but not exported by the library: {}",
            output.missing.join(", ")
        );
    }
    match out {
        Some(path) => {
            let tmp = path.with_extension("wit.tmp");
            std::fs::write(&tmp, &output.wit)
                .with_context(|| format!("cannot write `{}`", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
        }
        None => print!("{}", output.wit),
    }
    eprintln!("{}", output.summary);
    Ok(ExitCode::SUCCESS)
}

/// `dlwit import`'s options.
fn parse_import(args: &[String]) -> Result<Cmd, Usage> {
    let mut opts = dlwit_import::Options::default();
    let mut out = None;
    let mut it = args.iter();
    let regex = |flag: &str, v: &str| {
        regex::Regex::new(v).map_err(|e| Usage(format!("`{flag}`: not a regex: {e}")))
    };
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("`{flag}` needs a value")))
        };
        match a.as_str() {
            "-h" | "--help" => return Err(Usage(String::new())),
            "-o" | "--output" => out = Some(PathBuf::from(value(a)?)),
            "--lib" => opts.lib = Some(value(a)?),
            "--prefix" => opts.prefix = Some(value(a)?),
            "--allow" => opts.allow = Some(regex(a, &value(a)?)?),
            "--block" => opts.block = Some(regex(a, &value(a)?)?),
            "--overlay" => opts.overlay = Some(PathBuf::from(value(a)?)),
            "--package" => opts.package = Some(value(a)?),
            "--interface" => opts.interface = Some(value(a)?),
            "--drop" => {
                let v = value(a)?;
                let (t, f) = v
                    .split_once('=')
                    .ok_or_else(|| Usage("`--drop` needs TYPE=FUNCTION".into()))?;
                opts.drops.push((t.into(), f.into()));
            }
            "-I" => opts.parse.include_dirs.push(PathBuf::from(value(a)?)),
            "-D" => opts.parse.defines.push(value(a)?),
            s if s.starts_with("-I") => opts.parse.include_dirs.push(PathBuf::from(&s[2..])),
            s if s.starts_with("-D") => opts.parse.defines.push(s[2..].to_string()),
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(Usage(format!("unknown option `{s}` for `dlwit import`")));
            }
            s => opts.parse.headers.push(PathBuf::from(s)),
        }
    }
    if opts.parse.headers.is_empty() {
        return Err(Usage("`dlwit import` needs at least one header".into()));
    }
    Ok(Cmd::Import { opts, out })
}

enum Cmd {
    Plan {
        wit: PathBuf,
    },
    Check {
        wit: PathBuf,
        libs: Libraries,
        layout: Option<dlwit_import::ParseOptions>,
    },
    Import {
        opts: dlwit_import::Options,
        out: Option<PathBuf>,
    },
    Run {
        wit: PathBuf,
        libs: Libraries,
        component: PathBuf,
        args: Vec<String>,
        /// `--dir HOST[::GUEST]`: (host, guest).
        dirs: Vec<(PathBuf, String)>,
        count_calls: bool,
        max_memory: usize,
    },
}

/// A byte count: digits, with an optional `K`, `M` or `G` (powers of 1024).
fn parse_bytes(v: &str) -> Option<usize> {
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
    let n: usize = digits.parse().ok()?;
    n.checked_mul(1 << shift)
}

fn parse(args: &[String]) -> Result<Cmd, Usage> {
    let usage = |m: &str| Usage(m.to_string());
    let (cmd, rest) = args.split_first().ok_or_else(|| usage("missing command"))?;
    if cmd == "import" {
        return parse_import(rest);
    }
    let mut wit = None;
    let mut layout: Option<dlwit_import::ParseOptions> = None;
    let mut libs = Libraries::default();
    let mut positional = Vec::new();
    let mut count_calls = false;
    let mut dirs = Vec::new();
    let mut max_memory = dlwit::DEFAULT_MEMORY_LIMIT;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        // After the component, everything belongs to it.
        if cmd == "run" && !positional.is_empty() {
            positional.push(a.clone());
            continue;
        }
        match a.as_str() {
            "-h" | "--help" => return Err(usage("")),
            "--wit" if cmd == "run" => {
                wit = Some(PathBuf::from(
                    it.next().ok_or_else(|| usage("`--wit` needs a path"))?,
                ));
            }
            "--lib" if cmd != "plan" => {
                let v = it
                    .next()
                    .ok_or_else(|| usage("`--lib` needs PATH or SONAME=PATH"))?;
                match v.split_once('=') {
                    Some((soname, path)) => libs.by_name.push((soname.into(), path.into())),
                    None if libs.default.is_some() => {
                        return Err(usage(
                            "`--lib PATH` is given twice; name each library with `--lib SONAME=PATH`",
                        ));
                    }
                    None => libs.default = Some(v.into()),
                }
            }
            "--verify-layout" if cmd == "check" => layout = Some(Default::default()),
            "--count-calls" if cmd == "run" => count_calls = true,
            "--dir" if cmd == "run" => {
                let v = it
                    .next()
                    .ok_or_else(|| usage("`--dir` needs HOST or HOST::GUEST"))?;
                let (host, guest) = v.split_once("::").unwrap_or((v, v));
                if host.is_empty() || guest.is_empty() {
                    return Err(Usage(format!(
                        "`--dir` needs HOST or HOST::GUEST, got `{v}`"
                    )));
                }
                dirs.push((PathBuf::from(host), guest.to_string()));
            }
            "--max-memory" if cmd == "run" => {
                let v = it
                    .next()
                    .ok_or_else(|| usage("`--max-memory` needs a byte count"))?;
                max_memory = parse_bytes(v).ok_or_else(|| {
                    Usage(format!(
                        "`--max-memory`: expected a byte count such as 67108864 or 64M, got `{v}`"
                    ))
                })?;
            }
            "-I" | "-D" if layout.is_some() => {
                let v = it
                    .next()
                    .ok_or_else(|| Usage(format!("`{a}` needs a value")))?;
                let l = layout.as_mut().expect("checked");
                if a == "-I" {
                    l.include_dirs.push(v.into());
                } else {
                    l.defines.push(v.clone());
                }
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(Usage(format!("unknown option `{s}` for `dlwit {cmd}`")));
            }
            // After `--verify-layout`, what is not a WIT is a header.
            s if layout.is_some() && !s.ends_with(".wit") && !std::path::Path::new(s).is_dir() => {
                layout.as_mut().expect("checked").headers.push(s.into());
            }
            s => positional.push(s.to_string()),
        }
    }
    match cmd.as_str() {
        "plan" | "check" => {
            let [wit] = positional.as_slice() else {
                return Err(Usage(format!("`dlwit {cmd}` takes one WIT path")));
            };
            let wit = PathBuf::from(wit);
            if layout.as_ref().is_some_and(|l| l.headers.is_empty()) {
                return Err(usage("`--verify-layout` needs the C headers"));
            }
            Ok(if cmd == "plan" {
                Cmd::Plan { wit }
            } else {
                Cmd::Check { wit, libs, layout }
            })
        }
        "run" => {
            let wit = wit.ok_or_else(|| usage("`dlwit run` needs `--wit WIT`"))?;
            let (component, args) = positional
                .split_first()
                .ok_or_else(|| usage("`dlwit run` needs a component"))?;
            Ok(Cmd::Run {
                wit,
                libs,
                component: component.into(),
                args: args.to_vec(),
                dirs,
                count_calls,
                max_memory,
            })
        }
        "help" | "-h" | "--help" => Err(usage("")),
        "-V" | "--version" => {
            println!("dlwit {}", env!("CARGO_PKG_VERSION"));
            std::process::exit(0)
        }
        other => Err(Usage(format!("unknown command `{other}`"))),
    }
}
