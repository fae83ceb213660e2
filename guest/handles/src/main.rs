//! Guest component for dlwit's handle, ownership and error-convention tests.
//!
//! It imports `dlwit:fixture/handles` (tests/wit/handles.wit), which the host
//! serves by calling the C fixture library (tests/fixture/handles.c). The C
//! side counts every object it creates and destroys and every string it
//! hands out and frees; these counts are global to the host process, so the
//! checks here compare differences. The first argument picks a case:
//!
//! * `lifecycle`: handles dropped explicitly, by scope, consumed by an `own`
//!   parameter, and a pool with items; then 3 counters and a pool with 2
//!   items are leaked on purpose, for the host to destroy when the store is
//!   dropped. Prints `created N destroyed M live K` and `lifecycle: ok`.
//! * `counts`: prints
//!   `created N destroyed M live K string-allocs A string-frees F`.
//! * `errors`: every C error convention, returned memory and the buffer
//!   out-parameter; prints `errors: ok`.
//! * `forged`, `after-drop`, `after-finish`, `wrong-type`, `null-handle`:
//!   make a call the host must refuse with a trap; `unreachable` is printed
//!   only if it did not.
//! * `soak N`: N rounds of mixed calls; prints `soak: ok`.
//! * `life-parent-first`, `life-consume-child`, `life-leave`: parent
//!   lifetimes (`@ffi(parent = ...)`): items keep their pool alive in C
//!   after the guest dropped it; print `<case>: ok` (`life-leave` leaves a
//!   dropped pool, a live pool and their items for the store's teardown and
//!   prints `created N destroyed M live K` first).
//! * `life-consume-parent`, `life-stale-parent`: a pool with a live item
//!   passed to C as `own`, and a dropped pool's handle used again: the
//!   host must trap.
//! * `function-pointers`: C hands back pointers to its functions (`binop`
//!   handles), which the guest calls and passes back to C; prints
//!   `function-pointers: ok`. `fn-wrong-type` calls a counter's handle as a
//!   `binop`, `fn-after-drop` a dropped `binop`, `fn-marker` the marker
//!   `(fx_binop)1` C hands back: the host must trap.
//!
//! * `single`: the one counter C hands out again (`counter-single`), taken,
//!   dropped, taken again; and `counter-ref`'s references to one counter,
//!   dropped in any order; prints `single: ok`. `single-twice` and
//!   `single-twice-general` ask for a second handle of the one counter
//!   while the first lives, `single-as-c` a handle of it as C's own: the
//!   host must trap.
//!
//! A wrong value panics, so the component traps with a message saying what
//! was expected.

use std::hint::black_box;
use std::process::ExitCode;

wit_bindgen::generate!({
    path: "../../tests/wit",
    world: "dlwit:fixture/handles-guest",
    generate_all,
});

use dlwit::fixture::handles::{
    Binop, Counter, Item, Pool, Span, Tile, apply, bump, checked_div, code_message, counter_global,
    counter_maybe, counter_or_none, counter_ref, counter_shared, counter_single,
    counter_single_as_c, counter_single_or_none, counter_sum, created, default_counter, describe,
    destroyed, fail_errno, fail_quiet, fill, fill_first, live, make_counter, no_counter, parse,
    pick_op, pools_live, span_widen, strdup_count, string_allocs, string_frees,
};

/// EINVAL on Linux, and the fixture's code for an invalid argument.
const EINVAL: i32 = 22;
/// The fixture's code for an overflowing result (ERANGE).
const ERANGE: i32 = 34;
/// The fixture's code for a buffer that is too small (EIO).
const EIO: i32 = 5;

const USAGE: &str = "usage: handles lifecycle | counts | errors | soak N \
                     | forged | after-drop | after-finish | wrong-type | null-handle \
                     | life-parent-first | life-consume-child | life-leave \
                     | life-consume-parent | life-stale-parent \
                     | function-pointers | fn-wrong-type | fn-after-drop | fn-marker \
                     | list-of-handles | list-stale-handle | list-wrong-type \
                     | borrowed | borrowed-consume | borrowed-write-const \
                     | single | single-twice | single-twice-general | single-as-c";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["lifecycle"] => lifecycle(),
        ["counts"] => {
            let c = Counts::now();
            println!(
                "created {} destroyed {} live {} string-allocs {} string-frees {}",
                c.created,
                c.destroyed,
                live(),
                c.allocs,
                c.frees
            );
        }
        ["errors"] => errors(),
        ["life-parent-first"] => life_parent_first(),
        ["life-consume-child"] => life_consume_child(),
        ["life-leave"] => life_leave(),
        ["function-pointers"] => function_pointers(),
        ["fn-wrong-type"] => {
            let c = Counter::new(3);
            // A data pointer called as code: the handle's type must stop it.
            // SAFETY: a wrong type on purpose; the canonical ABI checks it.
            let fake = unsafe { Binop::from_handle(c.handle()) };
            black_box(fake.call(1, 2));
            println!("unreachable");
            std::mem::forget(fake);
        }
        ["fn-marker"] => {
            // C hands back a marker in a function pointer: calling it must
            // not jump to address 1.
            let marker = pick_op(3).expect("a marker is not NULL");
            black_box(marker.call(1, 2));
            println!("unreachable");
        }
        ["fn-after-drop"] => {
            let op = pick_op(0).expect("add");
            let h = op.handle();
            drop(op);
            // SAFETY: a stale number on purpose; the canonical ABI checks it.
            let stale = unsafe { Binop::from_handle(h) };
            black_box(stale.call(1, 2));
            println!("unreachable");
            std::mem::forget(stale);
        }
        ["list-of-handles"] => {
            let (a, b, c) = (Counter::new(1), Counter::new(20), Counter::new(300));
            println!(
                "sums {} {} {}",
                counter_sum(&[&a, &b, &c]),
                counter_sum(&[&c, &c, &a]),
                counter_sum(&[])
            );
        }
        ["borrowed"] => {
            // C's own counters: changes through the writable one stay in
            // C, the constant one is read, and dropping the handles frees
            // nothing.
            let first = counter_global();
            first.add(1);
            let before = Counter::peek(&first);
            drop(first);
            let again = counter_global();
            let also = counter_global();
            again.add(10);
            // The value persists in C across stores: print what changed.
            let now = Counter::peek(&again);
            let constant = counter_shared();
            // The same counter through the variable that holds it.
            let held = default_counter().expect("fx_default_counter is set");
            assert_eq!(Counter::peek(&held), now, "the variable's counter");
            assert!(no_counter().is_none(), "fx_no_counter is NULL");
            drop(held);
            println!(
                "global +{} sum {} shared {}",
                now - before,
                counter_sum(&[&again, &also]) == 2 * i64::from(now),
                Counter::peek(&constant)
            );
        }
        ["borrowed-consume"] => {
            // `finish` frees its counter: C's own must not reach it.
            black_box(Counter::finish(counter_global()));
            println!("unreachable");
        }
        ["borrowed-write-const"] => {
            // `add` writes through `struct counter *`: the constant counter
            // is in read-only memory.
            counter_shared().add(1);
            println!("unreachable");
        }
        ["list-stale-handle"] => {
            let (a, b) = (Counter::new(1), Counter::new(2));
            let h = b.handle();
            drop(b);
            // SAFETY: a stale number on purpose; the canonical ABI checks it.
            let stale = unsafe { Counter::from_handle(h) };
            black_box(counter_sum(&[&a, &stale]));
            println!("unreachable");
            std::mem::forget(stale);
        }
        ["list-wrong-type"] => {
            let (a, pool) = (Counter::new(1), Pool::new());
            // SAFETY: a wrong type on purpose; the canonical ABI checks it.
            let fake = unsafe { Counter::from_handle(pool.handle()) };
            black_box(counter_sum(&[&a, &fake]));
            println!("unreachable");
            std::mem::forget(fake);
        }
        ["fill-first-lies"] => {
            // C returns a count larger than the buffer: an error of the call.
            println!("unreachable: {:?}", fill_first(4, 9, 10));
        }
        ["fill-first-negative"] => {
            println!("unreachable: {:?}", fill_first(4, 9, -3));
        }
        ["life-consume-parent"] => {
            let pool = Pool::new();
            let item = pool.item(1);
            // C would free the pool under its item: the host must refuse.
            black_box(Pool::finish(pool));
            println!("unreachable");
            drop(item);
        }
        ["life-stale-parent"] => {
            let pool = Pool::new();
            let item = pool.item(1);
            let h = pool.handle();
            drop(pool);
            // The guest's handle is gone, even though C's pool lives on.
            // SAFETY: a stale number on purpose; the canonical ABI checks it.
            let stale = unsafe { Pool::from_handle(h) };
            black_box(stale.items());
            println!("unreachable");
            std::mem::forget(stale);
            drop(item);
        }
        ["soak", n] => match n.parse::<u32>() {
            Ok(n) => soak(n),
            Err(_) => {
                eprintln!("handles: N must be an unsigned integer\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        ["forged"] => {
            // A handle number the guest was never given: the host must trap.
            // SAFETY: not memory safety but the bindings' contract, broken on
            // purpose; the canonical ABI checks handle numbers.
            let c = unsafe { Counter::from_handle(12345) };
            black_box(c.get());
            println!("unreachable");
            std::mem::forget(c);
        }
        ["after-drop"] => {
            let c = Counter::new(1);
            let h = c.handle();
            drop(c);
            // The handle was dropped (and C freed the counter): using its
            // old number must trap, not reach freed memory.
            // SAFETY: a stale number on purpose; the canonical ABI checks it.
            let stale = unsafe { Counter::from_handle(h) };
            black_box(stale.get());
            println!("unreachable");
            std::mem::forget(stale);
        }
        ["after-finish"] => {
            let c = Counter::new(2);
            let h = c.handle();
            assert_eq!(Counter::finish(c), 2);
            // `finish` took the handle (C consumed the counter): its old
            // number must be gone too.
            // SAFETY: a stale number on purpose; the canonical ABI checks it.
            let stale = unsafe { Counter::from_handle(h) };
            black_box(stale.get());
            println!("unreachable");
            std::mem::forget(stale);
        }
        ["wrong-type"] => {
            let pool = Pool::new();
            // A pool's handle used as a counter: the types must not mix.
            // SAFETY: a wrong type on purpose; the canonical ABI checks it.
            let fake = unsafe { Counter::from_handle(pool.handle()) };
            black_box(fake.get());
            println!("unreachable");
            std::mem::forget(fake);
        }
        ["single"] => single(),
        // C hands out the counter the guest owns again: two owned handles
        // would free it twice.
        ["single-twice"] => second_handle(counter_single(), counter_single),
        ["single-twice-general"] => second_handle(counter_single_or_none(), counter_single_or_none),
        // The owner's drop would free what this handle points at.
        ["single-as-c"] => second_handle(counter_single(), counter_single_as_c),
        ["null-handle"] => {
            // C returns NULL from the constructor: there is no handle to give.
            let c = Counter::new(-1);
            black_box(&c);
            println!("unreachable");
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// The fixture's counts at one moment.
#[derive(Clone, Copy, Debug)]
struct Counts {
    created: i64,
    destroyed: i64,
    allocs: i64,
    frees: i64,
}

impl Counts {
    fn now() -> Counts {
        Counts {
            created: created(),
            destroyed: destroyed(),
            allocs: string_allocs(),
            frees: string_frees(),
        }
    }

    /// Asserts that since `self`, C created and destroyed these many objects.
    #[track_caller]
    fn objects(&self, created: i64, destroyed: i64) {
        let now = Counts::now();
        assert_eq!(
            (now.created - self.created, now.destroyed - self.destroyed),
            (created, destroyed),
            "objects (created, destroyed) since {self:?}, now {now:?}"
        );
    }

    /// Asserts that since `self`, every object created was destroyed and
    /// every string handed out was freed.
    #[track_caller]
    fn balanced(&self) {
        let now = Counts::now();
        assert_eq!(
            now.created - self.created,
            now.destroyed - self.destroyed,
            "objects created and destroyed since {self:?}, now {now:?}"
        );
        assert_eq!(
            now.allocs - self.allocs,
            now.frees - self.frees,
            "strings allocated and freed since {self:?}, now {now:?}"
        );
    }
}

/// Items outliving the pool handle the guest dropped: C's pool lives until
/// the last of them is gone.
/// C's functions as values: picked, called, passed back, dropped.
fn function_pointers() {
    let before = Counts::now();
    let add = pick_op(0).expect("fx_pick_op(0) is add");
    let mul = pick_op(1).expect("fx_pick_op(1) is multiply");
    let sub = pick_op(2).expect("fx_pick_op(2) is subtract");
    assert!(pick_op(9).is_none(), "fx_pick_op(9) is NULL: none");
    assert_eq!(add.call(40, 2), 42);
    assert_eq!(mul.call(-6, 7), -42);
    assert_eq!(sub.call(i32::MIN, 1), i32::MAX, "C's int arithmetic wraps");
    // Passed back to C, which calls it itself.
    assert_eq!(apply(&mul, 12, 12), 144);
    assert_eq!(apply(&sub, 5, 8), -3);
    // Many calls, many handles to the same function.
    let mut total = 0i64;
    for i in 0..1000 {
        let op = pick_op(i % 3).expect("an op");
        total += i64::from(op.call(i, 2));
    }
    assert_eq!(
        total,
        (0..1000)
            .map(|i| [i + 2, i * 2, i - 2][(i % 3) as usize])
            .sum()
    );
    drop((add, mul, sub));
    before.balanced();
    println!("function-pointers: ok");
}

fn life_parent_first() {
    let base = Counts::now();
    let pools = pools_live();
    let pool = Pool::new();
    let a = pool.item(7);
    let b = Pool::item_of(&pool, 8);
    assert_eq!(pool.items(), 2);
    base.objects(3, 0);
    drop(pool);
    // Hidden from the guest, alive in C.
    base.objects(3, 0);
    assert_eq!(pools_live() - pools, 1, "the pool went before its items");
    // C checks the pool is alive on every item call.
    assert_eq!(a.value(), 7);
    drop(a);
    base.objects(3, 1);
    assert_eq!(pools_live() - pools, 1);
    assert_eq!(b.value(), 8);
    drop(b);
    // The last item took the pool with it.
    base.objects(3, 3);
    assert_eq!(pools_live(), pools);
    println!("life-parent-first: ok");
}

/// Items C consumes (`own`): they release their pool after the call.
fn life_consume_child() {
    let base = Counts::now();
    let pools = pools_live();
    let pool = Pool::new();
    let item = pool.item(5);
    drop(pool);
    assert_eq!(Item::finish(item), 5);
    base.objects(2, 2);
    assert_eq!(pools_live(), pools);
    // A pool whose items are gone may be consumed.
    let pool = Pool::new();
    let item = pool.item(6);
    assert_eq!(Item::finish(item), 6);
    assert_eq!(pool.items(), 0);
    assert_eq!(Pool::finish(pool), 0);
    base.objects(4, 4);
    assert_eq!(pools_live(), pools);
    println!("life-consume-child: ok");
}

/// Pools and items left for the store's teardown: a pool the guest
/// dropped with two items, and a live pool with one, made interleaved.
fn life_leave() {
    let base = Counts::now();
    let first = Pool::new();
    let a = first.item(1);
    let second = Pool::new();
    let b = second.item(2);
    let c = Pool::item_of(&first, 3);
    drop(first);
    assert_eq!(a.value() + b.value() + c.value(), 6);
    base.objects(5, 0);
    println!(
        "created {} destroyed {} live {}",
        created(),
        destroyed(),
        live()
    );
    std::mem::forget((a, second, b, c));
    println!("life-leave: ok");
}

/// Handles the guest never drops: the host destroys them with the store.
struct Leaked {
    _counters: [Counter; 3],
    _pool: Pool,
    _items: [Item; 2],
    _tile: Tile,
}

/// Asks C for a second handle of the one counter while `first` holds it:
/// the host must trap.
fn second_handle<T, U>(first: T, second: impl FnOnce() -> U) {
    let second = second();
    black_box((&first, &second));
    println!("unreachable");
}

/// The counter C hands out again, once the guest gave back its handle;
/// references C counts, each handle giving back one.
fn single() {
    let before = Counts::now();
    let one = counter_single();
    one.add(5);
    drop(one);
    // Its drop freed it: the next call makes a new one.
    let again = counter_single_or_none().expect("a counter");
    assert_eq!(again.get(), 0, "a new single counter");
    let also = counter_ref(&again);
    let third = counter_ref(&also);
    drop(again);
    also.add(2);
    assert_eq!(third.get(), 2, "three handles of one counter");
    assert_eq!(Counter::finish(also), 2);
    assert_eq!(third.get(), 2, "the last reference");
    drop(third);
    before.objects(2, 2);
    println!("single: ok");
}

fn lifecycle() {
    let base = Counts::now();

    // Dropped explicitly.
    let c = Counter::new(5);
    assert_eq!(c.get(), 5);
    c.add(3);
    assert_eq!(c.get(), 8);
    assert_eq!(Counter::peek(&c), 8, "a borrow<counter> parameter");
    base.objects(1, 0);
    drop(c);
    base.objects(1, 1);

    // Dropped at the end of a scope.
    {
        let a = Counter::new(1);
        let b = Counter::new(2);
        a.add(b.get());
        assert_eq!((a.get(), b.get()), (3, 2));
        base.objects(3, 1);
    }
    base.objects(3, 3);

    // Consumed by an `own` parameter: C frees it, the host must not again.
    let c = Counter::new(40);
    c.add(2);
    assert_eq!(Counter::finish(c), 42);
    base.objects(4, 4);

    // Handles from a `result`, an `option` and an out-parameter.
    let m = counter_maybe(9).expect("counter-maybe(9)");
    let n = counter_or_none(10).expect("counter-or-none(10)");
    assert!(counter_or_none(-1).is_none(), "counter-or-none(-1)");
    let k = make_counter(11).expect("make-counter(11)");
    assert_eq!((m.get(), n.get(), k.get()), (9, 10, 11));
    base.objects(7, 4);
    drop((m, n, k));
    base.objects(7, 7);

    // A parent and its children, children dropped first.
    let pool = Pool::new();
    let items: Vec<Item> = (0..3).map(|v| pool.item(v * 10)).collect();
    let values: Vec<i32> = items.iter().map(Item::value).collect();
    assert_eq!(values, [0, 10, 20]);
    base.objects(11, 7);
    drop(items);
    drop(pool);
    base.objects(11, 11);

    // A struct held by value (like raylib's `Image`): C returns it, reads it
    // by value, changes it in place through a pointer, frees it by value.
    let t = Tile::new(4, 3, 7);
    assert_eq!((t.at(0, 0), t.at(3, 2), t.scale()), (7, 7, 1.5));
    t.set(1, 2, 99);
    assert_eq!(t.at(1, 2), 99, "a change made through `struct tile *`");
    base.objects(12, 11);
    t.grow(8, 8);
    // New pixels (the old ones destroyed), size and scale, seen by value.
    assert_eq!((t.at(1, 2), t.at(7, 7), t.scale()), (99, 0, 3.0));
    base.objects(13, 12);
    drop(t);
    base.objects(13, 13);
    let t = Tile::new(2, 2, 1);
    Tile::free(t);
    base.objects(14, 14);

    // Leaked on purpose, interleaved so that only destroying in reverse
    // order of creation frees the items before their pool.
    let first = Counter::new(100);
    let pool = Pool::new();
    let second = Counter::new(200);
    let items = [pool.item(1), pool.item(2)];
    let third = Counter::new(300);
    let tile = Tile::new(3, 3, 5);
    assert_eq!(items[0].value() + items[1].value(), 3);
    let leaked: &'static Leaked = Box::leak(Box::new(Leaked {
        _counters: [first, second, third],
        _pool: pool,
        _items: items,
        _tile: tile,
    }));
    black_box(leaked);
    base.objects(21, 14);
    assert_eq!(live() - (base.created - base.destroyed), 7);
    println!("leaked 3 counters, 1 pool, 2 items and 1 tile");
    println!(
        "created {} destroyed {} live {}",
        created(),
        destroyed(),
        live()
    );
    println!("lifecycle: ok");
}

fn errors() {
    let base = Counts::now();

    // nonzero, with an out-parameter and a message.
    assert_eq!(checked_div(7, 2), Ok(3));
    assert_eq!(checked_div(-9, 3), Ok(-3));
    assert_eq!(
        checked_div(1, 0),
        Err((EINVAL, "invalid argument".to_string()))
    );
    assert_eq!(
        checked_div(i32::MIN, -1),
        Err((ERANGE, "result out of range".to_string()))
    );
    assert_eq!(code_message(EIO), "buffer too small");
    assert_eq!(code_message(-3), "unknown error");

    // minus-one with errno.
    assert_eq!(fail_errno(17), Err(17));
    assert_eq!(fail_errno(EINVAL), Err(EINVAL));
    assert_eq!(fail_errno(0), Ok(7));
    // In/out pointers: the value is copied in, changed by C, read back.
    assert_eq!(bump(40, 2), (40, 42));
    assert_eq!(bump(i32::MAX - 1, 1), (i32::MAX - 1, i32::MAX));
    let (width, Span { lo, hi }) = span_widen(Span { lo: 10, hi: 20 }, 5);
    assert_eq!((width, lo, hi), (20, 5, 25));

    // A byte buffer with its size first: as many bytes as C returns.
    assert_eq!(fill_first(8, 7, 3), vec![7u8; 3]);
    assert_eq!(fill_first(8, 1, 8), vec![1u8; 8]);
    assert_eq!(fill_first(0, 1, 0), Vec::<u8>::new());

    // errno is cleared right before the call: a failure that does not set
    // it reports 0, not the 17 left by the call before.
    assert_eq!(fail_errno(17), Err(17));
    assert_eq!(fail_quiet(), Err(0));
    assert_eq!(fail_quiet(), Err(0));

    // null with errno.
    match counter_maybe(-1) {
        Err(code) => assert_eq!(code, EINVAL, "counter-maybe(-1)"),
        Ok(c) => panic!("counter-maybe(-1) gave a counter holding {}", c.get()),
    }
    base.objects(0, 0);

    // nonzero with a handle out-parameter that C set anyway: the host
    // destroys it.
    match make_counter(-1) {
        Err(code) => assert_eq!(code, EINVAL, "make-counter(-1)"),
        Ok(c) => panic!("make-counter(-1) gave a counter holding {}", c.get()),
    }
    base.objects(1, 1);
    let c = make_counter(5).expect("make-counter(5)");
    assert_eq!(c.get(), 5);
    drop(c);
    base.objects(2, 2);

    // Returned memory with an owner.
    for s in [
        "",
        "plain",
        "héllo wörld ✓ 🦀",
        "ünïcödé\u{10FFFF}",
        &"long ".repeat(2000),
    ] {
        assert_eq!(strdup_count(s), s);
    }
    assert_eq!(describe(42), Ok("number 42".to_string()));
    assert_eq!(describe(0), Ok("number 0".to_string()));
    assert_eq!(describe(-1), Err(EINVAL));
    let now = Counts::now();
    assert_eq!(now.allocs - base.allocs, 7, "strings handed out");
    assert_eq!(now.frees - base.frees, 7, "strings freed");

    // An index into the string parameter (byte offsets).
    assert_eq!(parse("  123abc"), (123, 5));
    assert_eq!(parse("-42"), (-42, 3));
    assert_eq!(parse("xyz"), (0, 0));
    assert_eq!(parse(""), (0, 0));
    assert_eq!(parse("é7"), (0, 0));
    assert_eq!(parse("7é"), (7, 1));
    assert_eq!(parse("9223372036854775807!"), (i64::MAX, 19));

    // A caller-provided buffer.
    assert_eq!(fill(0xAB, 4, 16), Ok(vec![0xAB; 4]));
    assert_eq!(fill(7, 8, 8), Ok(vec![7; 8]));
    assert_eq!(fill(1, 0, 8), Ok(vec![]));
    assert_eq!(fill(1, 0, 0), Ok(vec![]));
    assert_eq!(fill(-1, 2, 2), Ok(vec![0xFF, 0xFF]));
    assert_eq!(fill(7, 20, 8), Err(EIO));
    assert_eq!(fill(7, 1, 0), Err(EIO));

    base.balanced();
    println!("errors: ok");
}

fn soak(n: u32) {
    let base = Counts::now();
    for i in 0..n {
        let i = i32::try_from(i).expect("N fits in an int");
        assert_eq!(strdup_count("soak"), "soak");
        let c = Counter::new(i % 1000);
        c.add(1);
        assert_eq!(c.get(), i % 1000 + 1);
        drop(c);
        assert_eq!(describe(i), Ok(format!("number {i}")));
        assert_eq!(parse("  77x"), (77, 4));
        if i % 16 == 0 {
            // The error paths, including an out-parameter handle the host
            // must destroy.
            assert_eq!(checked_div(i, 0), Err((EINVAL, "invalid argument".into())));
            assert!(make_counter(-1).is_err());
        }
    }
    base.balanced();
    println!("soak: ok");
}
