//! Guest component for dlwit's foreign-thread callback tests.
//!
//! It imports `dlwit:threads/threads` (tests/threads.wit), which the host
//! serves by calling the C fixture library (tests/fixture/threads.c), and
//! exports `events`, the callbacks C makes on threads of its own. A
//! callback from a thread other than the store's never enters the guest
//! there: dlwit queues it and delivers it during the next call into the
//! bindings, or gives C the fallback when C needs an answer.
//!
//! It prints a transcript, one `label = value` line per event, in the order
//! things happened: `call` before each import call, `returned` after it,
//! `on-notify` whenever a notification is delivered (with how many
//! callbacks C had made by then, read by a call from inside the callback),
//! `ask` when the guest is asked. The first argument picks a case:
//!
//! * none: notifications from a thread C joins, notifications that arrive
//!   while the guest sleeps between calls, and questions asked from a
//!   foreign thread and from the calling one.
//! * `leave`: starts a delayed notifying thread and returns without
//!   waiting for it.
//! * `wait`: waits for a thread started by an earlier run, then calls once
//!   more.
//! * `tenant-a`: starts a delayed notifying thread, sleeps while another
//!   store calls (and joins that thread), then calls once more: its own
//!   notifications arrive then.
//! * `drop`: makes a `watcher` and drops it: its C destructor calls
//!   `on-notify` during the drop.
//! * `drop-trap`: as `drop`, but `on-notify` traps (on seq 666).
//! * `keep-watcher`: leaves a `watcher` alive for the store's teardown.
//! * `flood N`: `notify-from-thread(N)`, printing only how many
//!   notifications were delivered (`notified = K`).

use std::cell::Cell;
use std::time::Duration;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../tests/threads.wit"],
    world: "dlwit:threads/threads-test",
    generate_all,
});

use dlwit::threads::threads;

/// The callbacks C makes.
struct Events;

thread_local! {
    /// Times the guest was asked.
    static ASKED: Cell<u32> = const { Cell::new(0) };
    /// Notifications delivered; printed one by one unless `QUIET`.
    static NOTIFIED: Cell<u32> = const { Cell::new(0) };
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

impl exports::dlwit::threads::events::Guest for Events {
    fn on_notify(seq: i32, text: String) {
        assert!(seq != 666, "on-notify refuses seq 666");
        NOTIFIED.set(NOTIFIED.get() + 1);
        if QUIET.get() {
            return;
        }
        // A call from inside the callback: how far the C thread has got.
        let made = threads::made();
        println!("on-notify = {seq} {text:?} made {made}");
    }

    fn ask(x: i32) -> i32 {
        ASKED.set(ASKED.get() + 1);
        println!("ask = {x}");
        x * 2
    }
}

export!(Events);

/// Prints `call = what`, makes the call, prints `returned = result`.
fn call(what: &str, f: impl FnOnce() -> i32) -> i32 {
    println!("call = {what}");
    let r = f();
    println!("returned = {r}");
    r
}

/// Sleeps without calling into the bindings (a WASI clock wait).
fn sleep(ms: u64) {
    println!("sleep = {ms} ms");
    std::thread::sleep(Duration::from_millis(ms));
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        None => {
            // C joins its thread before returning: the notifications wait in
            // the queue and are delivered at the end of this call.
            call("notify-from-thread(5)", || threads::notify_from_thread(5));
            // C returns at once; its thread calls back 300 ms later, while
            // the guest sleeps: the next call delivers them.
            call("notify-later(3, 300)", || threads::notify_later(3, 300));
            call("made", threads::made);
            sleep(1500);
            call("wait-later", threads::wait_later);
            call("made", threads::made);
            // C needs an answer: from its own thread it gets the fallback,
            // and the guest is not asked.
            call("ask-from-thread(21)", || threads::ask_from_thread(21));
            println!("asked = {}", ASKED.get());
            // On the calling thread, the guest answers.
            call("ask-here(21)", || threads::ask_here(21));
            println!("asked = {}", ASKED.get());
        }
        Some("leave") => {
            call("notify-later(2, 300)", || threads::notify_later(2, 300));
        }
        Some("tenant-a") => {
            call("notify-later(2, 300)", || threads::notify_later(2, 300));
            sleep(1500);
            call("made", threads::made);
        }
        Some("flood") => {
            let n: i32 = std::env::args()
                .nth(2)
                .and_then(|n| n.parse().ok())
                .expect("flood N");
            QUIET.set(true);
            threads::notify_from_thread(n);
            println!("notified = {}", NOTIFIED.get());
        }
        Some("wait") => {
            call("wait-later", threads::wait_later);
            call("made", threads::made);
        }
        Some("drop") => {
            // The destructor calls back on this thread: the notification
            // arrives during the drop, before the next line.
            // (Quiet: `made` counts another test's C thread.)
            QUIET.set(true);
            let w = threads::Watcher::new(7);
            println!("drop = watcher 7");
            drop(w);
            println!("dropped, notified = {}", NOTIFIED.get());
            call("ask-here(1)", || threads::ask_here(1));
            println!("notified = {}", NOTIFIED.get());
        }
        Some("drop-trap") => {
            // The callback made from the destructor traps: so does the drop.
            let w = threads::Watcher::new(666);
            println!("drop = watcher 666");
            drop(w);
            println!("unreachable: the drop returned");
        }
        Some("keep-watcher") => {
            // Left alive: the store's teardown destroys it, with no guest
            // to call back.
            std::mem::forget(threads::Watcher::new(8));
            println!("kept = watcher 8");
        }
        Some(other) => panic!("unknown case `{other}`"),
    }
}
