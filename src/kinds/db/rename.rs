//! Renaming a database in place: ModifyDBInstance / ModifyDBCluster with a new identifier,
//! applied immediately (AWS offers no other timing for it). The data, the DbiResourceId and the
//! tags stay; the endpoint and the ARN change. Idempotent: when the new identifier already
//! exists (an earlier run renamed it and stopped), only the wait remains.

use super::Database;
use crate::aws::error::sdk;
use crate::aws::AwsError;
use crate::model::Resource;
use aws_sdk_rds::Client;
use std::time::Duration;

/// A database found under the new identifier is this one only when it carries this address.
fn ensure_ours(address: &str, to: &str, tags: &[(String, String)]) -> Result<(), AwsError> {
    let ours = tags
        .iter()
        .any(|(k, v)| k == crate::model::TAG_ADDRESS && v == address);
    if ours {
        Ok(())
    } else {
        Err(AwsError::new(
            address,
            "rename",
            format!("the identifier {to} is taken by a database that is not {address}"),
        ))
    }
}

/// How one kind of database is renamed: the SDK's instance and cluster Modify calls are
/// builders of their own; the rename itself (idempotent, lost answers recognised) is written
/// once, in [`rename`].
trait Renamed: Database {
    /// The Modify call, for errors.
    const OPERATION: &'static str;
    /// The error codes of a Modify of an identifier AWS no longer has.
    const NOT_FOUND: &'static [&'static str];
    async fn modify(c: &Client, addr: &str, from: &str, to: &str) -> Result<(), AwsError>;
}

impl Renamed for aws_sdk_rds::types::DbInstance {
    const OPERATION: &'static str = "ModifyDBInstance (rename)";
    const NOT_FOUND: &'static [&'static str] = &["DBInstanceNotFound", "DBInstanceNotFoundFault"];
    async fn modify(c: &Client, addr: &str, from: &str, to: &str) -> Result<(), AwsError> {
        c.modify_db_instance()
            .db_instance_identifier(from)
            .new_db_instance_identifier(to)
            .apply_immediately(true)
            .send()
            .await
            .map(|_| ())
            .map_err(sdk(addr, Self::OPERATION))
    }
}

impl Renamed for aws_sdk_rds::types::DbCluster {
    const OPERATION: &'static str = "ModifyDBCluster (rename)";
    const NOT_FOUND: &'static [&'static str] = &["DBClusterNotFoundFault"];
    async fn modify(c: &Client, addr: &str, from: &str, to: &str) -> Result<(), AwsError> {
        c.modify_db_cluster()
            .db_cluster_identifier(from)
            .new_db_cluster_identifier(to)
            .apply_immediately(true)
            .send()
            .await
            .map(|_| ())
            .map_err(sdk(addr, Self::OPERATION))
    }
}

/// Renames the database `live` to `to`, waits until it is available under the new name, and
/// returns `live` with its new name and ARN.
async fn rename<D: Renamed>(
    c: &Client,
    live: &Resource,
    to: &str,
    timeout: Duration,
) -> Result<Resource, AwsError> {
    let addr = live.address.as_str();
    if let Some(found) = D::describe(c, to).await? {
        // Ours only if an earlier run renamed it (it was retagged with this address first).
        ensure_ours(addr, to, &found.tags())?;
    } else if let Err(e) = D::modify(c, addr, &live.name, to).await {
        // A retry of a rename whose answer was lost finds the old identifier gone: done when
        // the new one is this database.
        if !e.is_code(D::NOT_FOUND) {
            return Err(e);
        }
        match D::describe(c, to).await? {
            Some(found) => ensure_ours(addr, to, &found.tags())?,
            None => return Err(e),
        }
    }
    let now: D = super::wait_available(c, addr, to, timeout).await?;
    let mut r = live.clone();
    r.name = to.to_string();
    r.id = now.arn().map(str::to_string).or(r.id);
    Ok(r)
}

/// Renames an instance (standalone, replica or Aurora member) from `live.name` to `to`.
pub async fn instance(
    c: &Client,
    live: &Resource,
    to: &str,
    timeout: Duration,
) -> Result<Resource, AwsError> {
    rename::<aws_sdk_rds::types::DbInstance>(c, live, to, timeout).await
}

/// Renames an Aurora cluster (its members keep their identifiers until their own steps rename
/// them).
pub async fn cluster(
    c: &Client,
    live: &Resource,
    to: &str,
    timeout: Duration,
) -> Result<Resource, AwsError> {
    rename::<aws_sdk_rds::types::DbCluster>(c, live, to, timeout).await
}
