//! Helpers the generated code calls. Not part of the public API.

use crate::context::Ctx;
use crate::error::Error;
use crate::message::Message;
use crate::snapshot::Schema;
use crate::tag::{FromTag, TagError};

/// Reads tag `name` as a `T`.
#[inline]
pub fn tag<T: FromTag>(msg: &Message, name: &str) -> Result<T, TagError> {
    msg.tag::<T>(name)
}

/// Parses the data as JSON.
#[inline]
pub fn data<T: serde::de::DeserializeOwned>(msg: &Message) -> Result<T, TagError> {
    msg.data_json::<T>()
}

/// Sends the `patch@1.0` message of `state`, if its type publishes fields.
#[inline]
pub fn emit_patch<S: Schema>(state: &S, ctx: &mut Ctx<'_>) {
    if let Some(m) = state.patch_message() {
        ctx.send(m);
    }
}

/// A state field that holds an address, for `from = self.field`.
pub trait AddressField {
    /// True when the field holds `from`.
    fn holds(&self, from: &str) -> bool;
}

impl AddressField for String {
    fn holds(&self, from: &str) -> bool {
        self == from
    }
}

impl AddressField for crate::tag::Address {
    fn holds(&self, from: &str) -> bool {
        self.as_str() == from
    }
}

impl<T: AddressField> AddressField for Option<T> {
    fn holds(&self, from: &str) -> bool {
        self.as_ref().is_some_and(|a| a.holds(from))
    }
}

/// A `#[patch]` field, for picking how it is published (see [`PatchDelta`]).
pub struct PatchField<'a, T>(pub &'a T);

/// A `state::Map` field publishes the entries the message changed.
pub trait PatchDelta {
    /// Adds the changed entries, values as JSON.
    fn add_patch(&self, key: &str, patch: &mut crate::snapshot::Patch);
    /// Adds the changed entries, values turned into JSON by `with`.
    fn add_patch_with<F>(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F)
    where
        Self: PatchDeltaValue<F>;
}

/// The value converter of [`PatchDelta::add_patch_with`].
pub trait PatchDeltaValue<F> {
    /// Adds the changed entries through `with`.
    fn add_with(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F);
}

impl<K, V, F> PatchDeltaValue<F> for PatchField<'_, crate::state::Map<K, V>>
where
    K: Ord + Clone + core::fmt::Display,
    V: Clone,
    F: Fn(&V) -> serde_json::Value,
{
    fn add_with(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F) {
        patch.delta(key, self.0, with);
    }
}

impl<K, V> PatchDelta for PatchField<'_, crate::state::Map<K, V>>
where
    K: Ord + Clone + core::fmt::Display,
    V: Clone + serde::Serialize,
{
    fn add_patch(&self, key: &str, patch: &mut crate::snapshot::Patch) {
        patch.delta(key, self.0, |v| {
            serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
        });
    }
    fn add_patch_with<F>(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F)
    where
        Self: PatchDeltaValue<F>,
    {
        self.add_with(key, patch, with);
    }
}

/// Any other field is published whole.
pub trait PatchWhole {
    /// Adds the field as JSON.
    fn add_patch(&self, key: &str, patch: &mut crate::snapshot::Patch);
    /// Adds the field turned into JSON by `with`.
    fn add_patch_with<F>(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F)
    where
        Self: PatchWholeValue<F>;
}

/// The value converter of [`PatchWhole::add_patch_with`].
pub trait PatchWholeValue<F> {
    /// Adds the field through `with`.
    fn add_with(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F);
}

impl<T, F: Fn(&T) -> serde_json::Value> PatchWholeValue<F> for &PatchField<'_, T> {
    fn add_with(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F) {
        patch.field(key, with(self.0).into());
    }
}

impl<T: serde::Serialize> PatchWhole for &PatchField<'_, T> {
    fn add_patch(&self, key: &str, patch: &mut crate::snapshot::Patch) {
        patch.field(key, patch_value(self.0));
    }
    fn add_patch_with<F>(&self, key: &str, patch: &mut crate::snapshot::Patch, with: F)
    where
        Self: PatchWholeValue<F>,
    {
        self.add_with(key, patch, with);
    }
}

/// Sends `patch` when it has something to publish.
#[inline]
pub fn send_patch(patch: crate::snapshot::Patch, ctx: &mut Ctx<'_>) {
    if let Some(m) = patch.into_message() {
        ctx.send(m);
    }
}

/// The total length of `pieces` (compile time).
pub const fn total_len(pieces: &[&str]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < pieces.len() {
        n += pieces[i].len();
        i += 1;
    }
    n
}

/// `pieces` joined (compile time); `N` is their [`total_len`].
pub const fn concat<const N: usize>(pieces: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < pieces.len() {
        let bytes = pieces[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// `bytes` as text (compile time); they are always joined UTF-8 pieces.
pub const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("aoxide: interface records are not UTF-8"),
    }
}

/// The bytes of `text` as an array (compile time), for the custom section.
pub const fn bytes_of<const N: usize>(text: &str) -> [u8; N] {
    concat::<N>(&[text])
}

/// A field value as a patch tag value (JSON).
pub fn patch_value<T: serde::Serialize + ?Sized>(value: &T) -> crate::tags::TagValue {
    serde_json::to_value(value)
        .unwrap_or(serde_json::Value::Null)
        .into()
}

/// What an `#[init]` function returns: `Self` or `Result<Self, E>`.
#[diagnostic::on_unimplemented(
    message = "an `#[init]` function cannot return `{Self}`",
    label = "return `Self` or `aoxide::Result<Self>`"
)]
pub trait InitReturn<P> {
    /// The state, or the error.
    fn into_state(self) -> Result<P, Error>;
}

impl<P: Schema> InitReturn<P> for P {
    fn into_state(self) -> Result<P, Error> {
        Ok(self)
    }
}

impl<P: Schema, E: Into<Error>> InitReturn<P> for Result<P, E> {
    fn into_state(self) -> Result<P, Error> {
        self.map_err(Into::into)
    }
}
