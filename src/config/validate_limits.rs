//! AWS's documented limits, checked without AWS so that nothing AWS would refuse gets past
//! `validate`. Each check cites where AWS states the limit; each reports at the offending
//! value's file:line:col.

use super::diag::Diagnostic;
use super::load::{Config, Origin};
use super::types::*;
use std::collections::BTreeMap;

/// Where a resource's tags go: RDS (instances, replicas, clusters, DB subnet, parameter and
/// option groups), EC2 (VPCs and what rdsplan makes in them, security groups), or IAM.
#[derive(Clone, Copy, PartialEq)]
enum TagTarget {
    Rds,
    Ec2,
    Iam,
}

/// Tags rdsplan adds itself: `rdsplan:environment`, `rdsplan:address`, `managed-by`, and on RDS
/// databases the skip-final-snapshot and restore-pending markers; on EC2 objects `Name`.
fn own_tags(t: TagTarget) -> usize {
    match t {
        TagTarget::Rds => 5,
        TagTarget::Ec2 => 4,
        TagTarget::Iam => 3,
    }
}

/// The characters RDS takes in tag keys and values (AddTagsToResource: Unicode letters, digits,
/// white space and `_ . : / = + - @`).
fn rds_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// AddTagsToResource (RDS): at most 50 tags per resource, keys of 1–128 and values of up to 256
/// Unicode characters, letters, digits, white space and `_ . : / = + - @` only, no `aws:`
/// prefix. EC2 CreateTags: keys of up to 127 characters, values of up to 255. IAM TagRole: keys
/// of 128, values of 256. rdsplan's own prefix `rdsplan:` is not the user's.
fn check_tags(
    env_tags: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
    t: TagTarget,
    o: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    let path_prefix: &[&str] = &["tags"];
    let (max_key, max_value) = match t {
        TagTarget::Ec2 => (127, 255),
        TagTarget::Rds | TagTarget::Iam => (128, 256),
    };
    for (k, v) in tags {
        let mut path: Vec<&str> = path_prefix.to_vec();
        path.push(k);
        let at = |d: &mut Vec<Diagnostic>, msg: String, help: &str| {
            d.push(Diagnostic::at(o.place(&path), msg).help(help.to_string()))
        };
        let lower = k.to_ascii_lowercase();
        if lower.starts_with("aws:") {
            at(
                d,
                format!("tag key `{k}` starts with `aws:`, which AWS reserves"),
                "choose another key",
            );
        } else if lower.starts_with("rdsplan:") {
            at(
                d,
                format!(
                    "tag key `{k}` starts with `rdsplan:`, which rdsplan uses for its own tags"
                ),
                "choose another key",
            );
        }
        if k.is_empty() || k.chars().count() > max_key {
            at(
                d,
                format!(
                    "tag key `{k}` is {} characters long; AWS allows 1 to {max_key} here",
                    k.chars().count()
                ),
                "shorten the key",
            );
        }
        if v.chars().count() > max_value {
            at(
                d,
                format!("the value of tag `{k}` is {} characters long; AWS allows at most {max_value} here", v.chars().count()),
                "shorten the value",
            );
        }
        if t == TagTarget::Rds && !(k.chars().all(rds_tag_char) && v.chars().all(rds_tag_char)) {
            at(
                d,
                format!("tag `{k}` has characters RDS refuses in tags"),
                "RDS tags take letters, digits, spaces and _ . : / = + - @ only",
            );
        }
    }
    let mut all: BTreeMap<&str, &str> = env_tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.extend(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let n = all.len() + own_tags(t);
    if n > 50 {
        d.push(
            Diagnostic::at(
                o.place(if tags.is_empty() { &[] } else { path_prefix }),
                format!(
                    "{} tags with the environment's and rdsplan's own ({}); AWS allows at most 50 per resource",
                    n,
                    own_tags(t)
                ),
            )
            .help("drop some tags here or in [environment] tags"),
        );
    }
}

/// EC2 CreateSecurityGroup GroupDescription (EC2-VPC): up to 255 characters, `a-z A-Z 0-9`,
/// spaces and `._-:/()#,@[]+=&;{}!$*`. A rule's Description (IpRange, UserIdGroupPair): up to
/// 255 characters of the same set without `&`.
fn ec2_description_ok(s: &str, amp: bool) -> bool {
    let extra = if amp {
        "._-:/()#,@[]+=&;{}!$*"
    } else {
        "._-:/()#,@[]+=;{}!$*"
    };
    s.chars().count() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || extra.contains(c))
}

fn check_description(
    s: &str,
    max: usize,
    what: &str,
    o: &Origin,
    path: &[&str],
    d: &mut Vec<Diagnostic>,
) {
    if s.chars().count() > max {
        d.push(
            Diagnostic::at(
                o.place(path),
                format!(
                    "{what} is {} characters long; AWS allows at most {max}",
                    s.chars().count()
                ),
            )
            .help("shorten it"),
        );
    }
}

/// Master user names each engine keeps for itself (CreateDBInstance MasterUsername: "can't be
/// a reserved word for the chosen database engine"): RDS's own administrative accounts.
fn reserved_usernames(engine: &str) -> &'static [&'static str] {
    if engine.starts_with("oracle") {
        &["rdsadmin", "sys", "system", "rdssec", "dbsnmp"]
    } else if engine.starts_with("sqlserver") {
        &["rdsadmin", "sa", "rdsa"]
    } else if engine.contains("postgres") {
        &[
            "rdsadmin",
            "rds_superuser",
            "rdsrepladmin",
            "rds_replication",
        ]
    } else {
        &["rdsadmin", "rdsrepladmin", "mysql.sys", "mysql.session"]
    }
}

fn check_username(engine: &str, u: &str, o: &Origin, d: &mut Vec<Diagnostic>) {
    if reserved_usernames(engine).contains(&u.to_ascii_lowercase().as_str()) {
        d.push(
            Diagnostic::at(
                o.place(&["master_username"]),
                format!("master_username `{u}` is reserved by RDS for {engine}"),
            )
            .help("choose another name, e.g. \"app_admin\""),
        );
    }
}

/// Minutes of a `hh24:mi-hh24:mi` range from midnight, or `None` when it is not one.
fn daily_range(w: &str) -> Option<(u32, u32)> {
    let m = |p: &str| {
        let (h, mi) = p.split_once(':')?;
        let (h, mi): (u32, u32) = (h.parse().ok()?, mi.parse().ok()?);
        (h < 24 && mi < 60 && p.len() == 5).then_some(h * 60 + mi)
    };
    let (a, b) = w.split_once('-')?;
    Some((m(a)?, m(b)?))
}

/// Minutes of a `ddd:hh24:mi-ddd:hh24:mi` range from Monday 00:00.
fn weekly_range(w: &str) -> Option<(u32, u32)> {
    const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let m = |p: &str| {
        let (day, hm) = p.split_once(':')?;
        let day = DAYS.iter().position(|x| *x == day)? as u32;
        let (h, mi) = hm.split_once(':')?;
        let (h, mi): (u32, u32) = (h.parse().ok()?, mi.parse().ok()?);
        (h < 24 && mi < 60).then_some(day * 1440 + h * 60 + mi)
    };
    let (a, b) = w.split_once('-')?;
    Some((m(a)?, m(b)?))
}

const WEEK: u32 = 7 * 1440;

/// Length in minutes of a range that may wrap around its period.
fn span((a, b): (u32, u32), period: u32) -> u32 {
    (b + period - a) % period
}

/// Whether two ranges of the week overlap (both given in minutes of the week).
fn overlaps((a, b): (u32, u32), (c, e): (u32, u32)) -> bool {
    let expand = |(s, t): (u32, u32)| -> Vec<(u32, u32)> {
        if t >= s {
            vec![(s, t)]
        } else {
            vec![(s, WEEK), (0, t)]
        }
    };
    expand((a, b))
        .iter()
        .any(|x| expand((c, e)).iter().any(|y| x.0 < y.1 && y.0 < x.1))
}

/// PreferredBackupWindow: `hh24:mi-hh24:mi` UTC, at least 30 minutes, not overlapping the
/// maintenance window. PreferredMaintenanceWindow: at least 30 minutes (CreateDBInstance,
/// CreateDBCluster).
fn check_windows(
    maintenance: Option<&str>,
    backup: Option<&str>,
    o: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    let m = maintenance.and_then(weekly_range);
    if let Some(r) = m {
        if span(r, WEEK) < 30 {
            d.push(
                Diagnostic::at(
                    o.place(&["preferred_maintenance_window"]),
                    "the maintenance window is shorter than 30 minutes",
                )
                .help("AWS needs at least 30 minutes, e.g. \"sun:05:00-sun:05:30\""),
            );
        }
    }
    let Some(b) = backup else { return };
    let Some(br) = daily_range(b) else {
        d.push(
            Diagnostic::at(
                o.place(&["preferred_backup_window"]),
                format!("`{b}` is not a backup window"),
            )
            .help("write hh24:mi-hh24:mi in UTC, e.g. \"03:00-03:30\""),
        );
        return;
    };
    if span(br, 1440) < 30 {
        d.push(
            Diagnostic::at(
                o.place(&["preferred_backup_window"]),
                "the backup window is shorter than 30 minutes",
            )
            .help("AWS needs at least 30 minutes, e.g. \"03:00-03:30\""),
        );
    }
    if let Some(mr) = m {
        let clash = (0..7).any(|day| {
            overlaps(
                mr,
                (
                    day * 1440 + br.0,
                    (day * 1440 + br.1 + if br.1 < br.0 { 1440 } else { 0 }) % WEEK,
                ),
            )
        });
        if clash {
            d.push(
                Diagnostic::at(
                    o.place(&["preferred_backup_window"]),
                    "the backup window overlaps the maintenance window",
                )
                .also(
                    o.place(&["preferred_maintenance_window"]),
                    "the maintenance window",
                )
                .help("AWS refuses windows that overlap: move one of them"),
            );
        }
    }
}

/// The largest cluster: a writer and 15 Aurora Replicas (CreateDBInstance in a DB cluster).
const MAX_AURORA_READERS: usize = 15;

/// Aurora MasterUsername: 1–16 letters or digits, starting with a letter (CreateDBCluster);
/// DatabaseName: letters and digits, starting with a letter, up to 64 (MySQL) or 63
/// (PostgreSQL) characters.
fn check_cluster(c: &ClusterConfig, o: &Origin, d: &mut Vec<Diagnostic>) {
    if let Some(u) = &c.master_username {
        let ok = (1..=16).contains(&u.len())
            && u.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && u.chars().all(|ch| ch.is_ascii_alphanumeric());
        if !ok {
            d.push(
                Diagnostic::at(
                    o.place(&["master_username"]),
                    format!("master_username `{u}` is not allowed for Aurora"),
                )
                .help("1 to 16 letters or digits, starting with a letter"),
            );
        } else {
            check_username(&c.engine, u, o, d);
        }
    }
    if let Some(n) = &c.database_name {
        let max = if c.engine.contains("postgres") {
            63
        } else {
            64
        };
        let ok = (1..=max).contains(&n.len())
            && n.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && n.chars().all(|ch| ch.is_ascii_alphanumeric());
        if !ok {
            d.push(
                Diagnostic::at(
                    o.place(&["database_name"]),
                    format!("database_name `{n}` is not allowed"),
                )
                .help(format!(
                    "letters and digits only, starting with a letter, at most {max} characters"
                )),
            );
        }
    }
    let readers = c.instance.len().saturating_sub(1);
    if readers > MAX_AURORA_READERS {
        d.push(
            Diagnostic::at(o.place(&["instance"]), format!("{} instances: a writer and {readers} readers; Aurora allows at most {MAX_AURORA_READERS} readers", c.instance.len()))
                .help("at most 16 [[cluster.NAME.instance]] entries"),
        );
    }
    check_windows(
        c.preferred_maintenance_window.as_deref(),
        c.preferred_backup_window.as_deref(),
        o,
        d,
    );
}

/// Engine rules of CreateDBInstance: Oracle's DBName is at most 8 characters; SQL Server
/// cannot listen on 1234, 1434, 3260, 3343, 3389 or 47001, nor on 49152–49156; io1 and io2
/// need at least 100 GiB.
fn check_instance(s: &InstanceConfig, o: &Origin, d: &mut Vec<Diagnostic>) {
    if s.engine.starts_with("oracle") {
        if let Some(n) = &s.db_name {
            if n.len() > 8 {
                d.push(
                    Diagnostic::at(
                        o.place(&["db_name"]),
                        format!(
                            "db_name `{n}` is {} characters long; Oracle allows at most 8",
                            n.len()
                        ),
                    )
                    .help("shorten it"),
                );
            }
        }
    }
    if s.engine.starts_with("sqlserver") {
        if let Some(p) = s.port {
            if [1234, 1434, 3260, 3343, 3389, 47001].contains(&p) || (49152..=49156).contains(&p) {
                d.push(
                    Diagnostic::at(o.place(&["port"]), format!("port {p} is reserved for SQL Server on RDS"))
                        .help("RDS for SQL Server cannot use 1234, 1434, 3260, 3343, 3389, 47001 or 49152-49156; the default is 1433"),
                );
            }
        }
    }
    if matches!(s.storage_type.as_deref(), Some("io1" | "io2")) && s.allocated_storage < 100 {
        d.push(
            Diagnostic::at(
                o.place(&["allocated_storage"]),
                format!(
                    "{} GiB of {} storage; AWS needs at least 100",
                    s.allocated_storage,
                    s.storage_type.as_deref().unwrap_or_default()
                ),
            )
            .help("set allocated_storage = 100 or more, or use gp3"),
        );
    }
    if let Some(u) = &s.master_username {
        check_username(&s.engine, u, o, d);
    }
    check_windows(
        s.preferred_maintenance_window.as_deref(),
        s.preferred_backup_window.as_deref(),
        o,
        d,
    );
}

pub(super) fn check(cfg: &Config, d: &mut Vec<Diagnostic>) {
    let empty = BTreeMap::new();
    let env_tags = cfg
        .environment
        .as_ref()
        .map(|e| &e.spec.tags)
        .unwrap_or(&empty);
    if let Some(e) = &cfg.environment {
        // The environment's tags go on every kind: check them against the strictest.
        let strictest = if cfg.vpcs.is_empty() && cfg.security_groups.is_empty() {
            TagTarget::Rds
        } else {
            TagTarget::Ec2
        };
        check_tags(&empty, &e.spec.tags, strictest, &e.origin, d);
        if strictest == TagTarget::Ec2 {
            // RDS's character set applies to what goes on databases too.
            let rds_bad = e
                .spec
                .tags
                .iter()
                .any(|(k, v)| !(k.chars().chain(v.chars())).all(rds_tag_char));
            if rds_bad
                && !(cfg.instances.is_empty() && cfg.clusters.is_empty() && cfg.replicas.is_empty())
            {
                d.push(
                    Diagnostic::at(
                        e.origin.place(&["tags"]),
                        "the environment's tags have characters RDS refuses in tags",
                    )
                    .help("RDS tags take letters, digits, spaces and _ . : / = + - @ only"),
                );
            }
        }
    }
    // EC2 security group names may not start with `sg-` (CreateSecurityGroup GroupName).
    for g in &cfg.security_groups {
        let name = format!("{}-{}", cfg.env_name, g.name);
        if name.to_ascii_lowercase().starts_with("sg-") {
            d.push(
                Diagnostic::at(
                    g.origin.name_place(),
                    format!(
                        "the group's AWS name `{name}` would start with `sg-`, which AWS forbids"
                    ),
                )
                .help("rename the environment or the group"),
            );
        }
        if !ec2_description_ok(&g.spec.description, true) {
            d.push(
                Diagnostic::at(g.origin.place(&["description"]), "AWS refuses this security group description")
                    .help("up to 255 characters: letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* (ASCII only)"),
            );
        }
        for (field, rules) in [
            ("ingress", Some(&g.spec.ingress)),
            ("egress", g.spec.egress.as_ref()),
        ] {
            for (i, r) in rules.into_iter().flatten().enumerate() {
                if let Some(desc) = &r.description {
                    if !ec2_description_ok(desc, false) {
                        let i = i.to_string();
                        d.push(
                            Diagnostic::at(g.origin.place(&[field, &i, "description"]), "AWS refuses this rule description")
                                .help("up to 255 characters: letters, digits, spaces and ._-:/()#,@[]+=;{}!$* (ASCII only, no &)"),
                        );
                    }
                }
            }
        }
        check_tags(env_tags, &g.spec.tags, TagTarget::Ec2, &g.origin, d);
    }
    for v in &cfg.vpcs {
        check_tags(env_tags, &v.spec.tags, TagTarget::Ec2, &v.origin, d);
    }
    for i in &cfg.instances {
        check_instance(&i.spec, &i.origin, d);
        check_tags(env_tags, &i.spec.tags, TagTarget::Rds, &i.origin, d);
    }
    for r in &cfg.replicas {
        check_windows(
            r.spec.preferred_maintenance_window.as_deref(),
            r.spec.preferred_backup_window.as_deref(),
            &r.origin,
            d,
        );
        check_tags(env_tags, &r.spec.tags, TagTarget::Rds, &r.origin, d);
    }
    for c in &cfg.clusters {
        check_cluster(&c.spec, &c.origin, d);
        check_tags(env_tags, &c.spec.tags, TagTarget::Rds, &c.origin, d);
    }
    for g in cfg
        .parameter_groups
        .iter()
        .chain(&cfg.cluster_parameter_groups)
    {
        // CreateDBParameterGroup Description: up to 255 characters (the docs' limit for the
        // group's description); a parameter's value cannot be empty (ModifyDBParameterGroup).
        check_description(
            &g.spec.description,
            255,
            "the description",
            &g.origin,
            &["description"],
            d,
        );
        for (k, v) in &g.spec.parameters {
            if v.trim().is_empty() {
                d.push(
                    Diagnostic::at(g.origin.place(&["parameters", k]), format!("parameter `{k}` has an empty value, which AWS refuses"))
                        .help("give a value, or remove the line to leave the parameter at its engine default"),
                );
            }
        }
        check_tags(env_tags, &g.spec.tags, TagTarget::Rds, &g.origin, d);
    }
    for g in &cfg.option_groups {
        check_description(
            &g.spec.description,
            255,
            "the description",
            &g.origin,
            &["description"],
            d,
        );
        check_tags(env_tags, &g.spec.tags, TagTarget::Rds, &g.origin, d);
    }
    for r in &cfg.iam_roles {
        // IAM CreateRole Description: up to 1,000 characters.
        if let Some(desc) = &r.spec.description {
            check_description(
                desc,
                1000,
                "the description",
                &r.origin,
                &["description"],
                d,
            );
        }
        check_tags(env_tags, &r.spec.tags, TagTarget::Iam, &r.origin, d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_measured_across_midnight_and_the_week() {
        assert_eq!(span(daily_range("23:45-00:15").unwrap(), 1440), 30);
        assert_eq!(span(weekly_range("sun:23:50-mon:00:10").unwrap(), WEEK), 20);
        let m = weekly_range("mon:03:00-mon:04:00").unwrap();
        assert!(overlaps(m, (180 + 30, 180 + 60)));
        assert!(!overlaps(m, (300, 330)));
    }

    #[test]
    fn ec2_descriptions_take_their_own_characters() {
        assert!(ec2_description_ok("app & db", true));
        assert!(!ec2_description_ok("app & db", false));
        assert!(!ec2_description_ok("it's", true));
        assert!(!ec2_description_ok("café", true));
        assert!(!ec2_description_ok(&"x".repeat(256), true));
    }
}
