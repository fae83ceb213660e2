//! Guest component for the generated stdio WIT (wit/generated/stdio.wit,
//! made by `dlwit import /usr/include/stdio.h --lib libc.so.6`, no
//! overlay): `FILE` is a handle whose destructor is `fclose`, and file
//! names go through the guest's own directories.
//!
//! * `round-trip DIR`: writes `DIR/note.txt` with `fopen`/`fputs` (the
//!   handle dropped: the host calls `fclose`), renames it to `DIR/kept.txt`,
//!   reads it back with `fgetc`, rewinds and reads its line again with
//!   `fgets` into a 64-byte buffer (the list goes in and comes back, C's
//!   line in it), closes it with `fclose` itself and removes it; prints
//!   `done: <text> rename <r> tell <n> close <r> remove <r>` and
//!   `fgets: <line> <buffer length> <bytes in the buffer before its NUL>`.
//! * `open PATH`: `fopen(PATH, "r")`, which the host must refuse outside
//!   the guest's directories; prints `unreachable` if it was not.

use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/stdio.wit"],
    world: "dlwit:stdio/imports",
    generate_all,
});

use dlwit::stdio::stdio::{fclose, fgetc, fgets, fopen, fputs, ftell, remove, rename, rewind};

const TEXT: &str = "written through a FILE handle\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["round-trip", dir] => round_trip(dir),
        ["open", path] => {
            let f = fopen(path, "r");
            println!("unreachable: {}", f.is_some());
        }
        _ => {
            eprintln!("usage: stdio-demo round-trip DIR | open PATH");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn round_trip(dir: &str) {
    let name = format!("{dir}/note.txt");
    let out = fopen(&name, "w").expect("fopen for writing");
    assert!(fputs(TEXT, &out) >= 0, "fputs");
    drop(out);
    let kept = format!("{dir}/kept.txt");
    let renamed = rename(&name, &kept);
    let input = fopen(&kept, "r").expect("fopen for reading");
    let mut text = Vec::new();
    loop {
        let c = fgetc(&input);
        if c < 0 {
            break;
        }
        text.push(c as u8);
    }
    let tell = ftell(&input);
    rewind(&input);
    let (line, buffer) = fgets(&[0xaa; 64], &input);
    let nul = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    let close = fclose(input);
    let removed = remove(&kept);
    println!(
        "done: {:?} rename {renamed} tell {tell} close {close} remove {removed}",
        String::from_utf8_lossy(&text)
    );
    println!(
        "fgets: {line:?} {} {:?}",
        buffer.len(),
        String::from_utf8_lossy(&buffer[..nul])
    );
}
