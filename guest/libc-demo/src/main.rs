//! Calls the real C library through `wit/libc.wit` and prints the results.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libc.wit"],
    world: "dlwit:libc/demo",
    generate_all,
});

use dlwit::libc::libc;

fn main() {
    let d = libc::div(17, 5);
    println!(
        "div(17, 5)             = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    let d = libc::ldiv(-1_000_000_000_007, 1000);
    println!(
        "ldiv(-1000000000007, 1000) = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    let d = libc::lldiv(i64::MAX, 3);
    println!(
        "lldiv(i64::MAX, 3)     = {{ quot: {}, rem: {} }}",
        d.quot, d.rem
    );
    println!("abs(-42)               = {}", libc::abs(-42));
    println!("strlen(\"héllo\")        = {}", libc::strlen("héllo"));
    println!(
        "strcmp(\"abc\", \"abd\")   = {}",
        libc::strcmp("abc", "abd").signum()
    );
    println!("atoi(\"  -123xyz\")      = {}", libc::atoi("  -123xyz"));
    println!(
        "toupper('q')           = {}",
        char::from(libc::toupper('q' as i32) as u8)
    );
    println!(
        "strstr(\"haystack\", \"st\") = {:?}",
        libc::strstr("haystack", "st")
    );
    println!(
        "strstr(\"haystack\", \"xy\") = {:?}",
        libc::strstr("haystack", "xy")
    );
}
