//! Struct layouts three ways: the plan's, libffi's `struct_offsets`, and
//! the C compiler's `sizeof`/`_Alignof`/`offsetof` (the probe built by
//! build.rs). They must all agree for every fixture struct.

use dlwit::{
    Plan,
    plan::{StructId, StructKind},
    world::World,
};
use dlwit_tests::{LAYOUT_PROBE, root};
use std::collections::BTreeMap;

#[test]
fn plan_libffi_and_the_c_compiler_agree() {
    let world = World::load(&root().join("tests/wit/echo.wit").into()).unwrap();
    let plan = Plan::new(&world).unwrap_or_else(|e| panic!("{e}"));
    let probe = dlwit_tests::target_command(LAYOUT_PROBE).output().unwrap();
    assert!(probe.status.success());
    let c: BTreeMap<String, Vec<usize>> = String::from_utf8(probe.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next().unwrap().to_string();
            (name, words.map(|w| w.parse().unwrap()).collect())
        })
        .collect();
    let mut checked = 0;
    for (i, s) in plan.structs.iter().enumerate() {
        let mut offsets: Vec<usize> = s.fields.iter().map(|f| f.offset).collect();
        match s.kind {
            // An array field's elements in a row: checked with its struct.
            StructKind::Array => continue,
            // A tagged union never goes to libffi (it is refused by
            // value); the C compiler gives its size and alignment.
            StructKind::Union => offsets.clear(),
            StructKind::Struct => {
                let ffi = dlwit::libffi_struct_offsets(&plan.layouts(), StructId(i)).unwrap();
                assert_eq!(offsets, ffi, "libffi disagrees on `{}`", s.wit_name);
            }
        }
        let name = match s.wit_name.as_str() {
            "tuple<s32, f64>" => "pair",
            "tuple<u8, u16, u32, u64>" => "payload",
            n => n,
        };
        let c = c
            .get(name)
            .unwrap_or_else(|| panic!("the probe has no `{name}`"));
        let mut ours = vec![s.size, s.align];
        ours.extend(&offsets);
        assert_eq!(
            &ours, c,
            "the C compiler disagrees on `{name}` (size, align, offsets)"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        c.len(),
        "every struct the probe knows is in the plan"
    );
}
