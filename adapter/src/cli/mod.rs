//! The command line, parsed with clap: `dlwit run / plan / check / import`.
//! Usage errors exit 2 (clap's own, and those found after parsing, through
//! [`usage_error`]); load and plan errors exit 1.

mod check;
mod import;
mod run;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use dlwit::{Bindings, Libraries, Plan, WitSource, world::World};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
WIT is a .wit file (its sibling deps/ folder is loaded too) or a WIT package \
directory. `--lib PATH` replaces the WIT's library when it names one or none; \
`--lib SONAME=PATH` replaces the library named SONAME. Load and plan errors \
exit 1, usage errors exit 2. `dlwit help COMMAND` or `dlwit COMMAND --help` \
describes each command's options.";

/// dlwit: lift native C libraries into WebAssembly component-model worlds.
#[derive(Parser)]
#[command(name = "dlwit", version, after_help = AFTER_HELP, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a component (a wasi:cli command) with WASI and the WIT's C
    /// libraries linked; exit with its exit code.
    Run(run::RunArgs),
    /// Print each function's C prototype and each struct's C layout.
    #[command(args_override_self = true)]
    Plan {
        /// The WIT: a .wit file (with its sibling deps/) or a package
        /// directory.
        wit: PathBuf,
        /// Print each function's call program instead: the path it takes
        /// and its moves from the guest's flat values, strings, lists and
        /// handles to C's arguments (and this machine's registers).
        #[arg(long)]
        calls: bool,
    },
    /// Check the WIT, open its libraries and resolve every symbol (and,
    /// with --verify-layout, compare struct layouts with the C compiler's).
    Check(check::CheckArgs),
    /// Generate a WIT from C headers with libclang (docs/import.md).
    Import(import::ImportArgs),
}

/// `--lib`, for `run` and `check`.
#[derive(clap::Args)]
struct LibArgs {
    /// Use the library at PATH instead of the one the WIT names (when it
    /// names one or none), or, as SONAME=PATH, instead of the one it names
    /// SONAME; repeatable.
    #[arg(long = "lib", value_name = "PATH|SONAME=PATH")]
    libs: Vec<String>,
}

impl LibArgs {
    /// The libraries, or a usage error for `dlwit sub` when two `--lib PATH`
    /// name no library.
    fn libraries(&self, sub: &str) -> Libraries {
        let mut libs = Libraries::default();
        for v in &self.libs {
            match v.split_once('=') {
                Some((soname, path)) => libs.by_name.push((soname.into(), path.into())),
                None if libs.default.is_some() => usage_error(
                    sub,
                    clap::error::ErrorKind::ArgumentConflict,
                    "`--lib PATH` is given twice; name each library with `--lib SONAME=PATH`",
                ),
                None => libs.default = Some(v.into()),
            }
        }
        libs
    }
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let ran = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Plan { wit, calls } => plan(&wit, calls),
        Command::Check(args) => check::check(args),
        Command::Import(args) => import::import(args),
    };
    match ran {
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

/// Exits 2 with `message` and the usage of `dlwit sub`, as clap does for
/// the errors it finds itself.
fn usage_error(sub: &str, kind: clap::error::ErrorKind, message: &str) -> ! {
    let mut cmd = Cli::command();
    cmd.build();
    let sub = cmd.find_subcommand_mut(sub).expect("a subcommand of dlwit");
    sub.error(kind, message).exit()
}

fn plan(wit: &Path, calls: bool) -> Result<ExitCode> {
    let world = World::load(&WitSource::Path(wit.to_path_buf()))?;
    let plan = Plan::new(&world)?;
    if calls {
        print!("{}", dlwit::render_calls(&plan));
    } else {
        print!("{}", dlwit::plan::render_plan(&plan));
    }
    Ok(ExitCode::SUCCESS)
}

fn load(wit: &Path, libs: &Libraries) -> Result<Bindings> {
    #[expect(
        unsafe_code,
        reason = "the load contract is accepted by the user of the CLI"
    )]
    // SAFETY: the user running `dlwit` asserts that the WIT describes the
    // libraries' real C signatures: the one contract dlwit cannot check.
    let bindings = unsafe { Bindings::load(wit, libs) }?;
    Ok(bindings)
}

/// Adds to `parse` the directories that hold what its headers include but
/// the compiler cannot find (see [`dlwit_import::find_includes`]), with a
/// note for each.
fn find_includes(parse: &mut dlwit_import::ParseOptions) -> Result<()> {
    for found in dlwit_import::find_includes(parse)? {
        match found {
            dlwit_import::Found::Dir { include, dir } => eprintln!(
                "note: `{include}` is in {} (searched last, as with -idirafter; -I chooses another)",
                dir.display()
            ),
            dlwit_import::Found::Prerequisite { ty, header } => eprintln!(
                "note: the headers use `{ty}` without including <{header}>, which declares it: included first (as with --include {header})"
            ),
        }
    }
    Ok(())
}
