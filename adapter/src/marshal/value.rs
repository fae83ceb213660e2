//! One value at a time: WIT values to C bytes and back, by shape.

use crate::native::{CStrError, Kept, c_str_at};
use crate::plan::{EnumPlan, Plan, Scalar, Shape, UnionPlan};
use dlwit_ctype::Conversion;
use wasmtime::component::Val;

/// The error for an enum value C returned that no case has.
pub fn unknown_enum(e: &EnumPlan, v: i64) -> String {
    let known: Vec<String> = e
        .names
        .iter()
        .zip(&e.values)
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    format!(
        "C returned {v} for an enum, which no case has (cases: {})",
        known.join(", ")
    )
}

/// Writes the low `dst.len()` bytes of `v` (x86-64 is little-endian). The
/// common widths are fixed-size stores: a call per value to `memcpy` was the
/// largest cost of a fast-path call.
#[inline]
pub fn put(dst: &mut [u8], v: u64) {
    match dst.len() {
        1 => dst[0] = v as u8,
        2 => dst.copy_from_slice(&(v as u16).to_le_bytes()),
        4 => dst.copy_from_slice(&(v as u32).to_le_bytes()),
        8 => dst.copy_from_slice(&v.to_le_bytes()),
        n => dst.copy_from_slice(&v.to_le_bytes()[..n]),
    }
}

/// Reads `n` (≤ 8) little-endian bytes of `src` as an integer.
#[inline]
pub fn get(src: &[u8], n: usize) -> u64 {
    match n {
        1 => u64::from(src[0]),
        2 => u64::from(u16::from_le_bytes([src[0], src[1]])),
        4 => u64::from(u32::from_le_bytes(src[..4].try_into().expect("4 bytes"))),
        8 => u64::from_le_bytes(src[..8].try_into().expect("8 bytes")),
        _ => {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&src[..n]);
            u64::from_le_bytes(b)
        }
    }
}

/// Sign-extends the low `n` bytes of `v`.
pub fn signed(v: u64, n: usize) -> i64 {
    let shift = 64 - 8 * n as u32;
    ((v << shift) as i64) >> shift
}

/// Writes `v` as a C value of `shape` into `dst`; the strings its
/// `const char *` fields point at go into `kept`.
pub fn write_val(
    plan: &Plan,
    shape: &Shape,
    v: &Val,
    dst: &mut [u8],
    kept: &mut Kept,
) -> Result<(), String> {
    match (shape, v) {
        (Shape::Bool(_), Val::Bool(b)) => put(dst, u64::from(*b)),
        (Shape::Int(_), Val::S8(x)) => put(dst, *x as u64),
        (Shape::Int(_), Val::U8(x)) => put(dst, u64::from(*x)),
        (Shape::Int(_), Val::S16(x)) => put(dst, *x as u64),
        (Shape::Int(_), Val::U16(x)) => put(dst, u64::from(*x)),
        (Shape::Int(_), Val::S32(x)) => put(dst, *x as u64),
        (Shape::Int(_), Val::U32(x)) => put(dst, u64::from(*x)),
        (Shape::Int(_), Val::S64(x)) => put(dst, *x as u64),
        (Shape::Int(_), Val::U64(x)) => put(dst, *x),
        (Shape::F32, Val::Float32(x)) => put(dst, u64::from(x.to_bits())),
        (Shape::F64, Val::Float64(x)) => put(dst, x.to_bits()),
        (Shape::LongDouble, Val::Float64(x)) => match Scalar::LongDouble.facts().conversion {
            Conversion::Bits => put(dst, x.to_bits()),
            Conversion::X87 => dst.copy_from_slice(&dlwit_ctype::x87::from_f64(*x)),
            Conversion::Binary128 => dst.copy_from_slice(&dlwit_ctype::binary128::from_f64(*x)),
        },
        (Shape::Char, Val::Char(c)) => put(dst, u64::from(u32::from(*c))),
        (Shape::Enum(e), Val::Enum(name)) => {
            let i = e
                .names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| format!("unknown enum case `{name}`"))?;
            put(dst, e.values[i] as u64);
        }
        (Shape::Flags(f), Val::Flags(names)) => {
            let mut bits = 0;
            for name in names {
                let i = f
                    .names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| format!("unknown flag `{name}`"))?;
                bits |= f.bits[i];
            }
            put(dst, bits);
        }
        (Shape::Struct(id), Val::Record(fields)) => {
            write_fields(plan, *id, fields.iter().map(|(_, v)| v), dst, kept)?;
        }
        (Shape::Struct(id), Val::Tuple(items)) => {
            write_fields(plan, *id, items.iter(), dst, kept)?;
        }
        (Shape::CStr { nullable: true }, Val::Option(None)) => put(dst, 0),
        (Shape::CStr { nullable: true }, Val::Option(Some(v))) => {
            write_val(plan, &Shape::CStr { nullable: false }, v, dst, kept)?;
        }
        (Shape::CStr { .. }, Val::String(text)) => {
            let addr = kept.keep(text).map_err(|e| match e {
                CStrError::Nul(at) => format!(
                    "a `const char *` string (a field's or a list element's) contains a NUL byte at offset {at}; C strings end at the first NUL"
                ),
                CStrError::Over(o) => o.message("a `const char *` string's copy"),
                CStrError::Utf8(e) => e.to_string(),
            })?;
            put(dst, addr);
        }
        (Shape::Array(a), Val::String(text)) if a.text => {
            let bytes = text.as_bytes();
            let nul = bytes.contains(&0);
            if bytes.len() >= a.len || nul {
                return Err(format!(
                    "a `char[{}]` holds a string of at most {} bytes without NUL, got {} bytes{}",
                    a.len,
                    a.len - 1,
                    bytes.len(),
                    if nul { " with a NUL" } else { "" }
                ));
            }
            dst[..bytes.len()].copy_from_slice(bytes);
            dst[bytes.len()..].fill(0);
        }
        (Shape::Array(a), Val::List(items)) if !a.text => {
            if items.len() != a.len {
                return Err(format!(
                    "a C array of {} elements takes a list of exactly {}, got {}",
                    a.len,
                    a.len,
                    items.len()
                ));
            }
            let n = plan.size_align(a.elem.ctype()).0;
            for (item, dst) in items.iter().zip(dst.chunks_exact_mut(n)) {
                write_val(plan, &a.elem, item, dst, kept)?;
            }
        }
        (Shape::Union(u), Val::Variant(name, payload)) => {
            write_union(plan, u, name, payload, dst, kept)?;
        }
        (shape, v) => {
            return Err(format!(
                "value {v:?} does not fit the planned C type {:?}",
                shape.ctype()
            ));
        }
    }
    Ok(())
}

/// Writes case `name` of a tagged union: zeroes, the payload, then the tag
/// (last, as a payload that begins with the tag may say otherwise).
fn write_union(
    plan: &Plan,
    u: &UnionPlan,
    name: &str,
    payload: &Option<Box<Val>>,
    dst: &mut [u8],
    kept: &mut Kept,
) -> Result<(), String> {
    let i = u
        .cases
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| format!("unknown variant case `{name}`"))?;
    let case = &u.cases[i];
    let tag = u.tag.size();
    dst.fill(0);
    let value = match (&case.payload, payload) {
        (Some(shape), Some(v)) if Some(i) == u.other => {
            write_val(plan, shape, v, &mut dst[..tag], kept)?;
            let value = tag_value(u, dst);
            if let Some(named) = u.cases.iter().find(|c| c.value == value) {
                return Err(format!(
                    "case `{name}` carries tag {value}, which is case `{}`: pass that case",
                    named.name
                ));
            }
            value
        }
        (Some(shape), Some(v)) => {
            let n = plan.size_align(shape.ctype()).0;
            let payload = &mut dst[u.payload_offset..u.payload_offset + n];
            write_val(plan, shape, v, payload, kept)?;
            case.value
        }
        (None, None) => case.value,
        _ => return Err(format!("variant case `{name}` with the wrong payload")),
    };
    put(&mut dst[..tag], value as u64);
    Ok(())
}

/// The tag at the start of a union's bytes, sign-extended if signed.
fn tag_value(u: &UnionPlan, src: &[u8]) -> i128 {
    let raw = get(src, u.tag.size());
    if u.tag.signed() {
        i128::from(signed(raw, u.tag.size()))
    } else {
        i128::from(raw)
    }
}

/// Reads the case a tagged union's tag selects.
fn read_union(plan: &Plan, u: &UnionPlan, src: &[u8]) -> Result<Val, String> {
    let value = tag_value(u, src);
    let Some(i) = u.case_of(value) else {
        let known: Vec<String> = u
            .cases
            .iter()
            .map(|c| format!("{} = {}", c.name, c.value))
            .collect();
        return Err(format!(
            "C wrote tag {value} into `{}`, which no case has (cases: {})",
            plan.struct_(u.layout).c_name,
            known.join(", ")
        ));
    };
    let case = &u.cases[i];
    let payload = match &case.payload {
        None => None,
        Some(shape) if Some(i) == u.other => Some(read_val(plan, shape, src)?),
        Some(shape) => Some(read_val(plan, shape, &src[u.payload_offset..])?),
    };
    Ok(Val::Variant(case.name.clone(), payload.map(Box::new)))
}

/// Writes a record's or tuple's values into the fields of struct `id`.
fn write_fields<'a>(
    plan: &Plan,
    id: crate::plan::StructId,
    values: impl Iterator<Item = &'a Val>,
    dst: &mut [u8],
    kept: &mut Kept,
) -> Result<(), String> {
    for (field, v) in plan.struct_(id).fields.iter().zip(values) {
        let n = plan.size_align(field.shape.ctype()).0;
        write_val(
            plan,
            &field.shape,
            v,
            &mut dst[field.offset..field.offset + n],
            kept,
        )?;
    }
    Ok(())
}

pub fn read_val(plan: &Plan, shape: &Shape, src: &[u8]) -> Result<Val, String> {
    Ok(match shape {
        Shape::Bool(s) => Val::Bool(get(src, s.size()) != 0),
        Shape::Int(s) => {
            let raw = get(src, s.size());
            match s {
                Scalar::I8 => Val::S8(signed(raw, 1) as i8),
                Scalar::U8 => Val::U8(raw as u8),
                Scalar::I16 => Val::S16(signed(raw, 2) as i16),
                Scalar::U16 => Val::U16(raw as u16),
                Scalar::I32 => Val::S32(signed(raw, 4) as i32),
                Scalar::U32 => Val::U32(raw as u32),
                Scalar::I64 => Val::S64(raw as i64),
                Scalar::U64 | Scalar::Ptr => Val::U64(raw),
                Scalar::Bool | Scalar::F32 | Scalar::F64 | Scalar::LongDouble => {
                    unreachable!("not an integer shape")
                }
            }
        }
        Shape::F32 => Val::Float32(f32::from_bits(get(src, 4) as u32)),
        Shape::F64 => Val::Float64(f64::from_bits(get(src, 8))),
        Shape::LongDouble => Val::Float64(match Scalar::LongDouble.facts().conversion {
            Conversion::Bits => f64::from_bits(get(src, 8)),
            Conversion::X87 => dlwit_ctype::x87::to_f64(long_double(src)),
            Conversion::Binary128 => dlwit_ctype::binary128::to_f64(long_double(src)),
        }),
        Shape::Char => {
            let raw = get(src, 4) as u32;
            Val::Char(char::from_u32(raw).ok_or_else(|| {
                format!("C returned {raw:#x}, which is not a Unicode scalar value, for a `char`")
            })?)
        }
        Shape::Enum(e) => {
            let raw = get(src, e.repr.size());
            let v = if e.repr == Scalar::I32 {
                signed(raw, 4)
            } else {
                raw as i64
            };
            let i = e
                .values
                .iter()
                .position(|x| *x == v)
                .ok_or_else(|| unknown_enum(e, v))?;
            Val::Enum(e.names[i].clone())
        }
        Shape::Flags(f) => {
            let bits = get(src, f.repr.size());
            let known = f.bits.iter().fold(0, |a, b| a | b);
            if bits & !known != 0 {
                return Err(format!(
                    "C returned flag bits {:#x} that no flag has (known bits: {known:#x})",
                    bits & !known
                ));
            }
            let names = f
                .names
                .iter()
                .zip(&f.bits)
                .filter(|(_, b)| bits & **b == **b)
                .map(|(n, _)| n.clone())
                .collect();
            Val::Flags(names)
        }
        Shape::Handle { .. } => unreachable!("handles are lifted with the store"),
        Shape::Array(a) if a.text => {
            let bytes = &src[..a.len];
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(a.len);
            Val::String(String::from_utf8_lossy(&bytes[..end]).into_owned())
        }
        Shape::Array(a) => {
            let n = plan.size_align(a.elem.ctype()).0;
            let items = src[..n * a.len]
                .chunks_exact(n)
                .map(|e| read_val(plan, &a.elem, e))
                .collect::<Result<_, _>>()?;
            Val::List(items)
        }
        Shape::Union(u) => read_union(plan, u, src)?,
        Shape::CStr { nullable } => {
            let addr = get(src, 8);
            match (c_str_at(addr), nullable) {
                (None, true) => Val::Option(None),
                (None, false) => {
                    return Err(
                        "C left NULL in a `const char *` field declared `string` (`option<string>` takes NULL)".into(),
                    );
                }
                (Some(s), _) => {
                    let s = s.to_str().map_err(|e| {
                        format!("C's string in a `const char *` field is not UTF-8 ({e})")
                    })?;
                    let s = Val::String(s.to_owned());
                    if *nullable {
                        Val::Option(Some(Box::new(s)))
                    } else {
                        s
                    }
                }
            }
        }
        Shape::Struct(id) => {
            let s = plan.struct_(*id);
            let mut vals = Vec::with_capacity(s.fields.len());
            for field in &s.fields {
                vals.push(read_val(plan, &field.shape, &src[field.offset..])?);
            }
            if s.tuple {
                Val::Tuple(vals)
            } else {
                Val::Record(s.fields.iter().map(|f| f.name.clone()).zip(vals).collect())
            }
        }
    })
}

/// The 16 bytes of a `long double` at the start of `src`.
fn long_double(src: &[u8]) -> &[u8; 16] {
    src[..16].try_into().expect("a 16-byte long double")
}
