//! Guest component for the generated uuid WIT (wit/generated/uuid.wit,
//! made by `dlwit import /usr/include/uuid/uuid.h --lib libuuid.so.1`, no
//! overlay): `uuid_t`, an array typedef, is a record of 16 bytes the host
//! copies for C, and reads back when C writes it.
//!
//! * no argument: parses a UUID, generates one, clears it, copies and
//!   compares them; prints each result as `label = value`.
//! * `short`: passes a `uuid-t` of 15 bytes, which the host must refuse
//!   before C reads 16; prints `unreachable` if it was not.

use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/uuid.wit"],
    world: "dlwit:uuid/imports",
    generate_all,
});

use dlwit::uuid::uuid::{self as u, UuidT};

const TEXT: &str = "01234567-89ab-cdef-0123-456789abcdef";

fn uuid(bytes: &[u8]) -> UuidT {
    UuidT {
        elements: bytes.to_vec(),
    }
}

fn hex(u: &UuidT) -> String {
    u.elements.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {
            let zero = uuid(&[0; 16]);
            let (rc, parsed) = u::uuid_parse(TEXT, &zero);
            println!("parse = {rc} {}", hex(&parsed));
            println!("parse garbage = {}", u::uuid_parse("not a uuid", &zero).0);
            let fresh = u::uuid_generate_random(&zero);
            println!("random is null = {}", u::uuid_is_null(&fresh));
            println!("random variant = {}", u::uuid_variant_alt(&fresh));
            println!("random type = {}", u::uuid_type(&fresh));
            let cleared = u::uuid_clear(&fresh);
            println!("cleared is null = {}", u::uuid_is_null(&cleared));
            let copy = u::uuid_copy(&zero, &parsed);
            println!("copy = {}", hex(&copy));
            println!(
                "compare = {} {}",
                u::uuid_compare(&copy, &parsed),
                u::uuid_compare(&parsed, &cleared).signum()
            );
        }
        ["short"] => {
            let n = u::uuid_is_null(&uuid(&[0; 15]));
            println!("unreachable: {n}");
        }
        _ => {
            eprintln!("usage: uuid-demo [short]");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
