//! Guest component for the generated raylib WIT (wit/generated/raylib.wit:
//! `dlwit import` of raylib.h with wit/raylib.wit as overlay). `Image` is a
//! struct the host holds by value; the importer made raylib's `Image *`
//! functions (flip, crop, invert, copy) take the handle, so C changes the
//! host's copy in place.
//!
//! * no argument: draws into an 8 × 4 image, flips it, crops it, copies
//!   and inverts the copy, and prints each result as `label = value`.
//! * `past-crop`: crops an 8 × 4 image to 4 × 2 and asks for the pixel at
//!   x = 5, which `get-color`'s `require` (on the handle's copy, as C left
//!   it) must refuse; prints `unreachable` if it was not.
//! * `files DIR`: raylib's file functions in the guest's directory
//!   (`SaveFileText`, `LoadFileData`, whose buffer the host frees once
//!   copied) and a checked `TextFormat`.
//! * `texture`, `screen`: a texture from an image, an image of the screen,
//!   with no window open: raylib would call OpenGL with no context, so the
//!   WIT's `require = "IsWindowReady()"` must refuse them; prints
//!   `unreachable` if it was not.
//! * `arrays`: what raylib returns as arrays (colors, a palette,
//!   codepoints, random values, hashes, compressed and Base64 bytes),
//!   copied and freed by the host, and text written into the guest's
//!   buffers (`TextCopy`, `TextAppend`), and a list of strings joined
//!   (`TextJoin`).
//! * `short-copy`, `long-sequence`: a buffer too short for what C writes,
//!   a sequence longer than the WIT allows: refused before C runs; prints
//!   `unreachable` if not.
//! * `checked-zero`, `resize-huge`, `gradient`: functions only the
//!   importer made, with the conditions wit/overlays/raylib.wit's `for`
//!   gives them: a checkerboard of 0 checks (raylib divides by it), an
//!   image resized past what raylib can allocate, a rectangle drawn with
//!   no window; prints `unreachable` if C ran.

use std::process::ExitCode;

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/generated/raylib.wit"],
    world: "dlwit:raylib/game",
    generate_all,
});

use dlwit::raylib::raylib::{self as rl, Color, Image, Rectangle};

const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Color {
    Color { r, g, b, a }
}

fn show(c: Color) -> String {
    format!("{} {} {} {}", c.r, c.g, c.b, c.a)
}

fn border(image: &Image) -> String {
    let r = rl::get_image_alpha_border(image, 0.0);
    format!("{} {} {} {}", r.x, r.y, r.width, r.height)
}

const BLUE: Color = rgba(10, 20, 30, 255);
const RED: Color = rgba(200, 0, 0, 255);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => images(),
        ["past-crop"] => {
            let image = Image::gen_color(8, 4, BLUE);
            rl::image_crop(&image, crop());
            let c = image.get_color(5, 0);
            println!("unreachable: {}", show(c));
        }
        ["files", dir] => {
            let name = format!("{dir}/note.txt");
            println!("saved = {}", rl::save_file_text(&name, "kept by raylib"));
            let bytes = rl::load_file_data(&name);
            println!("loaded = {:?}", String::from_utf8_lossy(&bytes));
            println!(
                "missing = {}",
                rl::load_file_data(&format!("{dir}/none")).len()
            );
            println!("formatted = {}", rl::text_format("score: %05d", 42));
        }
        ["texture"] => {
            let image = Image::gen_color(8, 4, BLUE);
            let t = rl::Texture::from_image(&image);
            println!("unreachable: texture valid {}", t.is_valid());
        }
        ["arrays"] => arrays(),
        ["short-copy"] => {
            let (n, dst) = rl::text_copy(&[0; 3], "abc");
            println!("unreachable: {n} {dst:?}");
        }
        ["long-sequence"] => {
            let v = rl::load_random_sequence(5000, 0, 10_000);
            println!("unreachable: {}", v.len());
        }
        ["checked-zero"] => {
            let image = rl::gen_image_checked(8, 8, 0, 0, RED, BLUE);
            println!("unreachable: {}", border(&image));
        }
        ["resize-huge"] => {
            let image = Image::gen_color(8, 4, BLUE);
            rl::image_resize_nn(&image, 1 << 20, 1 << 20);
            println!("unreachable: {}", border(&image));
        }
        ["gradient"] => {
            rl::draw_rectangle_gradient_v(0, 0, 8, 8, RED, BLUE);
            println!("unreachable: drawn");
        }
        ["screen"] => {
            let image = Image::from_screen();
            println!("unreachable: screen valid {}", image.is_valid());
        }
        _ => {
            eprintln!(
                "usage: raylib-images [past-crop | files DIR | texture | screen | arrays | short-copy | long-sequence | checked-zero | resize-huge | gradient]"
            );
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn crop() -> Rectangle {
    Rectangle {
        x: 0.0,
        y: 2.0,
        width: 4.0,
        height: 2.0,
    }
}

fn images() {
    let image = Image::gen_color(8, 4, BLUE);
    image.draw_rectangle(0, 0, 4, 2, RED);
    println!("border = {}", border(&image));
    rl::image_flip_vertical(&image);
    println!("flipped (0, 0) = {}", show(image.get_color(0, 0)));
    println!("flipped (0, 3) = {}", show(image.get_color(0, 3)));
    rl::image_crop(&image, crop());
    println!("cropped border = {}", border(&image));
    println!("cropped (3, 1) = {}", show(image.get_color(3, 1)));
    let copy = rl::image_copy(&image);
    rl::image_color_invert(&copy);
    println!("inverted copy (0, 0) = {}", show(copy.get_color(0, 0)));
    println!("original (0, 0) = {}", show(image.get_color(0, 0)));
    // Consumed by raylib's `UnloadImage`; `image` is dropped (the host
    // calls it).
    rl::unload_image(copy);
    println!("done = ok");
}

fn arrays() {
    let image = Image::gen_color(4, 2, BLUE);
    image.draw_rectangle(0, 0, 1, 1, RED);
    let colors = rl::load_image_colors(&image);
    println!(
        "colors = {} {} | {}",
        colors.len(),
        show(colors[0]),
        show(colors[7])
    );
    let palette = rl::load_image_palette(&image, 8);
    let palette: Vec<String> = palette.into_iter().map(show).collect();
    println!("palette = {}", palette.join(", "));
    println!("codepoints = {:?}", rl::load_codepoints("h\u{e9}llo"));
    println!("utf8 = {:?}", rl::load_utf8(&[104, 233, 0x1f600]));
    let mut seq = rl::load_random_sequence(6, 10, 15);
    seq.sort();
    println!("sequence = {seq:?}");
    let md5: Vec<String> = rl::compute_md5(b"abc")
        .iter()
        .map(|w| format!("{w:08x}"))
        .collect();
    println!("md5 = {}", md5.join(" "));
    println!("sha1 words = {}", rl::compute_sha1(b"abc").len());
    let data = b"raylib raylib raylib raylib raylib".repeat(20);
    let packed = rl::compress_data(&data);
    let unpacked = rl::decompress_data(&packed);
    println!(
        "compressed = {} < {} {}",
        packed.len(),
        data.len(),
        unpacked == data
    );
    let b64 = rl::encode_data_base64(b"hello");
    println!("base64 = {}", String::from_utf8_lossy(&b64));
    let (n, dst) = rl::text_copy(&[b'.'; 6], "abc");
    println!("copied = {n} {:?}", String::from_utf8_lossy(&dst));
    let (text, position) = rl::text_append(b"ab\0.....", "cd", 2);
    println!("appended = {position} {:?}", String::from_utf8_lossy(&text));
    // `const char **textList, int count`: a list of strings, copied.
    let parts = ["a".to_string(), "bc".into(), "déf".into()];
    println!("joined = {:?}", rl::text_join(&parts, ", "));
    println!("arrays = ok");
}
