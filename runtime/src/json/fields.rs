//! The JSON-1 field names: the one table the readers, the writers and the result decoder
//! all use. No other file spells a JSON-1 field name.
//!
//! Each table is an enum whose variants carry the wire name (`name()`), the name quoted
//! with its colon as the writers put it (`key()`), and, for message fields, how the
//! lenient readers read the value (`kind()`).

/// Declares one table: an enum, its names, its quoted keys and a lookup by name.
macro_rules! table {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name {
            $($(#[$doc])* $variant,)*
        }

        #[allow(dead_code)]
        impl $name {
            /// Every field, in table order (the order the writers use).
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Every name, in table order (what serde's `deserialize_struct` is told).
            pub(crate) const NAMES: &'static [&'static str] = &[$($wire),*];

            /// The name on the wire.
            #[inline(always)]
            pub(crate) const fn name(self) -> &'static str {
                match self { $($name::$variant => $wire,)* }
            }

            /// `"name":`, as the writers put it.
            #[inline(always)]
            pub(crate) const fn key(self) -> &'static [u8] {
                match self { $($name::$variant => concat!("\"", $wire, "\":").as_bytes(),)* }
            }

            /// The field called `name` (exact, case-sensitive).
            #[inline]
            pub(crate) fn from_name(name: &str) -> Option<$name> {
                match name { $($wire => Some($name::$variant),)* _ => None }
            }

            /// Its position in [`Self::ALL`] (for duplicate checks).
            #[inline(always)]
            pub(crate) const fn bit(self) -> u32 {
                1 << (self as u32)
            }
        }

        #[cfg(not(target_arch = "wasm32"))]
        impl Field for $name {
            fn from_name(name: &str) -> Option<Self> {
                $name::from_name(name)
            }
            fn name(self) -> &'static str {
                $name::name(self)
            }
            fn bit(self) -> u32 {
                $name::bit(self)
            }
        }
    };
}

/// What the serde reference reader needs of a table (native builds).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait Field: Copy + 'static {
    /// The field called `name`.
    fn from_name(name: &str) -> Option<Self>;
    /// The name on the wire.
    fn name(self) -> &'static str;
    /// Its bit in a seen-set.
    fn bit(self) -> u32;
}

/// How a message field's value is read (the lenient rules are in [`crate::protocol`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string, or any other value rendered as its JSON text; `null` is absent.
    Text,
    /// A non-negative integer, or a string of decimal digits; `null` and `""` are absent.
    Number,
    /// A boolean, `"true"`/`"false"` (ASCII case ignored), or an integer (non-zero is
    /// true); `null` is false.
    Flag,
    /// The array of `{name, value}` tag objects.
    Tags,
}

table! {
    /// The fields of an incoming message.
    MessageField {
        Id = "Id",
        Owner = "Owner",
        From = "From",
        Target = "Target",
        Anchor = "Anchor",
        Tags = "Tags",
        Data = "Data",
        Timestamp = "Timestamp",
        BlockHeight = "Block-Height",
        Module = "Module",
        Cron = "Cron",
        ReadOnly = "Read-Only",
        Epoch = "Epoch",
        Nonce = "Nonce",
        HashChain = "Hash-Chain",
        ForwardedBy = "Forwarded-By",
        Signature = "Signature",
    }
}

impl MessageField {
    /// The field called `name` (exact, case-sensitive), found by a scan of the table's
    /// names: one short loop in a module, where [`from_name`](Self::from_name)'s
    /// seventeen-way match compiles to a tree of length tests and comparisons.
    pub(crate) fn scan(name: &str) -> Option<MessageField> {
        MessageField::NAMES
            .iter()
            .zip(MessageField::ALL)
            .find(|(n, _)| **n == name)
            .map(|(_, field)| *field)
    }

    /// How the lenient readers read the value.
    #[inline(always)]
    pub(crate) const fn kind(self) -> Kind {
        use MessageField::*;
        match self {
            Tags => Kind::Tags,
            Timestamp | BlockHeight | Epoch | Nonce => Kind::Number,
            Cron | ReadOnly => Kind::Flag,
            Id | Owner | From | Target | Anchor | Data | Module | HashChain | ForwardedBy
            | Signature => Kind::Text,
        }
    }
}

table! {
    /// The fields of one tag object.
    TagField {
        Name = "name",
        Value = "value",
    }
}

table! {
    /// The fields of the env.
    EnvField {
        Process = "Process",
        Module = "Module",
    }
}

table! {
    /// The fields of a process or module entry in the env.
    EntryField {
        Id = "Id",
        Owner = "Owner",
        Tags = "Tags",
    }
}

table! {
    /// The result envelope.
    EnvelopeField {
        Ok = "ok",
        Response = "response",
    }
}

table! {
    /// The fields of the response (an outcome).
    ResultField {
        Output = "Output",
        Messages = "Messages",
        Spawns = "Spawns",
        Assignments = "Assignments",
        Error = "Error",
    }
}

table! {
    /// The fields of `Output`.
    OutputField {
        Data = "data",
        Prompt = "prompt",
        Print = "print",
    }
}

table! {
    /// The fields of a sent message or a spawn.
    OutField {
        Target = "Target",
        Data = "Data",
        Anchor = "Anchor",
        Tags = "Tags",
    }
}

table! {
    /// The fields of an assignment.
    AssignmentField {
        Processes = "Processes",
        Message = "Message",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keys_and_lookups_agree() {
        for &f in MessageField::ALL {
            assert_eq!(MessageField::from_name(f.name()), Some(f));
            assert_eq!(MessageField::scan(f.name()), Some(f));
            assert_eq!(f.key(), format!("\"{}\":", f.name()).as_bytes());
        }
        assert_eq!(MessageField::ALL.len(), 17);
        assert!(MessageField::ALL.len() <= 32, "a u32 holds the seen set");
        assert_eq!(MessageField::from_name("id"), None);
        for other in ["id", "", "Tag", "Tagss", "Id ", "Block_Height", "\u{130}d"] {
            assert_eq!(MessageField::scan(other), None, "{other:?}");
        }
        assert_eq!(MessageField::BlockHeight.kind(), Kind::Number);
        assert_eq!(ResultField::Error.key(), b"\"Error\":");
    }
}
