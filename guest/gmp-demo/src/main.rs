//! Guest component for wit/generated/gmp.wit (`dlwit import gmp.h` with
//! wit/gmp.wit as the overlay): GMP integers and fractions, structs the
//! host holds in place and C initialises (`mpz_init`) when the guest makes
//! one, through the overlay's resource and the importer's functions.
//!
//! * no argument: factorials, powers by repeated multiplication, parsing
//!   and comparing; prints each result as `label = value`.
//! * `huge`: multiplies a number past the WIT's bound, which the host must
//!   refuse before GMP tries to allocate it; prints `unreachable` if not.
//! * `many N`: makes and drops N numbers (each initialised and cleared).
//! * `sqrt-negative`, `zero-denominator`, `pow-huge`: what GMP aborts on
//!   or divides by zero for, which wit/overlays/gmp.wit's conditions
//!   refuse; prints `unreachable` if C ran.

use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/gmp.wit"],
    world: "dlwit:gmp/imports",
    generate_all,
});

use dlwit::gmp::gmp::{self as g, Mpz};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("huge") => {
            let x = Mpz::from_long(3);
            // 3^(2^k): the size doubles each time, until the bound.
            for _ in 0..40 {
                let y = Mpz::copy(&x);
                x.mul(&y, &y);
                println!("limbs in base 2: {}", x.sizeinbase(2) / 64);
            }
            println!("unreachable: 3^(2^40) was computed");
            ExitCode::FAILURE
        }
        Some("sqrt-negative") => {
            let root = g::gmpz_init_set_ui(0);
            g::gmpz_sqrt(&root, &Mpz::from_long(-4));
            println!("unreachable: sqrt(-4) = {}", g::gmpz_get_si(&root));
            ExitCode::FAILURE
        }
        Some("zero-denominator") => {
            let q = g::gmpq_init();
            g::gmpq_set_si(&q, 1, 0);
            g::gmpq_canonicalize(&q);
            println!("unreachable: 1/0 = {}", g::gmpq_get_d(&q));
            ExitCode::FAILURE
        }
        Some("pow-huge") => {
            let p = g::gmpz_init_set_ui(0);
            g::gmpz_pow_ui(&p, &Mpz::from_long(3), 1 << 40);
            println!("unreachable: 3^(2^40) has {} limbs", g::gmpz_size(&p));
            ExitCode::FAILURE
        }
        Some("many") => {
            let n: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
            let mut sum = Mpz::new();
            for i in 0..n {
                let x = Mpz::from_long(i64::from(i));
                let total = Mpz::new();
                total.add(&sum, &x);
                sum = total;
            }
            println!("sum = {}", sum.get_str(10));
            ExitCode::SUCCESS
        }
        _ => {
            let zero = Mpz::new();
            println!("new = {}", zero.get_str(10));
            let f = Mpz::new();
            f.fac_ui(30);
            println!("30! = {}", f.get_str(10));
            println!("30! in base 16 = {}", f.get_str(16));
            println!("30! digits = {}", f.sizeinbase(10));
            let two = Mpz::from_long(2);
            let p = Mpz::from_long(1);
            for _ in 0..128 {
                let q = Mpz::copy(&p);
                p.mul(&q, &two);
            }
            println!("2^128 = {}", p.get_str(10));
            let parsed = Mpz::new();
            let ok = parsed.set_str("340282366920938463463374607431768211456", 10);
            println!("parse = {ok:?} {}", parsed.get_str(10));
            println!("cmp = {}", parsed.cmp(&p).signum());
            let neg = Mpz::from_long(-5);
            println!("cmp(-5, 0) = {}", neg.cmp(&zero).signum());
            println!("-5 = {}", neg.get_str(10));
            println!("parse garbage = {:?}", parsed.set_str("12x", 10));
            // The importer's functions: initialisers that return the
            // number they made, and operations on the overlay's `mpz`.
            let big = g::gmpz_init_set_ui(1 << 40);
            let root = g::gmpz_init2(128);
            g::gmpz_sqrt(&root, &big);
            println!("sqrt(2^40) = {}", g::gmpz_get_si(&root));
            let p = g::gmpz_init_set_ui(0);
            g::gmpz_pow_ui(&p, &two, 61);
            g::gmpz_sub_ui(&p, &p, 1);
            println!("2^61 - 1 prime = {}", g::gmpz_probab_prime_p(&p, 25));
            let q = g::gmpq_init();
            g::gmpq_set_si(&q, 6, 8);
            g::gmpq_canonicalize(&q);
            println!("6/8 = {}", g::gmpq_get_d(&q));
            ExitCode::SUCCESS
        }
    }
}
