//! WIT variants as tagged C unions: `@ffi(tag = "u32")` on the variant,
//! `@ffi(value = N)` on each case.
//!
//! Two C layouts are read: a tag followed by a union of the payloads
//! (`struct { int type; union { ... } data; }`, libyaml's tokens), and a
//! union whose members each begin with the tag (`overlap = true`: SDL's
//! `SDL_Event`, whose every event struct starts with `Uint32 type`).

use super::build::Builder;
use super::{CStruct, CType, Field, Scalar, Shape, StructId, StructKind};
use wit_parser::{TypeDef, Variant};

/// A tagged C union: an integer tag, then one case's payload.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionPlan {
    /// The tag's C integer type.
    pub tag: Scalar,
    /// Where every payload starts: after the tag, or at 0 when each case's
    /// record begins with the tag itself (`overlap`, SDL_Event's `type`).
    pub payload_offset: usize,
    /// The cases, in WIT order.
    pub cases: Vec<UnionCase>,
    /// The case (`@ffi(other = true)`) that takes every tag no other case
    /// names; its payload, if any, is the tag.
    pub other: Option<usize>,
    /// The union's size and alignment, for the ABI and printing
    /// ([`StructKind::Union`]).
    pub layout: StructId,
}

/// One case of a [`UnionPlan`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnionCase {
    /// The WIT case name.
    pub name: String,
    /// The tag value (`@ffi(value = N)`, default: the case's position).
    pub value: i128,
    /// The payload, if the case has one.
    pub payload: Option<Shape>,
}

impl UnionPlan {
    /// The case a tag C wrote selects: a named case, else `other`.
    pub fn case_of(&self, tag: i128) -> Option<usize> {
        self.cases
            .iter()
            .position(|c| c.value == tag)
            .filter(|i| Some(*i) != self.other)
            .or(self.other)
    }
}

/// The largest `size` or `align` a variant may ask for.
const MAX_UNION: i128 = 1 << 20;

/// The C integer a `tag = "..."` names: a WIT integer type or a prelude alias.
fn tag_scalar(name: &str) -> Option<Scalar> {
    let integer = |s: &Scalar| s.is_integer() && *s != Scalar::Bool;
    match Scalar::ALL
        .into_iter()
        .find(|s| integer(s) && s.facts().wit.name() == name)
    {
        Some(s) => Some(s),
        None => match Shape::of(dlwit_ctype::CName::by_prelude(name)?) {
            Shape::Int(s) => Some(s).filter(integer),
            _ => None,
        },
    }
}

/// Whether `v` is a value of the integer `s`.
fn fits(s: Scalar, v: i128) -> bool {
    let bits = 8 * s.size() as u32;
    if s.signed() {
        (-(1i128 << (bits - 1))..(1i128 << (bits - 1))).contains(&v)
    } else {
        (0..(1i128 << bits)).contains(&v)
    }
}

impl Builder<'_> {
    /// Plans variant `def` as a tagged C union.
    pub(super) fn union(&mut self, def: &TypeDef, v: &Variant) -> Result<(Shape, String), ()> {
        let name = def.name.clone().unwrap_or_default();
        let at = self.world.locate(def.span);
        let anns = self.annotations(
            &def.docs,
            def.span,
            &["c", "tag", "overlap", "size", "align"],
            "a variant",
        );
        let mut c_name = None;
        let mut tag = None;
        let mut overlap = false;
        let (mut min_size, mut min_align) = (0usize, 1usize);
        let mut failed = false;
        for ann in &anns {
            let loc = self.world.locate_doc(def.span, ann.line, &ann.key);
            match ann.key.as_str() {
                "c" => c_name = self.expect_str(ann, def.span),
                "tag" => match self.expect_str(ann, def.span) {
                    Some(t) => match tag_scalar(&t) {
                        Some(s) => tag = Some(s),
                        None => {
                            self.fail(format!("variant `{name}`: `tag = \"{t}\"` is not a C integer type"), loc, "name the tag's type: `u8`...`s64`, or a prelude name such as `c-int`");
                            failed = true;
                        }
                    },
                    None => failed = true,
                },
                "overlap" => match self.expect_flag(ann, def.span) {
                    Some(b) => overlap = b,
                    None => failed = true,
                },
                _ => match self.expect_int(ann, def.span) {
                    Some(n) if ann.key == "size" && (1..=MAX_UNION).contains(&n) => {
                        min_size = n as usize;
                    }
                    Some(n)
                        if ann.key == "align"
                            && (1..=16).contains(&n)
                            && (n as usize).is_power_of_two() =>
                    {
                        min_align = n as usize;
                    }
                    _ => {
                        self.fail(
                            format!("variant `{name}`: `{}` is out of range", ann.key),
                            loc,
                            "`size` runs from 1 to 1048576, `align` is 1, 2, 4, 8 or 16",
                        );
                        failed = true;
                    }
                },
            }
        }
        let Some(tag) = tag else {
            if !failed {
                self.fail(
                    format!("variant `{name}` has no C mapping without `@ffi(tag = \"...\")`"),
                    at,
                    "a WIT variant is a tagged C union: give the tag's C integer type, e.g. `/// @ffi(tag = \"c-int\")` (docs/wit-authors.md, tagged unions)",
                );
            }
            return Err(());
        };
        let mut cases: Vec<UnionCase> = Vec::new();
        let mut other = None;
        let mut spellings = Vec::new();
        for (i, case) in v.cases.iter().enumerate() {
            let loc = self.world.locate(case.span);
            let mut value = i as i128;
            let mut is_other = false;
            for ann in
                self.annotations(&case.docs, case.span, &["value", "other"], "a variant case")
            {
                if ann.key == "value" {
                    value = self.expect_int(&ann, case.span).unwrap_or(value);
                } else if let Some(b) = self.expect_flag(&ann, case.span) {
                    is_other = b;
                }
            }
            let what = format!("case `{}` of variant `{name}`", case.name);
            if !fits(tag, value) {
                self.fail(
                    format!(
                        "{what}: tag value {value} does not fit the tag's `{}`",
                        tag.spelling()
                    ),
                    loc.clone(),
                    "",
                );
                failed = true;
            }
            if let Some(j) = cases.iter().position(|c| c.value == value) {
                self.fail(
                    format!(
                        "variant `{name}`: cases `{}` and `{}` have the same tag value {value}",
                        cases[j].name, case.name
                    ),
                    loc.clone(),
                    "a tag value must name one case, or the cases C writes are ambiguous",
                );
                failed = true;
            }
            let payload = match case.ty {
                None => {
                    spellings.push(String::new());
                    None
                }
                Some(ty) => match self.shape(&ty, case.span) {
                    Ok((Shape::Handle { .. }, _)) => {
                        self.fail(
                            format!("{what}: a resource handle cannot be a union member"),
                            loc.clone(),
                            "",
                        );
                        failed = true;
                        spellings.push(String::new());
                        None
                    }
                    Ok((shape, spelling)) => {
                        spellings.push(spelling);
                        Some(shape)
                    }
                    Err(()) => {
                        failed = true;
                        spellings.push(String::new());
                        None
                    }
                },
            };
            if is_other {
                let own_tag = match &payload {
                    None => true,
                    Some(Shape::Int(s)) => s.size() == tag.size(),
                    Some(_) => false,
                };
                if other.is_some() || !own_tag {
                    self.fail(
                        format!(
                            "{what}: `other` is for one case, with no payload or the tag's own type"
                        ),
                        loc.clone(),
                        "`other(u32)` takes every tag no other case names, and gives the tag",
                    );
                    failed = true;
                }
                other = Some(i);
            } else if overlap && payload.is_some() && !self.begins_with_tag(payload.as_ref(), tag) {
                self.fail(
                    format!("{what}: with `overlap`, each payload is a record whose first field is the tag (a {}-byte integer)", tag.size()),
                    loc.clone(),
                    "",
                );
                failed = true;
            }
            cases.push(UnionCase {
                name: case.name.clone(),
                value,
                payload,
            });
        }
        if failed {
            return Err(());
        }
        // The layout: the tag, then every payload at one offset (`other`'s
        // payload is the tag itself).
        let (tag_size, tag_align) = (tag.size(), tag.align());
        let payloads: Vec<(&UnionCase, &String)> = cases
            .iter()
            .zip(&spellings)
            .enumerate()
            .filter(|(i, (c, _))| Some(*i) != other && c.payload.is_some())
            .map(|(_, p)| p)
            .collect();
        let payload_align = payloads
            .iter()
            .map(|(c, _)| {
                self.plan
                    .size_align(c.payload.as_ref().expect("filtered").ctype())
                    .1
            })
            .max()
            .unwrap_or(1);
        let payload_offset = if overlap {
            0
        } else {
            tag_size.next_multiple_of(payload_align)
        };
        let mut align = tag_align.max(min_align).max(payload_align);
        let mut end = tag_size;
        let mut fields = vec![Field {
            name: "(tag)".into(),
            shape: Shape::Int(tag),
            spelling: tag.spelling().into(),
            offset: 0,
        }];
        for (c, spelling) in payloads {
            let shape = c.payload.clone().expect("filtered");
            let (size, a) = self.plan.size_align(shape.ctype());
            align = align.max(a);
            end = end.max(payload_offset + size);
            fields.push(Field {
                name: format!("{} (tag {})", c.name, c.value),
                shape,
                spelling: spelling.clone(),
                offset: payload_offset,
            });
        }
        let size = end.max(min_size).next_multiple_of(align);
        let spelled = c_name.unwrap_or_else(|| {
            let kw = if overlap { "union" } else { "struct" };
            format!("{kw} {}", name.replace('-', "_"))
        });
        let layout = StructId(self.plan.structs.len());
        self.plan.structs.push(CStruct {
            c_name: spelled.clone(),
            wit_name: name,
            fields,
            size,
            align,
            tuple: false,
            kind: StructKind::Union,
        });
        let shape = Shape::Union(Box::new(UnionPlan {
            tag,
            payload_offset,
            cases,
            other,
            layout,
        }));
        Ok((shape, spelled))
    }

    /// Refuses a union passed to or returned from C function `symbol` by
    /// value, itself or inside a struct: its ABI class would be the merge
    /// of its members', which neither the classifiers nor libffi model.
    pub(super) fn union_by_value(
        &mut self,
        symbol: &str,
        types: &[CType],
        location: Option<crate::error::Location>,
    ) {
        for ty in types {
            if let Some(u) = self.union_in(*ty) {
                self.fail(
                    format!("`{symbol}`: C passes the union `{u}` by value, which dlwit cannot"),
                    location.clone(),
                    "a tagged union goes to C through a pointer (`T *`), or inside a struct C reads through one",
                );
            }
        }
    }

    /// The C name of a union `ty` is or holds by value.
    fn union_in(&self, ty: CType) -> Option<String> {
        let CType::Struct(id) = ty else {
            return None;
        };
        let s = self.plan.struct_(id);
        if s.kind == StructKind::Union {
            return Some(s.c_name.clone());
        }
        s.fields.iter().find_map(|f| self.union_in(f.shape.ctype()))
    }

    /// Whether `payload` is a record whose first field, at offset 0, is an
    /// integer as wide as the tag.
    fn begins_with_tag(&self, payload: Option<&Shape>, tag: Scalar) -> bool {
        let Some(Shape::Struct(id)) = payload else {
            return false;
        };
        self.plan.struct_(*id).fields.first().is_some_and(|f| {
            let int = match &f.shape {
                Shape::Int(s) => s.is_integer(),
                Shape::Enum(_) => true,
                _ => false,
            };
            f.offset == 0 && int && self.plan.size_align(f.shape.ctype()).0 == tag.size()
        })
    }
}
