//! Checks for replicas, Aurora clusters and IAM roles.

use super::checks::{
    check_identifier, check_placement, check_port, check_ref, check_window, Placement,
};
use super::diag::Diagnostic;
use super::engines;
use super::load::{Config, Decl, Origin};
use super::types::*;
use std::collections::BTreeMap;

pub(super) fn check(
    cfg: &Config,
    vpcs: &BTreeMap<&str, &Decl<VpcConfig>>,
    d: &mut Vec<Diagnostic>,
) {
    for r in &cfg.iam_roles {
        check_role(cfg, r, d);
    }
    for r in &cfg.replicas {
        check_replica(cfg, r, d);
    }
    for c in &cfg.clusters {
        check_cluster(cfg, vpcs, c, d);
    }
}

fn check_role(cfg: &Config, r: &Decl<IamRoleConfig>, d: &mut Vec<Diagnostic>) {
    let o = &r.origin;
    let name = format!("{}-{}", cfg.env_name, r.name);
    if name.len() > 64 {
        d.push(
            Diagnostic::at(
                o.place(&[]),
                format!("IAM role name `{name}` is longer than 64 characters"),
            )
            .help("use a shorter name"),
        );
    }
    let p = &r.spec.assumed_by;
    if !p.ends_with(".amazonaws.com") || p.contains(' ') {
        d.push(
            Diagnostic::at(
                o.place(&["assumed_by"]),
                format!("`{p}` is not a service principal"),
            )
            .help("name an AWS service principal, e.g. \"rds.amazonaws.com\""),
        );
    }
    for (i, arn) in r.spec.managed_policies.iter().enumerate() {
        if !arn.starts_with("arn:aws") || !arn.contains(":policy/") {
            let i = i.to_string();
            d.push(
                Diagnostic::at(
                    o.place(&["managed_policies", &i]),
                    format!("`{arn}` is not a managed policy ARN"),
                )
                .help("e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\""),
            );
        }
    }
}

/// `iam_roles` of an instance or cluster: each names a role of this environment or an ARN.
pub(super) fn check_iam_roles(
    cfg: &Config,
    roles: &[IamRoleAttachment],
    o: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    let known: BTreeMap<&str, &Decl<IamRoleConfig>> =
        cfg.iam_roles.iter().map(|r| (r.name.as_str(), r)).collect();
    for (i, a) in roles.iter().enumerate() {
        let i = i.to_string();
        if !a.role.starts_with("arn:") {
            check_ref(
                &known,
                &cfg.declared_roles,
                &a.role,
                "iam_role",
                o,
                &["iam_roles", &i, "role"],
                d,
            );
        }
        if a.feature.is_empty() {
            d.push(
                Diagnostic::at(o.place(&["iam_roles", &i, "feature"]), "feature is empty")
                    .help("name the RDS feature, e.g. \"s3Import\""),
            );
        }
    }
}

fn check_class(class: &str, o: &Origin, path: &[&str], d: &mut Vec<Diagnostic>) {
    let parts: Vec<&str> = class.split('.').collect();
    let ok = parts.len() == 3
        && parts[0] == "db"
        && parts[1..].iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !ok {
        d.push(
            Diagnostic::at(o.place(path), format!("`{class}` is not an instance class"))
                .help("instance classes look like db.<family>.<size>, e.g. \"db.t3.micro\""),
        );
    }
}

fn check_replica(cfg: &Config, r: &Decl<ReplicaConfig>, d: &mut Vec<Diagnostic>) {
    let o = &r.origin;
    let s = &r.spec;
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{}-{}", cfg.env_name, r.name));
    check_identifier(&ident, s.identifier.is_some(), o, d);
    if let Some(c) = &s.instance_class {
        check_class(c, o, &["instance_class"], d);
    }
    for (i, g) in s.security_groups.iter().flatten().enumerate() {
        let i = i.to_string();
        super::checks::check_group_ref(cfg, g, o, &["security_groups", &i], d);
    }
    let source = s.source.strip_prefix("instance.");
    let found = source.and_then(|n| cfg.instances.iter().find(|i| i.name == n));
    match (source, found) {
        (None, _) => d.push(
            Diagnostic::at(o.place(&["source"]), format!("`{}` is not an instance address", s.source))
                .help("a replica's source is an instance of this environment, e.g. source = \"instance.orders\""),
        ),
        (Some(n), None) if !cfg.declared_instances.iter().any(|x| x == n) => {
            let names: Vec<String> = cfg.instances.iter().map(|i| format!("instance.{}", i.name)).collect();
            d.push(
                Diagnostic::at(o.place(&["source"]), format!("replica source `{}` does not exist", s.source))
                    .label("no such instance")
                    .help(if names.is_empty() {
                        "no instance is defined in this environment".to_string()
                    } else {
                        format!("defined: {}", names.join(", "))
                    }),
            );
        }
        (Some(_), Some(src)) if src.spec.credentials == Credentials::Managed => d.push(
            Diagnostic::at(
                o.place(&["source"]),
                format!("`{}` uses credentials = \"managed\"; RDS does not allow read replicas of such a source", s.source),
            )
            .label("managed credentials")
            .help(format!(
                "set credentials = \"generated\" on {} (rdsplan keeps the password in Secrets Manager, and replicas work)",
                s.source
            ))
            .also(src.origin.place(&["credentials"]), "the source's credentials"),
        ),
        _ => {}
    }
    check_port(s.port, o, d);
    check_window(s.preferred_maintenance_window.as_deref(), o, d);
}

fn check_cluster(
    cfg: &Config,
    vpcs: &BTreeMap<&str, &Decl<VpcConfig>>,
    c: &Decl<ClusterConfig>,
    d: &mut Vec<Diagnostic>,
) {
    let o = &c.origin;
    let s = &c.spec;
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{}-{}", cfg.env_name, c.name));
    check_identifier(&ident, s.identifier.is_some(), o, d);
    if engines::aurora(&s.engine).is_none() {
        d.push(
            Diagnostic::at(
                o.place(&["engine"]),
                format!("cluster engine `{}` is not supported", s.engine),
            )
            .help(
                "clusters use aurora-mysql or aurora-postgresql; other engines are an `instance`",
            ),
        );
    }
    check_port(s.port, o, d);
    if let Some(b) = s.backup_retention_days {
        if !(1..=35).contains(&b) {
            d.push(
                Diagnostic::at(
                    o.place(&["backup_retention_days"]),
                    format!("backup_retention_days {b} is out of range"),
                )
                .help("Aurora keeps automated backups for 1 to 35 days"),
            );
        }
    }
    check_window(s.preferred_maintenance_window.as_deref(), o, d);
    check_placement(
        cfg,
        vpcs,
        Placement {
            vpc: &s.vpc,
            security_groups: &s.security_groups,
        },
        o,
        d,
    );
    check_iam_roles(cfg, &s.iam_roles, o, d);
    if s.instance.is_empty() {
        d.push(
            Diagnostic::at(o.place(&[]), format!("cluster `{}` has no instances", c.name))
                .help("add at least one [[cluster.NAME.instance]] with a name and instance_class (the first is the writer)"),
        );
    }
    let mut seen = Vec::new();
    for (i, m) in s.instance.iter().enumerate() {
        let i = i.to_string();
        if !valid_member_name(&m.name) {
            d.push(
                Diagnostic::at(
                    o.place(&["instance", &i, "name"]),
                    format!("invalid instance name `{}`", m.name),
                )
                .help("member names are lowercase letters, digits and `-`, starting with a letter or digit"),
            );
        } else if seen.contains(&m.name) {
            d.push(
                Diagnostic::at(
                    o.place(&["instance", &i, "name"]),
                    format!("instance `{}` is listed twice", m.name),
                )
                .help("give each member a distinct name"),
            );
        } else if let Err(why) = super::checks::valid_identifier(&format!("{ident}-{}", m.name)) {
            d.push(
                Diagnostic::at(
                    o.place(&["instance", &i, "name"]),
                    format!("member identifier `{ident}-{}` {why}", m.name),
                )
                .help("use shorter names"),
            );
        }
        seen.push(m.name.clone());
        // Aurora Serverless v2 members (checked against the cluster's serverless_v2 elsewhere).
        if m.instance_class != "db.serverless" {
            check_class(&m.instance_class, o, &["instance", &i, "instance_class"], d);
        }
    }
}

/// A member's name ends its identifier (`<cluster identifier>-<name>`), which starts with the
/// cluster's letter: so it may start with a digit (`1`, as AWS's console names readers), and
/// what `import` writes for such a member validates.
fn valid_member_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
