//! The module registry: every module a network can spawn, native or built.

use std::any::TypeId;
use std::collections::BTreeMap;

use aoxide::protocol;
use aoxide::Tags;

use crate::backend::Backend;
use crate::ids::ModuleId;

/// Makes one fresh backend per spawned process.
pub(crate) type Factory = Box<dyn Fn() -> Box<dyn Backend>>;

/// One registered module.
pub(crate) struct ModuleEntry {
    pub(crate) id: ModuleId,
    pub(crate) name: String,
    pub(crate) tags: Tags,
    pub(crate) owner: String,
    /// The native backend's type, for native modules.
    pub(crate) type_id: Option<TypeId>,
    pub(crate) factory: Factory,
}

/// The registered modules, by place, name, native type and id.
#[derive(Default)]
pub(crate) struct Modules {
    entries: Vec<ModuleEntry>,
    by_name: BTreeMap<String, usize>,
    by_type: BTreeMap<TypeId, usize>,
    by_id: BTreeMap<ModuleId, usize>,
}

impl Modules {
    /// Adds a module with the tags a published AO module carries; returns its place.
    pub(crate) fn add(
        &mut self,
        id: ModuleId,
        name: &str,
        owner: &str,
        type_id: Option<TypeId>,
        factory: Factory,
    ) -> usize {
        let mut tags = Tags::new();
        protocol::push_protocol_tags(&mut tags, protocol::TYPE_MODULE);
        for (k, v) in [
            ("Module-Format", "wasm32-unknown-emscripten4"),
            ("Input-Encoding", "JSON-1"),
            ("Output-Encoding", "JSON-1"),
            ("Memory-Limit", "1-gb"),
            ("Compute-Limit", "9000000000000"),
            ("Content-Type", "application/wasm"),
        ] {
            tags.add(k, v);
        }
        tags.add("Name", name);
        let idx = self.entries.len();
        self.by_name.insert(name.to_owned(), idx);
        self.by_id.insert(id.clone(), idx);
        if let Some(t) = type_id {
            self.by_type.entry(t).or_insert(idx);
        }
        self.entries.push(ModuleEntry {
            id,
            name: name.to_owned(),
            tags,
            owner: owner.to_owned(),
            type_id,
            factory,
        });
        idx
    }

    pub(crate) fn get(&self, idx: usize) -> &ModuleEntry {
        &self.entries[idx]
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub(crate) fn by_type(&self, type_id: TypeId) -> Option<usize> {
        self.by_type.get(&type_id).copied()
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
