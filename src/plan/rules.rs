//! The per-kind table the planner consults: which attributes force replacement and how live
//! values are compared with desired ones. Sources: CONFIG.md and the RDS/EC2 APIs (what
//! ModifyDBInstance, ModifyDBSubnetGroup and the EC2 attribute calls can change in place).

use crate::model::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Equal values only.
    Exact,
    /// The desired value is a version prefix: "8.0" is met by "8.0.35".
    VersionPrefix,
    /// With autoscaling (`max_allocated_storage`), live storage at or above the desired minimum
    /// is no change.
    StorageMinimum,
    /// A KMS key given as id or ARN is compared with the live key ARN; an alias cannot be
    /// resolved without KMS and is not compared.
    KmsKey,
    /// Settings for rdsplan itself (apply_immediately, skip_final_snapshot), never in AWS.
    Never,
}

pub struct AttrRule {
    pub forces_replacement: bool,
    pub compare: Compare,
}

const fn r(forces_replacement: bool, compare: Compare) -> AttrRule {
    AttrRule {
        forces_replacement,
        compare,
    }
}

/// The rule for one attribute of one kind. Attributes not listed compare exactly and change in
/// place.
pub fn rule(kind: Kind, attr: &str) -> AttrRule {
    use Compare::*;
    use Kind::*;
    match (kind, attr) {
        (Vpc, "cidr") => r(true, Exact),
        (Subnet, "vpc" | "availability_zone" | "cidr") => r(true, Exact),
        (RouteTable, "vpc") => r(true, Exact),
        (SecurityGroup, "vpc" | "description") => r(true, Exact),
        (Instance, "engine" | "storage_encrypted" | "db_name" | "master_username") => {
            r(true, Exact)
        }
        (Instance, "db_subnet_group") => r(true, Exact),
        (Instance, "kms_key") => r(true, KmsKey),
        (Cluster, "engine" | "storage_encrypted" | "master_username" | "database_name") => {
            r(true, Exact)
        }
        (Cluster, "db_subnet_group") => r(true, Exact),
        (Cluster, "kms_key") => r(true, KmsKey),
        (Cluster, "engine_version") => r(false, VersionPrefix),
        (Cluster | Replica, "apply_immediately" | "secret") => r(false, Never),
        (ClusterInstance, "cluster" | "engine") => r(true, Exact),
        (ClusterInstance, "writer") => r(false, Never),
        (Replica, "source") => r(true, Exact),
        (Instance, "engine_version") => r(false, VersionPrefix),
        (Instance, "allocated_storage") => r(false, StorageMinimum),
        // skip_final_snapshot is kept on the instance as the tag `rdsplan:skip-final-snapshot`,
        // so that deleting an instance removed from the files still honours it.
        (Instance, "apply_immediately" | "secret") => r(false, Never),
        _ => r(false, Exact),
    }
}

/// Every attribute that forces replacement, per kind, for documentation and tests.
pub fn replacement_table() -> Vec<(Kind, Vec<&'static str>)> {
    let attrs: &[(Kind, &[&str])] = &[
        (Kind::Vpc, &["cidr"]),
        (Kind::Subnet, &["vpc", "availability_zone", "cidr"]),
        (Kind::RouteTable, &["vpc"]),
        (Kind::SecurityGroup, &["vpc", "description"]),
        (
            Kind::Instance,
            &[
                "engine",
                "storage_encrypted",
                "kms_key",
                "db_name",
                "master_username",
                "db_subnet_group",
            ],
        ),
        (Kind::Replica, &["source"]),
        (
            Kind::Cluster,
            &[
                "engine",
                "storage_encrypted",
                "kms_key",
                "master_username",
                "database_name",
                "db_subnet_group",
            ],
        ),
        (Kind::ClusterInstance, &["cluster", "engine"]),
    ];
    attrs
        .iter()
        .map(|(k, a)| {
            (
                *k,
                a.iter()
                    .copied()
                    .filter(|x| rule(*k, x).forces_replacement)
                    .collect(),
            )
        })
        .collect()
}

/// Compares dotted versions numerically where both parts are numbers. `None` when they cannot
/// be ordered.
pub fn version_cmp(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return Some(o);
        }
    }
    Some(pa.len().cmp(&pb.len()))
}

/// Whether `live` meets the version prefix `desired`.
pub fn version_matches(desired: &str, live: &str) -> bool {
    live == desired || live.starts_with(&format!("{desired}."))
}

/// When an in-place change takes effect, following the RDS documentation of ModifyDBInstance
/// and ModifyDBCluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Applied at once, without an outage.
    Immediate,
    /// Applied at the next maintenance window (unless `apply_immediately`).
    MaintenanceWindow,
    /// Applied at once, and the database reboots (an outage).
    Reboot,
}

impl Timing {
    pub fn describe(self, window: Option<&str>) -> String {
        match self {
            Timing::Immediate => "immediately".into(),
            Timing::Reboot => "immediately, with a reboot".into(),
            Timing::MaintenanceWindow => match window {
                Some(w) => format!("at the next maintenance window ({w})"),
                None => "at the next maintenance window".into(),
            },
        }
    }
}

/// When a change of `attr` from `before` takes effect on a `kind`. `apply_immediately` moves
/// window changes to now.
pub fn timing(
    kind: Kind,
    attr: &str,
    before: Option<&crate::model::Value>,
    after: Option<&crate::model::Value>,
    apply_immediately: bool,
) -> Timing {
    use Kind::*;
    let window = if apply_immediately {
        Timing::Immediate
    } else {
        Timing::MaintenanceWindow
    };
    match (kind, attr) {
        // The port change restarts the database at once, whatever ApplyImmediately says.
        (Instance | Replica | Cluster, "port") => Timing::Reboot,
        (
            Instance | Replica,
            "instance_class" | "engine_version" | "allocated_storage" | "storage_type" | "multi_az",
        ) => window,
        (ClusterInstance, "instance_class") => window,
        (Cluster, "engine_version") => window,
        // Turning automated backups on or off causes an outage; between non-zero values it
        // is immediate.
        (Instance | Replica, "backup_retention_days") => {
            let zero = |v: Option<&crate::model::Value>| v.and_then(|v| v.as_int()) == Some(0);
            if zero(before) != zero(after) {
                window
            } else {
                Timing::Immediate
            }
        }
        _ => Timing::Immediate,
    }
}
