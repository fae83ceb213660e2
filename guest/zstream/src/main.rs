//! zlib's streams through `wit/zlib.wit` (`z_stream` held in place by the
//! host), for tests/tests/all/held.rs: `zstream CASE [MIB]`.
//!
//! - `pipe MIB`: MIB MiB of generated text deflated in 64 KiB chunks, each
//!   chunk of output handed straight to an inflating stream; the CRC-32 of
//!   what came out must be the input's; prints the totals;
//! - `one-shot`: 1 MiB deflated by the stream equals `compress2`'s output
//!   at the same level, and `uncompress` gives the input back;
//! - `init-twice`: a second `init` is refused by the stream's `require`
//!   (a trap: zlib would leak its first state);
//! - `huge-output`: `take-output` with a capacity over the store's memory
//!   limit (a trap, before anything is allocated);
//! - `corrupt`: inflating garbage gives `Z_DATA_ERROR` (-3), and the
//!   stream can be dropped;
//! - `gzip-header`: a gzip stream written with a header (time, OS, text)
//!   the guest drops right after giving it (the stream keeps it alive),
//!   read back into another header by the inflating stream;
//! - `second-header`: a second header for one stream, refused (a trap: the
//!   stream keeps one alive).

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/zlib.wit"],
    world: "dlwit:zlib/demo",
    generate_all,
});

use dlwit::zlib::zlib::{self as z, DeflateStream, GzHeader, InflateStream};

const CHUNK: u32 = 64 << 10;
const Z_OK: i32 = 0;
const Z_STREAM_END: i32 = 1;
const Z_BUF_ERROR: i32 = -5;
const Z_FINISH: i32 = 4;

/// Deterministic, compressible text.
struct Text(u64);

impl Text {
    fn chunk(&mut self, n: usize) -> Vec<u8> {
        const WORDS: [&str; 8] = [
            "fox ", "quick ", "brown ", "lazy ", "dog ", "jumps ", "over ", "the ",
        ];
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (self.0 >> 33) as usize;
            out.extend_from_slice(WORDS[r % 8].as_bytes());
            if r % 13 == 0 {
                out.push(b'0' + (r % 10) as u8);
            }
        }
        out.truncate(n);
        out
    }
}

/// A gzip stream (`window-bits` 31) with a header, read back.
fn gzip_header() {
    let text = Text(7).chunk(100_000);
    let d = DeflateStream::new();
    assert_eq!(d.init2(6, 8, 31, 8, 0), Z_OK);
    let head = GzHeader::new();
    head.set_time(1_234_567_890);
    head.set_os(3);
    head.set_text(1);
    assert_eq!(d.set_header(&head), Z_OK);
    // zlib reads it during `deflate`: the stream keeps it alive.
    drop(head);
    d.give_input(&text);
    d.take_output(CHUNK);
    let mut packed = Vec::new();
    deflate_all(&d, Z_FINISH, |o| packed.extend(o));
    drop(d);
    println!("magic = {:02x} {:02x}", packed[0], packed[1]);
    let i = InflateStream::new();
    assert_eq!(i.init2(31), Z_OK);
    let read = GzHeader::new();
    assert_eq!(i.get_header(&read), Z_OK);
    i.take_output(CHUNK);
    let mut out = Vec::new();
    let rc = inflate_all(&i, packed, |o| out.extend(o));
    println!(
        "header = time {} os {} text {} done {}",
        read.time(),
        read.os(),
        read.text(),
        read.done()
    );
    println!("inflate = {rc}, same {}", out == text);
}

/// Runs `deflate(flush)` until it has consumed its input (and, with
/// `Z_FINISH`, ended the stream): every piece of output it makes.
fn deflate_all(d: &DeflateStream, flush: i32, mut sink: impl FnMut(Vec<u8>)) {
    loop {
        let rc = d.deflate(flush);
        assert!(
            rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR,
            "deflate: {rc}"
        );
        let room = d.avail_out();
        let out = d.take_output(CHUNK);
        if !out.is_empty() {
            sink(out);
        }
        if rc == Z_STREAM_END || (flush != Z_FINISH && room != 0 && d.avail_in() == 0) {
            return;
        }
    }
}

/// Inflates `input` completely; every piece of output goes to `sink`.
/// Returns zlib's last code.
fn inflate_all(i: &InflateStream, input: Vec<u8>, mut sink: impl FnMut(Vec<u8>)) -> i32 {
    i.give_input(&input);
    loop {
        let rc = i.inflate(0);
        let out = i.take_output(CHUNK);
        if !out.is_empty() {
            sink(out);
        }
        if rc != Z_OK || (i.avail_in() == 0 && i.avail_out() != 0) {
            return rc;
        }
    }
}

fn pipe(mib: usize) {
    let d = DeflateStream::new();
    assert_eq!(d.init(6), Z_OK);
    let i = InflateStream::new();
    assert_eq!(i.init(), Z_OK);
    d.take_output(CHUNK);
    i.take_output(CHUNK);
    let (mut crc_in, mut crc_out, mut out_len, mut last) = (0, 0, 0u64, Z_OK);
    let mut text = Text(7);
    let mut inflate = |piece: Vec<u8>| {
        last = inflate_all(&i, piece, |o| {
            crc_out = z::crc32_z(crc_out, &o);
            out_len += o.len() as u64;
        });
    };
    for _ in 0..mib * 16 {
        let input = text.chunk(CHUNK as usize);
        crc_in = z::crc32_z(crc_in, &input);
        d.give_input(&input);
        deflate_all(&d, 0, &mut inflate);
    }
    deflate_all(&d, Z_FINISH, &mut inflate);
    drop(inflate);
    println!(
        "deflate: total-in {} total-out {}",
        d.total_in(),
        d.total_out()
    );
    println!(
        "inflate: total-in {} total-out {}",
        i.total_in(),
        i.total_out()
    );
    println!("inflate's last code = {last}");
    println!("bytes out = {out_len}");
    println!(
        "crc32 in = {crc_in:08x}, out = {crc_out:08x}, same = {}",
        crc_in == crc_out
    );
    println!("adler32 = {:08x}", d.adler());
}

fn one_shot() {
    let input = Text(11).chunk(1 << 20);
    let d = DeflateStream::new();
    assert_eq!(d.init(9), Z_OK);
    d.take_output(CHUNK);
    let mut streamed = Vec::new();
    // Odd-sized pieces: the output must not depend on them.
    for piece in input.chunks(40_000) {
        d.give_input(piece);
        deflate_all(&d, 0, |o| streamed.extend(o));
    }
    deflate_all(&d, Z_FINISH, |o| streamed.extend(o));
    let bound = z::compress_bound(input.len() as u64);
    let once = z::compress2(&input, bound, 9).expect("compress2");
    println!(
        "streamed {} bytes, compress2 {} bytes, same = {}",
        streamed.len(),
        once.len(),
        streamed == once
    );
    let back = z::uncompress(&streamed, input.len() as u64).expect("uncompress");
    println!("uncompress gives the input back = {}", back == input);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("pipe") => pipe(args.get(2).and_then(|m| m.parse().ok()).unwrap_or(1)),
        Some("one-shot") => one_shot(),
        Some("init-twice") => {
            let d = DeflateStream::new();
            println!("first init = {}", d.init(6));
            println!("second init = {}", d.init(6));
        }
        Some("huge-output") => {
            let d = DeflateStream::new();
            println!("init = {}", d.init(6));
            println!("{} bytes", d.take_output(u32::MAX).len());
        }
        Some("corrupt") => {
            // Window bits zlib does not take: no stream is made.
            println!("open(3) = {:?}", InflateStream::open(3).err());
            let i = InflateStream::open(15).expect("a zlib stream");
            i.take_output(CHUNK);
            println!(
                "inflate(garbage) = {}",
                inflate_all(&i, b"this is no zlib stream".to_vec(), |_| {})
            );
        }
        Some("gzip-header") => gzip_header(),
        Some("second-header") => {
            let d = DeflateStream::new();
            assert_eq!(d.init2(6, 8, 31, 8, 0), Z_OK);
            println!("first = {}", d.set_header(&GzHeader::new()));
            println!("second = {}", d.set_header(&GzHeader::new()));
        }
        other => panic!("unknown case {other:?}"),
    }
}
