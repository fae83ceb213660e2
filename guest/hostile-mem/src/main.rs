//! Hostile guest component that makes dlwit allocate host memory on its
//! behalf, through `dlwit:fixture/memory` (tests/wit/memory.wit). The first
//! argument picks a case:
//!
//! * `ok`: small calls of each kind; prints `ok`.
//! * `huge-capacity`: asks `fill` for a 2^40-byte buffer, which the host
//!   must refuse with a trap.
//! * `string N`, `bytes N`, `bytes-copied N`, `fill N`: an N-byte string
//!   copy, list (lent in place on the fast path), list copy, or buffer and
//!   list result; prints `string N`, `bytes N`, `bytes-copied N` or
//!   `fill N` when the host served it (a host limit below N makes a copy
//!   trap instead).
//! * `list-past-end`, `string-past-end`: a list or string whose (pointer,
//!   length) runs past the end of the guest's memory, made by calling the
//!   import with raw values; the host must trap, not read its own memory.
//! * `list-at-end`: a list that ends exactly at the end of memory: served.
//! * `long-string nul`, `long-string bad-utf8`: a 4001-byte string (longer
//!   than what is checked when lifted) with a NUL at 3000, or a byte that
//!   is not UTF-8 there (through the raw import): the host must trap.
//!   `long-string utf8`: 6000 bytes of `é`, served (prints
//!   `long-string 6000`).
//! * `handles N`: makes N tokens and keeps them; prints `handles N` (a
//!   host limit below what N table entries take makes it trap instead).
//! * `bad-utf8`, `bad-utf8-or-none`, `bad-utf8-out`: C hands over a string
//!   that is not UTF-8 (fast path, general path, out-parameter): the host
//!   must trap, and free it.
//! * `frees`: prints `frees N`, how many such strings were freed.
//!
//! * `strings`: a counted and a NULL-terminated list of strings; prints
//!   `strings 9 3009`.
//! * `strings-alias N`: through the raw import, a list of N elements that
//!   all point at one 1 MiB string: the host must trap (wasmtime's
//!   hostcall fuel, or the store's limit on the copies) before it copies
//!   N MiB.
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
    Token, bad_frees, bad_utf8, bad_utf8_or_none, bad_utf8_out, bytes_sum, bytes_sum_copied, fill,
    str_len, strs_total, strv_total,
};

// The same imports as the bindings above, declared by hand so that they can
// be called with any (pointer, length): what a hostile guest can do.
#[link(wasm_import_module = "dlwit:fixture/memory")]
unsafe extern "C" {
    #[link_name = "bytes-sum"]
    fn raw_bytes_sum(ptr: usize, len: usize) -> i64;
    #[link_name = "str-len"]
    fn raw_str_len(ptr: usize, len: usize) -> i64;
    #[link_name = "strs-total"]
    fn raw_strs_total(ptr: usize, len: usize) -> i64;
}

/// The size of the guest's memory, in bytes.
fn memory_end() -> usize {
    core::arch::wasm32::memory_size(0) * 65536
}

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
        ["bytes-copied", n] => {
            let n = size(n);
            let b = vec![1u8; n as usize];
            assert_eq!(bytes_sum_copied(&b), n);
            println!("bytes-copied {n}");
        }
        ["strings"] => {
            let strs = ["ab".to_string(), "cde".into(), "fghi".into()];
            println!("strings {} {}", strs_total(&strs), strv_total(&strs));
        }
        ["strings-alias", n] => {
            let big = "s".repeat(1 << 20);
            let pairs: Vec<[usize; 2]> = (0..size(n))
                .map(|_| [big.as_ptr() as usize, big.len()])
                .collect();
            // SAFETY: the host checks every (pointer, length) against the
            // memory; they all name `big`, which lives past the call.
            let r = unsafe { raw_strs_total(pairs.as_ptr() as usize, pairs.len()) };
            println!("unreachable: {r}");
        }
        ["list-past-end"] => {
            // SAFETY: the host checks (pointer, length) against the memory.
            let r = unsafe { raw_bytes_sum(memory_end() - 8, 64) };
            println!("unreachable: {r}");
        }
        ["string-past-end"] => {
            // SAFETY: as above.
            let r = unsafe { raw_str_len(memory_end() - 8, 4096) };
            println!("unreachable: {r}");
        }
        ["list-at-end"] => {
            // The last 8 bytes of memory: whatever they are, they are the
            // guest's, and their sum is at most 8 * 255.
            // SAFETY: as above.
            let r = unsafe { raw_bytes_sum(memory_end() - 8, 8) };
            assert!((0..=8 * 255).contains(&r), "{r}");
            println!("list-at-end");
        }
        ["long-string", "nul"] => {
            let s = format!("{}\0{}", "a".repeat(3000), "b".repeat(1000));
            println!("unreachable: {}", str_len(&s));
        }
        ["long-string", "bad-utf8"] => {
            let mut b = vec![b'a'; 4001];
            b[3000] = 0xff;
            // SAFETY: `b` is 4001 bytes of the guest's memory.
            let r = unsafe { raw_str_len(b.as_ptr() as usize, b.len()) };
            println!("unreachable: {r}");
        }
        ["long-string", "utf8"] => {
            let s = "é".repeat(3000);
            println!("long-string {}", str_len(&s));
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
