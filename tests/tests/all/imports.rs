//! A component's declarations checked against the WIT before it runs
//! (issue: the sandbox holds). Components are synthesized from mutated WIT
//! with wit-component's dummy modules, so no guest toolchain is needed per
//! case: for every function of every shipped WIT, each mutation that
//! applies (a parameter dropped, added or retyped, the result changed,
//! `own` and `borrow` swapped) must be refused, naming exactly the mutated
//! functions, while the unmutated component passes.

use dlwit::world::World;
use dlwit::{Bindings, Error, Libraries, LinkOptions, WasiHost, WitSource};
use dlwit_tests::{FIXTURE_LIB, Runner, bindings, engine, raylib, root};
use wasmtime::Store;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi::WasiCtx;
use wit_parser::{
    Function, FunctionKind, Handle, LiftLowerAbi, ManglingAndAbi, Resolve, Stability, Type,
    TypeDef, TypeDefKind, TypeOwner, WorldId,
};

/// The shipped WITs and the fixture's, with the libraries they bind
/// (raylib where it is built: on the host, not under emulation).
fn wits() -> Vec<(&'static str, Libraries)> {
    let fixture = || Libraries::path(FIXTURE_LIB);
    let mut wits = vec![
        ("wit/libm.wit", Libraries::default()),
        ("wit/libc.wit", Libraries::default()),
        ("wit/zlib.wit", Libraries::default()),
        ("wit/bzip2.wit", Libraries::default()),
        ("wit/sqlite.wit", Libraries::default()),
        ("tests/wit/echo.wit", fixture()),
        ("tests/wit/handles.wit", fixture()),
    ];
    if cfg!(target_arch = "x86_64") {
        wits.push(("wit/raylib.wit", Libraries::path(raylib())));
    }
    wits
}

/// A component made from `world` of `resolve`: a dummy core module (every
/// export traps) with the world's types.
fn synthesize(resolve: &Resolve, world: WorldId) -> Component {
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let mut module = wit_component::dummy_module(resolve, world, mangling);
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    let bytes = wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap_or_else(|e| panic!("the mutated WIT does not encode: {e:?}"));
    Component::new(engine(), bytes).unwrap()
}

/// The world of the main package that imports or exports the most.
fn main_world(world: &World) -> WorldId {
    let resolve = &world.resolve;
    resolve.packages[world.main]
        .worlds
        .values()
        .copied()
        .max_by_key(|w| resolve.worlds[*w].imports.len() + resolve.worlds[*w].exports.len())
        .expect("the WIT has a world")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mutation {
    DropParam,
    AddParam,
    RetypeParam,
    ChangeResult,
    OwnBorrow,
}

const MUTATIONS: [Mutation; 5] = [
    Mutation::DropParam,
    Mutation::AddParam,
    Mutation::RetypeParam,
    Mutation::ChangeResult,
    Mutation::OwnBorrow,
];

fn new_type(resolve: &mut Resolve, kind: TypeDefKind) -> Type {
    Type::Id(resolve.types.alloc(TypeDef {
        name: None,
        kind,
        owner: TypeOwner::None,
        docs: Default::default(),
        stability: Stability::Unknown,
        span: Default::default(),
        external_id: None,
    }))
}

/// A type close to `ty` but not it: same flat shape where possible, so the
/// check cannot lean on flat counts.
fn neighbour(resolve: &mut Resolve, ty: Type) -> Type {
    match ty {
        Type::Bool => Type::U8,
        Type::U8 => Type::S8,
        Type::S8 => Type::U8,
        Type::U16 => Type::S16,
        Type::S16 => Type::U16,
        Type::U32 => Type::S32,
        Type::S32 => Type::U32,
        Type::U64 => Type::S64,
        Type::S64 => Type::U64,
        Type::F32 => Type::U32,
        Type::F64 => Type::S64,
        Type::Char => Type::U32,
        Type::String => new_type(resolve, TypeDefKind::List(Type::U8)),
        Type::Id(id) => match resolve.types[id].kind.clone() {
            TypeDefKind::Type(inner) => neighbour(resolve, inner),
            TypeDefKind::Handle(Handle::Own(r)) | TypeDefKind::Handle(Handle::Borrow(r)) => {
                // Another handle of the same resource is `OwnBorrow`'s case;
                // here the handle becomes its index.
                let _ = r;
                Type::U32
            }
            TypeDefKind::List(Type::U8) => Type::String,
            TypeDefKind::Option(inner) => inner,
            _ => Type::U32,
        },
        Type::ErrorContext => Type::U32,
    }
}

/// `ty` with `own` and `borrow` swapped, if it is a handle.
fn flip_handle(resolve: &mut Resolve, ty: Type) -> Option<Type> {
    let Type::Id(id) = ty else { return None };
    match resolve.types[id].kind.clone() {
        TypeDefKind::Type(inner) => flip_handle(resolve, inner),
        TypeDefKind::Handle(Handle::Own(r)) => {
            Some(new_type(resolve, TypeDefKind::Handle(Handle::Borrow(r))))
        }
        TypeDefKind::Handle(Handle::Borrow(r)) => {
            Some(new_type(resolve, TypeDefKind::Handle(Handle::Own(r))))
        }
        // A bare resource name is `own`.
        TypeDefKind::Resource => Some(new_type(resolve, TypeDefKind::Handle(Handle::Borrow(id)))),
        _ => None,
    }
}

/// Applies `m` to `f` where the component model allows it (a method keeps
/// its `self`, a constructor its result); whether it did.
fn mutate(resolve: &mut Resolve, f: &mut Function, m: Mutation) -> bool {
    let fixed = match f.kind {
        FunctionKind::Method(_) | FunctionKind::AsyncMethod(_) => 1,
        _ => 0,
    };
    let constructor = matches!(f.kind, FunctionKind::Constructor(_));
    match m {
        Mutation::DropParam if f.params.len() > fixed => {
            f.params.pop();
            true
        }
        Mutation::AddParam => {
            let mut p = f
                .params
                .last()
                .cloned()
                .unwrap_or_else(|| wit_parser::Param {
                    name: String::new(),
                    ty: Type::U32,
                    span: Default::default(),
                });
            p.name = "extra-param".into();
            p.ty = Type::U32;
            f.params.push(p);
            true
        }
        Mutation::RetypeParam if f.params.len() > fixed => {
            let ty = f.params[fixed].ty;
            f.params[fixed].ty = neighbour(resolve, ty);
            true
        }
        Mutation::ChangeResult if !constructor => {
            f.result = match f.result {
                None => Some(Type::U32),
                Some(t) if neighbour(resolve, t) == Type::U32 && t != Type::S32 => None,
                Some(t) => Some(neighbour(resolve, t)),
            };
            true
        }
        Mutation::OwnBorrow => {
            let mut changed = false;
            for k in fixed..f.params.len() {
                if let Some(t) = flip_handle(resolve, f.params[k].ty) {
                    f.params[k].ty = t;
                    changed = true;
                }
            }
            changed
        }
        _ => false,
    }
}

/// The names of the functions a refusal lists.
fn refused(err: &Error) -> Vec<String> {
    let Error::Imports(diags) = err else {
        panic!("expected an import mismatch, got: {err}");
    };
    diags
        .iter()
        .map(|d| {
            let m = &d.message;
            let start = m.find("function `").expect("names a function") + "function `".len();
            m[start..start + m[start..].find('`').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn every_mutated_function_of_every_shipped_wit_is_refused() {
    for (wit, libs) in wits() {
        let mut cases = 0;
        let b = bindings(wit, &libs).unwrap_or_else(|e| panic!("{wit}: {e}"));
        let source = WitSource::from(root().join(wit));
        let base = World::load(&source).unwrap();
        let world = main_world(&base);
        // The unmutated component passes.
        let clean = synthesize(&base.resolve, world);
        dlwit::check_component(&b, &clean).unwrap_or_else(|e| panic!("{wit}: {e}"));
        let ifaces: Vec<_> = b
            .plan()
            .interfaces
            .iter()
            .map(|i| i.name.clone())
            .chain(b.plan().callbacks.iter().map(|c| c.interface.clone()))
            .collect();
        for m in MUTATIONS {
            let mut w = World::load(&source).unwrap();
            let mut mutated = Vec::new();
            let ids: Vec<_> = w
                .resolve
                .interfaces
                .iter()
                .filter(|(id, _)| ifaces.contains(&w.resolve.id_of(*id).unwrap_or_default()))
                .map(|(id, _)| id)
                .collect();
            for id in ids {
                let names: Vec<String> =
                    w.resolve.interfaces[id].functions.keys().cloned().collect();
                for name in names {
                    let mut f = w.resolve.interfaces[id].functions[&name].clone();
                    if mutate(&mut w.resolve, &mut f, m) {
                        w.resolve.interfaces[id].functions.insert(name.clone(), f);
                        mutated.push(name);
                    }
                }
            }
            if mutated.is_empty() {
                continue;
            }
            let component = synthesize(&w.resolve, main_world(&w));
            let err = dlwit::check_component(&b, &component)
                .expect_err(&format!("{wit}: {m:?} should be refused"));
            let mut got = refused(&err);
            got.sort();
            mutated.sort();
            assert_eq!(got, mutated, "{wit}: {m:?}: the refused functions");
            cases += mutated.len();
        }
        // Every function at least once (a parameter can always be added).
        let functions: usize = b.plan().interfaces.iter().map(|i| i.functions.len()).sum();
        assert!(
            cases >= functions,
            "{wit}: only {cases} mutated functions checked for {functions} functions"
        );
    }
}

/// libc's WIT with `strtod` declared as the hostile guest did.
fn lying_libc(edit: impl Fn(&mut Resolve, &mut Function)) -> Component {
    let mut w = World::load(&WitSource::from(root().join("wit/libc.wit"))).unwrap();
    let world = main_world(&w);
    let id = w
        .resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some("libc"))
        .map(|(id, _)| id)
        .unwrap();
    let mut f = w.resolve.interfaces[id].functions["strtod"].clone();
    edit(&mut w.resolve, &mut f);
    w.resolve.interfaces[id]
        .functions
        .insert("strtod".into(), f);
    synthesize(&w.resolve, world)
}

#[test]
fn a_lying_declaration_is_refused_with_both_types_and_the_wit_line() {
    let b = bindings("wit/libc.wit", &Libraries::default()).unwrap();
    let component = lying_libc(|resolve, f| {
        f.params.clear();
        let t = new_type(
            resolve,
            TypeDefKind::Tuple(wit_parser::Tuple {
                types: vec![Type::F64, Type::U32],
            }),
        );
        f.result = Some(t);
    });
    let err = dlwit::check_component(&b, &component)
        .unwrap_err()
        .to_string();
    let line = std::fs::read_to_string(root().join("wit/libc.wit"))
        .unwrap()
        .lines()
        .position(|l| l.trim_start().starts_with("strtod:"))
        .unwrap()
        + 1;
    assert!(
        err.starts_with(
            "error: the component imports `dlwit:libc/libc` function `strtod` as \
             `func() -> tuple<f64, u32>`, but the WIT declares `func(nptr: string) -> "
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "--> {}:{line}:",
            root().join("wit/libc.wit").display()
        )),
        "{err}"
    );
    assert!(
        err.ends_with("the component does not match the WIT: 1 error"),
        "{err}"
    );
}

#[test]
fn instantiate_refuses_a_liar_and_the_host_serves_the_next_store() {
    let b = bindings("wit/libc.wit", &Libraries::default()).unwrap();
    let runner = Runner::new(&b);
    let liar = lying_libc(|_, f| f.params.clear());
    let mut linker: Linker<WasiHost> = Linker::new(engine());
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    dlwit::add_to_linker(&mut linker, &b).unwrap();
    let mut store = Store::new(engine(), WasiHost::new(WasiCtx::builder().build()));
    let err = dlwit::instantiate(&linker, &mut store, &liar, &[&b]).unwrap_err();
    assert!(
        format!("{err:?}").contains("function `strtod` as `func() -> "),
        "{err:?}"
    );
    drop(store);
    // The demo makes and removes files under `/sandbox`.
    let sandbox = dlwit_tests::TempDir::new("imports");
    let out = runner.run_in("libc-demo", &[], &[(&sandbox.0, "/sandbox", true)]);
    assert_eq!(out.result, Ok(()), "{}", out.stdout);
}

#[test]
fn a_component_instantiated_around_dlwit_cannot_call_it() {
    for fast_path in [true, false] {
        let b = bindings("wit/libm.wit", &Libraries::default()).unwrap();
        let mut linker: Linker<WasiHost> = Linker::new(engine());
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
        let options = LinkOptions {
            fast_path,
            ..LinkOptions::default()
        };
        dlwit::add_to_linker_with(&mut linker, &b, options).unwrap();
        let component = Component::from_file(engine(), dlwit_tests::guest("libm-demo")).unwrap();
        let mut store = Store::new(engine(), WasiHost::new(WasiCtx::builder().build()));
        // Straight through wasmtime: no check of the declarations.
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let cmd = wasmtime_wasi::p2::bindings::sync::Command::new(&mut store, &instance).unwrap();
        let err = cmd.wasi_cli_run().call_run(&mut store).unwrap_err();
        let msg = format!("{err:?}");
        assert!(
            msg.contains("the component was not checked against the WIT: instantiate it with `dlwit::instantiate`"),
            "{msg}"
        );
    }
    let b = bindings("wit/libm.wit", &Libraries::default()).unwrap();
    assert_eq!(Runner::new(&b).run("libm-demo", &[]).result, Ok(()));
}

#[test]
fn bindings_are_checked_one_by_one() {
    // A component checked against libm's bindings only cannot call
    // another bindings' functions in the same store.
    let m = bindings("wit/libm.wit", &Libraries::default()).unwrap();
    let c: Bindings = bindings("wit/libc.wit", &Libraries::default()).unwrap();
    let mut linker: Linker<WasiHost> = Linker::new(engine());
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    dlwit::add_to_linker(&mut linker, &m).unwrap();
    dlwit::add_to_linker(&mut linker, &c).unwrap();
    let component = Component::from_file(engine(), dlwit_tests::guest("libc-demo")).unwrap();
    let mut store = Store::new(engine(), WasiHost::new(WasiCtx::builder().build()));
    let instance = dlwit::instantiate(&linker, &mut store, &component, &[&m]).unwrap();
    let cmd = wasmtime_wasi::p2::bindings::sync::Command::new(&mut store, &instance).unwrap();
    let err = cmd.wasi_cli_run().call_run(&mut store).unwrap_err();
    assert!(
        format!("{err:?}").contains("the component was not checked against the WIT"),
        "{err:?}"
    );
}
