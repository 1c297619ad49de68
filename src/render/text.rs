//! The human plan, in the familiar `+ ~ -/+ -` style.

use crate::model::Value;
use crate::plan::{Action, Change, Plan};
use std::fmt::Write;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn action(&self, a: Action, s: &str) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace | Action::Delete => "31",
            Action::Conflict => "35",
            Action::NoOp => "0",
        };
        self.paint(code, s)
    }
}

pub fn render(plan: &Plan, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    for c in plan.changes.iter().filter(|c| c.action.is_destructive()) {
        if c.kind.holds_data() {
            let named;
            let snap = match c.final_snapshot {
                Some(true) => match &c.final_snapshot_id {
                    Some(id) => {
                        named = format!("a final snapshot `{id}` is taken first");
                        named.as_str()
                    }
                    None => "a final snapshot is taken first",
                },
                Some(false) => "NO final snapshot is taken (skip_final_snapshot = true)",
                None => "its value is kept for 30 days (recovery window)",
            };
            let _ = writeln!(
                out,
                "{}",
                st.paint(
                    "1;31",
                    &format!(
                        "DATA LOSS: {} ({}) would be {}; {snap}.",
                        c.address,
                        c.name,
                        if c.action == Action::Replace {
                            "replaced"
                        } else {
                            "deleted"
                        }
                    )
                )
            );
        }
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "{} {w}", st.paint("33", "Warning:"));
    }
    for d in &plan.duplicates {
        let what = if d.deleted {
            "it is empty, and apply --allow-destroy deletes it"
        } else {
            "it is not empty: rdsplan leaves it; move what it holds to the copy in use, or delete it by hand"
        };
        let _ = writeln!(
            out,
            "{} {} exists twice in AWS: {} is in use, {} is an extra copy; {what}.",
            st.paint("1;31", "Duplicate:"),
            d.address,
            d.kept_id,
            d.id
        );
    }
    for c in plan.changes.iter().filter(|c| {
        c.action == Action::NoOp
            && c.before.as_ref().and_then(|b| b.str("status")) == Some("creating")
    }) {
        let _ = writeln!(
            out,
            "{} {} ({}) is being created by AWS; nothing is planned for it until it is available.",
            st.paint("36", "…"),
            c.address,
            c.name
        );
    }
    let pending: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !c.pending.is_empty())
        .collect();
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "No changes. Environment `{}` ({}) matches the configuration.",
            plan.environment, plan.region
        );
        pending_section(&mut out, &st, &pending);
        return out;
    }
    let _ = writeln!(
        out,
        "rdsplan will perform these actions in environment `{}` ({}):\n",
        plan.environment, plan.region
    );
    // One tag change made to many resources (an environment-wide tag) is said once.
    let shared = shared_tag_changes(plan);
    if let Some((lines, addresses)) = &shared {
        let _ = writeln!(
            out,
            "{} the tags of {} resources change alike:",
            st.action(Action::Update, "  ~"),
            addresses.len()
        );
        for (sign, item) in lines {
            let _ = writeln!(out, "          {sign} {item}");
        }
        let _ = writeln!(out, "      on: {}\n", addresses.join(", "));
    }
    let only_tags = |c: &Change| {
        shared
            .as_ref()
            .is_some_and(|(_, a)| a.iter().any(|x| x == c.address.as_str()))
    };
    for c in plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp && !only_tags(c))
    {
        change(&mut out, &st, c);
    }
    pending_section(&mut out, &st, &pending);
    let s = plan.summary();
    let _ = write!(
        out,
        "Plan: {} to add, {} to change, {} to replace, {} to destroy.",
        s.add, s.change, s.replace, s.destroy
    );
    if s.conflict > 0 {
        let _ = write!(
            out,
            " {} conflict{} (left alone).",
            s.conflict,
            if s.conflict == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    out
}

/// Changes AWS accepted that wait for a maintenance window and match the files.
fn pending_section(out: &mut String, st: &Style, pending: &[&Change]) {
    if pending.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Pending in AWS (already requested and matching the files; not planned again):"
    );
    for c in pending {
        for d in &c.pending {
            let when = d
                .timing
                .map(|t| t.describe(c.maintenance_window.as_deref()))
                .unwrap_or_default();
            let show = |v: &Option<crate::model::Value>| {
                v.as_ref().map(|v| v.to_string()).unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "  {} {}: {} = {} -> {}, {when}",
                st.paint("36", "…"),
                c.address,
                d.name,
                show(&d.before),
                show(&d.after)
            );
        }
    }
    out.push('\n');
}

fn change(out: &mut String, st: &Style, c: &Change) {
    let what = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace if c.kind.create_before_destroy() => {
            "must be replaced: the new one is created first, what uses it moves to it, then the old one is deleted"
        }
        Action::Replace => "must be replaced: deleted first, then created (its name is fixed)",
        Action::Delete => "will be destroyed",
        Action::Conflict => "cannot be created: its name is taken",
        Action::NoOp => "",
    };
    let (address, what) = match &c.moved_from {
        Some(old) => (
            format!("{old} -> {} (moved)", c.address),
            match c.action {
                Action::Update => "will be updated in place",
                _ => what,
            },
        ),
        None => (c.address.to_string(), what),
    };
    let _ = writeln!(
        out,
        "{} {} ({}) {what}",
        st.action(c.action, &format!("{:>3}", c.action.symbol())),
        st.paint("1", &address),
        c.name
    );
    // The AWS id on its own line: the header stays short enough to read.
    if let Some(id) = c.id() {
        let _ = writeln!(out, "      id: {id}");
    }
    if !c.replaced_because.is_empty() {
        let _ = writeln!(out, "      forced by: {}", c.replaced_because.join(", "));
    }
    if let Some(snap) = c.final_snapshot {
        let _ = writeln!(
            out,
            "      final snapshot: {}",
            if snap {
                "yes"
            } else {
                "no (skip_final_snapshot = true)"
            }
        );
    }
    for n in &c.notes {
        let _ = writeln!(out, "      {} {n}", st.paint("35", "note:"));
    }
    if let Some(r) = &c.reboot {
        let _ = writeln!(
            out,
            "      {} after its changes, apply reboots it (allow_reboot = true) for {r}",
            st.paint("33", "reboot:")
        );
    }
    for d in &c.diffs {
        if let (Some(b), Some(a)) = (&d.before, &d.after) {
            if let Some(lines) = list_diff(b, a) {
                let force = if d.forces_replacement {
                    st.paint("31", "  # forces replacement")
                } else {
                    when(st, c, d)
                };
                let _ = writeln!(
                    out,
                    "      {}{}",
                    st.paint("33", &format!("~ {} =", d.name)),
                    force
                );
                for (sign, item) in lines {
                    let code = match sign {
                        '+' => "32",
                        '-' => "31",
                        '~' => "33",
                        _ => "0",
                    };
                    let _ = writeln!(
                        out,
                        "          {}",
                        st.paint(code, &format!("{sign} {item}"))
                    );
                }
                continue;
            }
        }
        let line = match (&d.before, &d.after) {
            (None, Some(a)) => st.paint("32", &format!("+ {} = {a}", d.name)),
            (Some(b), None) => st.paint("31", &format!("- {} = {b}", d.name)),
            (Some(b), Some(a)) => st.paint("33", &format!("~ {} = {b} -> {a}", d.name)),
            (None, None) => continue,
        };
        let force = if d.forces_replacement {
            st.paint("31", "  # forces replacement")
        } else {
            when(st, c, d)
        };
        let _ = writeln!(out, "      {line}{force}");
    }
    out.push('\n');
}

/// `  # at the next maintenance window (...)` for in-place changes.
fn when(st: &Style, c: &Change, d: &crate::plan::AttrDiff) -> String {
    match (d.timing, c.action) {
        (Some(t), Action::Update) => st.paint(
            "2",
            &format!("  # {}", t.describe(c.maintenance_window.as_deref())),
        ),
        _ => String::new(),
    }
}

/// Diff lines: a sign (`+`, `-`, `~`, or ` ` for context) and the item.
pub type DiffLines = Vec<(char, String)>;

/// The tag change most in-place updates share when they change nothing but tags, if at least
/// three do: its lines, and their addresses.
pub fn shared_tag_changes(plan: &Plan) -> Option<(DiffLines, Vec<String>)> {
    let mut groups: std::collections::BTreeMap<DiffLines, Vec<String>> = Default::default();
    for c in &plan.changes {
        if c.action != Action::Update || c.diffs.len() != 1 || c.diffs[0].name != "tags" {
            continue;
        }
        if let (Some(Value::Map(b)), Some(Value::Map(a))) = (&c.diffs[0].before, &c.diffs[0].after)
        {
            groups
                .entry(map_diff(b, a))
                .or_default()
                .push(c.address.0.clone());
        }
    }
    groups
        .into_iter()
        .filter(|(_, a)| a.len() >= 3)
        .max_by_key(|(_, a)| a.len())
}

/// For maps (tags), key by key: the keys added, removed and changed, never the unchanged ones.
pub fn map_diff(
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
) -> Vec<(char, String)> {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|k| match (before.get(k), after.get(k)) {
            (None, Some(a)) => Some(('+', format!("{k} = {a:?}"))),
            (Some(b), None) => Some(('-', format!("{k} = {b:?}"))),
            (Some(b), Some(a)) if a != b => Some(('~', format!("{k} = {b:?} -> {a:?}"))),
            _ => None,
        })
        .collect()
}

/// For list-valued attributes (security groups, subnets, rules), the items added and removed,
/// with unchanged ones as context, so a one-rule change is not a wall of text.
pub(super) fn list_diff(before: &Value, after: &Value) -> Option<Vec<(char, String)>> {
    if let (Value::Map(b), Value::Map(a)) = (before, after) {
        return Some(map_diff(b, a));
    }
    let items = |v: &Value| -> Option<Vec<String>> {
        match v {
            Value::List(l) => Some(l.iter().map(|s| format!("{s:?}")).collect()),
            Value::Rules(r) => Some(r.iter().map(|r| r.to_string()).collect()),
            _ => None,
        }
    };
    let (b, a) = (items(before)?, items(after)?);
    let lines = |v: Vec<String>| v.iter().map(|s| format!("{s}\n")).collect::<String>();
    let (b, a) = (lines(b), lines(a));
    let diff = similar::TextDiff::from_lines(&b, &a);
    Some(
        diff.iter_all_changes()
            .map(|c| {
                let sign = match c.tag() {
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Equal => ' ',
                };
                (sign, c.value().trim_end().to_string())
            })
            .collect(),
    )
}
