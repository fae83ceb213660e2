//! Two 64-bit values kept as one 16-byte value, written with one store and
//! read with one load: wasmtime moves the raw parameter and result values
//! between lifting, the host function and lowering, and on x86-64 a 16-byte
//! load of what two 8-byte stores wrote stalls on store forwarding (it costs
//! more than the rest of a call). On x86-64 an SSE2 vector; elsewhere a
//! `u128`, which aarch64 also moves as one 16-byte pair of registers.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{__m128i, _mm_cvtsi128_si64, _mm_set_epi64x, _mm_unpackhi_epi64};

/// A low and a high 64-bit value.
#[derive(Clone, Copy)]
pub struct Pair(
    #[cfg(target_arch = "x86_64")] __m128i,
    #[cfg(not(target_arch = "x86_64"))] u128,
);

impl Pair {
    /// `lo` and `hi` in one value.
    #[inline(always)]
    pub fn new(lo: u64, hi: u64) -> Pair {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of x86-64.
        return Pair(unsafe { _mm_set_epi64x(hi as i64, lo as i64) });
        #[cfg(not(target_arch = "x86_64"))]
        return Pair(u128::from(lo) | u128::from(hi) << 64);
    }

    /// The low value.
    #[inline(always)]
    pub fn lo(self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of x86-64.
        return unsafe { _mm_cvtsi128_si64(self.0) } as u64;
        #[cfg(not(target_arch = "x86_64"))]
        return self.0 as u64;
    }

    /// The high value.
    #[inline(always)]
    pub fn hi(self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of x86-64.
        return unsafe { _mm_cvtsi128_si64(_mm_unpackhi_epi64(self.0, self.0)) } as u64;
        #[cfg(not(target_arch = "x86_64"))]
        return (self.0 >> 64) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::Pair;

    #[test]
    fn keeps_both_halves() {
        let p = Pair::new(0x0123_4567_89ab_cdef, u64::MAX - 1);
        assert_eq!((p.lo(), p.hi()), (0x0123_4567_89ab_cdef, u64::MAX - 1));
    }
}
