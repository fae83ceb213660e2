//! Golden files: `dlwit plan` for every WIT in the repository, and the
//! rendered errors for bad WIT (`BLESS=1` rewrites them).

use dlwit::{Libraries, Plan, world::World};
use dlwit_tests::{bindings, golden, root};

fn plan_text(wit: &str) -> String {
    let world = World::load(&root().join(wit).into()).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(&world).unwrap_or_else(|e| panic!("{wit}: {e}"));
    dlwit::plan::render_plan(&plan)
}

#[test]
fn golden_plans() {
    for name in ["libm", "libc", "zlib", "bzip2", "sqlite", "raylib", "gmp"] {
        golden(
            &format!("golden/plan/{name}.plan"),
            &plan_text(&format!("wit/{name}.wit")),
        );
    }
    golden("golden/plan/echo.plan", &plan_text("tests/wit/echo.wit"));
    // A resource whose C type is a pointer typedef (`gzFile`).
    golden("golden/plan/gz.plan", &plan_text("tests/gz.wit"));
}

/// Loads a bad WIT all the way (plan, then libraries and symbols) and
/// returns the rendered error, with paths relative to the repository.
fn error_text(wit: &str) -> String {
    let err = match bindings(wit, &Libraries::default()) {
        Ok(_) => panic!("{wit} should not load"),
        Err(e) => e.to_string(),
    };
    err.replace(&format!("{}/", root().display()), "")
}

#[test]
fn golden_errors() {
    let dir = root().join("tests/golden/fail");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 6,
        "expected the bad-WIT cases in {}",
        dir.display()
    );
    for path in names {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let text = error_text(&format!("tests/golden/fail/{stem}.wit"));
        golden(&format!("golden/fail/{stem}.err"), &text);
    }
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let text = error_text("tests/golden/fail/unmapped_type.wit");
    assert!(text.matches("error: ").count() >= 3, "{text}");
}

#[test]
fn wit_given_as_text_uses_the_built_in_prelude() {
    let wit = "package t:t;\n/// @ffi(lib = \"libm.so.6\")\ninterface m {\n  use dlwit:c/types.{c-int};\n  /// @ffi(c = \"double ldexp(double x, int e)\")\n  ldexp: func(x: f64, e: c-int) -> f64;\n}\n";
    let world = World::load(&dlwit::WitSource::Text {
        name: "inline.wit".into(),
        text: wit.into(),
    })
    .unwrap();
    let plan = Plan::new(&world).unwrap_or_else(|e| panic!("{e}"));
    assert!(dlwit::plan::render_plan(&plan).contains("double ldexp(double x, int e);"));
}

/// `c-long-double` plans as C's `long double` (16 bytes, aligned to 16,
/// also inside a record), and a checked format refuses it as a variadic
/// argument, since no conversion reads one.
#[test]
fn long_double_plans_and_a_checked_format_refuses_it() {
    let load = |body: &str| {
        let wit = format!(
            "package t:t;\n/// @ffi(lib = \"libm.so.6\")\ninterface m {{\n  use dlwit:c/types.{{c-int, c-long-double}};\n{body}}}\n"
        );
        let world = World::load(&dlwit::WitSource::Text {
            name: "inline.wit".into(),
            text: wit,
        })
        .unwrap();
        Plan::new(&world).map(|p| dlwit::plan::render_plan(&p))
    };
    let plan = load(
        "  /// @ffi(c = \"struct pair\")\n  record pair { tag: c-int, value: c-long-double }\n  /// @ffi(c = \"long double sqrtl(long double x)\")\n  sqrtl: func(x: c-long-double) -> c-long-double;\n  /// @ffi(c = \"struct pair twice(struct pair p)\")\n  twice: func(p: pair) -> pair;\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(plan.contains("long double sqrtl(long double x);"), "{plan}");
    assert!(plan.contains("size 32, align 16"), "{plan}");
    let err = load(
        "  /// @ffi(c = \"int printf(const char *format, ...)\", format = \"format = printf\")\n  printf-ld: func(format: string, x: c-long-double) -> c-int;\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("is a `long double`, which no checked conversion reads"),
        "{err}"
    );
}

/// A callback's `read` function is looked up in the library of the
/// function that takes the callback (sqlite, the WIT's second library), not
/// in the WIT's first library (libm, which has no `sqlite3_value_text`).
#[test]
fn a_callback_reader_is_looked_up_in_the_library_taking_the_callback() {
    let wit = "tests/two-libs.wit";
    let world = World::load(&root().join(wit).into()).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(&world).unwrap_or_else(|e| panic!("{e}"));
    let reader = plan
        .calls
        .iter()
        .find(|c| c.symbol == "sqlite3_value_text")
        .expect("the reader is an auxiliary call");
    assert_eq!(plan.libraries[reader.library].name, "libsqlite3.so.0");
    let b = bindings(wit, &Libraries::default()).unwrap_or_else(|e| panic!("{e}"));
    drop(b);
}
