//! A hostile guest: `snprintf` formats chosen to crash or read the host.
//! The first argument names the case; each run makes one call (a refused
//! call traps, which ends the instance) and prints its result.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit", "wit/libc.wit"],
    world: "hostile:format-libc/guest",
    generate_all,
});

use dlwit::libc::libc::{snprintf_ids, snprintf_promoted};

fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    // `snprintf-ids` passes `i: c-int`, `d: f64`, `s: string`.
    let ids = |format: &str| snprintf_ids(64, format, 42, 2.5, "str");
    let (n, text) = match case.as_str() {
        // Refused.
        "n" => ids("ab%n"),
        "p" => ids("%p"),
        "s-int" => ids("%s"),
        "too-many" => ids("%d %f %s %s %s %s %s %s %s %s"),
        "long" => ids("%ld"),
        "long-double" => ids("%d %Lf"),
        "positional-mismatch" => ids("%1$s"),
        "positional-gap" => ids("%1$d %3$s"),
        "positional-mixed" => ids("%1$d %f"),
        "star" => ids("%*d"),
        "star-width" => ids("%d %*s"),
        "truncated" => ids("%d%"),
        "unknown" => ids("%y"),
        "wide" => ids("%.999999999d"),
        "star-wide" => snprintf_ids(64, "%*.1f", 1_000_000, 2.5, "x"),
        "promoted-long" => snprintf_promoted(64, "%f %hhd %ld", 1.5, -7, 65535),
        // Accepted.
        "good" => ids("%+d|%-08.3lf|%.2s|%%"),
        "good-positional" => ids("%3$s %1$d %2$.1f %1$x"),
        "good-star" => snprintf_promoted(64, "%.1f [%*d]", 1.5, 6, 65),
        "good-promoted" => snprintf_promoted(64, "%.1f %hhd %c", 1.5, -7, 65),
        other => panic!("unknown case `{other}`"),
    };
    println!("{n} {text}");
}
