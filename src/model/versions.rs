//! Engine version arithmetic: how versions order, when a desired prefix is met, and what RDS
//! counts as a major upgrade. Shared vocabulary of the planner, the kinds and validation.

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
