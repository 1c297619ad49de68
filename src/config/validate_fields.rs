//! Checks for storage performance, monitoring, Performance Insights, log exports and
//! Serverless v2: what AWS would refuse at apply, refused at validation with the place.

use super::checks::check_ref;
use super::diag::Diagnostic;
use super::load::{Config, Origin};
use super::types::RestoreConfig;
use std::collections::BTreeMap;

/// The monitoring-related fields of an instance or replica.
struct Observed<'a> {
    engine: Option<&'a str>,
    storage_type: Option<&'a str>,
    iops: Option<i64>,
    storage_throughput: Option<i64>,
    log_exports: Option<&'a [String]>,
    performance_insights_retention_days: Option<i64>,
    monitoring_interval: Option<i64>,
    monitoring_role: Option<&'a str>,
}

/// `restore` names a snapshot, or a source and a time (RFC 3339 or `latest`), not both.
fn check_restore(r: &RestoreConfig, origin: &Origin, d: &mut Vec<Diagnostic>) {
    let place = |f: &str| origin.place(&["restore", f]);
    match (&r.snapshot, &r.source, &r.time) {
        (Some(_), None, None) => {}
        (None, Some(_), Some(t)) => {
            let rfc3339 = aws_sdk_rds::primitives::DateTime::from_str(
                t,
                aws_sdk_rds::primitives::DateTimeFormat::DateTime,
            )
            .is_ok();
            if t != "latest" && !rfc3339 {
                d.push(
                    Diagnostic::at(place("time"), format!("`{t}` is not a restore time"))
                        .help("an RFC 3339 UTC time such as \"2026-11-20T08:00:00Z\", or \"latest\""),
                );
            }
        }
        (None, Some(_), None) => d.push(
            Diagnostic::at(place("source"), "a point-in-time restore needs a time")
                .help("add time = \"latest\" or an RFC 3339 time"),
        ),
        _ => d.push(
            Diagnostic::at(
                origin.place(&["restore"]),
                "restore takes either `snapshot`, or `source` and `time`",
            )
            .help("restore = { snapshot = \"ID\" } or restore = { source = \"IDENTIFIER\", time = \"latest\" }"),
        ),
    }
}

pub(super) fn check(cfg: &Config, d: &mut Vec<Diagnostic>) {
    for i in &cfg.instances {
        if let Some(r) = &i.spec.restore {
            check_restore(r, &i.origin, d);
        }
        if i.spec.upgrade == super::types::Upgrade::BlueGreen
            && i.spec.credentials == super::types::Credentials::Managed
        {
            d.push(
                Diagnostic::at(
                    i.origin.place(&["upgrade"]),
                    "AWS does not make blue/green deployments of a database whose master password RDS manages",
                )
                .help("use upgrade = \"in-place\", or credentials = \"generated\""),
            );
        }
    }
    for c in &cfg.clusters {
        if let Some(r) = &c.spec.restore {
            check_restore(r, &c.origin, d);
        }
    }
    let roles: BTreeMap<&str, _> = cfg.iam_roles.iter().map(|r| (r.name.as_str(), r)).collect();
    for i in &cfg.instances {
        let s = &i.spec;
        check_provisioned(s, &i.origin, d);
        let o = Observed {
            engine: Some(&s.engine),
            storage_type: s.storage_type.as_deref(),
            iops: s.iops,
            storage_throughput: s.storage_throughput,
            log_exports: s.log_exports.as_deref(),
            performance_insights_retention_days: s.performance_insights_retention_days,
            monitoring_interval: s.monitoring_interval,
            monitoring_role: s.monitoring_role.as_deref(),
        };
        check_observed(cfg, &roles, &o, &i.origin, d);
    }
    for r in &cfg.replicas {
        let s = &r.spec;
        let source = s
            .source
            .strip_prefix("instance.")
            .and_then(|n| cfg.instances.iter().find(|i| i.name == n));
        let o = Observed {
            engine: source.map(|i| i.spec.engine.as_str()),
            storage_type: s
                .storage_type
                .as_deref()
                .or(source.and_then(|i| i.spec.storage_type.as_deref())),
            iops: s.iops,
            storage_throughput: s.storage_throughput,
            log_exports: s.log_exports.as_deref(),
            performance_insights_retention_days: s.performance_insights_retention_days,
            monitoring_interval: s.monitoring_interval,
            monitoring_role: s.monitoring_role.as_deref(),
        };
        check_observed(cfg, &roles, &o, &r.origin, d);
    }
    for c in &cfg.clusters {
        let s = &c.spec;
        if let Some(l) = &s.log_exports {
            check_logs(&s.engine, l, &c.origin, d);
        }
        if let Some(v) = s.serverless_v2 {
            let steps = |x: f64| (x * 2.0).fract() == 0.0;
            if !(0.0..=256.0).contains(&v.min_capacity) || !steps(v.min_capacity) {
                d.push(
                    Diagnostic::at(
                        c.origin.place(&["serverless_v2", "min_capacity"]),
                        format!(
                            "min_capacity {} is not a Serverless v2 capacity",
                            v.min_capacity
                        ),
                    )
                    .help("ACUs from 0 to 256 in steps of 0.5"),
                );
            }
            if !(1.0..=256.0).contains(&v.max_capacity)
                || !steps(v.max_capacity)
                || v.max_capacity < v.min_capacity
            {
                d.push(
                    Diagnostic::at(
                        c.origin.place(&["serverless_v2", "max_capacity"]),
                        format!(
                            "max_capacity {} is not a Serverless v2 capacity of at least min_capacity {}",
                            v.max_capacity, v.min_capacity
                        ),
                    )
                    .help("ACUs from 1 to 256 in steps of 0.5, at least min_capacity"),
                );
            }
        }
        for (n, m) in s.instance.iter().enumerate() {
            if m.instance_class == "db.serverless" && s.serverless_v2.is_none() {
                let n = n.to_string();
                d.push(
                    Diagnostic::at(
                        c.origin.place(&["instance", &n, "instance_class"]),
                        "a db.serverless member needs the cluster's serverless_v2 capacity range",
                    )
                    .help("add serverless_v2 = { min_capacity = 0.5, max_capacity = 16 } to the cluster"),
                );
            }
        }
    }
}

fn check_observed(
    cfg: &Config,
    roles: &BTreeMap<&str, &super::load::Decl<super::types::IamRoleConfig>>,
    o: &Observed,
    origin: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    if o.iops.is_some() && !matches!(o.storage_type, Some("gp3" | "io1" | "io2")) {
        d.push(
            Diagnostic::at(
                origin.place(&["iops"]),
                format!(
                    "iops needs storage_type gp3, io1 or io2, not {}",
                    o.storage_type.unwrap_or("the default (gp2)")
                ),
            )
            .help("set storage_type = \"gp3\" (or io1/io2), or remove iops"),
        );
    }
    if o.storage_throughput.is_some() && o.storage_type != Some("gp3") {
        d.push(
            Diagnostic::at(
                origin.place(&["storage_throughput"]),
                "storage_throughput is for gp3 storage only",
            )
            .help("set storage_type = \"gp3\", or remove storage_throughput"),
        );
    }
    if let (Some(e), Some(l)) = (o.engine, o.log_exports) {
        check_logs(e, l, origin, d);
    }
    if let Some(r) = o.performance_insights_retention_days {
        if r != 7 && !(r % 31 == 0 && (31..=731).contains(&r)) {
            d.push(
                Diagnostic::at(
                    origin.place(&["performance_insights_retention_days"]),
                    format!("{r} days is not a Performance Insights retention"),
                )
                .help("7 (the free tier), or a multiple of 31 up to 731"),
            );
        }
    }
    if let Some(n) = o.monitoring_interval {
        if ![0, 1, 5, 10, 15, 30, 60].contains(&n) {
            d.push(
                Diagnostic::at(
                    origin.place(&["monitoring_interval"]),
                    format!("{n} is not an enhanced monitoring interval"),
                )
                .help("one of 0 (off), 1, 5, 10, 15, 30, 60 seconds"),
            );
        } else if n > 0 && o.monitoring_role.is_none() {
            d.push(
                Diagnostic::at(
                    origin.place(&["monitoring_interval"]),
                    "enhanced monitoring needs a monitoring_role",
                )
                .help("add monitoring_role = \"NAME\" (an iam_role assumed by monitoring.rds.amazonaws.com) or a role ARN"),
            );
        }
    }
    if let Some(role) = o.monitoring_role.filter(|r| !r.starts_with("arn:")) {
        if check_ref(
            roles,
            &cfg.declared_roles,
            role,
            "iam_role",
            origin,
            &["monitoring_role"],
            d,
        ) {
            let assumed = &roles[role].spec.assumed_by;
            if assumed != "monitoring.rds.amazonaws.com" {
                d.push(
                    Diagnostic::at(
                        origin.place(&["monitoring_role"]),
                        format!("iam_role `{role}` is assumed by {assumed}, but enhanced monitoring assumes it as monitoring.rds.amazonaws.com"),
                    )
                    .help(format!("set assumed_by = \"monitoring.rds.amazonaws.com\" on iam_role.{role}")),
                );
            }
        }
    }
}

/// CloudWatch Logs export names each engine offers.
fn log_names(engine: &str) -> &'static [&'static str] {
    match engine {
        "mysql" | "mariadb" => &[
            "audit",
            "error",
            "general",
            "slowquery",
            "iam-db-auth-error",
        ],
        "postgres" => &["postgresql", "upgrade", "iam-db-auth-error"],
        "aurora-mysql" => &[
            "audit",
            "error",
            "general",
            "slowquery",
            "iam-db-auth-error",
            "instance",
        ],
        "aurora-postgresql" => &["postgresql", "iam-db-auth-error", "instance"],
        e if e.starts_with("oracle") => &["alert", "audit", "listener", "trace", "oemagent"],
        e if e.starts_with("sqlserver") => &["agent", "error"],
        _ => &[],
    }
}

fn check_logs(engine: &str, logs: &[String], origin: &Origin, d: &mut Vec<Diagnostic>) {
    let names = log_names(engine);
    if names.is_empty() {
        return;
    }
    for (i, l) in logs.iter().enumerate() {
        if !names.contains(&l.as_str()) {
            let i = i.to_string();
            d.push(
                Diagnostic::at(
                    origin.place(&["log_exports", &i]),
                    format!("{engine} has no log `{l}` to export"),
                )
                .help(format!("{engine} exports: {}", names.join(", "))),
            );
        }
    }
}

/// gp3 IOPS and throughput are configurable only from the engine's threshold size on, within
/// AWS's ranges; io1 and io2 IOPS go with the size (RDS user guide, "Amazon RDS DB instance
/// storage").
fn check_provisioned(s: &super::types::InstanceConfig, origin: &Origin, d: &mut Vec<Diagnostic>) {
    let size = s.allocated_storage;
    let engine = s.engine.as_str();
    let mut bad = |field: &str, message: String, help: String| {
        d.push(Diagnostic::at(origin.place(&[field]), message).help(help));
    };
    match s.storage_type.as_deref() {
        Some("gp3") => {
            let sqlserver = engine.starts_with("sqlserver");
            let threshold = if engine.starts_with("oracle") {
                200
            } else {
                400
            };
            let (iops, mibs) = if sqlserver {
                ((3000, 16000), (125, 1000))
            } else {
                ((12000, 64000), (500, 4000))
            };
            let configurable = sqlserver || size >= threshold;
            for (field, value, (lo, hi), unit) in [
                ("iops", s.iops, iops, "IOPS"),
                ("storage_throughput", s.storage_throughput, mibs, "MiB/s"),
            ] {
                let Some(v) = value else { continue };
                if !configurable {
                    bad(
                        field,
                        format!("gp3 {field} cannot be set for {engine} below {threshold} GiB (allocated_storage = {size}): it is the baseline"),
                        format!("remove {field}, or set allocated_storage = {threshold} or more"),
                    );
                } else if v < lo || v > hi {
                    bad(
                        field,
                        format!("gp3 {field} {v} is outside {lo}-{hi} {unit} for {engine}"),
                        format!("set {field} between {lo} and {hi}"),
                    );
                }
            }
        }
        Some(t @ ("io1" | "io2")) => {
            let max_ratio = if t == "io1" { 50 } else { 1000 };
            match s.iops {
                None => bad(
                    "storage_type",
                    format!("{t} storage needs iops"),
                    format!("set iops between {size} and {} for {size} GiB", size * max_ratio),
                ),
                Some(v) if v < size || v > size * max_ratio || v < 1000 => bad(
                    "iops",
                    format!("{t} iops {v} does not fit {size} GiB (1 to {max_ratio} IOPS per GiB, at least 1000)"),
                    format!("set iops between {} and {}", size.max(1000), size * max_ratio),
                ),
                _ => {}
            }
        }
        _ => {}
    }
}
