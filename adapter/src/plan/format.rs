//! Planning `@ffi(format = "param = dialect")`: the format parameter of a
//! variadic printf-like function, and what each variadic argument is, so
//! that every call can check the guest's format against them
//! (`marshal::format`).

use super::build::Builder;
use super::func::norm;
use super::notes::Notes;
use super::{CType, Dialect, Format, Function, Param, VaKind};
use dlwit_ctype::AbiClass;
use wit_parser::{Span, Type};

/// A positional format (`%3$d`) is checked with a 64-bit mask of the
/// arguments it uses.
pub(crate) const MAX_FORMAT_ARGS: usize = 64;

impl Builder<'_> {
    /// Plans the `format` note of `f`, whose parameters are planned.
    pub(super) fn format(
        &mut self,
        f: &mut Function,
        params: &[(String, Type, Span)],
        n: &Notes,
        span: Span,
    ) {
        let Some((name, dialect)) = &n.format else {
            return;
        };
        let loc = self.note_loc(n, "format", span);
        let dialect = match dialect.as_str() {
            "printf" => Dialect::Printf,
            "sqlite" => Dialect::Sqlite,
            other => {
                let m = format!(
                    "`{}`: `format` dialect must be printf or sqlite, got `{other}`",
                    f.name
                );
                self.fail(m, loc, "");
                return;
            }
        };
        let Some(fixed) = f.variadic else {
            let m = format!(
                "`{}`: `format` needs a variadic C prototype (ending in `...`): the conversions are checked against the variadic arguments",
                f.name
            );
            self.fail(m, loc, "");
            return;
        };
        let Some(param) = params.iter().position(|(p, ..)| norm(p) == norm(name)) else {
            let names: Vec<&str> = params.iter().map(|(p, ..)| p.as_str()).collect();
            let m = format!(
                "`{}`: `format` names `{name}`, which is not a parameter of the WIT function ({})",
                f.name,
                names.join(", ")
            );
            self.fail(m, loc, "");
            return;
        };
        let arg = match f.params.get(param) {
            Some(Param::String { arg }) if *arg < fixed => *arg,
            Some(Param::String { .. }) => {
                let m = format!(
                    "`{}`: the format `{name}` must be a fixed parameter of the C prototype, got a variadic argument",
                    f.name
                );
                self.fail(m, loc, "");
                return;
            }
            _ => {
                let m = format!(
                    "`{}`: the format `{name}` must be a `string` parameter, got `{}`",
                    f.name,
                    self.wit_name(&params[param].1)
                );
                self.fail(m, loc, "");
                return;
            }
        };
        // No conversion reads a `long double` (`%Lf` is refused), so no
        // checked format may be given one.
        if let Some(arg) = f.params.iter().find_map(|p| match p {
            Param::Vararg { arg, .. }
                if matches!(f.args[*arg].ty, CType::Scalar(s) if matches!(s.class(), AbiClass::X87 | AbiClass::Quad)) =>
            {
                Some(*arg)
            }
            _ => None,
        }) {
            let m = format!(
                "`{}`: the variadic argument `{}` is a `long double`, which no checked conversion reads",
                f.name, f.args[arg].name
            );
            self.fail(m, loc, "");
            return;
        }
        // Variadic arguments are C arguments `fixed..`, in WIT order.
        let mut args = vec![VaKind::Int; f.args.len() - fixed];
        let mut wit = vec![0; f.args.len() - fixed];
        for (k, p) in f.params.iter().enumerate() {
            let (arg, kind) = match p {
                Param::String { arg } if *arg >= fixed => (*arg, VaKind::Str),
                Param::Vararg { arg, .. } => (
                    *arg,
                    match f.args[*arg].ty {
                        CType::Scalar(s) => match s.class() {
                            // Promoted to `double`; x87 refused above.
                            AbiClass::Sse | AbiClass::X87 | AbiClass::Quad => VaKind::Double,
                            AbiClass::Integer if s.size() == 8 => VaKind::Long,
                            AbiClass::Integer => VaKind::Int,
                        },
                        CType::Void | CType::Struct(_) => VaKind::Int,
                    },
                ),
                _ => continue,
            };
            args[arg - fixed] = kind;
            wit[arg - fixed] = k;
        }
        if args.len() > MAX_FORMAT_ARGS {
            let m = format!(
                "`{}`: a checked format takes at most {MAX_FORMAT_ARGS} variadic arguments, got {}",
                f.name,
                args.len()
            );
            self.fail(m, loc, "");
            return;
        }
        f.format = Some(Format {
            param,
            arg,
            dialect,
            args,
            params: wit,
        });
    }
}
