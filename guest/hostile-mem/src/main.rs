//! Hostile guest component that makes dlwit allocate host memory on its
//! behalf, through `dlwit:fixture/memory` (tests/wit/memory.wit). The first
//! argument picks a case:
//!
//! * `ok`: small calls of each kind; prints `ok`.
//! * `huge-capacity`: asks `fill` for a 2^40-byte buffer, which the host
//!   must refuse with a trap.
//! * `string N`, `bytes N`, `fill N`: an N-byte string copy, list copy, or
//!   buffer and list result; prints `string N`, `bytes N` or `fill N` when
//!   the host served it (a host limit below N makes it trap instead).
//! * `handles N`: makes N tokens and keeps them; prints `handles N` (a
//!   host limit below what N table entries take makes it trap instead).
//! * `bad-utf8`, `bad-utf8-or-none`, `bad-utf8-out`: C hands over a string
//!   that is not UTF-8 (fast path, general path, out-parameter): the host
//!   must trap, and free it.
//! * `frees`: prints `frees N`, how many such strings were freed.
//!
//! After a call the host must refuse, `unreachable` is printed only if it
//! did not.

use std::process::ExitCode;

wit_bindgen::generate!({
    path: "../../tests/wit",
    world: "dlwit:fixture/memory-guest",
    generate_all,
});

use dlwit::fixture::memory::{
    Token, bad_frees, bad_utf8, bad_utf8_or_none, bad_utf8_out, bytes_sum, fill, str_len,
};

fn size(arg: &str) -> u64 {
    arg.parse().expect("a byte count")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["ok"] => {
            assert_eq!(str_len("hello"), 5);
            assert_eq!(bytes_sum(&[1, 2, 3]), 6);
            assert_eq!(fill(65, 3, 3), Ok(vec![65; 3]));
            println!("ok");
        }
        ["huge-capacity"] => {
            let r = fill(65, 10, 1 << 40);
            println!("unreachable: {:?}", r.map(|v| v.len()));
        }
        ["string", n] => {
            let n = size(n);
            let s = "a".repeat(n as usize);
            assert_eq!(str_len(&s), n);
            println!("string {n}");
        }
        ["bytes", n] => {
            let n = size(n);
            let b = vec![1u8; n as usize];
            assert_eq!(bytes_sum(&b), n);
            println!("bytes {n}");
        }
        ["fill", n] => {
            let n = size(n);
            let v = fill(7, n, n).expect("fill succeeds");
            assert_eq!(v.len() as u64, n);
            assert!(v.iter().all(|b| *b == 7));
            println!("fill {n}");
        }
        ["handles", n] => {
            let n = size(n);
            let tokens: Vec<Token> = (0..n).map(|_| Token::new()).collect();
            println!("handles {}", tokens.len());
        }
        ["bad-utf8"] => println!("unreachable: {:?}", bad_utf8()),
        ["bad-utf8-or-none"] => println!("unreachable: {:?}", bad_utf8_or_none()),
        ["bad-utf8-out"] => println!("unreachable: {:?}", bad_utf8_out()),
        ["frees"] => println!("frees {}", bad_frees()),
        other => {
            eprintln!("unknown case {other:?}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
