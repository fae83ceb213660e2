//! A hostile guest: `sqlite3_mprintf` formats chosen to crash, free or read
//! the host. The first argument names the case; each run makes one call (a
//! refused call traps, which ends the instance) and prints its result.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/sqlite.wit", "wit/sqlite.wit"],
    world: "hostile:format-sqlite/guest",
    generate_all,
});

use dlwit::sqlite::sqlite::mprintf;

fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    // `mprintf` passes `text: string`, `number: c-int`.
    let text = match case.as_str() {
        // Refused.
        "z" => mprintf("%z", "x", 65),
        "p" => mprintf("%p %p", "x", 65),
        "n" => mprintf("%n", "x", 65),
        "s-int" => mprintf("%s%s", "x", 65),
        "q-int" => mprintf("%s %Q", "x", 65),
        "internal" => mprintf("%T", "x", 65),
        "positional" => mprintf("%1$s", "x", 65),
        "c-length" => mprintf("%s %hd", "x", 65),
        "star-order" => mprintf("%.*s", "x", 3),
        "wide" => mprintf("%s %999999999d", "x", 1),
        // Accepted.
        "good" => mprintf("INSERT INTO t VALUES(%Q, %d); %%", "it's", 42),
        "good-w" => mprintf("\"%w\" %x", "a\"b", 255),
        "good-width" => mprintf("[%-6.2s|%,d]", "abc", 1234567),
        other => panic!("unknown case `{other}`"),
    };
    println!("{text}");
}
