//! Calls the real libm through `wit/libm.wit` and prints the results.

wit_bindgen::generate!({
    path: ["../../wit/deps/c", "../../wit/libm.wit"],
    world: "dlwit:libm/demo",
    generate_all,
});

use dlwit::libm::libm;

fn main() {
    println!("hypot(3, 4)        = {}", libm::hypot(3.0, 4.0));
    println!("cos(0)             = {}", libm::cos(0.0));
    println!(
        "sin(pi/2)          = {}",
        libm::sin(std::f64::consts::FRAC_PI_2)
    );
    println!("sqrtf(2)           = {}", libm::sqrtf(2.0));
    println!("pow(2, 10)         = {}", libm::pow(2.0, 10.0));
    println!("fmod(10, 3)        = {}", libm::fmod(10.0, 3.0));
    println!("ldexp(0.75, 4)     = {}", libm::ldexp(0.75, 4));
    println!("lround(-2.5)       = {}", libm::lround(-2.5));
    println!("fmaf(2, 3, 0.5)    = {}", libm::fmaf(2.0, 3.0, 0.5));
    println!("floor(-1.5)        = {}", libm::floor(-1.5));
    println!("atan2(1, 1)        = {}", libm::atan2(1.0, 1.0));
}
