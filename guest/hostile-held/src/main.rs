//! A struct held in place, used against the rules, for
//! tests/tests/all/held.rs: `hostile-held CASE`, through `tests/held.wit`
//! and the C fixture (tests/fixture/held.c).
//!
//! - `fill`: C writes 5 bytes into the host's buffer, asking the guest's
//!   `on-byte` before each (which does nothing); `take` returns them; the
//!   `calls` field is read and written;
//! - `take-in-callback`: `on-byte` calls `take` on the stream C is writing
//!   into, which would free the buffer under C: refused (a trap);
//! - `set-in-callback`: `on-byte` writes a field of that stream: refused;
//! - `skew`: C leaves `next-out` past its buffer: `take` refuses to read;
//! - `points`: structs C returns by pointer, read as records (none for
//!   NULL), then `point-at-or-fail(7)`, where NULL is an error (a trap).

use std::cell::{Cell, RefCell};

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../tests/held.wit"],
    world: "dlwit:held/demo",
    generate_all,
});

use dlwit::held::streams::{self, ByteStream};

thread_local! {
    static STREAM: RefCell<Option<ByteStream>> = const { RefCell::new(None) };
    static MODE: Cell<u8> = const { Cell::new(0) };
}

struct Guest;

impl exports::dlwit::held::events::Guest for Guest {
    fn on_byte(i: i32) -> i32 {
        if i == 2 {
            STREAM.with(|s| {
                let s = s.borrow();
                let s = s.as_ref().expect("the stream");
                match MODE.get() {
                    1 => println!("took {} bytes inside the callback", s.take(4).len()),
                    2 => s.set_calls(99),
                    _ => {}
                }
            });
        }
        0
    }
}

export!(Guest);

fn with_stream(f: impl FnOnce(&ByteStream)) {
    STREAM.with(|s| {
        *s.borrow_mut() = Some(ByteStream::new());
        f(s.borrow().as_ref().unwrap());
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("fill") => with_stream(|s| {
            println!("first take = {:?}", s.take(8));
            println!("fill(5) = {}", s.fill(5));
            println!("then = {:?}", String::from_utf8_lossy(&s.take(8)));
            println!("fill(20) = {}", s.fill(20));
            println!("full = {:?}", String::from_utf8_lossy(&s.take(0)));
            println!("fill(1) with no room = {}", s.fill(1));
            s.set_calls(40);
            println!("calls = {}", s.calls());
        }),
        Some("take-in-callback") => with_stream(|s| {
            MODE.set(1);
            s.take(8);
            println!("fill = {}", s.fill(5));
        }),
        Some("set-in-callback") => with_stream(|s| {
            MODE.set(2);
            s.take(8);
            println!("fill = {}", s.fill(5));
        }),
        Some("skew") => with_stream(|s| {
            s.take(8);
            println!("fill(3) = {}", s.fill(3));
            s.skew(100);
            println!("took {} bytes", s.take(8).len());
        }),
        Some("points") => {
            for i in [0, 1, 2, 3, -1] {
                println!("point-at({i}) = {:?}", streams::point_at(i));
            }
            println!("point-at-or-fail(1) = {:?}", streams::point_at_or_fail(1));
            println!("point-at-or-fail(7) = {:?}", streams::point_at_or_fail(7));
        }
        other => panic!("unknown case {other:?}"),
    }
}
