//! zlib's gzip files through `tests/gz.wit`, for
//! tests/tests/all/libs.rs: `gz-demo CASE`, with a directory given as
//! `/data`.
//!
//! - `round-trip`: writes `/data/fox.gz`, reads it back, prints what it
//!   read;
//! - `huge`, `over-limit`, `u64-max`: `gzread` with a capacity of 3 GiB
//!   (over `len`'s 4 bytes), over the store's memory limit, and
//!   `u64::MAX`: each traps before anything is allocated;
//! - `escape`: opens `/etc/passwd`, which the path check refuses (a trap).

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../tests/gz.wit"],
    world: "dlwit:gz/demo",
    generate_all,
});

use dlwit::gz::gz::GzFile;

const FOX: &[u8] = b"The quick brown fox jumps over the lazy dog";

fn read_all(f: &GzFile) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        match f.getc() {
            -1 => return out,
            c => out.push(c as u8),
        }
    }
}

fn round_trip() {
    let w = GzFile::open("/data/fox.gz", "wb").expect("gzopen for writing");
    println!("gzwrite(fox)      = {}", w.write(FOX));
    println!("gzputs(\"!\\n\")     = {}", w.puts("!\n"));
    println!("gzclose           = {}", GzFile::close(w));

    // Bytes into a buffer of the guest's capacity: as many as zlib read.
    let r = GzFile::open("/data/fox.gz", "rb").expect("gzopen for reading");
    let head = r.read(9).expect("gzread");
    println!("gzread(9)         = {:?}", String::from_utf8_lossy(&head));
    let rest = r.read(1000).expect("gzread");
    println!("gzread(1000)      = {} bytes", rest.len());
    println!("gzread at the end = {:?}", r.read(1000));
    println!("gzread(0)         = {:?}", r.read(0));
    drop(r);

    let r = GzFile::open("/data/fox.gz", "rb").expect("gzopen for reading");
    let back = read_all(&r);
    println!(
        "read back         = {}",
        String::from_utf8_lossy(&back).trim_end()
    );
    println!("gzeof             = {}", r.eof());
    // Dropped: the host runs gzclose.
    drop(r);

    println!(
        "gzopen(missing)   = {:?}",
        GzFile::open("/data/missing.gz", "rb").is_some()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("round-trip") => round_trip(),
        // Hostile capacities: each traps before anything is allocated.
        Some("huge") => {
            let f = GzFile::open("/data/fox.gz", "rb").expect("gzopen");
            println!("reading = 3 GiB");
            println!("unreachable: {:?}", f.read(3 << 30).map(|b| b.len()));
        }
        Some("over-limit") => {
            let f = GzFile::open("/data/fox.gz", "rb").expect("gzopen");
            println!("reading = 100 MiB");
            println!("unreachable: {:?}", f.read(100 << 20).map(|b| b.len()));
        }
        Some("u64-max") => {
            let f = GzFile::open("/data/fox.gz", "rb").expect("gzopen");
            println!("reading = u64::MAX");
            println!("unreachable: {:?}", f.read(u64::MAX).map(|b| b.len()));
        }
        Some("escape") => {
            let f = GzFile::open("/etc/passwd", "rb");
            println!("unreachable: {:?}", f.is_some());
        }
        other => panic!("unknown case {other:?}"),
    }
    println!("done");
}
