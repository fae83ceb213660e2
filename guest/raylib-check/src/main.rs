//! Checks raylib through `wit/raylib.wit` for the tests.
//!
//! `raylib-check` (no window): struct-by-value calls and images held by
//! value, each result printed as `label = value` for the test to compare
//! with values it computes itself.
//!
//! `raylib-check render FILE`: opens a window, draws a known pattern for a
//! few frames and saves a screenshot as FILE (a path in the guest's own
//! directories: the test gives it one); the test reads the pixels back.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/raylib.wit"],
    world: "dlwit:raylib/game",
    generate_all,
});

use dlwit::raylib::raylib::{
    self as rl, Camera2d, Color, Image, Rectangle, Texture, TraceLogLevel, Vector2,
};

const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Color {
    Color { r, g, b, a }
}

fn show(c: Color) -> String {
    format!("{} {} {} {}", c.r, c.g, c.b, c.a)
}

fn rect(x: f32, y: f32, width: f32, height: f32) -> Rectangle {
    Rectangle {
        x,
        y,
        width,
        height,
    }
}

fn show_rect(r: Rectangle) -> String {
    format!("{} {} {} {}", r.x, r.y, r.width, r.height)
}

fn windowless() {
    rl::set_trace_log_level(TraceLogLevel::Warning);
    let c = rgba(200, 100, 50, 255);
    println!("fade(200 100 50 255, 0.5) = {}", show(rl::fade(c, 0.5)));
    println!("color-to-int(200 100 50 255) = {}", rl::color_to_int(c));
    println!(
        "color-to-int(255 255 255 255) = {}",
        rl::color_to_int(rgba(255, 255, 255, 255))
    );
    println!(
        "color-from-hsv(120, 1, 1) = {}",
        show(rl::color_from_hsv(120.0, 1.0, 1.0))
    );
    println!(
        "color-from-hsv(30, 0.5, 0.8) = {}",
        show(rl::color_from_hsv(30.0, 0.5, 0.8))
    );
    println!(
        "get-color(0x11223344) = {}",
        show(rl::get_color(0x1122_3344))
    );
    let (a, b) = (rect(0.0, 0.0, 10.0, 10.0), rect(5.0, 6.0, 10.0, 10.0));
    println!(
        "check-collision-recs(a, b) = {}",
        rl::check_collision_recs(a, b)
    );
    let far = rect(50.0, 50.0, 1.0, 1.0);
    println!(
        "check-collision-recs(a, far) = {}",
        rl::check_collision_recs(a, far)
    );
    println!(
        "get-collision-rec(a, b) = {}",
        show_rect(rl::get_collision_rec(a, b))
    );
    println!(
        "get-collision-rec(a, far) = {}",
        show_rect(rl::get_collision_rec(a, far))
    );
    let v = rl::vector2_add(Vector2 { x: 1.5, y: -2.0 }, Vector2 { x: 0.25, y: 4.0 });
    println!("vector2-add = {} {}", v.x, v.y);
    println!(
        "vector2-length(3, 4) = {}",
        rl::vector2_length(Vector2 { x: 3.0, y: 4.0 })
    );
    let camera = Camera2d {
        offset: Vector2 { x: 100.0, y: 50.0 },
        target: Vector2 { x: 10.0, y: 20.0 },
        rotation: 0.0,
        zoom: 2.0,
    };
    let p = rl::get_world_to_screen2d(Vector2 { x: 15.0, y: 25.0 }, camera);
    println!("get-world-to-screen2d = {} {}", p.x, p.y);

    // An image held by value: made by C, changed in place through
    // `Image *`, read back by value, unloaded when dropped.
    let image = Image::gen_color(64, 32, rgba(10, 20, 30, 255));
    println!("image.is-valid = {}", image.is_valid());
    image.draw_rectangle(8, 4, 16, 8, rgba(250, 0, 0, 255));
    println!("image.get-color(0, 0) = {}", show(image.get_color(0, 0)));
    println!("image.get-color(10, 5) = {}", show(image.get_color(10, 5)));
    println!(
        "image.get-color(24, 12) = {}",
        show(image.get_color(24, 12))
    );
    image.resize(128, 64);
    println!(
        "resized image.get-color(127, 63) = {}",
        show(image.get_color(127, 63))
    );
    println!(
        "resized image.get-color(40, 20) = {}",
        show(image.get_color(40, 20))
    );
    drop(image);
    let many: Vec<Image> = (0..100)
        .map(|i| Image::gen_color(16, 16, rgba(i as u8, 0, 0, 255)))
        .collect();
    println!("image 57 get-color = {}", show(many[57].get_color(3, 3)));
}

/// Known shapes in known colors, for the test to read back.
fn render(file: &str) {
    rl::set_trace_log_level(TraceLogLevel::Warning);
    rl::init_window(320, 240, "dlwit render check");
    println!("window ready = {}", rl::is_window_ready());
    let logo = Image::gen_color(40, 40, rgba(0, 200, 0, 255));
    logo.draw_rectangle(10, 10, 20, 20, rgba(255, 255, 0, 255));
    let texture = Texture::from_image(&logo);
    println!("texture.is-valid = {}", texture.is_valid());
    drop(logo);
    for _ in 0..3 {
        rl::begin_drawing();
        rl::clear_background(rgba(30, 30, 60, 255));
        rl::draw_rectangle(10, 10, 100, 50, rgba(230, 41, 55, 255));
        rl::draw_rectangle_rec(
            rect(10.0, 100.0, 60.0, 30.0),
            rl::fade(rgba(0, 121, 241, 255), 1.0),
        );
        rl::draw_circle_v(
            Vector2 { x: 200.0, y: 60.0 },
            30.0,
            rl::color_from_hsv(60.0, 1.0, 1.0),
        );
        texture.draw(250, 150, rgba(255, 255, 255, 255));
        // Through a camera: world (0, 0) lands at screen (150, 180), zoom 2.
        rl::begin_mode2d(Camera2d {
            offset: Vector2 { x: 150.0, y: 180.0 },
            target: Vector2 { x: 0.0, y: 0.0 },
            rotation: 0.0,
            zoom: 2.0,
        });
        rl::draw_rectangle(0, 0, 10, 10, rgba(255, 0, 255, 255));
        rl::end_mode2d();
        rl::draw_text("dlwit", 10, 200, 20, rgba(255, 255, 255, 255));
        rl::end_drawing();
    }
    println!(
        "measure-text(dlwit, 20) = {}",
        rl::measure_text("dlwit", 20)
    );
    // A screenshot: what the window shows, exported to the guest's file.
    let saved = Image::from_screen().export(file);
    println!("export = {saved}");
    drop(texture);
    rl::close_window();
    println!("screenshot = {file}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("render") => render(args.get(2).map_or("render.png", String::as_str)),
        _ => windowless(),
    }
}
