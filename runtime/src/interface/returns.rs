//! What a handler's return value does ([`HandlerReturn`]; the table is in the
//! [module docs](super)), and the state a process without `#[init]` starts from
//! ([`DefaultState`]).

use serde::Serialize;

use crate::context::Ctx;
use crate::error::Error;
use crate::outbox::OutMessage;

/// A reply whose `Data` is `T` as JSON (`Content-Type: application/json`), written by
/// [`to_json_text`](crate::to_json_text) (the bytes `serde_json::to_string` gives).
///
/// ```
/// # use aoxide::interface::Json;
/// fn get(_: &()) -> Json<Vec<u32>> {
///     Json(vec![1, 2, 3])
/// }
/// # let _ = get(&());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

/// What a handler's return value does. See the [module docs](super) for the table.
#[diagnostic::on_unimplemented(
    message = "a handler cannot return `{Self}`",
    label = "this return type is not a handler result",
    note = "return `()`, `aoxide::Result<()>`, a reply (`String`, `&str`, `aoxide::OutMessage`, `aoxide::interface::Json<T>`), or a `Result`/`Option` of one of these"
)]
pub trait HandlerReturn {
    /// Applies the value: sends the reply, or turns an `Err` into the handler's error.
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error>;
}

impl HandlerReturn for () {
    fn finish(self, _ctx: &mut Ctx<'_>) -> Result<(), Error> {
        Ok(())
    }
}

impl HandlerReturn for String {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        ctx.respond(OutMessage::untargeted().data(self));
        Ok(())
    }
}

impl HandlerReturn for &str {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        self.to_owned().finish(ctx)
    }
}

impl HandlerReturn for OutMessage {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        if self.target.is_some() {
            ctx.send(self);
        } else {
            ctx.respond(self);
        }
        Ok(())
    }
}

impl<T: Serialize> HandlerReturn for Json<T> {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        let data = crate::json::ser::to_string(&self.0).map_err(Error::msg)?;
        ctx.respond(
            OutMessage::untargeted()
                .data(data)
                .tag("Content-Type", "application/json"),
        );
        Ok(())
    }
}

impl<R: HandlerReturn> HandlerReturn for Option<R> {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        match self {
            Some(r) => r.finish(ctx),
            None => Ok(()),
        }
    }
}

impl<R: HandlerReturn, E: Into<Error>> HandlerReturn for Result<R, E> {
    fn finish(self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        match self {
            Ok(r) => r.finish(ctx),
            Err(e) => Err(e.into()),
        }
    }
}

/// The `Default` state, for processes without `#[init]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[init]` function and does not implement `Default`",
    label = "add `#[derive(Default)]` to the state, or an `#[init] fn init(ctx: &Ctx) -> Self` to this impl"
)]
pub trait DefaultState: Sized {
    /// The initial state.
    fn default_state() -> Self;
}

impl<P: Default> DefaultState for P {
    fn default_state() -> Self {
        P::default()
    }
}
