//! Databases: DB instances, read replicas, Aurora clusters and their members, and the long
//! multi-call operations on them (modify, restore, blue/green upgrades, renames).

pub mod blue_green;
pub mod cluster;
pub mod instance;
pub mod modify;
pub mod read;
pub mod rename;
pub mod restore;
pub mod scope;
pub mod snapshot;
pub mod steps;

use crate::aws::{wait, AwsError};
use aws_sdk_rds::Client;
use std::time::Duration;

/// What the steps need of one kind of database, written once for both: the SDK's `DbInstance`
/// and `DbCluster` share no trait, and each of their calls is a builder of its own, so each
/// kind says how it is described ([`describe_one!`] writes the call); waiting
/// ([`wait_available`]) and renaming (`rename`) are generic over this.
pub(crate) trait Database: Sized {
    /// For messages: "instance", "cluster".
    const NOUN: &'static str;
    /// The database with this identifier, `None` when AWS has none.
    async fn describe(c: &Client, ident: &str) -> Result<Option<Self>, AwsError>;
    fn status(&self) -> &str;
    fn tags(&self) -> Vec<(String, String)>;
    fn arn(&self) -> Option<&str>;
    fn engine(&self) -> Option<&str>;
    fn engine_version(&self) -> Option<&str>;
    fn security_group_ids(&self) -> Vec<&str>;
    fn storage_encrypted(&self) -> bool;
    fn master_username(&self) -> Option<&str>;
    /// Whether RDS keeps the master password in Secrets Manager (`credentials = "managed"`).
    fn managed_password(&self) -> bool;
    fn deletion_protection(&self) -> bool;
    fn iam_database_authentication(&self) -> bool;
}

/// What instances and clusters read back alike: engine and version, security groups (as
/// addresses, by `map`), encryption, the master user and where its password is kept, deletion
/// protection, IAM authentication, rdsplan's markers (`skip_final_snapshot`, a restore still
/// pending), the status and the user's tags.
pub(crate) fn common_attrs<D: Database>(
    d: &D,
    tags: Vec<(String, String)>,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Vec<(&'static str, crate::model::Value)> {
    use crate::model::Value;
    use instance::{marked, TAG_RESTORE_PENDING, TAG_SKIP_FINAL_SNAPSHOT};
    let credentials = if d.managed_password() {
        "managed"
    } else {
        "generated"
    };
    let mut out = vec![
        ("engine", Value::str(d.engine().unwrap_or_default())),
        (
            "engine_version",
            Value::str(d.engine_version().unwrap_or_default()),
        ),
        (
            "security_groups",
            Value::set(d.security_group_ids().into_iter().map(map)),
        ),
        ("storage_encrypted", Value::Bool(d.storage_encrypted())),
        (
            "master_username",
            Value::str(d.master_username().unwrap_or_default()),
        ),
        ("credentials", Value::str(credentials)),
        ("deletion_protection", Value::Bool(d.deletion_protection())),
        (
            "iam_database_authentication",
            Value::Bool(d.iam_database_authentication()),
        ),
        (
            "skip_final_snapshot",
            Value::Bool(marked(&tags, TAG_SKIP_FINAL_SNAPSHOT)),
        ),
        ("status", Value::str(d.status())),
    ];
    if marked(&tags, TAG_RESTORE_PENDING) {
        out.push(("restore_pending", Value::Bool(true)));
    }
    out.push(("tags", Value::Map(crate::aws::user_tags(tags))));
    out
}

/// One describe by identifier (DescribeDBInstances, DescribeDBClusters): the first answer, or
/// `None` on AWS's not-found fault; other errors keep whether they may be retried.
macro_rules! describe_one {
    ($c:expr, $ident:expr, $call:ident, $by:ident, $list:ident, $not_found:ident, $op:literal) => {
        match $c.$call().$by($ident).send().await {
            Ok(out) => Ok(out.$list().first().cloned()),
            Err(e) => {
                let retry = crate::aws::error::classify(&e);
                let e = e.into_service_error();
                if e.$not_found() {
                    Ok(None)
                } else {
                    let mut e = crate::aws::AwsError::from_sdk($ident, $op, e);
                    e.retry = retry;
                    Err(e)
                }
            }
        }
    };
}
pub(crate) use describe_one;

/// Waits until the database `ident` is usable (its status means done, see `aws::status`);
/// returns it. A status that means failure is an error naming it.
pub(crate) async fn wait_available<D: Database>(
    c: &Client,
    address: &str,
    ident: &str,
    timeout: Duration,
) -> Result<D, AwsError> {
    use crate::aws::status::{meaning, Meaning};
    wait::until(address, timeout, || async {
        let Some(db) = D::describe(c, ident).await? else {
            return Ok(None);
        };
        let status = db.status().to_string();
        match meaning(&status) {
            Meaning::Done => Ok(Some(db)),
            Meaning::Failed => Err(AwsError::new(
                address,
                "wait for available",
                format!("{} is {status}", D::NOUN),
            )),
            Meaning::Wait => Ok(None),
        }
    })
    .await
}
