//! Which engine versions AWS offers in the region (DescribeDBEngineVersions): one paginated call
//! per engine the files pin a version of that no database of the environment runs already,
//! once per run. Best effort, like the engine defaults: one attempt per page, no retries, so
//! that an endpoint without the call (or without the permission) costs one round trip; such
//! an engine is `None`, its versions are not checked, and the plan says so.

use aws_sdk_rds::Client;
use std::collections::BTreeMap;

/// engine → the versions AWS offers, or `None` when they could not be read.
pub async fn read(c: &Client, engines: &[String]) -> BTreeMap<String, Option<Vec<String>>> {
    let calls = engines.iter().map(|engine| async move {
        let once = || {
            aws_sdk_rds::config::Builder::default()
                .retry_config(aws_sdk_rds::config::retry::RetryConfig::disabled())
        };
        let mut versions: Vec<String> = vec![];
        let mut marker: Option<String> = None;
        // At most 20 pages of 100: an engine has a few dozen versions per major.
        for _ in 0..20 {
            let page = c
                .describe_db_engine_versions()
                .engine(engine)
                .max_records(100)
                .set_marker(marker.clone())
                .customize()
                .config_override(once())
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    let e =
                        super::AwsError::from_sdk(engine.as_str(), "DescribeDBEngineVersions", e);
                    tracing::debug!("{e}");
                    return (engine.clone(), None);
                }
            };
            versions.extend(
                page.db_engine_versions()
                    .iter()
                    .filter_map(|v| v.engine_version().map(str::to_string)),
            );
            marker = page.marker().map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        (engine.clone(), Some(versions))
    });
    futures::future::join_all(calls).await.into_iter().collect()
}
