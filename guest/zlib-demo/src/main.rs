//! Calls the real zlib through `wit/zlib.wit` and prints the results.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/zlib.wit"],
    world: "dlwit:zlib/demo",
    generate_all,
});

use dlwit::zlib::zlib;

fn main() {
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
}
