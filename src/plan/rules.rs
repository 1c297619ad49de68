//! Version arithmetic and change timing, both driven by the attribute table (`plan::attrs`).

use super::attrs::{lookup, When};
use crate::model::{Kind, Value};
use std::cmp::Ordering;

/// Compares dotted versions numerically where both parts are numbers (`3.05` < `3.06`), as
/// text otherwise. `None` when they cannot be ordered.
pub fn version_cmp(a: &str, b: &str) -> Option<Ordering> {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return Some(o);
        }
    }
    Some(pa.len().cmp(&pb.len()))
}

/// Whether `live` meets the version prefix `desired`.
pub fn version_matches(desired: &str, live: &str) -> bool {
    live == desired || live.starts_with(&format!("{desired}."))
}

/// The major version of an engine version, as RDS counts major upgrades: PostgreSQL from 10
/// on (and Aurora PostgreSQL), Oracle and SQL Server by their first number; MySQL, MariaDB,
/// Aurora MySQL (`8.0.mysql_aurora.3.05.2` is 8.0) and PostgreSQL 9.x by their first two.
pub fn major_version(engine: &str, version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let first = parts.first().copied().unwrap_or_default();
    let one = engine.contains("postgres") && first.parse::<u32>().is_ok_and(|n| n >= 10)
        || engine.starts_with("oracle")
        || engine.starts_with("sqlserver");
    let n = if one { 1 } else { 2 };
    parts[..n.min(parts.len())].join(".")
}

/// Whether going from `before` to `after` is a major version upgrade.
pub fn is_major_change(engine: &str, before: &str, after: &str) -> bool {
    major_version(engine, before) != major_version(engine, after)
}

/// When an in-place change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Applied at once, without an outage.
    Immediate,
    /// Applied at the next maintenance window (unless `apply_immediately`).
    MaintenanceWindow,
    /// Applied at once, and the database reboots (an outage).
    Reboot,
    /// Accepted at once, in effect only after the database's next reboot (`pending-reboot`).
    AfterReboot,
}

impl Timing {
    pub fn describe(self, window: Option<&str>) -> String {
        match self {
            Timing::Immediate => "immediately".into(),
            Timing::Reboot => "immediately, with a reboot".into(),
            Timing::AfterReboot => "after reboot".into(),
            Timing::MaintenanceWindow => match window {
                Some(w) => format!("at the next maintenance window ({w})"),
                None => "at the next maintenance window".into(),
            },
        }
    }
}

/// When a change of `attr` from `before` to `after` takes effect on a `kind`, from the table.
/// `apply_immediately` moves window changes to now.
pub fn timing(
    kind: Kind,
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    apply_immediately: bool,
) -> Timing {
    let window = if apply_immediately {
        Timing::Immediate
    } else {
        Timing::MaintenanceWindow
    };
    match lookup(kind, attr).map(|a| a.when) {
        Some(When::Window) => window,
        Some(When::Reboot) => Timing::Reboot,
        Some(When::AfterReboot) => Timing::AfterReboot,
        Some(When::BackupToggle) => {
            let zero = |v: Option<&Value>| v.and_then(Value::as_int) == Some(0);
            if zero(before) != zero(after) {
                window
            } else {
                Timing::Immediate
            }
        }
        Some(When::Now) | None => Timing::Immediate,
    }
}
