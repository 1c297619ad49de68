//! The machine-readable plan: a versioned document (see docs/plan-json.md).

use crate::plan::{Plan, Summary, FORMAT_VERSION};
use serde::Serialize;
use serde_json::Value as Json;

#[derive(Serialize)]
struct Doc<'a> {
    format_version: &'static str,
    environment: &'a str,
    region: &'a str,
    summary: Summary,
    warnings: &'a [String],
    changes: Vec<Json>,
}

pub fn render(plan: &Plan) -> String {
    let changes = plan
        .changes
        .iter()
        .map(|c| {
            let attrs = |r: &Option<crate::model::Resource>| {
                r.as_ref()
                    .map(|r| serde_json::to_value(&r.attrs).unwrap_or(Json::Null))
                    .unwrap_or(Json::Null)
            };
            serde_json::json!({
                "address": c.address,
                "kind": c.kind,
                "name": c.name,
                "id": c.id(),
                "actions": c.action.primitives(),
                "replaced_because": c.replaced_because,
                "replace_order": (c.action == crate::plan::Action::Replace).then_some("delete_then_create"),
                "pending": c.pending,
                "maintenance_window": c.maintenance_window,
                "final_snapshot": c.final_snapshot,
                "final_snapshot_id": c.final_snapshot_id,
                "diffs": c.diffs,
                "before": attrs(&c.before),
                "after": attrs(&c.after),
                "notes": c.notes,
            })
        })
        .collect();
    let doc = Doc {
        format_version: FORMAT_VERSION,
        environment: &plan.environment,
        region: &plan.region,
        summary: plan.summary(),
        warnings: &plan.warnings,
        changes,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("plan serialises");
    s.push('\n');
    s
}
