//! Direct calls on AArch64 (the procedure call standard, AAPCS64): a
//! signature is classified once, at load, into the places each argument's
//! parts go (x0..x7, v0..v7, the stack) and where the result comes back;
//! a call fills a register image from the frame and goes through a small
//! assembly trampoline, as [`super::sysv`] does on x86-64.
//!
//! The rules, for the C types dlwit maps (integers, pointers, `float`,
//! `double`, structs of them):
//! - a homogeneous float aggregate (a `float` or `double`, or a struct of
//!   one to four members all `float` or all `double`) takes one v register
//!   per member while they last; once one does not fit, no later float
//!   argument takes a register;
//! - an integer or pointer takes an x register; a struct of at most 16
//!   bytes takes one x register per 8 bytes, all or none (once none, no
//!   later argument takes one);
//! - a larger struct is passed by reference to a copy the caller made;
//! - a result comes back in x0 (and x1), in v0..v3 (a float aggregate), or
//!   in memory whose address the caller passes in x8;
//! - on the stack, Linux gives every argument 8-byte aligned slots rounded
//!   up to 8 bytes; Apple's arm64 packs arguments at their natural size and
//!   alignment (structs still in whole 8-aligned eightbytes), passes every
//!   variadic argument on the stack in 8-byte slots, and has callers extend
//!   integers narrower than 32 bits (done on both: the callee ignores the
//!   upper bits on Linux).
//!
//! The classification is plain data and runs on any machine (the unit tests
//! check both variants everywhere); the trampoline exists on AArch64 only.
//! Signatures with a `long double` (binary128 in a q register on Linux) and
//! variadic ones stay on libffi, the general path and the oracle.

#![cfg_attr(
    not(all(target_arch = "aarch64", not(target_vendor = "apple"))),
    allow(
        dead_code,
        reason = "the register image and the calls run on AArch64 Linux; the classification and placement are tested on every machine"
    )
)]

use super::Place;
use super::sysv::ext_of;
use super::widen::Widen;
use dlwit_ctype::AbiClass;
use dlwit_ctype::{CType, Layouts};
use std::ffi::c_void;

/// Which variant of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// AAPCS64 as Linux (and the other ELF systems) use it.
    Linux,
    /// Apple's arm64 (macOS, iOS).
    Apple,
}

impl Variant {
    /// This machine's, if it is AArch64.
    pub const HOST: Option<Variant> = if cfg!(all(target_arch = "aarch64", target_vendor = "apple"))
    {
        Some(Variant::Apple)
    } else if cfg!(target_arch = "aarch64") {
        Some(Variant::Linux)
    } else {
        None
    };
}

/// How many bytes of arguments a direct call passes on the stack.
pub const MAX_STACK_BYTES: usize = 128;

/// How many bytes of larger structs a direct call copies to pass them by
/// reference.
pub const MAX_COPIED: usize = 256;

/// Where one part of an argument goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// x0..x7.
    X(u8),
    /// v0..v7 (the part's low bytes).
    V(u8),
    /// The stack, at this byte offset.
    Stack(u16),
}

/// One part of an argument: `size` bytes at `offset` in it, to `loc`; or,
/// `by_ref`, the address of a copy of the whole argument (`size` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The argument.
    pub arg: u16,
    /// Byte offset within the argument.
    pub offset: u16,
    /// How many bytes.
    pub size: u16,
    /// Where they go.
    pub loc: Loc,
    /// How they are widened (integers narrower than 8 bytes).
    pub ext: Widen,
    /// The part is the address of a copy of the argument.
    pub by_ref: bool,
}

/// Where the result comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// No result.
    Void,
    /// In x0, or x0 and x1: this many registers.
    X(u8),
    /// In v0..: `n` members of `size` bytes each.
    V {
        /// How many members.
        n: u8,
        /// Each member's size (4 or 8).
        size: u8,
    },
    /// In memory at the address passed in x8.
    Memory,
}

/// A signature classified for a direct call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direct {
    /// Every argument's parts, in order.
    pub parts: Box<[Part]>,
    /// How many bytes go on the stack (a multiple of 8).
    pub stack: u16,
    /// Where the result comes back.
    pub ret: Ret,
}

/// A value's float aggregate shape: `(members, member size)`.
fn hfa(layouts: &Layouts, ty: CType) -> Option<(u8, u8)> {
    let mut leaves = Vec::new();
    collect(layouts, ty, 0, &mut leaves);
    let &(_, size, class) = leaves.first()?;
    let same = leaves
        .iter()
        .enumerate()
        .all(|(k, &(off, s, c))| c == AbiClass::Sse && s == size && off == k * size);
    (class == AbiClass::Sse && same && leaves.len() <= 4)
        .then_some((leaves.len() as u8, size as u8))
}

/// Every scalar leaf of `ty`: (offset, size, class).
fn collect(layouts: &Layouts, ty: CType, base: usize, out: &mut Vec<(usize, usize, AbiClass)>) {
    match ty {
        CType::Void => {}
        CType::Scalar(s) => out.push((base, s.size(), s.class())),
        CType::Struct(id) => {
            for &(offset, ty) in &layouts.get(id).fields {
                collect(layouts, ty, base + offset, out);
            }
        }
    }
}

/// The next stack position for `size` bytes aligned to `align`.
fn stack_slot(nsaa: &mut usize, size: usize, align: usize, variant: Variant) -> u16 {
    let (size, align) = match variant {
        Variant::Linux => (size.next_multiple_of(8), align.max(8)),
        Variant::Apple => (size, align),
    };
    let at = nsaa.next_multiple_of(align);
    *nsaa = at + size;
    at as u16
}

impl Direct {
    /// Classifies a signature for `variant`; `fixed` is the number of named
    /// parameters of a variadic one. `None` when it has a `long double`, or
    /// needs more than [`MAX_STACK_BYTES`] of stack or [`MAX_COPIED`] bytes
    /// of copies.
    pub fn classify(
        layouts: &Layouts,
        args: &[CType],
        ret: CType,
        fixed: Option<usize>,
        variant: Variant,
    ) -> Option<Direct> {
        let mut all = Vec::new();
        for ty in std::iter::once(&ret).chain(args) {
            collect(layouts, *ty, 0, &mut all);
        }
        if all
            .iter()
            .any(|(_, _, c)| matches!(c, AbiClass::X87 | AbiClass::Quad))
        {
            return None;
        }
        let ret = match ret {
            CType::Void => Ret::Void,
            ty => match (hfa(layouts, ty), layouts.size_align(ty).0) {
                (Some((n, size)), _) => Ret::V { n, size },
                (None, size) if size <= 16 => Ret::X(size.div_ceil(8) as u8),
                (None, _) => Ret::Memory,
            },
        };
        let (mut ngrn, mut nsrn, mut nsaa, mut copied) = (0u8, 0u8, 0usize, 0usize);
        let mut parts = Vec::new();
        for (i, ty) in args.iter().enumerate() {
            let arg = i as u16;
            let (size, align) = layouts.size_align(*ty);
            let part = |offset: usize, size: usize, loc, ext| Part {
                arg,
                offset: offset as u16,
                size: size as u16,
                loc,
                ext,
                by_ref: false,
            };
            // Apple: every variadic argument in an 8-byte stack slot (a
            // larger struct by reference).
            if variant == Variant::Apple && fixed.is_some_and(|f| i >= f) {
                let by_ref = size > 16;
                let n = if by_ref { 8 } else { size };
                let at = stack_slot(&mut nsaa, n.next_multiple_of(8), 8, variant);
                parts.push(Part {
                    by_ref,
                    ..part(0, size, Loc::Stack(at), ext_of(*ty))
                });
                copied += if by_ref { size.next_multiple_of(16) } else { 0 };
                continue;
            }
            if let Some((n, m)) = hfa(layouts, *ty) {
                let (n, m) = (usize::from(n), usize::from(m));
                if usize::from(nsrn) + n <= 8 {
                    for k in 0..n {
                        parts.push(part(k * m, m, Loc::V(nsrn + k as u8), Widen::Whole));
                    }
                    nsrn += n as u8;
                } else {
                    nsrn = 8;
                    let at = stack_slot(&mut nsaa, size, align, variant);
                    parts.push(part(0, size, Loc::Stack(at), Widen::Whole));
                }
                continue;
            }
            let scalar = matches!(ty, CType::Scalar(_));
            if !scalar && size > 16 {
                // By reference: the copy's address, as a pointer argument.
                copied += size.next_multiple_of(16);
                let loc = if ngrn < 8 {
                    ngrn += 1;
                    Loc::X(ngrn - 1)
                } else {
                    Loc::Stack(stack_slot(&mut nsaa, 8, 8, variant))
                };
                parts.push(Part {
                    by_ref: true,
                    ..part(0, size, loc, Widen::Whole)
                });
                continue;
            }
            let words = size.div_ceil(8) as u8;
            if ngrn + words <= 8 {
                for k in 0..usize::from(words) {
                    let n = (size - 8 * k).min(8);
                    parts.push(part(8 * k, n, Loc::X(ngrn + k as u8), ext_of(*ty)));
                }
                ngrn += words;
            } else {
                ngrn = 8;
                // A struct takes whole 8-byte aligned eightbytes on Apple too.
                let (room, align) = if scalar {
                    (size, align)
                } else {
                    (size.next_multiple_of(8), align.max(8))
                };
                let at = stack_slot(&mut nsaa, room, align, variant);
                parts.push(part(0, size, Loc::Stack(at), ext_of(*ty)));
            }
        }
        let stack = nsaa.next_multiple_of(8);
        (stack <= MAX_STACK_BYTES && copied <= MAX_COPIED).then(|| Direct {
            parts: parts.into(),
            stack: stack as u16,
            ret,
        })
    }

    /// Classifies a signature for this machine: `None` off AArch64 Linux
    /// (Apple's variant is classified, but no trampoline is built for it
    /// yet) and where [`Direct::classify`] says so.
    pub fn new(layouts: &Layouts, args: &[CType], ret: CType) -> Option<Direct> {
        match Variant::HOST {
            Some(Variant::Linux) => Direct::classify(layouts, args, ret, None, Variant::Linux),
            Some(Variant::Apple) | None => None,
        }
    }

    /// Fills a register image from the arguments in `args` (each at its
    /// byte offset in `offsets`, readable for its size), copying structs
    /// passed by reference into `copies`.
    fn fill(&self, args: &[u8], offsets: &[usize], image: &mut Regs, copies: &mut Copies) {
        let mut used = 0;
        for p in self.parts.iter() {
            let i = usize::from(p.arg);
            let at = offsets[i] + usize::from(p.offset);
            let v = if p.by_ref {
                let n = usize::from(p.size);
                let dst = &mut words_as_bytes(&mut copies.0)[used..used + n];
                dst.copy_from_slice(&args[at..at + n]);
                used += n.next_multiple_of(16);
                dst.as_ptr() as usize as u64
            } else {
                let n = usize::from(p.size).min(8);
                let mut b = [0u8; 8];
                b[..n].copy_from_slice(&args[at..at + n]);
                p.ext.bits(u64::from_le_bytes(b))
            };
            match p.loc {
                Loc::X(r) => image.slots[usize::from(r)] = v,
                Loc::V(r) => image.slots[V_SLOT + usize::from(r)] = v,
                Loc::Stack(off) => {
                    let off = usize::from(off);
                    let n = if p.by_ref { 8 } else { usize::from(p.size) };
                    let stack = words_as_bytes(&mut image.stack);
                    if n <= 8 {
                        stack[off..off + n].copy_from_slice(&v.to_le_bytes()[..n]);
                    } else {
                        stack[off..off + n].copy_from_slice(&args[at..at + n]);
                    }
                }
            }
        }
    }

    /// Calls `fun` with the arguments in `args` (each at its byte offset
    /// in `offsets`), writing the result into `ret`.
    ///
    /// # Safety
    /// `fun` must be a C function whose signature is the one this was
    /// classified from; `args` holds its arguments at `offsets` (in order,
    /// each readable for its size), pointer arguments valid for the call;
    /// `ret` is at least the result's size and 16 bytes.
    #[cfg(all(target_arch = "aarch64", not(target_vendor = "apple")))]
    pub unsafe fn call(&self, fun: *const c_void, args: &[u8], offsets: &[usize], ret: &mut [u8]) {
        let mut image = Regs::<MAX_STACK>::new(self.nstack());
        let mut copies = Copies([0; MAX_COPIED / 8]);
        self.fill(args, offsets, &mut image, &mut copies);
        if self.ret == Ret::Memory {
            image.slots[X8] = ret.as_mut_ptr() as usize as u64;
        }
        let mut r = RetRegs::default();
        // SAFETY: the caller guarantees `fun`'s signature is the classified
        // one and its pointer arguments; the image holds every argument
        // where the classification places it (structs passed by reference
        // point into `copies`, alive for the call), the trampoline loads
        // x0..x8, d0..d7 and the stack eightbytes, keeps sp 16-byte aligned
        // and restores what it saves; a result in memory goes to `ret`,
        // large enough.
        unsafe { dlwit_aapcs64_trampoline(fun, (&raw const image).cast(), &mut r) };
        self.store_ret(&r, ret);
    }

    /// Writes the result registers `r` into `ret` as the result's bytes.
    fn store_ret(&self, r: &RetRegs, ret: &mut [u8]) {
        match self.ret {
            Ret::Void | Ret::Memory => {}
            Ret::X(n) => {
                for (k, x) in [r.x0, r.x1].iter().take(usize::from(n)).enumerate() {
                    ret[8 * k..8 * k + 8].copy_from_slice(&x.to_le_bytes());
                }
            }
            Ret::V { n, size } => {
                let size = usize::from(size);
                for (k, v) in r.v.iter().take(usize::from(n)).enumerate() {
                    ret[size * k..size * (k + 1)].copy_from_slice(&v.to_le_bytes()[..size]);
                }
            }
        }
    }

    /// Where the value at byte `offset` of argument `arg` goes (a register
    /// image slot, see [`Regs::slot`]); `None` for a struct passed by
    /// reference.
    pub fn place(&self, arg: usize, offset: usize) -> Option<Place> {
        let p = self.parts.iter().find(|p| {
            usize::from(p.arg) == arg
                && (usize::from(p.offset)..usize::from(p.offset) + usize::from(p.size))
                    .contains(&offset)
        })?;
        if p.by_ref {
            return None;
        }
        let within = offset - usize::from(p.offset);
        let (slot, shift) = match p.loc {
            // A part in an x register is at most 8 bytes.
            Loc::X(r) => (usize::from(r), within),
            // One float aggregate member per v register.
            Loc::V(r) if within == 0 => (V_SLOT + usize::from(r), 0),
            Loc::V(_) => return None,
            Loc::Stack(at) => {
                let byte = usize::from(at) + within;
                (STACK_SLOT + byte / 8, byte % 8)
            }
        };
        Some(Place {
            slot: u8::try_from(slot).ok()?,
            shift: (8 * shift) as u8,
            widen: p.ext,
        })
    }

    /// How many eightbytes of arguments go on the stack.
    pub fn nstack(&self) -> usize {
        usize::from(self.stack / 8)
    }

    /// Whether the result goes to memory (its address in x8).
    pub fn ret_in_memory(&self) -> bool {
        self.ret == Ret::Memory
    }

    /// For a result in registers that are its eightbytes in order: whether
    /// each is a v register rather than x0/x1. `None` for a float
    /// aggregate whose members are not whole eightbytes (two `float`s in
    /// s0 and s1, three or four members), which fused calls leave to the
    /// frame.
    pub fn ret_sse(&self) -> Option<Vec<bool>> {
        match self.ret {
            Ret::Void | Ret::Memory => Some(Vec::new()),
            Ret::X(n) => Some(vec![false; usize::from(n)]),
            Ret::V { n: 1, .. } | Ret::V { n: 2, size: 8 } => {
                let Ret::V { n, .. } = self.ret else {
                    unreachable!("matched above")
                };
                Some(vec![true; usize::from(n)])
            }
            Ret::V { .. } => None,
        }
    }

    /// For a result in one register: whether it is v0 rather than x0.
    pub fn one_ret_register(&self) -> Option<bool> {
        match self.ret {
            Ret::X(1) => Some(false),
            Ret::V { n: 1, .. } => Some(true),
            _ => None,
        }
    }

    /// Calls `fun` with the registers in `regs`, for a signature whose
    /// result, if any, is in registers; returns the result registers.
    ///
    /// # Safety
    /// As [`Direct::call_regs`]; the result must not be in memory.
    #[inline]
    pub unsafe fn call_image<const S: usize>(
        &self,
        fun: *const c_void,
        regs: &mut Regs<S>,
    ) -> RetRegs {
        debug_assert!(self.ret != Ret::Memory);
        assert_eq!(
            regs.nstack,
            self.nstack() as u64,
            "an image for this signature"
        );
        let mut r = RetRegs::default();
        // SAFETY: as in `call_regs`; the caller guarantees the signature
        // and the registers, and that no result goes to memory.
        unsafe { dlwit_aapcs64_trampoline(fun, (regs as *const Regs<S>).cast(), &mut r) };
        r
    }

    /// Calls `fun` with the registers in `regs`; a result in memory is
    /// written to `mem`, a result in registers into `out` (its bytes).
    ///
    /// # Safety
    /// `fun` must be a C function whose signature is the one this was
    /// classified from, and `regs` must hold its arguments as that
    /// classification places them (pointer arguments valid for the call);
    /// `mem` must be at least the result's size when the result is in
    /// memory, and a result in registers at most 16 bytes
    /// ([`Direct::ret_sse`] is `Some`).
    pub unsafe fn call_regs<const S: usize>(
        &self,
        fun: *const c_void,
        regs: &mut Regs<S>,
        mem: &mut [u8],
        out: &mut [u8; 16],
    ) {
        if self.ret == Ret::Memory {
            regs.slots[X8] = mem.as_mut_ptr() as usize as u64;
        }
        assert_eq!(
            regs.nstack,
            self.nstack() as u64,
            "an image for this signature"
        );
        let mut r = RetRegs::default();
        // SAFETY: the caller guarantees `fun`'s signature is the classified
        // one and that `regs` holds its arguments where that classification
        // places them; the trampoline loads x0..x8, d0..d7 and the stack
        // eightbytes, keeps sp 16-byte aligned and restores what it saves;
        // a result in memory goes to `mem` (its address in x8), large
        // enough.
        unsafe { dlwit_aapcs64_trampoline(fun, (regs as *const Regs<S>).cast(), &mut r) };
        self.store_ret(&r, out);
    }
}

/// How many eightbytes of arguments a direct call passes on the stack.
pub const MAX_STACK: usize = MAX_STACK_BYTES / 8;

/// How many integer argument registers there are (x0..x7).
pub const N_GPRS: usize = 8;

/// Slot of x8, the result's address.
const X8: usize = 8;

/// Slot of v0.
pub const V_SLOT: usize = 9;

/// Slot of the first stack eightbyte.
pub const STACK_SLOT: usize = 17;

/// A memory result's address is not an argument register (it is x8).
pub const RET_ADDRESS_IN_FIRST_GPR: bool = false;

/// The name of a register image slot (see [`Regs::slot`]).
pub fn slot_name(slot: u8) -> String {
    match usize::from(slot) {
        s @ 0..=X8 => format!("x{s}"),
        s @ V_SLOT..STACK_SLOT => format!("v{}", s - V_SLOT),
        s => format!("stack eightbyte {}", s - STACK_SLOT),
    }
}

/// The integer argument registers x0..x7.
pub type Gprs = [u64; N_GPRS];

/// What a call loads: how many stack eightbytes it has, then x0..x7, x8
/// (the result's address), the low 8 bytes of v0..v7, and room for `S`
/// stack eightbytes (see [`Regs::slot`]): the layout the trampoline reads.
#[repr(C)]
pub struct Regs<const S: usize = MAX_STACK> {
    nstack: u64,
    slots: [u64; STACK_SLOT],
    stack: [u64; S],
}

impl<const S: usize> Regs<S> {
    /// An image with every slot zero, for a signature with `nstack` stack
    /// eightbytes.
    #[inline(always)]
    pub fn new(nstack: usize) -> Self {
        assert!(nstack <= S, "room for {nstack} stack eightbytes");
        Regs {
            nstack: nstack as u64,
            slots: [0; STACK_SLOT],
            stack: [0; S],
        }
    }

    /// The integer registers' slots.
    #[inline]
    pub fn gprs_mut(&mut self) -> &mut Gprs {
        let (gprs, _) = self
            .slots
            .split_first_chunk_mut::<N_GPRS>()
            .expect("17 slots");
        gprs
    }

    /// Slot `i`: 0..8 x0..x7, 8 x8, 9..17 v0..v7, 17.. the stack
    /// eightbytes in order.
    #[inline]
    pub fn slot(&mut self, i: usize) -> &mut u64 {
        match i.checked_sub(STACK_SLOT) {
            None => &mut self.slots[i],
            Some(k) => &mut self.stack[k],
        }
    }
}

/// The copies of structs passed by reference (each at a 16-byte offset).
#[repr(C, align(16))]
struct Copies([u64; MAX_COPIED / 8]);

/// The registers a call returns in: x0, x1, the low 8 bytes of v0..v3.
#[repr(C)]
#[derive(Default)]
pub struct RetRegs {
    x0: u64,
    x1: u64,
    v: [u64; 4],
}

impl RetRegs {
    /// The first result register: v0 when `sse`, else x0.
    #[inline]
    pub fn first(&self, sse: bool) -> u64 {
        if sse { self.v[0] } else { self.x0 }
    }
}

fn words_as_bytes(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: the bytes of `words`, exactly; any byte pattern is a `u64`.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), 8 * words.len()) }
}

#[cfg(all(target_arch = "aarch64", not(target_vendor = "apple")))]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl dlwit_aapcs64_trampoline",
    ".type dlwit_aapcs64_trampoline,%function",
    "dlwit_aapcs64_trampoline:",
    // x0 = function, x1 = &Regs, x2 = &RetRegs
    "stp x29, x30, [sp, #-32]!",
    "mov x29, sp",
    "str x19, [sp, #16]",
    "mov x19, x2",
    "mov x16, x0",
    "mov x17, x1",
    // The stack arguments: `nstack` eightbytes from offset 144 on, copied
    // to the bottom of a 16-byte aligned area.
    "ldr x9, [x17]",
    "lsl x10, x9, #3",
    "add x10, x10, #15",
    "and x10, x10, #-16",
    "sub sp, sp, x10",
    "add x12, x17, #144",
    "mov x11, #0",
    "2:",
    "cmp x11, x9",
    "b.hs 3f",
    "ldr x13, [x12, x11, lsl #3]",
    "str x13, [sp, x11, lsl #3]",
    "add x11, x11, #1",
    "b 2b",
    "3:",
    "ldp d0, d1, [x17, #80]",
    "ldp d2, d3, [x17, #96]",
    "ldp d4, d5, [x17, #112]",
    "ldp d6, d7, [x17, #128]",
    "ldr x8, [x17, #72]",
    "ldp x0, x1, [x17, #8]",
    "ldp x2, x3, [x17, #24]",
    "ldp x4, x5, [x17, #40]",
    "ldp x6, x7, [x17, #56]",
    "blr x16",
    "stp x0, x1, [x19]",
    "stp d0, d1, [x19, #16]",
    "stp d2, d3, [x19, #32]",
    "mov sp, x29",
    "ldr x19, [sp, #16]",
    "ldp x29, x30, [sp], #32",
    "ret",
    ".size dlwit_aapcs64_trampoline, .-dlwit_aapcs64_trampoline",
);

// The trampoline's offsets.
const _: () = {
    assert!(std::mem::offset_of!(Regs<0>, slots) == 8);
    assert!(std::mem::offset_of!(Regs<0>, slots) + 8 * V_SLOT == 80);
    assert!(std::mem::offset_of!(Regs<0>, stack) == 144);
    assert!(std::mem::offset_of!(RetRegs, v) == 16);
};

#[cfg(all(target_arch = "aarch64", not(target_vendor = "apple")))]
unsafe extern "C" {
    fn dlwit_aapcs64_trampoline(fun: *const c_void, image: *const u64, ret: *mut RetRegs);
}

/// Never called: without the trampoline no signature is classified for
/// this machine ([`Direct::new`]).
///
/// # Safety
/// None needed; it panics.
#[cfg(not(all(target_arch = "aarch64", not(target_vendor = "apple"))))]
unsafe fn dlwit_aapcs64_trampoline(_: *const c_void, _: *const u64, _: *mut RetRegs) {
    unreachable!("no AArch64 direct calls on this machine")
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlwit_ctype::{Layout, Scalar, StructId};

    /// A table holding one struct per entry, of those scalar fields.
    fn layouts(structs: &[&[Scalar]]) -> Layouts {
        let structs = structs
            .iter()
            .map(|fields| {
                let mut offsets = Vec::new();
                let (mut end, mut align) = (0usize, 1usize);
                for s in fields.iter() {
                    offsets.push(end.next_multiple_of(s.size()));
                    end = offsets.last().unwrap() + s.size();
                    align = align.max(s.size());
                }
                Layout {
                    fields: offsets
                        .into_iter()
                        .zip(fields.iter())
                        .map(|(offset, s)| (offset, CType::Scalar(*s)))
                        .collect(),
                    size: end.next_multiple_of(align),
                    align,
                    union: false,
                }
            })
            .collect();
        Layouts::new(structs)
    }

    use Loc::{Stack, V, X};
    use Scalar::{F32, F64, I8, I16, I32, I64, LongDouble, Ptr};

    const fn s(x: Scalar) -> CType {
        CType::Scalar(x)
    }
    const fn st(i: usize) -> CType {
        CType::Struct(StructId(i))
    }

    fn locs(d: &Direct) -> Vec<(u16, u16, u16, Loc)> {
        d.parts
            .iter()
            .map(|p| (p.arg, p.offset, p.size, p.loc))
            .collect()
    }

    #[test]
    fn scalars_take_x_and_v_registers_in_their_own_sequences() {
        let p = layouts(&[]);
        let d = Direct::classify(
            &p,
            &[s(F64), s(I32), s(F32), s(Ptr)],
            s(F64),
            None,
            Variant::Linux,
        )
        .unwrap();
        assert_eq!(
            locs(&d),
            [
                (0, 0, 8, V(0)),
                (1, 0, 4, X(0)),
                (2, 0, 4, V(1)),
                (3, 0, 8, X(1))
            ]
        );
        assert_eq!(d.parts[1].ext, Widen::Sign(4));
        assert_eq!(d.ret, Ret::V { n: 1, size: 8 });
        assert_eq!(
            Direct::classify(&p, &[], s(I8), None, Variant::Linux)
                .unwrap()
                .ret,
            Ret::X(1)
        );
    }

    #[test]
    fn the_stack_has_8_byte_slots_on_linux_and_natural_ones_on_apple() {
        let p = layouts(&[]);
        let mut args = vec![s(I64); 8];
        args.extend([s(I32), s(I8), s(I16), s(F64)]);
        let linux = Direct::classify(&p, &args, CType::Void, None, Variant::Linux).unwrap();
        assert_eq!(
            locs(&linux)[8..],
            [
                (8, 0, 4, Stack(0)),
                (9, 0, 1, Stack(8)),
                (10, 0, 2, Stack(16)),
                (11, 0, 8, V(0))
            ]
        );
        assert_eq!(linux.stack, 24);
        let apple = Direct::classify(&p, &args, CType::Void, None, Variant::Apple).unwrap();
        assert_eq!(
            locs(&apple)[8..],
            [
                (8, 0, 4, Stack(0)),
                (9, 0, 1, Stack(4)),
                (10, 0, 2, Stack(6)),
                (11, 0, 8, V(0))
            ]
        );
        assert_eq!(apple.stack, 8);
        // A 12-byte struct on Apple's stack still takes 16 bytes.
        let p = layouts(&[&[I32, I32, I32]]);
        let mut args = vec![s(I64); 8];
        args.extend([st(0), s(I32)]);
        let apple = Direct::classify(&p, &args, CType::Void, None, Variant::Apple).unwrap();
        assert_eq!(
            locs(&apple)[8..],
            [(8, 0, 12, Stack(0)), (9, 0, 4, Stack(16))]
        );
    }

    #[test]
    fn float_aggregates_take_one_v_register_per_member() {
        // 0: {float, float, float}; 1: {double x 4}; 2: {float, int}.
        let p = layouts(&[&[F32, F32, F32], &[F64, F64, F64, F64], &[F32, I32]]);
        let d = Direct::classify(&p, &[st(0), st(1), st(2)], st(0), None, Variant::Linux).unwrap();
        assert_eq!(
            locs(&d),
            [
                (0, 0, 4, V(0)),
                (0, 4, 4, V(1)),
                (0, 8, 4, V(2)),
                (1, 0, 8, V(3)),
                (1, 8, 8, V(4)),
                (1, 16, 8, V(5)),
                (1, 24, 8, V(6)),
                // Mixed: not a float aggregate, one x register.
                (2, 0, 8, X(0)),
            ]
        );
        assert_eq!(d.ret, Ret::V { n: 3, size: 4 });
        // One that no longer fits goes on the stack, and so does every
        // later float: v7 stays unused.
        let args = [st(1), st(1), st(0), s(F64)];
        let d = Direct::classify(&p, &args, CType::Void, None, Variant::Linux).unwrap();
        assert_eq!(locs(&d)[8..], [(2, 0, 12, Stack(0)), (3, 0, 8, Stack(16))]);
        assert_eq!(d.stack, 24);
        let d = Direct::classify(&p, &args, CType::Void, None, Variant::Apple).unwrap();
        assert_eq!(locs(&d)[8..], [(2, 0, 12, Stack(0)), (3, 0, 8, Stack(16))]);
        assert_eq!(d.stack, 24);
        // Apple packs: {float x 3} then a float at offset 12.
        let d = Direct::classify(
            &p,
            &[st(1), st(1), st(0), s(F32)],
            CType::Void,
            None,
            Variant::Apple,
        )
        .unwrap();
        assert_eq!(locs(&d)[8..], [(2, 0, 12, Stack(0)), (3, 0, 4, Stack(12))]);
        assert_eq!(d.stack, 16);
    }

    #[test]
    fn structs_go_in_x_registers_all_or_none_and_large_ones_by_reference() {
        // 0: {long, long} (16); 1: {long, long, long} (24); 2: {int, int, int} (12).
        let p = layouts(&[&[I64, I64], &[I64, I64, I64], &[I32, I32, I32]]);
        let mut args = vec![s(I64); 7];
        args.extend([st(0), s(I32), st(1), st(2)]);
        let d = Direct::classify(&p, &args, st(1), None, Variant::Linux).unwrap();
        assert_eq!(
            locs(&d)[7..],
            [
                // Two registers needed, one left: the stack, and x7 stays unused.
                (7, 0, 16, Stack(0)),
                (8, 0, 4, Stack(16)),
                // By reference: the copy's address.
                (9, 0, 24, Stack(24)),
                (10, 0, 12, Stack(32)),
            ]
        );
        assert!(d.parts[9].by_ref && !d.parts[10].by_ref);
        assert_eq!(d.ret, Ret::Memory);
        assert_eq!(d.stack, 48);
        let d = Direct::classify(&p, &[st(2), st(1)], st(0), None, Variant::Linux).unwrap();
        assert_eq!(
            locs(&d),
            [(0, 0, 8, X(0)), (0, 8, 4, X(1)), (1, 0, 24, X(2))]
        );
        assert_eq!(d.ret, Ret::X(2));
    }

    #[test]
    fn apple_passes_variadic_arguments_on_the_stack() {
        let p = layouts(&[&[I64, I64, I64]]);
        let args = [s(Ptr), s(I32), s(F64), st(0)];
        let d = Direct::classify(&p, &args, s(I32), Some(1), Variant::Apple).unwrap();
        assert_eq!(
            locs(&d),
            [
                (0, 0, 8, X(0)),
                (1, 0, 4, Stack(0)),
                (2, 0, 8, Stack(8)),
                (3, 0, 24, Stack(16))
            ]
        );
        assert!(d.parts[3].by_ref);
        // Linux passes them as named ones.
        let d = Direct::classify(&p, &args, s(I32), Some(1), Variant::Linux).unwrap();
        assert_eq!(locs(&d)[1..3], [(1, 0, 4, X(1)), (2, 0, 8, V(0))]);
    }

    #[test]
    fn long_double_and_too_much_stack_stay_on_libffi() {
        let p = layouts(&[&[F64, LongDouble]]);
        assert!(
            Direct::classify(&p, &[s(LongDouble)], CType::Void, None, Variant::Linux).is_none()
        );
        assert!(Direct::classify(&p, &[], st(0), None, Variant::Linux).is_none());
        let many = vec![s(I64); 8 + MAX_STACK_BYTES / 8 + 1];
        assert!(Direct::classify(&p, &many, CType::Void, None, Variant::Linux).is_none());
    }

    #[test]
    fn the_image_holds_each_part_where_it_goes() {
        let p = layouts(&[&[I64, I64, I64], &[F32, F32]]);
        let args = [s(I8), st(0), st(1)];
        let d = Direct::classify(&p, &args, CType::Void, None, Variant::Linux).unwrap();
        let mut bytes = vec![0u8; 48];
        bytes[0] = 0xfe; // -2 as an i8
        for k in 0..3 {
            bytes[8 + 8 * k..16 + 8 * k].copy_from_slice(&(k as u64 + 10).to_le_bytes());
        }
        bytes[32..36].copy_from_slice(&1.5f32.to_le_bytes());
        bytes[36..40].copy_from_slice(&2.5f32.to_le_bytes());
        let mut image = Regs::<MAX_STACK>::new(0);
        let mut copies = Copies([0; MAX_COPIED / 8]);
        d.fill(&bytes, &[0, 8, 32], &mut image, &mut copies);
        assert_eq!(image.slots[0], (-2i64) as u64);
        assert_eq!(image.slots[1], copies.0.as_ptr() as usize as u64);
        assert_eq!(copies.0[..3], [10, 11, 12]);
        assert_eq!(image.slots[V_SLOT] as u32, 1.5f32.to_bits());
        assert_eq!(image.slots[V_SLOT + 1] as u32, 2.5f32.to_bits());
    }

    #[test]
    fn fused_calls_place_each_value_in_its_register_slot() {
        // struct { int32 a, b } in x1 (b in its upper half), struct
        // { float x, y } in v1 and v2, then ints past x7 on the stack.
        let p = layouts(&[&[I32, I32], &[F32, F32]]);
        let mut args = vec![s(F64), st(0), st(1)];
        args.extend(vec![s(I64); 7]);
        args.push(s(I16));
        let d = Direct::classify(&p, &args, s(I32), None, Variant::Linux).unwrap();
        let at = |arg, offset| {
            let pl = d.place(arg, offset).unwrap();
            (usize::from(pl.slot), pl.shift, pl.widen)
        };
        assert_eq!(at(0, 0), (V_SLOT, 0, Widen::Whole));
        assert_eq!(at(1, 0), (0, 0, Widen::Whole));
        assert_eq!(at(1, 4), (0, 32, Widen::Whole));
        assert_eq!(at(2, 0), (V_SLOT + 1, 0, Widen::Whole));
        assert_eq!(at(2, 4), (V_SLOT + 2, 0, Widen::Whole));
        assert_eq!(at(3, 0), (1, 0, Widen::Whole));
        assert_eq!(at(9, 0), (7, 0, Widen::Whole));
        assert_eq!(at(10, 0), (STACK_SLOT, 0, Widen::Sign(2)));
        assert_eq!(d.nstack(), 1);
        assert_eq!(d.one_ret_register(), Some(false));
        assert_eq!(slot_name(at(10, 0).0 as u8), "stack eightbyte 0");
        assert_eq!(slot_name(V_SLOT as u8 + 2), "v2");
        // A float pair comes back in s0 and s1, not as one eightbyte: the
        // frame reads it; two doubles are two eightbytes.
        let pair = Direct::classify(&p, &[], st(1), None, Variant::Linux).unwrap();
        assert_eq!(pair.ret_sse(), None);
        let x = Direct::classify(&p, &[], st(0), None, Variant::Linux).unwrap();
        assert_eq!(x.ret_sse(), Some(vec![false]));
        // A struct passed by reference has no register of its own values.
        let big = layouts(&[&[I64, I64, I64]]);
        let by_ref = Direct::classify(&big, &[st(0)], CType::Void, None, Variant::Linux).unwrap();
        assert!(by_ref.place(0, 0).is_none());
    }
}
