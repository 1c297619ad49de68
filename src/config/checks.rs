//! Field checks shared by `validate`, `validate_db` and `validate_net` (which use these,
//! never each other's internals): references, EC2 ids and group references, identifiers,
//! placement, ports, windows.

use super::diag::Diagnostic;
use super::load::{Config, Decl, Origin};
use super::types::*;
use std::collections::BTreeMap;

pub fn check_ref<T>(
    known: &BTreeMap<&str, &Decl<T>>,
    declared: &[String],
    name: &str,
    kind: &str,
    o: &Origin,
    path: &[&str],
    d: &mut Vec<Diagnostic>,
) -> bool {
    if known.contains_key(name) {
        return true;
    }
    if declared.iter().any(|n| n == name) {
        // Declared but broken: its own diagnostics say why; do not call it undefined.
        return false;
    }
    let names: Vec<&str> = known.keys().copied().collect();
    let defined = if names.is_empty() {
        format!("no {kind} is defined in this environment")
    } else {
        format!("defined: {}", names.join(", "))
    };
    d.push(
        Diagnostic::at(
            o.place(path),
            format!("reference to undefined {kind} `{name}`"),
        )
        .label("not defined")
        .help(format!("{defined}{}", super::load::suggest(name, &names))),
    );
    false
}

/// Reports an identifier RDS would refuse, at `identifier` if set, else at the name.
pub fn check_identifier(ident: &str, explicit: bool, o: &Origin, d: &mut Vec<Diagnostic>) {
    if let Err(why) = valid_identifier(ident) {
        let path: &[&str] = if explicit { &["identifier"] } else { &[] };
        d.push(
            Diagnostic::at(o.place(path), format!("RDS identifier `{ident}` {why}"))
                .help("set `identifier = \"...\"` to a name RDS accepts: letters, digits and single hyphens, starting with a letter, at most 63 characters"),
        );
    }
}

/// RDS DB identifier rules: 1–63 letters, digits or hyphens, starting with a letter, no two
/// consecutive hyphens, not ending with a hyphen.
pub fn valid_identifier(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 63 {
        return Err(format!(
            "is {} characters long; RDS allows 1 to 63",
            s.len()
        ));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter".into());
    }
    // AWS stores identifiers in lower case: `Orders-DB` would come back as `orders-db`, never
    // matching the files again.
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(
            "has capitals, which AWS turns into lower case (write it in lower case)".into(),
        );
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("may contain only letters, digits and hyphens".into());
    }
    if s.contains("--") || s.ends_with('-') {
        return Err("may not contain two consecutive hyphens or end with a hyphen".into());
    }
    Ok(())
}

/// A database's VPC (with at least 2 AZs) and its security groups (defined, in that VPC).
pub fn check_placement(
    cfg: &Config,
    vpcs: &BTreeMap<&str, &Decl<VpcConfig>>,
    s: Placement<'_>,
    o: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    let vpc_known = check_ref(vpcs, &cfg.declared_vpcs, s.vpc, "vpc", o, &["vpc"], d);
    if vpc_known {
        let v = &vpcs[s.vpc.as_str()].spec;
        // An existing VPC's AZs are known only at plan time (check_live).
        let n = match (&v.id, &v.azs) {
            (Some(_), _) => 2,
            (None, Azs::Count(n)) => *n,
            (None, Azs::List(l)) => l.len() as i64,
        };
        if n < 2 {
            d.push(
                Diagnostic::at(
                    o.place(&["vpc"]),
                    format!(
                        "vpc `{}` spans {n} AZ; RDS needs subnets in at least 2",
                        s.vpc
                    ),
                )
                .help("set azs = 2 or more on the vpc"),
            );
        }
    }
    for (i, g) in s.security_groups.iter().enumerate() {
        let i = i.to_string();
        let path = ["security_groups", &i];
        let Some(group) = check_group_ref(cfg, g, o, &path, d) else {
            continue;
        };
        if vpc_known && group.spec.vpc != *s.vpc {
            d.push(
                Diagnostic::at(
                    o.place(&path),
                    format!("security_group `{g}` is in another vpc"),
                )
                .help(format!("use groups of vpc `{}`", s.vpc)),
            );
        }
    }
}

/// The network fields shared by instances and clusters.
pub struct Placement<'a> {
    pub vpc: &'a String,
    pub security_groups: &'a [String],
}

/// An RDS port: 1150 to 65535.
pub fn check_port(port: Option<i64>, o: &Origin, d: &mut Vec<Diagnostic>) {
    if let Some(p) = port {
        if !(1150..=65535).contains(&p) {
            d.push(
                Diagnostic::at(o.place(&["port"]), format!("port {p} is out of range"))
                    .help("RDS accepts ports 1150 to 65535"),
            );
        }
    }
}

/// A maintenance window, `ddd:hh24:mi-ddd:hh24:mi`.
pub fn check_window(w: Option<&str>, o: &Origin, d: &mut Vec<Diagnostic>) {
    if let Some(w) = w {
        if !valid_maintenance_window(w) {
            d.push(
                Diagnostic::at(
                    o.place(&["preferred_maintenance_window"]),
                    format!("`{w}` is not a maintenance window"),
                )
                .help("write ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. \"sun:05:00-sun:06:00\""),
            );
        }
    }
}

pub fn valid_maintenance_window(w: &str) -> bool {
    const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let part = |p: &str| -> bool {
        let f: Vec<&str> = p.split(':').collect();
        f.len() == 3
            && DAYS.contains(&f[0])
            && f[1].parse::<u8>().is_ok_and(|h| h < 24)
            && f[2].parse::<u8>().is_ok_and(|m| m < 60)
    };
    matches!(w.split_once('-'), Some((a, b)) if part(a) && part(b))
}

/// `PREFIX-` followed by 8 or 17 lowercase hex digits, as EC2 ids are.
pub fn valid_ec2_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|h| {
            (h.len() == 8 || h.len() == 17)
                && h.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// Whether a security group reference is an existing group's id rather than a name.
pub fn is_group_id(s: &str) -> bool {
    s.starts_with("sg-")
}

/// One security group reference (`security_groups` item or a rule's `security_group`): an
/// `sg-` id in the right form, or a group of this environment. Returns the group's
/// declaration when it is one of this environment's.
pub fn check_group_ref<'a>(
    cfg: &'a Config,
    g: &str,
    o: &Origin,
    path: &[&str],
    d: &mut Vec<Diagnostic>,
) -> Option<&'a Decl<SecurityGroupConfig>> {
    if is_group_id(g) {
        if !valid_ec2_id(g, "sg") {
            d.push(
                Diagnostic::at(o.place(path), format!("`{g}` is not a security group id"))
                    .help("a security group id is `sg-` and 8 or 17 hex digits; a group of this environment is named without `sg-`"),
            );
        }
        return None;
    }
    let groups: BTreeMap<&str, &Decl<SecurityGroupConfig>> = cfg
        .security_groups
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    check_ref(
        &groups,
        &cfg.declared_groups,
        g,
        "security_group",
        o,
        path,
        d,
    )
    .then(|| groups[g])
}
