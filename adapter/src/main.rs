//! The `dlwit` command: run a component against native libraries, print a
//! WIT's C plan, check that a WIT binds (and that its structs have the C
//! compiler's layout), or generate a WIT from C headers. The parser and
//! each command live in `cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
