//! What a kind's reader gives the read orchestrator (`src/read.rs`): the environment's live
//! resources and others' look-alikes, and the ids other resources' references name them by.

use crate::model::{Address, Foreign, Kind, Live, Resource};

/// One reader's result.
#[derive(Default)]
pub struct Found {
    /// The resources, the look-alikes (in `foreign`) and what else the reader learnt for the
    /// planner (a parameter group family's apply types and defaults).
    pub live: Live,
    /// The AWS id (or name) each owned resource is referred to by, with its address, so that
    /// references read back as addresses.
    pub ids: Vec<(String, Address)>,
}

impl Found {
    /// An owned resource, referred to by `id`.
    pub fn owned(&mut self, id: impl Into<String>, r: Resource) {
        self.ids.push((id.into(), r.address.clone()));
        self.live.resources.push(r);
    }
    /// Another's resource of a name the environment could want.
    pub fn foreign(&mut self, kind: Kind, name: impl Into<String>, id: impl Into<String>) {
        self.live.foreign.push(Foreign {
            kind,
            name: name.into(),
            id: id.into(),
        });
    }
    /// Adds what this reader found to `live`.
    pub fn into_live(self, live: &mut Live) {
        live.resources.extend(self.live.resources);
        live.foreign.extend(self.live.foreign);
        live.parameter_apply_types
            .extend(self.live.parameter_apply_types);
        live.parameter_defaults.extend(self.live.parameter_defaults);
    }
}
