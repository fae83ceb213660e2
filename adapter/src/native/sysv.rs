//! Direct calls on x86-64 System V: a signature's ABI classification is
//! computed once, at link time, as a list of register moves; a call then
//! fills a register image and goes through a small assembly trampoline
//! (what libffi's unix64 call routine does, minus the per-call
//! classification). Arguments that do not fit in registers (structs over
//! 16 bytes, and whatever comes after the 6 integer or 8 SSE registers are
//! taken) are copied onto the stack by the trampoline, up to
//! [`MAX_STACK`] eightbytes; signatures needing more, and variadic ones, are
//! left to libffi, which stays the general path and the oracle this is
//! tested against (the echo tests run every shape through both).

use super::Place;
use super::widen::Widen;
use dlwit_ctype::AbiClass;
use dlwit_ctype::{CType, Layouts};
use std::ffi::c_void;

/// How many eightbytes of arguments a direct call passes on the stack.
pub const MAX_STACK: usize = 16;

/// Slot of the first stack eightbyte.
const STACK: usize = 14;

/// Slot of the first stack eightbyte (for the fused calls).
pub const STACK_SLOT: usize = STACK;

/// Slot of xmm0.
pub const V_SLOT: usize = 6;

/// How many integer argument registers there are (rdi..r9).
pub const N_GPRS: usize = 6;

/// A memory result's address goes in the first integer register (rdi).
pub const RET_ADDRESS_IN_FIRST_GPR: bool = true;

/// The name of a register image slot (see [`Regs::slot`]).
pub fn slot_name(slot: u8) -> String {
    const GPRS: [&str; 6] = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"];
    match usize::from(slot) {
        s @ 0..6 => GPRS[s].to_string(),
        s @ 6..STACK => format!("xmm{}", s - 6),
        s => format!("stack eightbyte {}", s - STACK),
    }
}

/// What a call loads: how many stack eightbytes it has, then rdi, rsi,
/// rdx, rcx, r8, r9, the low 8 bytes of xmm0..xmm7, and room for `S` stack
/// eightbytes (see [`Regs::slot`]). `Regs<0>` is the image of a call with
/// no stack arguments: less to clear on every call.
#[repr(C)]
pub struct Regs<const S: usize = MAX_STACK> {
    /// How many stack eightbytes the trampoline copies.
    nstack: u64,
    /// At the offsets the trampoline reads, 8 bytes each.
    slots: [u64; STACK],
    stack: [u64; S],
}

impl<const S: usize> Regs<S> {
    /// An image with every slot zero, for a signature with `nstack` stack
    /// eightbytes (what [`Direct::nstack`] says). Always inlined, so that
    /// the image is built where it is used: moving it would cost a copy
    /// whose loads span narrower stores.
    #[inline(always)]
    pub fn new(nstack: usize) -> Self {
        assert!(nstack <= S, "room for {nstack} stack eightbytes");
        Regs {
            nstack: nstack as u64,
            slots: [0; STACK],
            stack: [0; S],
        }
    }

    /// The integer registers' slots.
    #[inline]
    pub fn gprs_mut(&mut self) -> &mut Gprs {
        let (gprs, _) = self.slots.split_first_chunk_mut::<6>().expect("14 slots");
        gprs
    }

    /// Slot `i`: 0..6 the integer registers, 6..14 the SSE ones, 14.. the
    /// stack eightbytes in order.
    #[inline]
    pub fn slot(&mut self, i: usize) -> &mut u64 {
        match i.checked_sub(STACK) {
            None => &mut self.slots[i],
            Some(k) => &mut self.stack[k],
        }
    }
}

/// The integer argument registers rdi, rsi, rdx, rcx, r8, r9.
pub type Gprs = [u64; 6];

/// The registers a call returns in.
#[repr(C)]
#[derive(Default)]
pub struct RetRegs {
    rax: u64,
    rdx: u64,
    xmm0: u64,
    xmm1: u64,
}

impl RetRegs {
    /// The result's first eightbyte: xmm0 when `sse`, else rax.
    #[inline]
    pub fn first(&self, sse: bool) -> u64 {
        if sse { self.xmm0 } else { self.rax }
    }
}

/// Whether this is a machine the trampoline is written for (x86-64 ELF
/// Unix: its directives and symbol are ELF's): on any other,
/// [`Direct::new`] classifies nothing and every call takes libffi.
pub const NATIVE: bool = cfg!(all(
    target_arch = "x86_64",
    unix,
    not(target_vendor = "apple")
));

#[cfg(all(target_arch = "x86_64", unix, not(target_vendor = "apple")))]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl dlwit_sysv_trampoline",
    ".type dlwit_sysv_trampoline,@function",
    "dlwit_sysv_trampoline:",
    // rdi = function, rsi = &Regs, rdx = &RetRegs
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "mov rbx, rdx",
    "mov r11, rdi",
    "mov r10, rsi",
    // The stack arguments: `nstack` eightbytes from offset 120 on, copied
    // to the bottom of a 16-byte aligned area (rsp is 16-byte aligned here).
    "mov rcx, qword ptr [r10]",
    "lea rax, [rcx * 8 + 15]",
    "and rax, -16",
    "sub rsp, rax",
    "xor eax, eax",
    "2:",
    "cmp rax, rcx",
    "jae 3f",
    "mov rdx, qword ptr [r10 + 120 + rax * 8]",
    "mov qword ptr [rsp + rax * 8], rdx",
    "inc rax",
    "jmp 2b",
    "3:",
    "movq xmm0, qword ptr [r10 + 56]",
    "movq xmm1, qword ptr [r10 + 64]",
    "movq xmm2, qword ptr [r10 + 72]",
    "movq xmm3, qword ptr [r10 + 80]",
    "movq xmm4, qword ptr [r10 + 88]",
    "movq xmm5, qword ptr [r10 + 96]",
    "movq xmm6, qword ptr [r10 + 104]",
    "movq xmm7, qword ptr [r10 + 112]",
    "mov rdi, qword ptr [r10 + 8]",
    "mov rsi, qword ptr [r10 + 16]",
    "mov rdx, qword ptr [r10 + 24]",
    "mov rcx, qword ptr [r10 + 32]",
    "mov r8, qword ptr [r10 + 40]",
    "mov r9, qword ptr [r10 + 48]",
    // An upper bound of the vector registers used, for variadic callees.
    "mov eax, 8",
    "call r11",
    "mov qword ptr [rbx + 0], rax",
    "mov qword ptr [rbx + 8], rdx",
    "movq qword ptr [rbx + 16], xmm0",
    "movq qword ptr [rbx + 24], xmm1",
    "lea rsp, [rbp - 16]",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size dlwit_sysv_trampoline, .-dlwit_sysv_trampoline",
);

// The trampoline's offsets.
const _: () = {
    assert!(std::mem::offset_of!(Regs, nstack) == 0);
    assert!(std::mem::offset_of!(Regs, slots) == 8);
    assert!(std::mem::offset_of!(Regs, stack) == 120);
    assert!(std::mem::offset_of!(Regs<0>, slots) == 8);
};

#[cfg(all(target_arch = "x86_64", unix, not(target_vendor = "apple")))]
unsafe extern "C" {
    /// `regs` points to a `Regs<S>` of any `S` (the layout up to the stack
    /// eightbytes is the same, and only `nstack` of those are read).
    fn dlwit_sysv_trampoline(fun: *const c_void, regs: *const u64, ret: *mut RetRegs);
}

/// Never called: without the trampoline no signature is classified.
///
/// # Safety
/// None needed; it panics.
#[cfg(not(all(target_arch = "x86_64", unix, not(target_vendor = "apple"))))]
unsafe fn dlwit_sysv_trampoline(_: *const c_void, _: *const u64, _: *mut RetRegs) {
    unreachable!("no direct calls on this target")
}

/// A register (integer or SSE), or an eightbyte of the stack arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    Gpr(u8),
    Xmm(u8),
    Stack(u8),
}

impl Reg {
    /// Its slot in [`Regs`].
    fn slot(self) -> usize {
        match self {
            Reg::Gpr(r) => usize::from(r),
            Reg::Xmm(r) => 6 + usize::from(r),
            Reg::Stack(k) => STACK + usize::from(k),
        }
    }
}

/// One eightbyte of an argument, at `offset` in its slot, into `reg`.
#[derive(Debug, Clone, Copy)]
struct Move {
    arg: u16,
    offset: u8,
    reg: Reg,
    ext: Widen,
}

/// Where the result's eightbytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetSrc {
    Rax,
    Rdx,
    Xmm0,
    Xmm1,
}

/// A signature classified for a direct call.
#[derive(Debug, Clone)]
pub struct Direct {
    moves: Box<[Move]>,
    /// How many eightbytes go on the stack.
    nstack: u8,
    /// The result in memory: its address goes in rdi.
    ret_in_memory: bool,
    /// Result eightbytes, in order.
    ret: Box<[RetSrc]>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Integer,
    Sse,
}

/// The classes of a value's eightbytes (at most two), or `None` for memory.
fn classify(layouts: &Layouts, ty: CType) -> Option<Vec<Class>> {
    let (size, _) = layouts.size_align(ty);
    if size > 16 {
        return None;
    }
    let mut classes = vec![None; size.div_ceil(8)];
    leaves(layouts, ty, 0, &mut |offset, class| {
        let c = &mut classes[offset / 8];
        *c = match (*c, class) {
            (Some(Class::Integer), _) | (_, AbiClass::Integer) => Some(Class::Integer),
            (_, AbiClass::Sse) => Some(Class::Sse),
            // Never reached: `Direct::new` refuses x87 values first.
            (_, AbiClass::X87 | AbiClass::Quad) => None,
        };
    });
    classes
        .into_iter()
        .map(|c| c.or(Some(Class::Sse)))
        .collect()
}

/// Whether a value of `ty` holds an x87 scalar (`long double`): passed in
/// memory and returned in `st(0)`, which the trampoline has no way to
/// read, so such a signature stays on libffi.
fn has_x87(layouts: &Layouts, ty: CType) -> bool {
    let mut x87 = false;
    leaves(layouts, ty, 0, &mut |_, class| {
        x87 |= matches!(class, AbiClass::X87 | AbiClass::Quad)
    });
    x87
}

fn leaves(layouts: &Layouts, ty: CType, base: usize, f: &mut dyn FnMut(usize, AbiClass)) {
    match ty {
        CType::Void => {}
        CType::Scalar(s) => f(base, s.class()),
        CType::Struct(id) => {
            for &(offset, ty) in &layouts.get(id).fields {
                leaves(layouts, ty, base + offset, f);
            }
        }
    }
}

/// How an integer narrower than its register is widened (the table's size
/// and signedness); everything else fills its eightbyte as it is.
pub(super) fn ext_of(ty: CType) -> Widen {
    match ty {
        CType::Scalar(s) if s.class() == AbiClass::Integer && s.size() < 8 => {
            if s.signed() {
                Widen::Sign(s.size() as u8)
            } else {
                Widen::Zero(s.size() as u8)
            }
        }
        CType::Void | CType::Scalar(_) | CType::Struct(_) => Widen::Whole,
    }
}

impl Direct {
    /// Where the value at byte `offset` of argument `arg` goes; `None` when
    /// the argument is not in registers.
    pub fn place(&self, arg: usize, offset: usize) -> Option<Place> {
        let m = self
            .moves
            .iter()
            .find(|m| m.arg as usize == arg && m.offset as usize == offset / 8 * 8)?;
        Some(Place {
            slot: m.reg.slot() as u8,
            shift: (8 * (offset % 8)) as u8,
            widen: m.ext,
        })
    }

    /// How many eightbytes of arguments go on the stack.
    pub fn nstack(&self) -> usize {
        usize::from(self.nstack)
    }

    /// Whether the result goes through a hidden pointer (in rdi).
    pub fn ret_in_memory(&self) -> bool {
        self.ret_in_memory
    }

    /// For a result in registers: whether each of its eightbytes, in
    /// order, comes back in an SSE register (xmm0, xmm1) rather than an
    /// integer one (rax, rdx).
    pub fn ret_sse(&self) -> Option<Vec<bool>> {
        Some(
            self.ret
                .iter()
                .map(|r| matches!(r, RetSrc::Xmm0 | RetSrc::Xmm1))
                .collect(),
        )
    }

    /// For a result of one eightbyte in a register: whether it is an SSE
    /// one (xmm0) rather than rax.
    pub fn one_ret_register(&self) -> Option<bool> {
        match *self.ret {
            [RetSrc::Rax] => Some(false),
            [RetSrc::Xmm0] => Some(true),
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
        debug_assert!(!self.ret_in_memory);
        assert_eq!(
            regs.nstack,
            u64::from(self.nstack),
            "an image for this signature"
        );
        let mut r = RetRegs::default();
        // SAFETY: as in `call_regs`; the caller guarantees the signature
        // and the registers, and that no result goes to memory.
        unsafe { dlwit_sysv_trampoline(fun, (regs as *const Regs<S>).cast(), &mut r) };
        r
    }

    /// Calls `fun` with the registers in `regs`; a result in memory is
    /// written to `mem`, a result in registers into `out` (its eightbytes in
    /// order).
    ///
    /// # Safety
    /// `fun` must be a C function whose signature is the one this was
    /// classified from, and `regs` must hold its arguments as that
    /// classification places them (pointer arguments valid for the call);
    /// `mem` must be at least the result's size when the result is in memory.
    pub unsafe fn call_regs<const S: usize>(
        &self,
        fun: *const c_void,
        regs: &mut Regs<S>,
        mem: &mut [u8],
        out: &mut [u8; 16],
    ) {
        if self.ret_in_memory {
            regs.slots[0] = mem.as_mut_ptr() as usize as u64;
        }
        assert_eq!(
            regs.nstack,
            u64::from(self.nstack),
            "an image for this signature"
        );
        let mut r = RetRegs::default();
        // SAFETY: the caller guarantees `fun`'s signature is the classified
        // one and that `regs` holds its arguments where that classification
        // places them; the trampoline loads exactly those registers, keeps
        // the stack 16-byte aligned at the call, restores the callee-saved
        // registers it uses and stores the result registers into `r`. A
        // result in memory goes to `mem` (its address in rdi), large enough.
        unsafe { dlwit_sysv_trampoline(fun, (regs as *const Regs<S>).cast(), &mut r) };
        for (k, src) in self.ret.iter().enumerate() {
            let v = match src {
                RetSrc::Rax => r.rax,
                RetSrc::Rdx => r.rdx,
                RetSrc::Xmm0 => r.xmm0,
                RetSrc::Xmm1 => r.xmm1,
            };
            out[8 * k..8 * k + 8].copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Classifies a signature; `None` when it needs more than
    /// [`MAX_STACK`] stack eightbytes, or has an x87 value.
    pub fn new(layouts: &Layouts, args: &[CType], ret: CType) -> Option<Direct> {
        if NATIVE {
            Direct::classify(layouts, args, ret)
        } else {
            None
        }
    }

    /// The classification, on any machine (the unit tests run it anywhere).
    fn classify(layouts: &Layouts, args: &[CType], ret: CType) -> Option<Direct> {
        if std::iter::once(&ret)
            .chain(args)
            .any(|ty| has_x87(layouts, *ty))
        {
            return None;
        }
        let (mut gpr, mut xmm) = (0u8, 0u8);
        let ret_classes = match ret {
            CType::Void => Some(Vec::new()),
            ty => classify(layouts, ty),
        };
        let ret_in_memory = ret_classes.is_none();
        if ret_in_memory {
            gpr = 1;
        }
        let mut moves = Vec::new();
        let mut stack = 0u8;
        for (i, ty) in args.iter().enumerate() {
            let scalar = matches!(ty, CType::Scalar(_));
            let ext = if scalar { ext_of(*ty) } else { Widen::Whole };
            let classes = classify(layouts, *ty);
            let fits = classes.as_ref().is_some_and(|classes| {
                let need_gpr = classes.iter().filter(|c| **c == Class::Integer).count() as u8;
                let need_xmm = classes.len() as u8 - need_gpr;
                gpr + need_gpr <= 6 && xmm + need_xmm <= 8
            });
            let Some(classes) = classes.filter(|_| fits) else {
                // In memory, or out of registers: every eightbyte on the
                // stack, in order (no argument here is aligned beyond 8).
                let n = layouts.size_align(*ty).0.div_ceil(8);
                if usize::from(stack) + n > MAX_STACK {
                    return None;
                }
                for k in 0..n {
                    moves.push(Move {
                        arg: i as u16,
                        offset: (8 * k) as u8,
                        reg: Reg::Stack(stack),
                        ext,
                    });
                    stack += 1;
                }
                continue;
            };
            for (k, c) in classes.iter().enumerate() {
                let reg = match c {
                    Class::Integer => {
                        gpr += 1;
                        Reg::Gpr(gpr - 1)
                    }
                    Class::Sse => {
                        xmm += 1;
                        Reg::Xmm(xmm - 1)
                    }
                };
                let ext = if *c == Class::Integer {
                    ext
                } else {
                    Widen::Whole
                };
                moves.push(Move {
                    arg: i as u16,
                    offset: 8 * k as u8,
                    reg,
                    ext,
                });
            }
        }
        let (mut ints, mut sses) = (0, 0);
        let ret = ret_classes
            .unwrap_or_default()
            .into_iter()
            .map(|c| match c {
                Class::Integer => {
                    ints += 1;
                    if ints == 1 { RetSrc::Rax } else { RetSrc::Rdx }
                }
                Class::Sse => {
                    sses += 1;
                    if sses == 1 {
                        RetSrc::Xmm0
                    } else {
                        RetSrc::Xmm1
                    }
                }
            })
            .collect();
        Some(Direct {
            moves: moves.into(),
            nstack: stack,
            ret_in_memory,
            ret,
        })
    }

    /// Calls `fun` with the arguments in `args` (each at its byte offset,
    /// readable for 8 bytes per eightbyte), writing the result into `ret`.
    ///
    /// # Safety
    /// `fun` must be a C function whose signature is the one this was
    /// classified from; `args` holds its arguments at `offsets`, with any
    /// pointer arguments valid for the call; `ret` is at least the result's
    /// size (and 16 bytes).
    pub unsafe fn call(&self, fun: *const c_void, args: &[u8], offsets: &[usize], ret: &mut [u8]) {
        let mut regs = Regs::<MAX_STACK>::new(usize::from(self.nstack));
        for m in self.moves.iter() {
            let at = offsets[m.arg as usize] + m.offset as usize;
            let raw = u64::from_le_bytes(args[at..at + 8].try_into().expect("8 bytes"));
            *regs.slot(m.reg.slot()) = m.ext.bits(raw);
        }
        let mut out = [0u8; 16];
        // SAFETY: forwarded from this function's contract; `ret` is large
        // enough for a result in memory.
        unsafe { self.call_regs(fun, &mut regs, ret, &mut out) };
        if !self.ret_in_memory {
            let n = 8 * self.ret.len();
            ret[..n].copy_from_slice(&out[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlwit_ctype::Scalar;

    #[test]
    fn classifies_like_the_abi() {
        let layouts = Layouts::default();
        let d = Direct::classify(
            &layouts,
            &[CType::Scalar(Scalar::F64), CType::Scalar(Scalar::I32)],
            CType::Scalar(Scalar::F64),
        )
        .unwrap();
        assert_eq!(d.moves[0].reg, Reg::Xmm(0));
        assert_eq!(d.moves[1].reg, Reg::Gpr(0));
        assert_eq!(d.moves[1].ext, Widen::Sign(4));
        assert_eq!(&*d.ret, &[RetSrc::Xmm0]);
        // The seventh integer goes on the stack; a float after it still
        // takes xmm0.
        let mut args = vec![CType::Scalar(Scalar::I32); 7];
        args.push(CType::Scalar(Scalar::F32));
        let d = Direct::classify(&layouts, &args, CType::Void).unwrap();
        assert_eq!(d.moves[5].reg, Reg::Gpr(5));
        assert_eq!(d.moves[6].reg, Reg::Stack(0));
        assert_eq!(d.moves[6].ext, Widen::Sign(4));
        assert_eq!(d.moves[7].reg, Reg::Xmm(0));
        assert_eq!(d.nstack, 1);
        // More than MAX_STACK stack eightbytes: left to libffi.
        let many = vec![CType::Scalar(Scalar::I64); 6 + MAX_STACK + 1];
        assert!(Direct::classify(&layouts, &many, CType::Void).is_none());
        // An x87 value (in memory, or in st(0)): left to libffi.
        let ld = CType::Scalar(Scalar::LongDouble);
        assert!(Direct::classify(&layouts, &[ld], CType::Void).is_none());
        assert!(Direct::classify(&layouts, &[], ld).is_none());
    }
}
