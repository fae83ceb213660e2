//! Rounding a wider binary float to the nearest `f64`, shared by the
//! `long double` formats ([`crate::x87`], [`crate::binary128`]).

/// The `f64` nearest to `±m · 2^exp2` (ties to even), `m` normalised (its
/// top bit set): ±inf beyond f64's range, a subnormal or ±0 below it.
/// `sign` is the sign bit in place (`0` or `1 << 63`).
pub(crate) fn nearest_f64(sign: u64, m: u128, exp2: i32) -> f64 {
    debug_assert!(m >> 127 == 1, "a normalised significand");
    let biased = exp2 + 127 + 1023;
    if biased >= 0x7ff {
        return f64::from_bits(sign | 0x7ff << 52);
    }
    if biased >= 1 {
        let (mut top, rest) = ((m >> 75) as u64, m & ((1 << 75) - 1));
        let half = 1 << 74;
        if rest > half || rest == half && top & 1 == 1 {
            top += 1;
        }
        // Rounding may carry into the next binade (and on to infinity):
        // adding the exponent field does both.
        let bits = ((biased as u64 - 1) << 52) + top;
        return f64::from_bits(sign | bits.min(0x7ff << 52));
    }
    // A subnormal: x = f · 2^-1074 with f < 2^52 (`shift` > 75 here).
    let shift = (-(exp2 + 1074)) as u32;
    if shift > 128 {
        return f64::from_bits(sign);
    }
    let mut f = m.checked_shr(shift).unwrap_or(0);
    let rest = if shift == 128 {
        m
    } else {
        m & ((1 << shift) - 1)
    };
    let half = 1 << (shift - 1);
    if rest > half || rest == half && f & 1 == 1 {
        f += 1;
    }
    f64::from_bits(sign | f as u64)
}

/// Checks that every kind of `f64` (zeros, extremes, subnormals, infinities,
/// 100,000 pseudo-random bit patterns, NaNs among them) survives `from`
/// then `to` exactly (a NaN as a NaN).
#[cfg(test)]
pub(crate) fn assert_round_trips(from: fn(f64) -> [u8; 16], to: fn(&[u8; 16]) -> f64) {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut values = vec![
        0.0,
        -0.0,
        1.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::INFINITY,
        f64::NEG_INFINITY,
        std::f64::consts::PI,
    ];
    for _ in 0..100_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        values.push(f64::from_bits(seed));
    }
    for x in values {
        let back = to(&from(x));
        if x.is_nan() {
            assert!(back.is_nan());
        } else {
            assert_eq!(back.to_bits(), x.to_bits(), "{x:e}");
        }
    }
}
