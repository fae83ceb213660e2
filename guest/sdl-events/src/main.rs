//! An SDL2 event loop through `wit/sdl2.wit`: `SDL_Event` is the variant
//! `event`. Opens a window on SDL's dummy video driver, pushes events of
//! every described kind and one SDL does not name, and polls them back;
//! prints `name = value` lines the host test checks.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/sdl2.wit"],
    world: "dlwit:sdl2/demo",
    generate_all,
});

use dlwit::sdl2::sdl::{
    self, CommonEvent, Event, InitFlags, KeyboardEvent, Keysym, MouseButtonEvent, MouseMotionEvent,
};

fn main() {
    println!("set-hint = {}", sdl::set_hint("SDL_VIDEODRIVER", "dummy"));
    sdl::init(InitFlags::VIDEO | InitFlags::EVENTS).expect("SDL_Init");
    println!(
        "driver = {}",
        sdl::get_current_video_driver().unwrap_or_default()
    );
    let window = sdl::create_window("dlwit", 0, 0, 320, 200, 0).expect("SDL_CreateWindow");
    let id = window.id();
    println!("window id = {id}");

    // What SDL made of the new window: window events, read as records.
    let mut window_events = 0;
    while let Ok(e) = sdl::poll_event() {
        match e {
            Event::Window(w) => {
                assert_eq!((w.type_, w.window_id), (0x200, id), "{w:?}");
                window_events += 1;
            }
            other => println!("startup event = {other:?}"),
        }
    }
    println!("window events = {window_events}");

    // The guest's own events, one of each kind, and one SDL has no case for.
    let key = KeyboardEvent {
        type_: 0x300,
        timestamp: 0,
        window_id: id,
        state: 1,
        repeat: 0,
        padding2: 0,
        padding3: 0,
        keysym: Keysym {
            scancode: 4,
            sym: 'a' as i32,
            mod_: 0x0040,
            unused: 0,
        },
    };
    let sent = [
        Event::KeyDown(key),
        Event::KeyUp(KeyboardEvent {
            // The case's tag is what SDL gets, not this field.
            type_: 0,
            state: 0,
            ..key
        }),
        Event::MouseMotion(MouseMotionEvent {
            type_: 0x400,
            timestamp: 0,
            window_id: id,
            which: 0,
            state: 1,
            x: 160,
            y: -20,
            xrel: 3,
            yrel: -4,
        }),
        Event::MouseButtonDown(MouseButtonEvent {
            type_: 0x401,
            timestamp: 0,
            window_id: id,
            which: 0,
            button: 1,
            state: 1,
            clicks: 2,
            padding1: 0,
            x: 10,
            y: 20,
        }),
        Event::Other(0x8000),
        Event::Quit(CommonEvent {
            type_: 0x100,
            timestamp: 0,
        }),
    ];
    for e in &sent {
        assert_eq!(sdl::push_event(*e), 1, "SDL_PushEvent({e:?})");
    }
    let mut got = Vec::new();
    while let Ok(e) = sdl::poll_event() {
        got.push(e);
    }
    println!("pushed = {}, polled = {}", sent.len(), got.len());
    for e in &got {
        match e {
            Event::KeyDown(k) | Event::KeyUp(k) => println!(
                "key = type {:#x} state {} scancode {} sym {} mod {:#x} window {}",
                k.type_, k.state, k.keysym.scancode, k.keysym.sym, k.keysym.mod_, k.window_id
            ),
            Event::MouseMotion(m) => println!(
                "motion = type {:#x} x {} y {} xrel {} yrel {} state {}",
                m.type_, m.x, m.y, m.xrel, m.yrel, m.state
            ),
            Event::MouseButtonDown(b) | Event::MouseButtonUp(b) => println!(
                "button = type {:#x} button {} clicks {} x {} y {}",
                b.type_, b.button, b.clicks, b.x, b.y
            ),
            Event::Other(t) => println!("other = {t:#x}"),
            Event::Quit(q) => println!("quit = type {:#x}", q.type_),
            Event::Window(w) => println!("late window event = {}", w.event),
        }
    }
    drop(window);
    println!("sdl: done");
}
