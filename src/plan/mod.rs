//! The plan: what would change, resource by resource and attribute by attribute.

pub mod applied;
pub mod compare;
pub mod moved;
pub mod planner;
mod rename_hint;
pub mod target;
pub mod timing;

pub use planner::plan;

use crate::model::{Address, Kind, Resource, Value};
use serde::{Deserialize, Serialize};

/// The version of the JSON plan document (`docs/plan-json.md`). Bumped on any change that is not
/// a pure addition.
pub const FORMAT_VERSION: &str = "1.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Delete the live resource, then create the desired one (RDS identifiers and AWS names are
    /// fixed, so the old one must go first).
    Replace,
    Delete,
    /// A resource the files want whose AWS name is taken by something this environment does not
    /// own. Never acted on.
    Conflict,
}

impl Action {
    /// The primitive actions, Terraform-style: a replacement is `["delete", "create"]`.
    pub fn primitives(self) -> Vec<&'static str> {
        match self {
            Action::NoOp => vec!["no-op"],
            Action::Create => vec!["create"],
            Action::Update => vec!["update"],
            Action::Replace => vec!["delete", "create"],
            Action::Delete => vec!["delete"],
            Action::Conflict => vec!["conflict"],
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Conflict => "!",
        }
    }
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrDiff {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub forces_replacement: bool,
    /// For in-place changes: when AWS applies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<timing::Timing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub kind: Kind,
    /// The AWS name (identifier, group name, secret name, Name tag).
    pub name: String,
    pub action: Action,
    /// For a replacement: what forces it (attribute names, or "vpc.main is replaced").
    pub replaced_because: Vec<String>,
    pub diffs: Vec<AttrDiff>,
    /// Changes AWS already accepted (PendingModifiedValues) that match the files: shown with
    /// when they happen, not planned again.
    #[serde(default)]
    pub pending: Vec<AttrDiff>,
    /// The live resource's maintenance window, which names when window changes happen.
    #[serde(default)]
    pub maintenance_window: Option<String>,
    /// The live resource (delete, update, replace).
    pub before: Option<Resource>,
    /// The desired resource (create, update, replace).
    pub after: Option<Resource>,
    /// For deleting an instance or cluster: the final snapshot is taken (true) or skipped.
    pub final_snapshot: Option<bool>,
    /// The final snapshot's identifier, fixed when the plan is made (outside the pure planner,
    /// which has no clock) so that the plan names the snapshot apply will take.
    #[serde(default)]
    pub final_snapshot_id: Option<String>,
    pub notes: Vec<String>,
    /// For a database with `allow_reboot = true`: why apply reboots it once its changes (and
    /// those of the parameter groups it uses) are made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reboot: Option<String>,
    /// For a resource a `[[moved]]` entry re-addressed: its old address. Apply retags it (and
    /// its AWS identifier, where that derives from the name, is renamed in place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Address>,
}

impl Change {
    /// A change of `action` with nothing else said yet (no diffs, notes, sides).
    pub fn bare(address: Address, kind: Kind, name: impl Into<String>, action: Action) -> Change {
        Change {
            address,
            kind,
            name: name.into(),
            action,
            replaced_because: vec![],
            diffs: vec![],
            pending: vec![],
            maintenance_window: None,
            before: None,
            after: None,
            final_snapshot: None,
            final_snapshot_id: None,
            notes: vec![],
            reboot: None,
            moved_from: None,
        }
    }

    /// Whether apply needs `--allow-destroy` for it: deleting or replacing anything but an
    /// Aurora reader instance, whose removal is a change of the cluster's membership (the data
    /// lives in the cluster), or a parameter group replaced for a new family. A cluster's
    /// writer is never deleted under that exception.
    pub fn needs_allow_destroy(&self) -> bool {
        // A parameter group replaced for a new family is created first with the files'
        // parameters and its databases move to it: nothing is lost.
        let carried_over = self.action == Action::Replace && self.kind.create_before_destroy();
        let writer = self
            .before
            .as_ref()
            .and_then(|b| b.bool(crate::model::IS_WRITER))
            == Some(true);
        // The old instance of a blue/green upgrade retired by the files was reviewed there.
        let retired = self.before.as_ref().and_then(|b| b.bool(planner::RETIRED)) == Some(true);
        self.action.is_destructive()
            && (self.kind != Kind::ClusterInstance || writer)
            && !carried_over
            && !retired
    }

    pub fn id(&self) -> Option<&str> {
        self.before.as_ref().and_then(|b| b.id.as_deref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
    pub conflict: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub environment: String,
    pub region: String,
    /// Every resource, no-ops included, in apply order (deletions last).
    pub changes: Vec<Change>,
    pub warnings: Vec<String>,
    /// Resources AWS holds twice under one address. An empty extra copy is also a `Delete`
    /// change; one that is not is left for a person to sort out.
    #[serde(default)]
    pub duplicates: Vec<Duplicate>,
}

/// Two live resources with one address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    pub address: Address,
    pub kind: Kind,
    /// The extra copy.
    pub id: String,
    /// The copy in use, which the plan manages.
    pub kept_id: String,
    /// Whether apply deletes the extra copy (it is empty; needs `--allow-destroy`).
    pub deleted: bool,
}

impl Plan {
    /// Names the final snapshots this plan will take, `<identifier>-final-<UTC time>`.
    pub fn name_final_snapshots(&mut self, utc_compact: &str) {
        for c in &mut self.changes {
            if c.final_snapshot == Some(true) {
                let ident = c
                    .before
                    .as_ref()
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| c.name.clone());
                c.final_snapshot_id = Some(format!("{ident}-final-{utc_compact}"));
            }
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.destroy += 1,
                Action::Conflict => s.conflict += 1,
                Action::NoOp => {}
            }
        }
        s
    }
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp))
    }
    pub fn actionable(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| !matches!(c.action, Action::NoOp | Action::Conflict))
    }
}

/// Something AWS cannot do, found at plan time rather than halfway through an apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanError {
    pub address: Address,
    pub message: String,
    pub help: String,
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_network;
