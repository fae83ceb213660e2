//! bzip2's streams through `wit/bzip2.wit` (`bz_stream` held in place by
//! the host), for tests/tests/all/held.rs: `bz-demo CASE [MIB]`.
//!
//! - `pipe MIB`: MIB MiB of generated text compressed in 64 KiB chunks,
//!   each piece of output handed straight to a decompressor; prints the
//!   sizes and whether what came out is what went in;
//! - `corrupt`: decompressing what is no bzip2 stream gives
//!   `BZ_DATA_ERROR_MAGIC` (-5);
//! - `init-twice`: a second `init` is refused by `require` (a trap).

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/bzip2.wit"],
    world: "dlwit:bzip2/demo",
    generate_all,
});

use dlwit::bzip2::bzip2::{self as bz, Compressor, Decompressor};

const CHUNK: u32 = 64 << 10;
const BZ_RUN: i32 = 0;
const BZ_FINISH: i32 = 2;
const BZ_OK: i32 = 0;
const BZ_STREAM_END: i32 = 4;

/// FNV-1a, to compare what went in with what came out.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Hash(u64);

impl Hash {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
    }
}

/// Deterministic, compressible text.
fn text(seed: &mut u64, n: usize) -> Vec<u8> {
    const WORDS: [&str; 6] = [
        "bzip2 ", "block ", "sort ", "huffman ", "stream ", "burrows ",
    ];
    let mut out = Vec::with_capacity(n + 9);
    while out.len() < n {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend_from_slice(WORDS[(*seed >> 33) as usize % 6].as_bytes());
    }
    out.truncate(n);
    out
}

/// Decompresses `input` completely, feeding the output to `hash`; returns
/// bzip2's last code.
fn decompress(d: &Decompressor, input: &[u8], hash: &mut Hash, out_len: &mut u64) -> i32 {
    d.give_input(input);
    loop {
        let rc = d.decompress();
        let out = d.take_output(CHUNK);
        hash.feed(&out);
        *out_len += out.len() as u64;
        if rc != BZ_OK || (d.avail_in() == 0 && d.avail_out() != 0) {
            return rc;
        }
    }
}

fn pipe(mib: usize) {
    let c = Compressor::new();
    assert_eq!(c.init(9, 0), BZ_OK);
    let d = Decompressor::new();
    assert_eq!(d.init(0), BZ_OK);
    c.take_output(CHUNK);
    d.take_output(CHUNK);
    let (mut h_in, mut h_out) = (Hash(0xcbf29ce484222325), Hash(0xcbf29ce484222325));
    let (mut packed, mut out_len, mut last, mut magic) = (0u64, 0u64, BZ_OK, Vec::new());
    let mut seed = 3;
    let mut pass = |c: &Compressor, action: i32, h_out: &mut Hash| loop {
        let rc = c.compress(action);
        let room = c.avail_out();
        let out = c.take_output(CHUNK);
        if magic.is_empty() {
            magic = out.iter().take(3).copied().collect();
        }
        packed += out.len() as u64;
        if !out.is_empty() {
            last = decompress(&d, &out, h_out, &mut out_len);
        }
        let done = match action {
            BZ_FINISH => rc == BZ_STREAM_END,
            _ => c.avail_in() == 0 && room != 0,
        };
        assert!(rc > 0, "compress: {rc}");
        if done {
            return;
        }
    };
    for _ in 0..mib * 16 {
        let input = text(&mut seed, CHUNK as usize);
        h_in.feed(&input);
        c.give_input(&input);
        pass(&c, BZ_RUN, &mut h_out);
    }
    pass(&c, BZ_FINISH, &mut h_out);
    println!("version = {}", bz::version());
    println!("magic = {}", String::from_utf8_lossy(&magic));
    println!("bytes in = {}", c.total_in_lo32());
    println!("packed = {packed} (total-out {})", c.total_out_lo32());
    println!("bytes out = {out_len} (total-out {})", d.total_out_lo32());
    println!("decompressor's last code = {last}");
    println!("same = {}", h_in == h_out);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("pipe") => pipe(args.get(2).and_then(|m| m.parse().ok()).unwrap_or(1)),
        Some("corrupt") => {
            let d = Decompressor::new();
            assert_eq!(d.init(0), BZ_OK);
            d.take_output(CHUNK);
            let (mut h, mut n) = (Hash(0), 0);
            println!(
                "decompress(garbage) = {}",
                decompress(&d, b"no bzip2 here", &mut h, &mut n)
            );
        }
        Some("init-twice") => {
            let c = Compressor::new();
            println!("first init = {}", c.init(9, 0));
            println!("second init = {}", c.init(9, 0));
        }
        other => panic!("unknown case {other:?}"),
    }
}
