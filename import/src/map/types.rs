//! Resources, enums (and `#define` groups), structs.

use super::{
    DESTRUCTOR_WORDS, Mapper, Skip, TypeState, builtin, handle_key, holds_ptr, int_of_enum,
    selected, skip, unmappable, uses,
};
use crate::exports::Exports;
use crate::items::{Case, Category, Item, WitTy, ctype_key};
use crate::model::{Enum, Function, Kind, Ty};
use crate::names::{common_prefix, kebab, norm};
use std::collections::{BTreeMap, HashSet};

impl Mapper<'_> {
    // ---- resources -------------------------------------------------------

    pub(super) fn resources(&mut self, exports: Option<&Exports>) {
        for h in &self.model.handles {
            if self.resources.contains_key(&h.target) || !selected(self.opts, &h.name) {
                continue;
            }
            let s = &self.model.structs[&h.target];
            if h.is_pointer && s.fields.is_some() && s.has_typedef {
                // `typedef z_stream *z_streamp`: a pointer to a struct the
                // caller allocates, not a handle.
                continue;
            }
            if !s.in_headers && !self.model.functions.iter().any(|f| uses(f, &h.target)) {
                continue;
            }
            let c_name = if h.is_pointer {
                h.name.clone()
            } else {
                format!("{} *", h.name)
            };
            let name = self.unique(kebab(&h.name));
            self.resources.insert(h.target.clone(), name.clone());
            self.items.push(Item::Resource {
                name,
                c_name,
                drop: None,
            });
        }
        // Incomplete structs used only through `struct s *`.
        for f in &self.model.functions {
            for ty in f.params.iter().map(|p| &p.1).chain([&f.ret]) {
                let mut t = ty;
                while let Kind::Ptr(inner) = &t.kind {
                    t = inner;
                }
                if let Kind::Struct(key) = &t.kind
                    && self.model.structs[key].fields.is_none()
                    && !self.resources.contains_key(key)
                    && t.typedef.is_none()
                {
                    let s = &self.model.structs[key];
                    if !selected(self.opts, &s.base) {
                        continue;
                    }
                    let name = self.unique(kebab(&s.base));
                    self.resources.insert(key.clone(), name.clone());
                    self.items.push(Item::Resource {
                        name,
                        c_name: format!("{} *", s.c_name),
                        drop: None,
                    });
                }
            }
        }
        // Destructors: `--drop`, else a one-parameter function named like one.
        let exported = |f: &Function| exports.is_none_or(|e| e.symbols.contains(&f.name));
        for item in &mut self.items {
            let Item::Resource { name, c_name, drop } = item else {
                continue;
            };
            let key = self
                .resources
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(k, _)| k.clone())
                .expect("registered");
            let given = self.opts.drops.iter().find(|(t, _)| {
                norm(t) == norm(name)
                    || ctype_key(t) == ctype_key(c_name.trim_end_matches('*'))
                    || ctype_key(t) == ctype_key(c_name)
            });
            // Every function shaped like a destructor consumes the handle
            // (`gzclose_r` as well as `gzclose`): after it, no drop may run.
            let mut candidates: Vec<String> = self
                .model
                .functions
                .iter()
                .filter(|f| {
                    !f.is_static
                        && !f.variadic
                        && exported(f)
                        && f.params.len() == 1
                        && handle_key(&f.params[0].1).as_deref() == Some(key.as_str())
                        && matches!(f.ret.kind, Kind::Void | Kind::Scalar(_))
                        && (crate::names::words(&f.name).iter().any(|w| {
                            DESTRUCTOR_WORDS
                                .iter()
                                .any(|d| w.starts_with(d) || w.ends_with(d))
                        }) || self.extra_drops.contains(&f.name))
                })
                .map(|f| f.name.clone())
                .collect();
            candidates.sort_by_key(|n| (n.len(), n.clone()));
            let chosen = match given {
                Some((_, f)) => (!f.is_empty()).then(|| f.clone()),
                None => candidates.first().cloned(),
            };
            for c in candidates.iter().chain(&chosen) {
                self.destructors.insert(c.clone(), name.clone());
            }
            if let Some(d) = &chosen {
                self.resource_drop.insert(name.clone(), d.clone());
            }
            *drop = chosen;
        }
    }

    // ---- types -----------------------------------------------------------

    /// The WIT type of a C enum: the enum or flags item, made on first use,
    /// or its integer type.
    pub(super) fn enum_ty(&mut self, key: &str) -> WitTy {
        match self.enums.get(key) {
            Some(TypeState::Done(t)) => return t.clone(),
            Some(_) => return int_of_enum(&self.model.enums[key]),
            None => {}
        }
        let e = self.model.enums[key].clone();
        let result = self.enum_item(&e, e.base.clone(), Some(e.c_name.clone()));
        let state = match result {
            Ok(t) => TypeState::Done(t),
            Err(s) => {
                let what = if e.c_name.is_empty() {
                    format!("enum {{ {}, ... }}", e.cases.first().map_or("", |c| &c.0))
                } else {
                    e.c_name.clone()
                };
                self.skipped(&what, &s);
                TypeState::Skipped(s)
            }
        };
        self.enums.insert(key.into(), state.clone());
        match state {
            TypeState::Done(t) => t,
            _ => int_of_enum(&e),
        }
    }

    /// Makes an enum or flags item from cases; `base` may be empty (the
    /// cases' common prefix names it).
    pub(super) fn enum_item(
        &mut self,
        e: &Enum,
        base: String,
        c_name: Option<String>,
    ) -> Result<WitTy, Skip> {
        if e.cases.is_empty() {
            return Err(skip("enum with no cases", Category::Other));
        }
        let names: Vec<&str> = e.cases.iter().map(|c| c.0.as_str()).collect();
        let prefix = if names.len() > 1 {
            common_prefix(&names)
        } else {
            String::new()
        };
        let base = if base.is_empty() {
            prefix.trim_end_matches('_').to_string()
        } else {
            base
        };
        if base.is_empty() {
            return Err(skip(
                "anonymous enum whose cases share no prefix",
                Category::Other,
            ));
        }
        let c_name = c_name.filter(|c| !c.is_empty());
        let mut doc = Vec::new();
        if let Some(d) = &e.doc {
            doc.push(d.clone());
        }
        let nonzero: Vec<i64> = e.cases.iter().map(|c| c.1).filter(|v| *v != 0).collect();
        let flags = nonzero.len() >= 3
            && nonzero.len() + 1 >= e.cases.len()
            && nonzero
                .iter()
                .all(|v| *v > 0 && (*v as u64).is_power_of_two() && *v <= u32::MAX as i64);
        let mut seen_values: BTreeMap<i64, String> = BTreeMap::new();
        let mut seen_names = HashSet::new();
        let mut cases = Vec::new();
        for (c, v) in &e.cases {
            if flags && *v == 0 {
                doc.push(format!("`{c}` (0) is no flags."));
                continue;
            }
            if let Some(first) = seen_values.get(v) {
                doc.push(format!("`{c}` is `{first}` ({v})."));
                continue;
            }
            let rest = c.strip_prefix(prefix.as_str()).unwrap_or(c);
            let mut wit = kebab(rest);
            if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                // `KEY_0` → `key0`, `MODE_2D` → `mode2d`: a WIT word cannot
                // start with a digit, so the prefix's last word stays.
                let last = prefix
                    .trim_end_matches('_')
                    .rsplit('_')
                    .next()
                    .unwrap_or("");
                wit = kebab(&format!("{last}{rest}"));
            }
            while !seen_names.insert(wit.clone()) {
                wit.push_str("-alt");
            }
            seen_values.insert(*v, c.clone());
            cases.push(Case {
                wit,
                c: c.clone(),
                value: *v,
            });
        }
        if !flags
            && !cases.iter().all(|c| i32::try_from(c.value).is_ok())
            && !cases.iter().all(|c| u32::try_from(c.value).is_ok())
        {
            return Err(skip(
                "enum values do not fit in `int` or `unsigned int`",
                Category::Other,
            ));
        }
        let name = self.unique(kebab(&base));
        let ty = WitTy::Named(name.clone());
        self.items.push(if flags {
            if let Some(c) = &c_name {
                doc.insert(0, format!("`{c}`"));
            }
            Item::Flags {
                name,
                doc,
                members: cases,
            }
        } else {
            Item::Enum {
                name,
                c_name,
                doc,
                cases,
            }
        });
        Ok(ty)
    }

    /// The record for struct `key`, made (with the records it contains) on
    /// first use.
    pub(super) fn struct_ty(&mut self, key: &str) -> Result<WitTy, Skip> {
        match self.structs.get(key) {
            Some(TypeState::Done(t)) => return Ok(t.clone()),
            Some(TypeState::Skipped(s)) => return Err(s.clone()),
            Some(TypeState::InProgress) => {
                return Err(skip("a struct that contains itself", Category::Other));
            }
            None => {}
        }
        let s = self.model.structs[key].clone();
        self.structs.insert(key.into(), TypeState::InProgress);
        let result = self.record(&s);
        let state = match &result {
            Ok(t) => TypeState::Done(t.clone()),
            Err(sk) => {
                let c = if s.c_name.is_empty() {
                    "an anonymous struct".to_string()
                } else {
                    s.c_name.clone()
                };
                self.skipped(&c, sk);
                TypeState::Skipped(sk.clone())
            }
        };
        self.structs.insert(key.into(), state);
        result
    }

    fn record(&mut self, s: &crate::model::Struct) -> Result<WitTy, Skip> {
        if s.base.is_empty() {
            return Err(skip("an anonymous struct", Category::Other));
        }
        if !selected(self.opts, &s.base) {
            return Err(skip("left out by --allow/--block", Category::Other));
        }
        let Some(fields) = &s.fields else {
            return Err(skip("an incomplete struct", Category::Other));
        };
        if fields.is_empty() {
            return Err(skip("an empty struct", Category::Other));
        }
        let mut out = Vec::new();
        let mut names = HashSet::new();
        for f in fields {
            if f.bitfield {
                return Err(skip(format!("bitfield `{}`", f.name), Category::Bitfields));
            }
            let ty = self.field_ty(&f.ty).map_err(|e| Skip {
                reason: if f.name.is_empty() {
                    e.reason
                } else {
                    format!("field `{}`: {}", f.name, e.reason)
                },
                category: e.category,
            })?;
            let mut name = kebab(&f.name);
            while !names.insert(name.clone()) {
                name.push_str("-alt");
            }
            out.push((name, ty));
        }
        let name = self.unique(kebab(&s.base));
        let mut doc = s.doc.clone();
        if out.iter().any(|(_, t)| holds_ptr(t)) {
            let note = "Holds C pointers as `ptr`: a guest can forge them. Wrap it in a resource in the overlay when C owns what they point to.";
            doc = Some(match doc {
                Some(d) => format!("{d}\n{note}"),
                None => note.to_string(),
            });
        }
        self.items.push(Item::Record {
            name: name.clone(),
            c_name: s.c_name.clone(),
            aliases: s.aliases.clone(),
            doc,
            fields: out,
        });
        Ok(WitTy::Named(name))
    }

    fn field_ty(&mut self, ty: &Ty) -> Result<WitTy, Skip> {
        match &ty.kind {
            Kind::Scalar(c) => Ok(builtin(c.wit_spelling())),
            Kind::Enum(k) => Ok(self.enum_ty(k)),
            Kind::Struct(k) => self.struct_ty(k),
            Kind::Ptr(_) | Kind::Function => Ok(builtin("ptr")),
            Kind::Array(elem, n) => {
                if *n == 0 || *n > 64 {
                    return Err(skip(format!("an array of {n} elements"), Category::Other));
                }
                let e = self.field_ty(elem)?;
                Ok(WitTy::Tuple(vec![e; *n]))
            }
            other => Err(unmappable(other)),
        }
    }
}
