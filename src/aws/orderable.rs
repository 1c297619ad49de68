//! Which instance classes each engine can be ordered on in the region
//! (DescribeOrderableDBInstanceOptions): one call per distinct engine and class the files name,
//! once per run, and for a class with no offer one more call to tell "not offered" from "this
//! endpoint lists nothing for the engine" (then the built-in table alone decides).

use super::AwsError;
use aws_sdk_rds::Client;
use std::collections::BTreeMap;

use crate::model::Offer;

async fn offers(
    c: &Client,
    engine: &str,
    class: Option<&str>,
) -> Result<Vec<aws_sdk_rds::types::OrderableDbInstanceOption>, AwsError> {
    let out = c
        .describe_orderable_db_instance_options()
        .engine(engine)
        .set_db_instance_class(class.map(str::to_string))
        .max_records(100)
        .send()
        .await
        .map_err(super::error::sdk(
            engine,
            "DescribeOrderableDBInstanceOptions",
        ))?;
    Ok(out.orderable_db_instance_options().to_vec())
}

/// `engine|class` → what AWS offers.
pub async fn read(
    c: &Client,
    wanted: &[(String, String)],
) -> Result<BTreeMap<String, Offer>, AwsError> {
    let calls = wanted.iter().map(|(engine, class)| async move {
        let found = offers(c, engine, Some(class)).await?;
        let offer = if !found.is_empty() {
            Offer::Yes {
                multi_az: found.iter().any(|o| o.multi_az_capable() == Some(true)),
            }
        } else if offers(c, engine, None).await?.is_empty() {
            Offer::Unknown
        } else {
            Offer::No
        };
        Ok::<_, AwsError>((format!("{engine}|{class}"), offer))
    });
    Ok(futures::future::try_join_all(calls)
        .await?
        .into_iter()
        .collect())
}
