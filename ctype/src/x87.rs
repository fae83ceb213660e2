//! `f64` ↔ the x87 80-bit extended format of x86-64's `long double`
//! (64-bit significand with an explicit integer bit, 15-bit exponent
//! biased by 16383, sign; stored little-endian in the low 10 of 16 bytes).
//!
//! Into C every `f64` is exact (the format holds all of them). Out of C a
//! value keeps f64's 53 significant bits, rounded to nearest, ties to even;
//! beyond f64's range it becomes ±inf, below it a subnormal or ±0; a NaN
//! stays a NaN (its payload's top 51 bits kept, quiet).

use crate::nearest::nearest_f64;

const BIAS: i32 = 16383;

/// The 16 bytes of C's `long double` holding `x` exactly.
pub fn from_f64(x: f64) -> [u8; 16] {
    let bits = x.to_bits();
    let sign = ((bits >> 63) as u16) << 15;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let (e, mant): (u16, u64) = match (exp, frac) {
        (0, 0) => (0, 0),
        // Subnormal: normalise (x = frac * 2^-1074).
        (0, f) => {
            let shift = f.leading_zeros() as i32;
            ((BIAS + 63 - 1074 - shift) as u16, f << shift)
        }
        (0x7ff, f) => (0x7fff, 1 << 63 | f << 11),
        (e, f) => ((e - 1023 + BIAS) as u16, 1 << 63 | f << 11),
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&mant.to_le_bytes());
    out[8..10].copy_from_slice(&(sign | e).to_le_bytes());
    out
}

/// The `f64` nearest to the `long double` in `bytes` (see the module docs).
pub fn to_f64(bytes: &[u8; 16]) -> f64 {
    let mant = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    let se = u16::from_le_bytes([bytes[8], bytes[9]]);
    let sign = u64::from(se >> 15) << 63;
    let e = i32::from(se & 0x7fff);
    if e == 0x7fff {
        let frac = (mant << 1) >> 12;
        return f64::from_bits(if frac == 0 && mant << 1 == 0 {
            sign | 0x7ff << 52
        } else {
            // A NaN: keep the payload's top bits, quiet.
            sign | 0x7ff << 52 | 1 << 51 | frac
        });
    }
    if mant == 0 {
        return f64::from_bits(sign);
    }
    // x = mant · 2^(e' - BIAS - 63), e' = max(e, 1); normalised to bit 127.
    let lz = mant.leading_zeros() as i32;
    nearest_f64(
        sign,
        u128::from(mant << lz) << 64,
        e.max(1) - BIAS - 127 - lz,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(x: f64) -> (u64, u16) {
        let b = from_f64(x);
        (
            u64::from_le_bytes(b[..8].try_into().unwrap()),
            u16::from_le_bytes([b[8], b[9]]),
        )
    }

    fn ld(mant: u64, se: u16) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&mant.to_le_bytes());
        b[8..10].copy_from_slice(&se.to_le_bytes());
        b
    }

    #[test]
    fn known_encodings() {
        assert_eq!(parts(1.0), (1 << 63, 0x3fff));
        assert_eq!(parts(-2.0), (1 << 63, 0xc000));
        assert_eq!(parts(0.0), (0, 0));
        assert_eq!(parts(-0.0), (0, 0x8000));
        assert_eq!(parts(f64::INFINITY), (1 << 63, 0x7fff));
        assert_eq!(parts(1.5), (3 << 62, 0x3fff));
        // The smallest subnormal, 2^-1074.
        assert_eq!(parts(f64::from_bits(1)), (1 << 63, (BIAS - 1074) as u16));
        let (m, e) = parts(f64::NAN);
        assert_eq!((m >> 62, e), (3, 0x7fff));
    }

    #[test]
    fn round_trips_every_kind_of_f64() {
        crate::nearest::assert_round_trips(from_f64, to_f64);
    }

    #[test]
    fn rounds_what_f64_cannot_hold() {
        // 1 + 2^-53 (a tie): to even, 1.0; 1 + 2^-53 + 2^-63: up.
        assert_eq!(to_f64(&ld(1 << 63 | 1 << 10, 0x3fff)), 1.0);
        assert_eq!(
            to_f64(&ld(1 << 63 | 1 << 10 | 1, 0x3fff)),
            1.0 + f64::EPSILON
        );
        // 1 + 3 * 2^-53: a tie rounded to even, up.
        assert_eq!(
            to_f64(&ld(1 << 63 | 3 << 10, 0x3fff)),
            1.0 + 2.0 * f64::EPSILON
        );
        // All ones rounds up into the next binade: 2.0.
        assert_eq!(to_f64(&ld(u64::MAX, 0x3fff)), 2.0);
        // Beyond f64's range: ±inf; the largest f64 rounded up: inf.
        assert_eq!(to_f64(&ld(1 << 63, 0x3fff + 1024)), f64::INFINITY);
        assert_eq!(to_f64(&ld(1 << 63, 0xbfff + 1024)), f64::NEG_INFINITY);
        assert_eq!(to_f64(&ld(u64::MAX, 0x3fff + 1023)), f64::INFINITY);
        // Below it: subnormals, then zero.
        let tiny = (BIAS - 1074) as u16;
        assert_eq!(to_f64(&ld(1 << 63, tiny)), f64::from_bits(1));
        assert_eq!(to_f64(&ld(1 << 63, tiny - 1)), 0.0);
        assert_eq!(to_f64(&ld(3 << 62, tiny - 1)), f64::from_bits(1));
        assert_eq!(to_f64(&ld(1 << 63, 1)), 0.0);
        assert_eq!(
            to_f64(&ld(1 << 63, 0x8000 | 1)).to_bits(),
            (-0.0f64).to_bits()
        );
        // A NaN with a payload stays a NaN.
        assert!(to_f64(&ld(1 << 63 | 1, 0x7fff)).is_nan());
    }
}
