//! AWS rules the test proxy enforces where moto is lenient, always on, as on AWS (besides the
//! refusal of a delete without a final-snapshot choice, in `proxy::aws_refusal`):
//! - a create (or restore) onto an identifier that exists fails with `DBInstanceAlreadyExists` /
//!   `DBClusterAlreadyExistsFault` (moto overwrites replicas and clusters);
//! - a storage modification (AllocatedStorage, StorageType, Iops, StorageThroughput) within the
//!   cooldown of the previous one on the same instance fails (AWS: six hours, and while storage
//!   optimization runs); each accepted one is also published as an RDS event, as AWS does and
//!   moto does not;
//! - a parameter group modified with `ApplyMethod=pending-reboot`, or newly attached by
//!   ModifyDBInstance, shows `pending-reboot` on each instance using it until the instance
//!   reboots (moto says `in-sync` always).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

/// The cooldown between two storage modifications of one instance on AWS.
pub const STORAGE_COOLDOWN: Duration = Duration::from_secs(6 * 3600);

#[derive(Default)]
pub struct Rules {
    /// When each instance's storage was last modified (wall clock: it is published in events).
    pub storage_changed: HashMap<String, SystemTime>,
    /// When each parameter group was last modified with `pending-reboot`.
    pub group_modified: HashMap<String, Instant>,
    /// When each instance last started with its parameter groups in effect (created or
    /// rebooted).
    pub synced: HashMap<String, Instant>,
    /// Instances given a new parameter group since their last reboot.
    pub new_group: HashSet<String>,
    /// Refusals, by AWS error code.
    pub refused: HashMap<String, usize>,
}

/// The identifier a create or restore gives, and whether it names a cluster.
pub fn creates(action: &str) -> Option<(&'static str, bool)> {
    match action {
        "CreateDBInstance" | "CreateDBInstanceReadReplica" => Some(("DBInstanceIdentifier", false)),
        "RestoreDBInstanceFromDBSnapshot" => Some(("DBInstanceIdentifier", false)),
        "RestoreDBInstanceToPointInTime" => Some(("TargetDBInstanceIdentifier", false)),
        "CreateDBCluster" | "RestoreDBClusterFromSnapshot" => Some(("DBClusterIdentifier", true)),
        "RestoreDBClusterToPointInTime" => Some(("DBClusterIdentifier", true)),
        _ => None,
    }
}

/// The describe that finds `ident`, as a Query body.
pub fn probe_body(ident: &str, cluster: bool) -> String {
    if cluster {
        format!("Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier={ident}")
    } else {
        format!("Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier={ident}")
    }
}

/// Whether a describe's response lists `ident`.
pub fn lists(resp: &[u8], ident: &str, cluster: bool) -> bool {
    let tag = if cluster {
        "DBClusterIdentifier"
    } else {
        "DBInstanceIdentifier"
    };
    String::from_utf8_lossy(resp).contains(&format!("<{tag}>{ident}</{tag}>"))
}

/// The error AWS gives for a taken identifier.
pub fn already_exists(cluster: bool) -> (&'static str, &'static str) {
    if cluster {
        ("DBClusterAlreadyExistsFault", "DB Cluster already exists")
    } else {
        ("DBInstanceAlreadyExists", "DB instance already exists")
    }
}

/// Whether a ModifyDBInstance body changes storage.
pub fn changes_storage(body: &str) -> bool {
    body.split('&').any(|kv| {
        [
            "AllocatedStorage=",
            "StorageType=",
            "Iops=",
            "StorageThroughput=",
        ]
        .iter()
        .any(|p| kv.starts_with(p))
    })
}

impl Rules {
    /// Why a storage modification of `ident` is refused now, if it is.
    pub fn storage_refusal(&self, ident: &str) -> Option<String> {
        let at = self.storage_changed.get(ident)?;
        let age = SystemTime::now().duration_since(*at).unwrap_or_default();
        (age < STORAGE_COOLDOWN).then(|| format!("You can't currently modify the storage of DB instance {ident}: the last storage modification was less than 6 hours ago."))
    }

    /// Whether `ident`, using `group`, has parameter changes waiting for a reboot.
    fn pending_reboot(&self, ident: &str, group: &str) -> bool {
        if self.new_group.contains(ident) {
            return true;
        }
        match (self.group_modified.get(group), self.synced.get(ident)) {
            (Some(m), Some(s)) => m > s,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// An instance block of DescribeDBInstances with its parameter apply status as AWS has it.
    pub fn instance_block(&self, ident: &str, block: String) -> String {
        let group = block
            .split("<DBParameterGroupName>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap_or_default();
        if self.pending_reboot(ident, group) {
            block.replacen(
                "<ParameterApplyStatus>in-sync</ParameterApplyStatus>",
                "<ParameterApplyStatus>pending-reboot</ParameterApplyStatus>",
                1,
            )
        } else {
            block
        }
    }

    /// A DescribeEvents response with the storage modifications added.
    pub fn events(&self, resp: &[u8]) -> Vec<u8> {
        if self.storage_changed.is_empty() {
            return resp.to_vec();
        }
        let events: String = self
            .storage_changed
            .iter()
            .map(|(ident, at)| {
                let secs = at
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs() as i64;
                let date = aws_sdk_rds::primitives::DateTime::from_secs(secs)
                    .fmt(aws_sdk_rds::primitives::DateTimeFormat::DateTime)
                    .unwrap_or_default();
                format!("<Event><SourceIdentifier>{ident}</SourceIdentifier><SourceType>db-instance</SourceType><Message>Finished applying modification to allocated storage</Message><EventCategories><EventCategory>configuration change</EventCategory></EventCategories><Date>{date}</Date></Event>")
            })
            .collect();
        super::proxy::rewrite_body(resp, |body| {
            if body.contains("<Events/>") {
                body.replacen("<Events/>", &format!("<Events>{events}</Events>"), 1)
            } else {
                body.replacen("</Events>", &format!("{events}</Events>"), 1)
            }
        })
    }
}

#[test]
fn storage_parameters_are_recognised() {
    assert!(changes_storage(
        "Action=ModifyDBInstance&DBInstanceIdentifier=a&AllocatedStorage=30"
    ));
    assert!(changes_storage("Action=ModifyDBInstance&Iops=3000"));
    assert!(!changes_storage(
        "Action=ModifyDBInstance&DBInstanceClass=db.t3.large&MaxAllocatedStorage=100"
    ));
}

#[test]
fn pending_reboot_lasts_until_a_reboot_after_the_change() {
    let mut r = Rules::default();
    r.synced.insert("a".into(), Instant::now());
    let block = "<DBParameterGroups><DBParameterGroup><DBParameterGroupName>g</DBParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>".to_string();
    assert!(r.instance_block("a", block.clone()).contains("in-sync"));
    r.group_modified.insert("g".into(), Instant::now());
    assert!(r
        .instance_block("a", block.clone())
        .contains("pending-reboot"));
    r.synced.insert("a".into(), Instant::now());
    assert!(r.instance_block("a", block).contains("in-sync"));
}
