//! A generated secret's apply steps. Its password is never written here: the secret is made
//! with what is known of its fields, and its database's step puts the password in.

use super::secret;
use super::step::{StepContext, Upsert};
use crate::aws::AwsError;
use crate::model::{Resource, Value};
use std::collections::BTreeMap;

/// A generated secret's step: created with what is known of its fields (the password comes from
/// its database's step), or its fields and tags updated.
pub async fn apply_step(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let (sm, d, addr) = (&s.ctx.clients.secrets, s.d, s.addr());
    match s.before {
        None => secret::ensure(sm, s.env(), addr, &d.name, &known_fields(d), &s.tags).await?,
        Some(_) => {
            if s.changed.iter().any(|x| x != "tags") {
                secret::update_fields(sm, addr, &d.name, &known_fields(d)).await?;
            }
            if let (Some(old), Some(arn)) = (&s.old_tags, &s.live_id) {
                secret::set_tags(sm, addr, arn, old, &s.tags).await?;
            }
        }
    }
    s.created(&d.name);
    // A secret's detail is never shown: its name is its address's.
    Ok(None)
}

fn known_fields(d: &Resource) -> BTreeMap<String, Value> {
    d.attrs
        .iter()
        .filter(|(k, v)| k.as_str() != "tags" && !v.is_unknown())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Schedules the deletion of a secret (30 days' recovery), checked again against AWS itself
/// first (the plan's read may have missed the database): a secret whose database still exists
/// keeps the only copy of its password.
pub async fn delete_step(ctx: &StepContext, l: &Resource) -> Result<Option<String>, AwsError> {
    let (rds, addr) = (&ctx.clients.rds, l.address.as_str());
    let exists = match (
        l.str("db_instance_identifier"),
        l.str("db_cluster_identifier"),
    ) {
        (Some(i), _) => crate::kinds::db::instance::describe_instance(rds, i)
            .await?
            .filter(|x| x.db_instance_status() != Some("deleting"))
            .map(|_| i),
        (None, Some(cl)) => crate::kinds::db::cluster::describe_cluster(rds, cl)
            .await?
            .filter(|x| x.status() != Some("deleting"))
            .map(|_| cl),
        (None, None) => None,
    };
    if let Some(db) = exists {
        return Err(AwsError::new(
            addr,
            "DeleteSecret",
            format!("not deleted: it records the password of {db}, which still exists"),
        ));
    }
    secret::schedule_deletion(&ctx.clients.secrets, addr, &l.name).await?;
    Ok(Some("scheduled for deletion in 30 days".into()))
}
