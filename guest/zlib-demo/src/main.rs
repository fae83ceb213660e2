//! Calls the real zlib through `wit/zlib.wit` and prints the results.
//! With `uncompress2-past`, asks `uncompress2` to write past the list it
//! gives, which the WIT's `require` refuses (prints `unreachable` if not);
//! with another argument, also writes a gzip file there.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/zlib.wit"],
    world: "dlwit:zlib/demo",
    generate_all,
});

use dlwit::zlib::zlib;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("uncompress2-past") {
        let r = zlib::uncompress2(&[0; 100], 200, &[0; 10], 10);
        println!("unreachable: {r:?}");
        return;
    }
    let data = b"The quick brown fox jumps over the lazy dog";
    println!("zlibVersion()          = {}", zlib::zlib_version());
    println!("crc32(fox)             = {:#010x}", zlib::crc32_z(0, data));
    println!(
        "adler32(fox)           = {:#010x}",
        zlib::adler32_z(1, data)
    );
    let (a, b) = data.split_at(10);
    let combined = zlib::crc32_combine(zlib::crc32_z(0, a), zlib::crc32_z(0, b), b.len() as i64);
    println!("crc32_combine(pieces)  = {combined:#010x}");
    println!("compressBound(1 MiB)   = {}", zlib::compress_bound(1 << 20));

    // Compression into caller-sized buffers, and zlib's error codes.
    let input = pseudo_random(64 * 1024);
    let bound = zlib::compress_bound(input.len() as u64);
    let packed = zlib::compress(&input, bound).expect("compressBound is enough");
    println!("compress(64 KiB)       = {} bytes", packed.len());
    assert!(packed.len() < input.len() * 2 / 3, "{}", packed.len());
    let unpacked = zlib::uncompress(&packed, input.len() as u64).expect("round trip");
    println!("uncompress(compressed) = {} bytes", unpacked.len());
    assert!(unpacked == input, "the round trip changed the data");
    println!("round trip equal       = {}", unpacked == input);
    let best = zlib::compress2(&input, bound, 9).expect("level 9");
    assert_eq!(
        zlib::uncompress(&best, input.len() as u64).as_deref(),
        Ok(&input[..])
    );
    println!("compress2(level 9)     = {} bytes", best.len());
    let r = zlib::compress2(&input, bound, 42);
    println!("compress2(level 42)    = {r:?}");
    assert_eq!(r, Err(-2));
    let r = zlib::uncompress(&packed, input.len() as u64 - 1);
    println!("uncompress(too small)  = {r:?}");
    assert_eq!(r, Err(-5));
    let r = zlib::compress(&input, 16);
    println!("compress(capacity 16)  = {r:?}");
    assert_eq!(r, Err(-5));
    let r = zlib::uncompress(b"not zlib data", 100);
    println!("uncompress(garbage)    = {r:?}");
    assert_eq!(r, Err(-3));
    let r = zlib::compress(&[], bound);
    let empty = zlib::uncompress(r.as_deref().expect("empty input"), 0);
    println!("uncompress(compress([])) = {empty:?}");
    assert_eq!(empty, Ok(Vec::new()));

    // zlib's own table; a partial inflate into 100 bytes.
    let table = zlib::get_crc_table();
    println!(
        "crc table              = {} words, [1] {:#010x}",
        table.len(),
        table[1]
    );
    let (status, dest, wrote, read) =
        zlib::uncompress2(&[0; 100], 100, &packed, packed.len() as u64);
    println!(
        "uncompress2(100 bytes) = status {status}, wrote {wrote}, read {} of {}, equal {}",
        read,
        packed.len(),
        dest == input[..100]
    );

    preset_dictionary(data);
    // With a file name (in a directory the guest was given): a gzip file.
    if let Some(path) = std::env::args().nth(1) {
        gzip_file(&format!("{path}.gz"), &input);
    }
}

/// Deflate primed with a dictionary; inflate asks for it (2,
/// `Z_NEED_DICT`), gets it, and reads its window back.
fn preset_dictionary(data: &[u8]) {
    let dict = b"quick brown fox lazy dog";
    let d = zlib::DeflateStream::new();
    assert_eq!(d.init(9), 0);
    assert_eq!(d.set_dictionary(dict), 0);
    d.give_input(data);
    d.take_output(256);
    assert_eq!(d.deflate(4), 1);
    let packed = d.take_output(0);
    let i = zlib::InflateStream::new();
    assert_eq!(i.init(), 0);
    i.give_input(&packed);
    i.take_output(256);
    let needs = i.inflate(0);
    assert_eq!(i.set_dictionary(dict), 0);
    let end = i.inflate(4);
    let out = i.take_output(0);
    let window = i.get_dictionary().expect("inflateGetDictionary");
    println!(
        "preset dictionary      = need {needs}, end {end}, {} bytes, equal {}, window {} bytes",
        packed.len(),
        out == data,
        window.len()
    );
    assert_eq!((needs, end, out.as_slice()), (2, 1, data));
    // Inflating to the end in one `Z_FINISH` call leaves the window as the
    // dictionary made it.
    assert_eq!(window, dict);
}

/// `input` written to a gzip file with `gzfwrite` and `gzprintf`, read
/// back with `gzfread`.
fn gzip_file(path: &str, input: &[u8]) {
    let f = zlib::GzFile::open(path, "wb9").expect("gzopen for writing");
    let wrote = zlib::gzfwrite(input, &f);
    let printed = zlib::gzprintf(&f, "%-6s|\n", "done");
    drop(f);
    let f = zlib::GzFile::open(path, "rb").expect("gzopen for reading");
    let back = zlib::gzfread(input.len() as u64 + 100, &f);
    let (head, tail) = back.split_at(input.len().min(back.len()));
    println!(
        "gzip file              = wrote {wrote}, printed {printed}, read {}, equal {}, tail {:?}",
        back.len(),
        head == input,
        String::from_utf8_lossy(tail)
    );
    assert_eq!((head, tail), (input, &b"done  |\n"[..]));
}

/// `n` bytes from a fixed xorshift sequence, drawn from 16 symbols so that
/// they compress to a little over half.
fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b"abcdefghijklmnop"[(x >> 60) as usize]
        })
        .collect()
}
