//! Manual snapshots taken now (`rdsplan snapshot`): of an instance or replica
//! (CreateDBSnapshot) or of an Aurora cluster (CreateDBClusterSnapshot), waited for until
//! `available`, since a snapshot still being made is no way back yet.
//!
//! Guaranteed: one snapshot per name. A run that stopped after AWS took the create (or whose
//! answer was lost) finds the snapshot of that name of the same database and waits for it; a
//! snapshot of that name of another database is an error, never a second snapshot. A snapshot
//! is tagged with the environment and the address it was taken of, but not as a resource of the
//! environment (no `rdsplan:address`): no plan ever deletes it.

use crate::aws::AwsError;
use aws_sdk_rds::error::ProvideErrorMetadata;
use aws_sdk_rds::types::Tag;
use aws_sdk_rds::Client;
use std::time::Duration;

/// What the snapshot is of: a DB instance (standalone or replica) or an Aurora cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Instance,
    Cluster,
}

/// A snapshot as AWS describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: String,
    pub arn: String,
    pub status: String,
    /// The identifier of the database it was taken of.
    pub source: String,
}

/// The name AWS accepts for a snapshot: 1 to 255 letters, digits and hyphens, a letter first,
/// no two hyphens in a row, no hyphen last. `None` when `name` is one, else why not.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 255 {
        return Some("must be 1 to 255 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("must begin with a letter");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("may hold only letters, digits and hyphens");
    }
    if name.contains("--") || name.ends_with('-') {
        return Some("may not hold two hyphens in a row or end with one");
    }
    None
}

/// The default name: the database's identifier and the UTC time to the second
/// (`prod-orders-20261208-041500`), within AWS's 255 characters.
pub fn default_name(db: &str, now: aws_smithy_types::DateTime) -> String {
    let stamp = now
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    // 2026-12-08T04:15:00Z (fractions dropped) -> 20261208-041500
    let digits: String = stamp
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    let mut base: String = db.chars().take(255 - digits.len() - 1).collect();
    while base.ends_with('-') {
        base.pop();
    }
    format!("{base}-{digits}")
}

/// The snapshot `name`, or `None` when AWS has none.
pub async fn describe(c: &Client, of: Of, name: &str) -> Result<Option<Snapshot>, AwsError> {
    let found = match of {
        Of::Instance => c
            .describe_db_snapshots()
            .db_snapshot_identifier(name)
            .send()
            .await
            .map(|o| {
                o.db_snapshots().first().map(|s| Snapshot {
                    id: s.db_snapshot_identifier().unwrap_or_default().into(),
                    arn: s.db_snapshot_arn().unwrap_or_default().into(),
                    status: s.status().unwrap_or_default().into(),
                    source: s.db_instance_identifier().unwrap_or_default().into(),
                })
            })
            .map_err(|e| {
                let e = e.into_service_error();
                (e.code().map(str::to_string), "DescribeDBSnapshots")
            }),
        Of::Cluster => c
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(name)
            .send()
            .await
            .map(|o| {
                o.db_cluster_snapshots().first().map(|s| Snapshot {
                    id: s
                        .db_cluster_snapshot_identifier()
                        .unwrap_or_default()
                        .into(),
                    arn: s.db_cluster_snapshot_arn().unwrap_or_default().into(),
                    status: s.status().unwrap_or_default().into(),
                    source: s.db_cluster_identifier().unwrap_or_default().into(),
                })
            })
            .map_err(|e| {
                let e = e.into_service_error();
                (e.code().map(str::to_string), "DescribeDBClusterSnapshots")
            }),
    };
    // Not found is `None`; any other error names the operation and AWS's code.
    found.or_else(|(code, op)| {
        crate::aws::error::missing_code(name, op, code.as_deref()).map(|_| None)
    })
}

/// Takes the snapshot `name` of the database `db` (unless a run before took it) and, with
/// `wait`, waits until it is `available` (polling soon, then every `cadence`, within `timeout`).
pub async fn take(
    c: &Client,
    of: Of,
    db: &str,
    name: &str,
    tags: Vec<Tag>,
    wait: Option<(Duration, Duration)>,
) -> Result<Snapshot, AwsError> {
    let mine = |s: &Snapshot| s.source == db;
    let existing = describe(c, of, name).await?;
    match &existing {
        Some(s) if !mine(s) => {
            return Err(AwsError::new(
                name,
                "create snapshot",
                format!(
                    "a snapshot of this name already exists, of `{}`; choose another --name",
                    s.source
                ),
            ))
        }
        Some(_) => {}
        None => create(c, of, db, name, tags).await?,
    }
    let Some((cadence, timeout)) = wait else {
        return describe(c, of, name)
            .await?
            .ok_or_else(|| AwsError::new(name, "create snapshot", "AWS does not list it"));
    };
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(200).min(cadence);
    loop {
        if let Some(s) = describe(c, of, name).await? {
            match s.status.as_str() {
                "available" => return Ok(s),
                "failed" | "error" | "incompatible-restore" => {
                    return Err(AwsError::new(
                        name,
                        "wait for snapshot",
                        format!("status is {}", s.status),
                    ))
                }
                _ => {}
            }
        }
        if tokio::time::Instant::now() + delay > deadline {
            return Err(AwsError::new(
                name,
                "wait for snapshot",
                format!("not available after {}s", timeout.as_secs()),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(cadence);
    }
}

async fn create(c: &Client, of: Of, db: &str, name: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
    // Taken by an earlier attempt whose answer was lost: it counts when it is of this database.
    let taken = |code: Option<&str>| {
        matches!(
            code,
            Some("DBSnapshotAlreadyExists" | "DBClusterSnapshotAlreadyExistsFault")
        )
    };
    let refused = match of {
        Of::Instance => match c
            .create_db_snapshot()
            .db_snapshot_identifier(name)
            .db_instance_identifier(db)
            .set_tags(Some(tags))
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                (
                    taken(e.code()),
                    AwsError::from_sdk(name, "CreateDBSnapshot", e),
                )
            }
        },
        Of::Cluster => match c
            .create_db_cluster_snapshot()
            .db_cluster_snapshot_identifier(name)
            .db_cluster_identifier(db)
            .set_tags(Some(tags))
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                (
                    taken(e.code()),
                    AwsError::from_sdk(name, "CreateDBClusterSnapshot", e),
                )
            }
        },
    };
    match refused {
        (true, e) => match describe(c, of, name).await? {
            Some(s) if s.source == db => Ok(()),
            _ => Err(e),
        },
        (false, e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_follow_aws_rules() {
        assert_eq!(name_problem("before-migration"), None);
        assert_eq!(name_problem("a1"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("1abc").is_some());
        assert!(name_problem("a--b").is_some());
        assert!(name_problem("ab-").is_some());
        assert!(name_problem("a_b").is_some());
        assert!(name_problem(&"a".repeat(256)).is_some());
    }

    #[test]
    fn the_default_name_is_the_database_and_the_utc_time() {
        let t = aws_smithy_types::DateTime::from_secs(1_796_702_100);
        let n = default_name("prod-orders", t);
        assert_eq!(n, "prod-orders-20261208-035500");
        assert_eq!(name_problem(&n), None);
        let long = default_name(&"d".repeat(300), t);
        assert!(long.len() <= 255 && name_problem(&long).is_none(), "{long}");
    }
}
