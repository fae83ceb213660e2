//! Calls the fixture's `long double` functions and libm's `sqrtl` through
//! `tests/long-double.wit` and prints what came back; the host test
//! (tests/tests/all/echo.rs) checks it.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../tests/long-double.wit"],
    world: "dlwit:long-double/guest",
    generate_all,
});

use dlwit::long_double::{fixture, libm};

fn main() {
    // Every f64 goes into a long double exactly and comes back the same:
    // x + -0 is x, bit for bit (NaN stays NaN).
    let mut values = vec![
        0.0,
        -0.0,
        1.0,
        -1.5,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::EPSILON,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        values.push(f64::from_bits(seed));
    }
    let mut same = 0;
    for x in &values {
        let y = fixture::ld_add(*x, -0.0);
        if (x.is_nan() && y.is_nan()) || y.to_bits() == x.to_bits() {
            same += 1;
        } else {
            println!("changed: {x:e} came back as {y:e}");
        }
    }
    println!("round trips = {same} of {}", values.len());
    // C computes with 64 significant bits; what comes back has 53.
    let tiny = 2f64.powi(-60);
    println!(
        "sum(1, 2^-60, -1) = {:e}",
        fixture::ld_sum(&[1.0, tiny, -1.0])
    );
    println!("1 + 2^-60 = {:e}", fixture::ld_add(1.0, tiny));
    // Beyond f64's range: ±inf; below it: 0.
    println!("1e300 * 1e300 = {}", fixture::ld_mul(1e300, 1e300));
    println!("-1e300 * 1e300 = {}", fixture::ld_mul(-1e300, 1e300));
    println!("1e-300 * 1e-300 = {:e}", fixture::ld_mul(1e-300, 1e-300));
    let p = fixture::ld_pair_scale(fixture::LdPair { tag: 7, value: 1.5 }, 4.0);
    println!("pair = {} {}", p.tag, p.value);
    println!("sqrtl(2) = {:#x}", libm::sqrtl(2.0).to_bits());
}
