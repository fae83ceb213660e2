//! Errors, grouped by the stage that finds them, and diagnostics that point
//! at the WIT source.

use std::fmt;

/// A place in a WIT source: file, 1-based line and column, and the line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as it was given (or the name given to WIT text).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column of the first character the diagnostic points at.
    pub column: usize,
    /// How many characters to underline (at least 1).
    pub len: usize,
    /// The text of the line.
    pub text: String,
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong: lowercase, no trailing period.
    pub message: String,
    /// Where in the WIT, when known.
    pub location: Option<Location>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    /// Attaches a location.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Attaches a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if let Some(loc) = &self.location {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(f, "{pad}--> {}:{}:{}", loc.file, loc.line, loc.column)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {}", loc.text)?;
            let lead: String = loc
                .text
                .chars()
                .take(loc.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {lead}{}", "^".repeat(loc.len.max(1)))?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while loading and linking bindings.
///
/// Calls made by a guest report their errors as traps carrying a message;
/// these are the errors a host sees before any guest runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The WIT could not be read, parsed or resolved (wit-parser's message).
    Wit(String),
    /// The WIT resolved, but its annotations or types cannot be planned as C.
    /// Every problem found is listed.
    Plan(Vec<Diagnostic>),
    /// A library could not be opened, a symbol was missing, or libffi
    /// rejected a signature. Every problem found is listed.
    Load(Vec<Diagnostic>),
    /// wasmtime refused a definition.
    Link(String),
    /// A component declares an import from the WIT's interfaces (or a
    /// callback export) with another type than the WIT's. Every mismatch is
    /// listed.
    Imports(Vec<Diagnostic>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Wit(msg) => write!(f, "{msg}"),
            Error::Plan(diags) | Error::Load(diags) | Error::Imports(diags) => {
                for (i, d) in diags.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{d}")?;
                }
                let what = match self {
                    Error::Plan(_) => "the WIT cannot be planned as C",
                    Error::Load(_) => "the native libraries cannot be bound",
                    _ => "the component does not match the WIT",
                };
                write!(f, "{what}: {} error{}", diags.len(), plural(diags.len()))
            }
            Error::Link(msg) => write!(f, "cannot link: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
