//! The intermediate representation both macros parse into, validate, then generate from.
//!
//! Everything here is plain data with the spans errors need; nothing generates code.

use proc_macro2::Span;
use syn::{Expr, Ident, Path, Type};

/// `#[process(...)] struct ...`.
#[derive(Debug)]
pub struct ProcessDef {
    /// The struct name.
    pub ident: Ident,
    /// The schema version (`version = N`, 1 by default).
    pub version: u32,
    /// The migration hook (`migrate = path`).
    pub migrate: Option<Path>,
    /// The fields in order.
    pub fields: Vec<FieldDef>,
    /// Computed `patch@1.0` entries (`patch("key" = path)`): `fn(&Self) -> impl Into<TagValue>`.
    pub computed: Vec<(String, Path)>,
}

/// One state field.
#[derive(Debug)]
pub struct FieldDef {
    /// Name, or `None` for a tuple field.
    pub ident: Option<Ident>,
    /// Position.
    pub index: usize,
    /// Type.
    pub ty: Type,
    /// The `patch@1.0` key when the field is published (`#[patch]` or `#[patch("key")]`).
    pub patch: Option<String>,
    /// `#[patch(with = path)]`: turns the field (or each value of a `state::Map`) into JSON.
    pub patch_with: Option<Path>,
}

/// `mount(field = ..)` in `#[handlers(..)]`: a part on a field of the state.
#[derive(Debug)]
pub struct MountDef {
    /// The field holding the part.
    pub field: Ident,
    /// What is mounted there.
    pub kind: MountKind,
}

/// What a mount puts on its field.
#[derive(Debug)]
pub enum MountKind {
    /// `token = Token`: a blueprint (a type with `#[aoxide::handlers]`), whose handlers
    /// are fixed at compile time and named `"{field}.{name}"`.
    Part(Type),
    /// `lua = Self::lua()`: a call returning an `aoxide::LiveMount`, a part whose
    /// handlers change at run time and keep the names its code gives them.
    Live(Expr),
}

impl MountDef {
    /// The blueprint's type, for a blueprint mount.
    pub fn part_type(&self) -> Option<&Type> {
        match &self.kind {
            MountKind::Part(ty) => Some(ty),
            MountKind::Live(_) => None,
        }
    }

    /// True for a part whose handlers change at run time.
    pub fn is_live(&self) -> bool {
        matches!(self.kind, MountKind::Live(_))
    }
}

/// `#[handlers(...)] impl T { ... }`.
#[derive(Debug)]
pub struct HandlersDef {
    /// The type the impl is for.
    pub self_ty: Type,
    /// Its last path segment, for names and metadata.
    pub type_name: String,
    /// `config = path` (a `fn() -> aoxide::Config`).
    pub config: Option<Path>,
    /// `assignable = path` (a `fn(&Self, &aoxide::Message) -> bool`): which assignments the
    /// process takes.
    pub assignable: Option<Path>,
    /// `#[init]`, if any.
    pub init: Option<HandlerDef>,
    /// `#[handler]` and `#[cron]` entries in declaration order.
    pub handlers: Vec<HandlerDef>,
    /// `#[default]`, if any.
    pub default: Option<HandlerDef>,
    /// Parts mounted on fields, in order.
    pub mounts: Vec<MountDef>,
    /// `error = Type`: the coded error type the typed client gives back.
    pub error: Option<Type>,
}

/// Which attribute made a method a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[handler(...)]`.
    Handler,
    /// `#[cron(...)]`.
    Cron,
    /// `#[default]`.
    Default,
    /// `#[init]`.
    Init,
}

impl Kind {
    /// The attribute name.
    pub fn attr(self) -> &'static str {
        match self {
            Kind::Handler => "handler",
            Kind::Cron => "cron",
            Kind::Default => "default",
            Kind::Init => "init",
        }
    }
}

/// How the method takes the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// No `self`: an associated function.
    None,
    /// `&self`: read-only.
    Ref,
    /// `&mut self`.
    Mut,
}

/// One parameter after the receiver.
#[derive(Debug)]
pub enum Param {
    /// `&Ctx` or `&mut Ctx`.
    Ctx {
        /// `&mut`.
        mutable: bool,
    },
    /// `&Message`.
    Message,
    /// `#[data] x: T`: the data parsed as JSON.
    Data {
        /// The type.
        ty: Type,
    },
    /// A tag read through `FromTag`.
    Tag(TagParam),
    /// In `#[init]`: a parameter named after a mounted field, the part built by its own
    /// init from the spawn message.
    Part {
        /// The blueprint's type, or for a live mount the parameter's type.
        ty: Type,
        /// The call returning the live mount that builds the part (`Self::lua()`).
        live: Option<Expr>,
    },
}

/// A tag parameter.
#[derive(Debug)]
pub struct TagParam {
    /// The tag name (Title-Case of the parameter, or `#[tag("Name")]`).
    pub tag: String,
    /// Where the name came from, for duplicate errors.
    pub tag_span: Span,
    /// The type.
    pub ty: Type,
    /// True for `Option<T>`.
    pub optional: bool,
    /// The parameter name, when it is a plain identifier.
    pub ident: Option<Ident>,
}

/// Who may call (`from = ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    /// `owner`.
    Owner,
    /// `self` (or `process`).
    Process,
    /// `trusted`: the owner or the process itself.
    OwnerOrProcess,
    /// `authority`.
    Authority,
    /// `"<address>"`.
    Address(String),
    /// `self.<field>`: the address a state field holds.
    Field(Ident),
}

/// A relative position (`before = "x"` / `after = "x"`).
#[derive(Debug, Clone)]
pub enum Order {
    /// Registered just before the named handler.
    Before(String, Span),
    /// Registered just after the named handler.
    After(String, Span),
}

impl Order {
    /// The handler referred to.
    pub fn target(&self) -> (&str, Span) {
        match self {
            Order::Before(n, s) | Order::After(n, s) => (n, *s),
        }
    }
}

/// The options of `#[handler(...)]` / `#[cron(...)]`.
#[derive(Debug, Default)]
pub struct Options {
    /// `name = "..."`.
    pub name: Option<(String, Span)>,
    /// `action = "..."`.
    pub action: Option<(String, Span)>,
    /// `tags(Key = "Value", Other = ["a", "b"], Any = "_")`.
    pub tags: Vec<(String, Vec<String>, Span)>,
    /// `from = ...`.
    pub from: Option<From>,
    /// `when = path`: `fn(&Message) -> bool`.
    pub when: Option<Path>,
    /// `when = self.method`: `fn(&self, &Message) -> bool`.
    pub when_self: Option<Ident>,
    /// `continue`.
    pub continues: bool,
    /// `before`/`after`.
    pub order: Option<Order>,
    /// `once` (= `max_runs = 1`) or `max_runs = N`.
    pub max_runs: Option<u32>,
}

/// A method turned into a registry entry (or the init function).
#[derive(Debug)]
pub struct HandlerDef {
    /// Which attribute.
    pub kind: Kind,
    /// The method.
    pub method: Ident,
    /// The registry name (`name = ...` or the method name).
    pub name: String,
    /// How it takes the state.
    pub receiver: Receiver,
    /// Parameters after the receiver.
    pub params: Vec<Param>,
    /// The return type, `None` for `()`.
    pub ret: Option<Type>,
    /// Match options.
    pub opts: Options,
    /// The doc comment, trimmed.
    pub doc: String,
    /// The span of the attribute, for errors about the handler as a whole.
    pub span: Span,
}

impl HandlerDef {
    /// True when the handler may change state.
    pub fn mutates(&self) -> bool {
        self.receiver == Receiver::Mut
    }

    /// The key that decides whether two handlers compete: the action, or "cron".
    pub fn competes_on(&self) -> Option<String> {
        match self.kind {
            Kind::Cron => Some("<cron>".to_owned()),
            _ => self.opts.action.as_ref().map(|(a, _)| a.clone()),
        }
    }
}
