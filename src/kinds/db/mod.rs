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
