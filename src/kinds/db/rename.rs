//! Renaming a database in place: ModifyDBInstance / ModifyDBCluster with a new identifier,
//! applied immediately (AWS offers no other timing for it). The data, the DbiResourceId and the
//! tags stay; the endpoint and the ARN change. Idempotent: when the new identifier already
//! exists (an earlier run renamed it and stopped), only the wait remains.

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

/// Renames an instance (standalone, replica or Aurora member) from `live.name` to `to`, waits
/// until it is available under the new name, and returns `live` with its new name and ARN.
pub async fn instance(
    c: &Client,
    live: &Resource,
    to: &str,
    timeout: Duration,
) -> Result<Resource, AwsError> {
    let addr = live.address.as_str();
    let existing = crate::kinds::db::instance::describe_instance(c, to).await?;
    if let Some(i) = &existing {
        // Ours only if an earlier run renamed it (it was retagged with this address first).
        ensure_ours(addr, to, &crate::aws::tags::rds_pairs(i.tag_list()))?;
    } else {
        let sent = c
            .modify_db_instance()
            .db_instance_identifier(&live.name)
            .new_db_instance_identifier(to)
            .apply_immediately(true)
            .send()
            .await
            .map_err(sdk(addr, "ModifyDBInstance (rename)"));
        // A retry of a rename whose answer was lost finds the old identifier gone: done when
        // the new one is this database.
        if let Err(e) = sent {
            if !e.is_code(&["DBInstanceNotFound", "DBInstanceNotFoundFault"]) {
                return Err(e);
            }
            match crate::kinds::db::instance::describe_instance(c, to).await? {
                Some(i) => ensure_ours(addr, to, &crate::aws::tags::rds_pairs(i.tag_list()))?,
                None => return Err(e),
            }
        }
    }
    let now = crate::kinds::db::instance::wait_available(c, addr, to, timeout).await?;
    let mut r = live.clone();
    r.name = to.to_string();
    r.id = now.db_instance_arn().map(str::to_string).or(r.id);
    Ok(r)
}

/// Renames an Aurora cluster (its members keep their identifiers until their own steps rename
/// them) and returns `live` with its new name and ARN.
pub async fn cluster(
    c: &Client,
    live: &Resource,
    to: &str,
    timeout: Duration,
) -> Result<Resource, AwsError> {
    let addr = live.address.as_str();
    let existing = crate::kinds::db::cluster::describe_cluster(c, to).await?;
    if let Some(cl) = &existing {
        ensure_ours(addr, to, &crate::aws::tags::rds_pairs(cl.tag_list()))?;
    } else {
        let sent = c
            .modify_db_cluster()
            .db_cluster_identifier(&live.name)
            .new_db_cluster_identifier(to)
            .apply_immediately(true)
            .send()
            .await
            .map_err(sdk(addr, "ModifyDBCluster (rename)"));
        if let Err(e) = sent {
            if !e.is_code(&["DBClusterNotFoundFault"]) {
                return Err(e);
            }
            match crate::kinds::db::cluster::describe_cluster(c, to).await? {
                Some(cl) => ensure_ours(addr, to, &crate::aws::tags::rds_pairs(cl.tag_list()))?,
                None => return Err(e),
            }
        }
    }
    let now = crate::kinds::db::cluster::wait_cluster_available(c, addr, to, timeout).await?;
    let mut r = live.clone();
    r.name = to.to_string();
    r.id = now.db_cluster_arn().map(str::to_string).or(r.id);
    Ok(r)
}
