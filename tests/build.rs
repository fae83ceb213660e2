//! Builds the C fixture library (fixture.c, handles.c, bench.c, threads.c
//! and held.c, one shared library, linked with libm and pthreads) and the
//! layout probe with the system C compiler, once per build, into OUT_DIR.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("fixture");
    for f in [
        "fixture.c",
        "fixture.h",
        "handles.c",
        "handles.h",
        "bench.c",
        "bench.h",
        "threads.c",
        "threads.h",
        "held.c",
        "layout_probe.c",
    ] {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
    }
    let compiler = cc::Build::new().get_compiler();
    let cc = |args: &[&str], what: &str| {
        let status = compiler
            .to_command()
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"])
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("cannot run the C compiler for {what}: {e}"));
        assert!(status.success(), "the C compiler failed on {what}");
    };
    let lib = out.join("libdlwit_fixture.so");
    let probe = out.join("layout_probe");
    cc(
        &[
            "-shared",
            "-fPIC",
            "-o",
            lib.to_str().unwrap(),
            dir.join("fixture.c").to_str().unwrap(),
            dir.join("handles.c").to_str().unwrap(),
            dir.join("bench.c").to_str().unwrap(),
            dir.join("threads.c").to_str().unwrap(),
            dir.join("held.c").to_str().unwrap(),
            "-pthread",
            "-lm",
        ],
        "fixture.c, handles.c, bench.c, threads.c and held.c",
    );
    cc(
        &[
            "-o",
            probe.to_str().unwrap(),
            dir.join("layout_probe.c").to_str().unwrap(),
        ],
        "layout_probe.c",
    );
    println!("cargo:rustc-env=DLWIT_FIXTURE_LIB={}", lib.display());
    for (var, name) in [("TARGET", "DLWIT_TEST_TARGET"), ("HOST", "DLWIT_TEST_HOST")] {
        println!("cargo:rustc-env={name}={}", std::env::var(var).unwrap());
    }
    println!("cargo:rustc-env=DLWIT_LAYOUT_PROBE={}", probe.display());
}
