//! Callbacks that C makes on threads of its own (guest/threads,
//! tests/threads.wit, tests/fixture/threads.c).
//!
//! A callback arriving on a thread other than the store's must never enter
//! the store there. dlwit queues it (its result unread by C, its arguments
//! copied) for the store whose call gave C the function pointer (each store
//! has closures of its own) and delivers it at that store's next call into
//! the same bindings, before or after that call's C function; when C needs
//! an answer it gets the callback's fallback at once, and the callback
//! counts as dropped, as do callbacks beyond the store's queue limit and
//! those for a store that is gone.
//!
//! The guest prints a transcript of calls, returns and deliveries in the
//! order they happened, checked here line by line. Each delivered
//! notification also says how many callbacks the C thread had made when the
//! guest received it: all of them, because the guest only ever runs on the
//! store's thread, after the C thread's callbacks had returned.
//!
//! The fixture keeps one pending thread for the whole process, so these
//! tests take [`serial`].

use dlwit::{Bindings, Libraries, LinkOptions};
use dlwit_tests::{FIXTURE_LIB, Runner, bindings};
use std::sync::{Mutex, MutexGuard, PoisonError};

fn load() -> Bindings {
    bindings("tests/threads.wit", &Libraries::path(FIXTURE_LIB)).unwrap_or_else(|e| panic!("{e}"))
}

/// Serializes the tests that use the fixture's pending thread.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the guest prints, in order.
const TRANSCRIPT: &str = r#"call = notify-from-thread(5)
on-notify = 0 "tick 0" made 5
on-notify = 1 "tick 1" made 5
on-notify = 2 "tick 2" made 5
on-notify = 3 "tick 3" made 5
on-notify = 4 "tick 4" made 5
returned = 5
call = notify-later(3, 300)
returned = 3
call = made
returned = 0
sleep = 1500 ms
call = wait-later
on-notify = 0 "tick 0" made 3
on-notify = 1 "tick 1" made 3
on-notify = 2 "tick 2" made 3
returned = 3
call = made
returned = 3
call = ask-from-thread(21)
returned = -1
asked = 0
call = ask-here(21)
ask = 21
returned = 42
asked = 1
"#;

/// Compares the guest's output with `expected`, line by line.
fn check(actual: &str, expected: &str) {
    if actual != expected {
        let mut diff = String::new();
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            if e != a {
                diff.push_str(&format!("line {}:\n  - {e}\n  + {a}\n", i + 1));
            }
        }
        panic!("the transcript differs:\n{diff}\nwhole output:\n{actual}");
    }
}

/// Runs the guest's main case with the bindings linked on the fast path
/// or the `Val` path, and checks its transcript and the dropped count.
fn transcript(fast_path: bool) {
    let _serial = serial();
    let b = load();
    let runner = Runner::with_options(
        &b,
        LinkOptions {
            fast_path,
            ..Default::default()
        },
    );
    let out = runner.run("threads", &[]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(&out.stdout, TRANSCRIPT);
    // The notifications were queued, not dropped; the one question from a
    // foreign thread was.
    assert_eq!(b.callbacks_dropped(), 1);
}

/// Notifications from a thread C joins are delivered once each, in order,
/// at the end of that call; notifications that arrive while the guest is
/// between calls (asleep) are delivered by its next call, at its start
/// (`wait-later` returns 3: C had made all three before it was entered);
/// nothing is delivered twice or late; a question asked from a foreign
/// thread gets the fallback without the guest being asked, one asked on
/// the calling thread is answered. Every function on the `Val` path.
#[test]
fn foreign_thread_callbacks_wait_for_the_next_call() {
    transcript(false);
}

/// The same on the fast path.
#[test]
fn foreign_thread_callbacks_wait_for_the_next_call_fast_path() {
    transcript(true);
}

/// A guest that returns while C's thread is still going to call back: the
/// host survives, and the notifications, meant for a store that is gone,
/// are dropped and counted; the next guest (a fresh store) does not get
/// them.
#[test]
fn notifications_for_a_store_that_is_gone_are_dropped() {
    let _serial = serial();
    let b = load();
    let runner = Runner::with_options(
        &b,
        LinkOptions {
            fast_path: false,
            ..Default::default()
        },
    );
    let out = runner.run("threads", &["leave"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(&out.stdout, "call = notify-later(2, 300)\nreturned = 2\n");
    // The C thread calls back while no store exists.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let out = runner.run("threads", &["wait"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(
        &out.stdout,
        "call = wait-later\nreturned = 2\ncall = made\nreturned = 2\n",
    );
    assert_eq!(b.callbacks_dropped(), 2);
    assert_eq!(b.retired_closure_sets(), 2, "one per store that called");
}

/// Two tenants of one set of bindings: store A starts a C thread that calls
/// back later and sleeps; store B calls next (and joins that thread) while
/// A sleeps. B must not receive A's notifications; A gets them at its next
/// call.
#[test]
fn queued_callbacks_go_only_to_the_store_that_registered_them() {
    let _serial = serial();
    let b = load();
    let runner = Runner::new(&b);
    let (a, other) = std::thread::scope(|s| {
        let a = s.spawn(|| runner.run("threads", &["tenant-a"]));
        std::thread::sleep(std::time::Duration::from_millis(800));
        let other = runner.run("threads", &["wait"]);
        (a.join().expect("store A's thread"), other)
    });
    assert!(other.result.is_ok(), "{:?}\n{}", other.result, other.stdout);
    check(
        &other.stdout,
        "call = wait-later\nreturned = 2\ncall = made\nreturned = 2\n",
    );
    assert!(a.result.is_ok(), "{:?}\n{}", a.result, a.stdout);
    check(
        &a.stdout,
        r#"call = notify-later(2, 300)
returned = 2
sleep = 1500 ms
call = made
on-notify = 0 "tick 0" made 2
on-notify = 1 "tick 1" made 2
returned = 2
"#,
    );
    assert_eq!(b.callbacks_dropped(), 0);
}

/// A flood of notifications from a C thread during one call: the store's
/// queue keeps its limit and drops (and counts) the rest, so host memory
/// stays bounded; a fresh store is served afterwards with the default limit.
#[test]
fn a_flood_of_callbacks_is_bounded_by_the_store_queue_limit() {
    let _serial = serial();
    let b = load();
    let runner = Runner::new(&b);
    let (out, host) = runner.run_with("threads", &["flood", "10000"], |host| {
        host.handles.set_callback_queue_limit(100)
    });
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(&out.stdout, "notified = 100\n");
    assert_eq!(host.handles.callbacks_dropped(), 9_900);
    drop(host);
    assert_eq!(b.callbacks_dropped(), 9_900);
    let again = runner.run("threads", &["flood", "50"]);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);
    check(&again.stdout, "notified = 50\n");
    assert_eq!(b.callbacks_dropped(), 9_900);
    assert_eq!(dlwit::CALLBACK_QUEUE_LIMIT, 1024);
}

/// A C destructor that calls back on the store's thread (sqlite's rollback
/// hook inside `sqlite3_close_v2`): the guest's drop lends the store, so
/// the callback reaches the guest during the drop, not at the next call.
#[test]
fn a_callback_from_a_destructor_arrives_during_the_drop() {
    let _serial = serial();
    let b = load();
    let runner = Runner::new(&b);
    let out = runner.run("threads", &["drop"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(
        &out.stdout,
        r#"drop = watcher 7
dropped, notified = 1
call = ask-here(1)
ask = 1
returned = 2
notified = 1
"#,
    );
    assert_eq!(b.callbacks_dropped(), 0);

    // Destroyed by the store's teardown, with no guest left to call: the
    // callback is dropped and counted, and the host serves the next store.
    let out = runner.run("threads", &["keep-watcher"]);
    assert!(out.result.is_ok(), "{:?}\n{}", out.result, out.stdout);
    check(&out.stdout, "kept = watcher 8\n");
    assert_eq!(b.callbacks_dropped(), 1);
    let again = runner.run("threads", &["drop"]);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);

    // The guest traps in the callback its drop caused: the drop traps with
    // the callback's error (C's object is destroyed all the same), and the
    // host serves the next store.
    let out = runner.run("threads", &["drop-trap"]);
    out.expect_trap(&[
        "dlwit: `dlwit:threads/threads#watcher` destructor (C `fixture_watcher_free` in `libdlwit_fixture.so`): callback `dlwit:threads/events#on-notify` failed",
    ]);
    assert_eq!(b.callbacks_dropped(), 1);
    let again = runner.run("threads", &["drop"]);
    assert!(again.result.is_ok(), "{:?}\n{}", again.result, again.stdout);
}
