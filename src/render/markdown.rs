//! The plan as a pull-request comment: a summary table with destructive changes first, then one
//! collapsible section per resource, kept under GitHub's comment limit.

use crate::plan::{Action, Change, Plan};
use std::fmt::Write;

/// GitHub refuses comments over 65,536 characters; stay under with room for the cut notice.
pub const MAX_CHARS: usize = 65_000;

fn action_word(c: &Change) -> &'static str {
    match c.action {
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace if c.kind.create_before_destroy() => {
            "**replace** (create, move, then delete)"
        }
        Action::Replace => "**replace** (delete, then create)",
        Action::Delete => "**destroy**",
        Action::Conflict => "conflict: name taken, left alone",
        Action::NoOp => "no change",
    }
}

/// Destructive changes first, then conflicts, creates and updates, tag-only updates last,
/// each in plan order.
fn ordered(plan: &Plan) -> Vec<&Change> {
    let rank = |c: &Change| match c.action {
        Action::Delete | Action::Replace => 0,
        Action::Conflict => 1,
        Action::Create => 2,
        Action::Update if c.diffs.iter().all(|d| d.name == "tags") => 4,
        Action::Update => 3,
        Action::NoOp => 5,
    };
    let mut v: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    v.sort_by_key(|c| rank(c));
    v
}

pub fn render(plan: &Plan) -> String {
    render_capped(plan, MAX_CHARS)
}

pub fn render_capped(plan: &Plan, max: usize) -> String {
    let mut out = String::new();
    let s = plan.summary();
    let _ = writeln!(
        out,
        "### rdsplan plan for `{}` ({})\n",
        plan.environment, plan.region
    );
    data_loss(plan, &mut out);
    for w in &plan.warnings {
        let _ = writeln!(out, "> [!WARNING]\n> {w}\n");
    }
    for d in &plan.duplicates {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **Duplicate**: `{}` exists twice in AWS: `{}` is in use, `{}` is an extra copy{}.\n",
            d.address,
            d.kept_id,
            d.id,
            if d.deleted { " (empty: deleted by apply --allow-destroy)" } else { " (not empty: left for a person)" }
        );
    }
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "**No changes.** The environment matches the configuration."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "**Plan: {} to add, {} to change, {} to replace, {} to destroy.**{}\n",
        s.add,
        s.change,
        s.replace,
        s.destroy,
        if s.conflict > 0 {
            format!(" {} conflict(s) left alone.", s.conflict)
        } else {
            String::new()
        }
    );
    let changes = ordered(plan);
    // One row per changed attribute of an update, each with when it takes effect in its own
    // cell; a reboot apply makes is a row of its own, in bold.
    out.push_str(
        "| | resource | AWS name | action | attribute | takes effect |\n|---|---|---|---|---|---|\n",
    );
    for c in &changes {
        let mut rows: Vec<(String, String)> = vec![];
        if !c.replaced_because.is_empty() {
            rows.push((
                c.replaced_because
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                "forces replacement".into(),
            ));
        } else if c.action == Action::Update {
            for d in &c.diffs {
                let when = d
                    .timing
                    .map(|t| t.describe(c.maintenance_window.as_deref()))
                    .unwrap_or_default();
                rows.push((format!("`{}`", d.name), when));
            }
        }
        if let Some(r) = &c.reboot {
            rows.push((
                "**reboot**".into(),
                format!("**reboots** after its changes: {r}"),
            ));
        }
        if rows.is_empty() {
            rows.push((String::new(), String::new()));
        }
        for (i, (attr, when)) in rows.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | `{}` | {} | {attr} | {when} |",
                    c.action.symbol(),
                    c.address,
                    c.name,
                    action_word(c),
                );
            } else {
                let _ = writeln!(out, "| | | | | {attr} | {when} |");
            }
        }
    }
    out.push('\n');
    let pending: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !c.pending.is_empty())
        .collect();
    if !pending.is_empty() {
        out.push_str(
            "**Pending in AWS** (already requested and matching the files; not planned again):\n\n",
        );
        for c in pending {
            for d in &c.pending {
                let show = |v: &Option<crate::model::Value>| {
                    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
                };
                let when = d
                    .timing
                    .map(|t| t.describe(c.maintenance_window.as_deref()))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- `{}`: `{}` {} → {}, {when}",
                    c.address,
                    d.name,
                    show(&d.before),
                    show(&d.after)
                );
            }
        }
        out.push('\n');
    }
    let mut shown = 0;
    for c in &changes {
        let section = section(c);
        let notice_room = 300;
        if out.len() + section.len() + notice_room > max {
            break;
        }
        out.push_str(&section);
        shown += 1;
    }
    if shown < changes.len() {
        let _ = writeln!(
            out,
            "\n_{} of {} resource details were cut to keep this comment under {} characters; the table above lists every change. Run `rdsplan plan --env {}` for the full plan._",
            changes.len() - shown,
            changes.len(),
            max,
            plan.environment
        );
    }
    out
}

fn section(c: &Change) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<details><summary><code>{} {}</code> ({}): {}</summary>\n",
        c.action.symbol(),
        match &c.moved_from {
            Some(old) => format!("{old} -> {} (moved)", c.address),
            None => c.address.to_string(),
        },
        c.name,
        action_word(c).replace("**", "")
    );
    for n in &c.notes {
        let _ = writeln!(s, "- {n}");
    }
    if let Some(r) = &c.reboot {
        let _ = writeln!(
            s,
            "- **reboot** after its changes (allow_reboot = true): {r}"
        );
    }
    if let Some(snap) = c.final_snapshot {
        let _ = writeln!(s, "- final snapshot: {}", if snap { "yes" } else { "no" });
    }
    s.push_str("\n```diff\n");
    for d in &c.diffs {
        let force = match (d.forces_replacement, d.timing, c.action) {
            (true, _, _) => "  # forces replacement".to_string(),
            (false, Some(t), Action::Update) => {
                format!("  # {}", t.describe(c.maintenance_window.as_deref()))
            }
            _ => String::new(),
        };
        // Lists and maps item by item, as in the text plan.
        if let (Some(b), Some(a)) = (&d.before, &d.after) {
            if let Some(lines) = super::text::list_diff(b, a) {
                let _ = writeln!(s, "! {} ={force}", d.name);
                for (sign, item) in lines {
                    let sign = if sign == '~' { '!' } else { sign };
                    let _ = writeln!(s, "{sign}     {item}");
                }
                continue;
            }
        }
        let line = match (&d.before, &d.after) {
            (None, Some(a)) => format!("+ {} = {a}", d.name),
            (Some(b), None) => format!("- {} = {b}", d.name),
            (Some(b), Some(a)) => format!("! {} = {b} -> {a}", d.name),
            (None, None) => continue,
        };
        let _ = writeln!(s, "{line}{force}");
    }
    s.push_str("```\n\n</details>\n\n");
    s
}

/// A DATA LOSS banner for each resource holding data that the plan deletes or replaces, with
/// what becomes of its data.
fn data_loss(plan: &Plan, out: &mut String) {
    for c in plan
        .changes
        .iter()
        .filter(|c| c.action.is_destructive() && c.kind.holds_data())
    {
        let named;
        let snap = match c.final_snapshot {
            Some(true) => match &c.final_snapshot_id {
                Some(id) => {
                    named = format!("a final snapshot `{id}` is taken first");
                    named.as_str()
                }
                None => "a final snapshot is taken first",
            },
            Some(false) => "**no final snapshot** (skip_final_snapshot = true)",
            None => "kept for 30 days (recovery window)",
        };
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **DATA LOSS**: `{}` (`{}`) would be {}; {snap}.\n",
            c.address,
            c.name,
            if c.action == Action::Replace {
                "replaced"
            } else {
                "deleted"
            }
        );
    }
}
