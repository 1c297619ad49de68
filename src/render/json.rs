//! The machine-readable plan: a versioned document (see docs/plan-json.md). Built from structs,
//! so field order is fixed whatever serde_json features other crates enable.

use crate::model::{Address, Attrs, Kind};
use crate::plan::{AttrDiff, Plan, Summary, FORMAT_VERSION};
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    format_version: &'static str,
    environment: &'a str,
    region: &'a str,
    summary: Summary,
    warnings: &'a [String],
    duplicates: &'a [crate::plan::Duplicate],
    changes: Vec<ChangeDoc<'a>>,
}

#[derive(Serialize)]
struct ChangeDoc<'a> {
    address: &'a Address,
    /// The address a `[[moved]]` entry moved it from (absent when not moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_address: Option<&'a Address>,
    kind: Kind,
    name: &'a str,
    id: Option<&'a str>,
    actions: Vec<&'static str>,
    replaced_because: &'a [String],
    replace_order: Option<&'static str>,
    final_snapshot: Option<bool>,
    final_snapshot_id: Option<&'a str>,
    maintenance_window: Option<&'a str>,
    diffs: &'a [AttrDiff],
    pending: &'a [AttrDiff],
    before: Option<&'a Attrs>,
    after: Option<&'a Attrs>,
    notes: &'a [String],
}

pub fn render(plan: &Plan) -> String {
    let changes = plan
        .changes
        .iter()
        .map(|c| ChangeDoc {
            address: &c.address,
            previous_address: c.moved_from.as_ref(),
            kind: c.kind,
            name: &c.name,
            id: c.id(),
            actions: c.action.primitives(),
            replaced_because: &c.replaced_because,
            replace_order: (c.action == crate::plan::Action::Replace).then_some(
                if c.kind.create_before_destroy() {
                    "create_then_delete"
                } else {
                    "delete_then_create"
                },
            ),
            final_snapshot: c.final_snapshot,
            final_snapshot_id: c.final_snapshot_id.as_deref(),
            maintenance_window: c.maintenance_window.as_deref(),
            diffs: &c.diffs,
            pending: &c.pending,
            before: c.before.as_ref().map(|r| &r.attrs),
            after: c.after.as_ref().map(|r| &r.attrs),
            notes: &c.notes,
        })
        .collect();
    let doc = Doc {
        format_version: FORMAT_VERSION,
        environment: &plan.environment,
        region: &plan.region,
        summary: plan.summary(),
        warnings: &plan.warnings,
        duplicates: &plan.duplicates,
        changes,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("plan serialises");
    s.push('\n');
    s
}
