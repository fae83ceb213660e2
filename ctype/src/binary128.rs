//! `f64` ↔ IEEE 754 binary128, AArch64 Linux's `long double` (112-bit
//! fraction, 15-bit exponent biased by 16383, sign; 16 bytes little-endian).
//!
//! Into C every `f64` is exact. Out of C a value keeps f64's 53 significant
//! bits, rounded to nearest, ties to even; beyond f64's range it becomes
//! ±inf, below it a subnormal or ±0; a NaN stays a NaN (its payload's top
//! 51 bits kept, quiet).

use crate::nearest::nearest_f64;

const BIAS: i32 = 16383;
const FRAC: u32 = 112;

/// The 16 bytes of C's `long double` holding `x` exactly.
pub fn from_f64(x: f64) -> [u8; 16] {
    let bits = x.to_bits();
    let sign = u128::from(bits >> 63) << 127;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = u128::from(bits & ((1 << 52) - 1));
    let (e, f): (i32, u128) = match (exp, frac) {
        (0, 0) => (0, 0),
        // Subnormal (x = frac · 2^-1074): normal here, its top bit implied.
        (0, f) => {
            let top = 127 - f.leading_zeros() as i32;
            (
                BIAS + top - 1074,
                (f << (FRAC as i32 - top)) & ((1 << FRAC) - 1),
            )
        }
        (0x7ff, f) => (0x7fff, f << (FRAC - 52)),
        (e, f) => (e - 1023 + BIAS, f << (FRAC - 52)),
    };
    (sign | (e as u128) << FRAC | f).to_le_bytes()
}

/// The `f64` nearest to the `long double` in `bytes` (see the module docs).
pub fn to_f64(bytes: &[u8; 16]) -> f64 {
    let v = u128::from_le_bytes(*bytes);
    let sign = ((v >> 127) as u64) << 63;
    let e = ((v >> FRAC) & 0x7fff) as i32;
    let f = v & ((1 << FRAC) - 1);
    if e == 0x7fff {
        return f64::from_bits(if f == 0 {
            sign | 0x7ff << 52
        } else {
            // A NaN: keep the payload's top bits, quiet.
            sign | 0x7ff << 52 | 1 << 51 | (f >> (FRAC - 52)) as u64
        });
    }
    let m = if e == 0 { f } else { f | 1 << FRAC };
    if m == 0 {
        return f64::from_bits(sign);
    }
    // x = m · 2^(e' - BIAS - 112), e' = max(e, 1); normalised to bit 127.
    let lz = m.leading_zeros() as i32;
    nearest_f64(sign, m << lz, e.max(1) - BIAS - FRAC as i32 - lz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(x: f64) -> u128 {
        u128::from_le_bytes(from_f64(x))
    }

    fn ld(v: u128) -> [u8; 16] {
        v.to_le_bytes()
    }

    #[test]
    fn known_encodings() {
        assert_eq!(q(1.0), 0x3fff << 112);
        assert_eq!(q(-2.0), 0xc000 << 112);
        assert_eq!(q(0.0), 0);
        assert_eq!(q(-0.0), 1 << 127);
        assert_eq!(q(f64::INFINITY), 0x7fff << 112);
        assert_eq!(q(1.5), 0x3fff << 112 | 1 << 111);
        // The smallest subnormal, 2^-1074, is a normal binary128.
        assert_eq!(q(f64::from_bits(1)), ((BIAS - 1074) as u128) << 112);
        // pi: binary128's encoding of the f64 nearest pi.
        assert_eq!(
            q(std::f64::consts::PI),
            0x4000_921f_b544_42d1_8000_0000_0000_0000
        );
        assert_eq!(q(f64::NAN) >> 111, 0xffff);
    }

    #[test]
    fn round_trips_every_kind_of_f64() {
        crate::nearest::assert_round_trips(from_f64, to_f64);
    }

    #[test]
    fn rounds_what_f64_cannot_hold() {
        let one = 0x3fffu128 << 112;
        // 1 + 2^-53 (a tie): to even, 1.0; a hair more: up.
        assert_eq!(to_f64(&ld(one | 1 << 59)), 1.0);
        assert_eq!(to_f64(&ld(one | 1 << 59 | 1)), 1.0 + f64::EPSILON);
        // 1 + 3 · 2^-53: a tie rounded to even, up.
        assert_eq!(to_f64(&ld(one | 3 << 59)), 1.0 + 2.0 * f64::EPSILON);
        // All ones rounds up into the next binade: 2.0.
        assert_eq!(to_f64(&ld(one | ((1 << 112) - 1))), 2.0);
        // Beyond f64's range: ±inf.
        assert_eq!(to_f64(&ld((0x3fff + 1024) << 112)), f64::INFINITY);
        assert_eq!(to_f64(&ld((0xbfff + 1024) << 112)), f64::NEG_INFINITY);
        // Below it: subnormals, then zero; binary128's own subnormals are 0.
        let tiny = (BIAS - 1074) as u128;
        assert_eq!(to_f64(&ld(tiny << 112)), f64::from_bits(1));
        assert_eq!(to_f64(&ld((tiny - 1) << 112)), 0.0);
        assert_eq!(
            to_f64(&ld((tiny - 1) << 112 | 1 << 111 | 1)),
            f64::from_bits(1)
        );
        assert_eq!(to_f64(&ld(1)), 0.0);
        assert_eq!(to_f64(&ld(1 << 127 | 1)).to_bits(), (-0.0f64).to_bits());
        assert!(to_f64(&ld(0x7fff << 112 | 1)).is_nan());
    }
}
