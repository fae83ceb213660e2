//! raylib, built from source by scripts/raylib.sh: struct-by-value calls and
//! images held by value without a window, checked against values computed
//! here; and a real window under Xvfb whose screenshot is read back pixel by
//! pixel.

use dlwit::Libraries;
use dlwit_tests::{Runner, bindings, cli, guest, raylib, root};
use std::process::Command;

fn value<'a>(out: &'a str, label: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.split_once(" = ").is_some_and(|(k, _)| k == label))
        .unwrap_or_else(|| panic!("no line `{label} = ...` in:\n{out}"));
    line.split_once(" = ").unwrap().1.trim()
}

fn rgba(c: [u8; 4]) -> String {
    format!("{} {} {} {}", c[0], c[1], c[2], c[3])
}

/// raylib's `ColorFromHSV` (rtextures.c), computed here in f32 as C does.
fn color_from_hsv(hue: f32, saturation: f32, value: f32) -> [u8; 4] {
    let channel = |n: f32| {
        let k = (n + hue / 60.0) % 6.0;
        let k = k.min(4.0 - k).clamp(0.0, 1.0);
        ((value - value * saturation * k) * 255.0) as u8
    };
    [channel(5.0), channel(3.0), channel(1.0), 255]
}

#[test]
fn struct_by_value_and_images_without_a_window() {
    let libs = Libraries::path(raylib());
    let b = bindings("wit/raylib.wit", &libs).unwrap_or_else(|e| panic!("{e}"));
    let run = Runner::new(&b).run("raylib-check", &[]);
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.stdout);
    let out = &run.stdout;

    // Color in and out by value (4 × u8 in one register).
    let alpha = (255.0f32 * 0.5) as u8;
    assert_eq!(
        value(out, "fade(200 100 50 255, 0.5)"),
        rgba([200, 100, 50, alpha])
    );
    let to_int = |c: [u8; 4]| i32::from_be_bytes(c).to_string();
    assert_eq!(
        value(out, "color-to-int(200 100 50 255)"),
        to_int([200, 100, 50, 255])
    );
    assert_eq!(value(out, "color-to-int(255 255 255 255)"), "-1");
    assert_eq!(
        value(out, "color-from-hsv(120, 1, 1)"),
        rgba(color_from_hsv(120.0, 1.0, 1.0))
    );
    assert_eq!(
        value(out, "color-from-hsv(30, 0.5, 0.8)"),
        rgba(color_from_hsv(30.0, 0.5, 0.8))
    );
    assert_eq!(
        value(out, "get-color(0x11223344)"),
        rgba(0x1122_3344u32.to_be_bytes())
    );

    // Rectangles (4 × f32 in two SSE registers) in and out.
    assert_eq!(value(out, "check-collision-recs(a, b)"), "true");
    assert_eq!(value(out, "check-collision-recs(a, far)"), "false");
    // a = (0, 0, 10, 10), b = (5, 6, 10, 10): the overlap is (5, 6, 5, 4).
    assert_eq!(value(out, "get-collision-rec(a, b)"), "5 6 5 4");
    assert_eq!(value(out, "get-collision-rec(a, far)"), "0 0 0 0");
    assert_eq!(
        value(out, "vector2-add"),
        format!("{} {}", 1.5f32 + 0.25, -2.0f32 + 4.0)
    );
    assert_eq!(value(out, "vector2-length(3, 4)"), "5");
    // Camera2D is 24 bytes: passed on the stack. (p - target) * zoom + offset.
    assert_eq!(
        value(out, "get-world-to-screen2d"),
        format!(
            "{} {}",
            (15.0f32 - 10.0) * 2.0 + 100.0,
            (25.0f32 - 20.0) * 2.0 + 50.0
        )
    );

    // An image held by value: GenImageColor's struct kept in the handle
    // table, changed in place through `Image *`, read back by value.
    assert_eq!(value(out, "image.is-valid"), "true");
    assert_eq!(value(out, "image.get-color(0, 0)"), "10 20 30 255");
    assert_eq!(value(out, "image.get-color(10, 5)"), "250 0 0 255");
    assert_eq!(value(out, "image.get-color(24, 12)"), "10 20 30 255");
    // ImageResize replaces the pixel buffer and the size in the held struct.
    assert_eq!(
        value(out, "resized image.get-color(127, 63)"),
        "10 20 30 255"
    );
    assert_eq!(value(out, "resized image.get-color(40, 20)"), "250 0 0 255");
    assert_eq!(value(out, "image 57 get-color"), "57 0 0 255");
}

/// The importer's output, run: wit/generated/raylib.wit (raylib.h with
/// wit/raylib.wit as overlay) makes `Image` a handle holding the struct by
/// value, so raylib's `Image *` functions, which the overlay does not bind,
/// change the host's copy in place; a `require` on `self.width` reads the
/// copy as C left it.
#[test]
fn generated_image_functions_change_the_handles_struct_in_place() {
    let libs = Libraries::path(raylib());
    let b = bindings("wit/generated/raylib.wit", &libs).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let run = runner.run("raylib-images", &[]);
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.stdout);
    let out = &run.stdout;
    // An 8 × 4 blue image, its top-left 4 × 2 red.
    let (blue, red) = ("10 20 30 255", "200 0 0 255");
    assert_eq!(value(out, "border"), "0 0 8 4");
    // Flipped upside down: the red rows at the bottom.
    assert_eq!(value(out, "flipped (0, 0)"), blue);
    assert_eq!(value(out, "flipped (0, 3)"), red);
    // Cropped to (0, 2, 4, 2): all red, and 4 × 2 in the held struct.
    assert_eq!(value(out, "cropped border"), "0 0 4 2");
    assert_eq!(value(out, "cropped (3, 1)"), red);
    // The copy is another image: inverting it leaves the original alone.
    assert_eq!(value(out, "inverted copy (0, 0)"), "55 255 255 255");
    assert_eq!(value(out, "original (0, 0)"), red);
    assert_eq!(value(out, "done"), "ok");

    // x = 5 in an image C cropped to 4 wide: refused before C reads it.
    let past = runner.run("raylib-images", &["past-crop"]);
    let err = past.result.expect_err("x past the cropped width");
    assert!(
        err.contains("C `GetImageColor`")
            && err.contains("precondition `x in 0..self.width && y in 0..self.height` failed (x = 5, self.width = 4, y = 0, self.height = 2)"),
        "{err}"
    );
    assert!(!past.stdout.contains("unreachable"), "{}", past.stdout);
    // OpenGL with no window: refused by a condition on raylib's own state
    // (the host would crash in C). Then functions only the importer made,
    // with the conditions the overlay's `for` gave them: a divisor of 0, a
    // size raylib cannot allocate (its `int` byte count would wrap),
    // drawing with no window.
    let no_window = "precondition `IsWindowReady()` failed (IsWindowReady() = 0)";
    for (mode, c, condition) in [
        (
            "texture",
            "[static]texture.from-image` (C `LoadTextureFromImage`",
            no_window,
        ),
        (
            "screen",
            "[static]image.from-screen` (C `LoadImageFromScreen`",
            no_window,
        ),
        (
            "checked-zero",
            "(C `GenImageChecked`",
            "precondition `width in 1..=16384 && height in 1..=16384 && checks-x > 0 && checks-y > 0` failed (width = 8, height = 8, checks-x = 0, checks-y = 0)",
        ),
        (
            "resize-huge",
            "(C `ImageResizeNN`",
            "precondition `new-width in 1..=16384 && new-height in 1..=16384` failed (new-width = 1048576, new-height = 1048576)",
        ),
        ("gradient", "(C `DrawRectangleGradientV`", no_window),
    ] {
        let run = runner.run("raylib-images", &[mode]);
        let err = run.result.expect_err(mode);
        assert!(err.contains(c) && err.contains(condition), "{err}");
        assert!(!run.stdout.contains("unreachable"), "{}", run.stdout);
    }
    // raylib's files in the guest's directory; `LoadFileData`'s buffer
    // freed once copied; a checked format.
    let t = dlwit_tests::TempDir::new("raylib-files");
    let dirs = [(t.0.as_path(), "/data", true)];
    let run = runner.run_in("raylib-images", &["files", "/data"], &dirs);
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.stdout);
    assert_eq!(value(&run.stdout, "saved"), "true");
    assert_eq!(value(&run.stdout, "loaded"), "\"kept by raylib\"");
    assert_eq!(value(&run.stdout, "missing"), "0");
    assert_eq!(value(&run.stdout, "formatted"), "score: 00042");
    assert_eq!(
        std::fs::read_to_string(t.join("note.txt")).unwrap(),
        "kept by raylib"
    );
    // The host serves the next store.
    assert!(runner.run("raylib-images", &[]).result.is_ok());
}

/// What wit/overlays/raylib.wit adds to the generated WIT: arrays raylib
/// returns (their length from the image's struct, an out-parameter, a
/// parameter or a constant), copied and freed once; text C writes into the
/// guest's buffers, which a `require` bounds since C gets no length.
#[test]
fn generated_raylib_returns_arrays_and_writes_bounded_buffers() {
    let libs = Libraries::path(raylib());
    let b = bindings("wit/generated/raylib.wit", &libs).unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&b);
    let run = runner.run("raylib-images", &["arrays"]);
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.stdout);
    let out = &run.stdout;
    // 4 × 2 pixels (`image.width * image.height`), the first red.
    assert_eq!(value(out, "colors"), "8 200 0 0 255 | 10 20 30 255");
    assert_eq!(value(out, "palette"), "200 0 0 255, 10 20 30 255");
    assert_eq!(value(out, "codepoints"), "[104, 233, 108, 108, 111]");
    assert_eq!(value(out, "utf8"), "Some(\"h\u{e9}\u{1f600}\")");
    assert_eq!(value(out, "sequence"), "[10, 11, 12, 13, 14, 15]");
    // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72, as four
    // little-endian words.
    assert_eq!(value(out, "md5"), "98500190 b04fd23c 7d3f96d6 727fe128");
    assert_eq!(value(out, "sha1 words"), "5");
    assert!(value(out, "compressed").ends_with("< 680 true"), "{out}");
    // No NUL after raylib's Base64: read by the length it wrote.
    assert_eq!(value(out, "base64"), "aGVsbG8=");
    assert_eq!(value(out, "copied"), "3 \"abc\\0..\"");
    assert_eq!(value(out, "appended"), "4 \"abcd\\0...\"");
    assert_eq!(value(out, "joined"), "Some(\"a, bc, d\u{e9}f\")");
    assert_eq!(value(out, "arrays"), "ok");

    for (mode, c, condition) in [
        (
            "short-copy",
            "C `TextCopy`",
            "precondition `len(dst) > len(src)` failed (len(dst) = 3, len(src) = 3)",
        ),
        (
            "long-sequence",
            "C `LoadRandomSequence`",
            "failed (count = 5000, min = 0, max = 10000)",
        ),
    ] {
        runner
            .run("raylib-images", &[mode])
            .expect_trap(&[c, condition]);
    }
    // The host serves the next store.
    assert!(runner.run("raylib-images", &["arrays"]).result.is_ok());
}

fn png_pixels(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba, "raylib saves RGBA");
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn a_real_window_under_xvfb_renders_what_the_guest_drew() {
    let lib = raylib();
    let wasm = guest("raylib-check");
    let dir = root().join("target/tmp/raylib-render");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1024x768x24"])
        .arg(cli())
        .args(["run", "--wit"])
        .arg(root().join("wit/raylib.wit"))
        .arg("--lib")
        .arg(&lib)
        // The guest's one directory: where its screenshot goes.
        .arg("--dir")
        .arg(format!("{}::.", dir.display()))
        .arg(&wasm)
        .args(["render", "render.png"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot start xvfb-run ({e}): install Xvfb (scripts/raylib.sh does)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the render guest failed under Xvfb (did the X server start?)\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(value(&stdout, "window ready"), "true", "{stderr}");
    assert_eq!(value(&stdout, "texture.is-valid"), "true");
    let (w, h, px) = png_pixels(&dir.join("render.png"));
    assert_eq!((w, h), (320, 240));
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 4) as usize;
        [px[i], px[i + 1], px[i + 2], px[i + 3]]
    };
    let cases = [
        ((5, 5), [30, 30, 60, 255], "background"),
        ((60, 35), [230, 41, 55, 255], "DrawRectangle"),
        (
            (40, 115),
            [0, 121, 241, 255],
            "DrawRectangleRec with Fade(.., 1.0)",
        ),
        (
            (200, 60),
            color_from_hsv(60.0, 1.0, 1.0),
            "DrawCircleV with ColorFromHSV",
        ),
        ((252, 152), [0, 200, 0, 255], "texture from an image"),
        (
            (270, 170),
            [255, 255, 0, 255],
            "the rectangle drawn into the image",
        ),
        ((165, 195), [255, 0, 255, 255], "BeginMode2D with zoom 2"),
        (
            (175, 205),
            [30, 30, 60, 255],
            "outside the camera's rectangle",
        ),
    ];
    for ((x, y), want, what) in cases {
        assert_eq!(at(x, y), want, "{what} at ({x}, {y})");
    }
    let white = (0..240)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| y >= 195 && at(x, y) == [255, 255, 255, 255])
        .count();
    assert!(white > 20, "the text `dlwit` shows ({white} white pixels)");
}
