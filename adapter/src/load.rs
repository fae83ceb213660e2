//! The whole load, from above the stages: WIT → plan (`world`, `plan`),
//! then the plan bound to its libraries (`native`), which knows nothing of
//! how the plan was made.

use crate::bindings::{Bindings, Libraries};
use crate::error::Error;
use crate::plan::Plan;
use crate::world::{WitSource, World};

impl Bindings {
    /// Loads the WIT, plans it, opens its libraries and resolves every
    /// symbol. All problems found are reported at once.
    ///
    /// # Safety
    /// The WIT must describe the libraries' real C signatures and the
    /// ownership the annotations claim. dlwit checks everything it can (types
    /// it can map, symbols that exist, the optional `c` prototype against the
    /// WIT), but cannot see a C function's real signature: a WIT that lies
    /// about one makes calling it undefined behaviour, as a wrong `extern`
    /// block does in Rust. Opening a library also runs its initialisers.
    #[expect(
        unsafe_code,
        reason = "the load contract, stated here and forwarded to `Bindings::bind`"
    )]
    pub unsafe fn load(
        wit: impl Into<WitSource>,
        libraries: &Libraries,
    ) -> Result<Bindings, Error> {
        let world = World::load(&wit.into())?;
        let plan = Plan::new(&world)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { Bindings::bind(plan, libraries) }
    }
}
