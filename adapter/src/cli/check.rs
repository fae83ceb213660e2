//! `dlwit check`: the WIT plans, its libraries open, every symbol resolves;
//! with `--verify-layout`, every struct has the C compiler's layout and
//! every function the header's types.

use super::{LibArgs, load, usage_error};
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(args_override_self = true)]
pub struct CheckArgs {
    /// The WIT: a .wit file (with its sibling deps/) or a package directory.
    #[arg(value_name = "WIT", required_unless_present = "verify_layout")]
    wit: Option<PathBuf>,
    #[command(flatten)]
    libs: LibArgs,
    /// Also compare every struct's size, alignment and field offsets with
    /// what the system C compiler says for these headers.
    #[arg(long, value_name = "HEADER", num_args = 1.., action = clap::ArgAction::Append)]
    verify_layout: Option<Vec<PathBuf>>,
    /// An include directory for --verify-layout, as for a C compiler.
    #[arg(short = 'I', value_name = "DIR", requires = "verify_layout")]
    include_dir: Vec<PathBuf>,
    /// A definition for --verify-layout, as for a C compiler.
    #[arg(short = 'D', value_name = "NAME[=VAL]", requires = "verify_layout")]
    define: Vec<String>,
    /// A header --verify-layout includes before the others, which they
    /// need but do not include (`stdio.h` for jpeglib.h).
    #[arg(long, value_name = "HEADER", requires = "verify_layout")]
    include: Vec<String>,
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let libs = args.libs.libraries("check");
    let mut headers = args.verify_layout;
    // `check --verify-layout HEADER... WIT`: the WIT is the one argument
    // after the headers that is a .wit file or a directory.
    let wit = match args.wit {
        Some(wit) => wit,
        None => {
            let list = headers.as_mut().expect("clap requires one of the two");
            match list
                .iter()
                .position(|p| p.extension().is_some_and(|e| e == "wit") || p.is_dir())
            {
                Some(i) => list.remove(i),
                None => usage_error(
                    "check",
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "`dlwit check` needs a WIT",
                ),
            }
        }
    };
    if headers.as_ref().is_some_and(Vec::is_empty) {
        usage_error(
            "check",
            clap::error::ErrorKind::TooFewValues,
            "`--verify-layout` needs the C headers",
        );
    }
    let bindings = load(&wit, &libs)?;
    let plan = bindings.plan();
    let n: usize = plan.interfaces.iter().map(|i| i.functions.len()).sum();
    let m = plan.interfaces.len();
    println!(
        "ok: {n} function{} in {m} interface{}, every symbol resolved",
        if n == 1 { "" } else { "s" },
        if m == 1 { "" } else { "s" },
    );
    let Some(headers) = headers else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut parse = dlwit_import::ParseOptions {
        headers,
        include_dirs: args.include_dir,
        defines: args.define,
        includes: args.include,
        after_dirs: Vec::new(),
    };
    crate::cli::find_includes(&mut parse)?;
    let report = dlwit::verify::verify_layout(plan, &parse).map_err(anyhow::Error::msg)?;
    let protos = dlwit::verify::verify_functions(plan, &parse).map_err(anyhow::Error::msg)?;
    for e in &report.errors {
        eprintln!("error: layout: {e}");
    }
    for e in &protos.errors {
        eprintln!("error: prototype: {e}");
    }
    if !report.errors.is_empty() || !protos.errors.is_empty() {
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
    let undeclared = if protos.undeclared.is_empty() {
        String::new()
    } else {
        format!(
            "; not declared in the headers: {}",
            protos.undeclared.join(", ")
        )
    };
    println!(
        "ok: every function's C types match the headers' declarations ({} checked{undeclared})",
        protos.checked
    );
    Ok(ExitCode::SUCCESS)
}
