//! Option groups: read (one paginated DescribeOptionGroups, tags of the groups whose names
//! carry the environment's prefix), created with their tags, options included and removed in
//! one ModifyOptionGroup (applied at once: the group's databases pick them up as AWS applies
//! them), deleted.
//!
//! The model's encoding of options and their comparison are in `model::option_settings`.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use crate::model::option_settings::{decode_settings, encode_settings, option_changes};
use crate::model::{Address, Kind, Resource, Value};
use aws_sdk_rds::types::{OptionConfiguration, OptionGroup, OptionSetting};
use aws_sdk_rds::Client;
use std::collections::BTreeMap;

/// A live group in the model's terms: every option with every setting AWS reports (the
/// planner compares only the settings the files name).
pub fn group_resource(addr: Address, g: &OptionGroup, tags: Vec<(String, String)>) -> Resource {
    let options: BTreeMap<String, String> = g
        .options()
        .iter()
        .map(|o| {
            let settings: BTreeMap<String, String> = o
                .option_settings()
                .iter()
                .filter_map(|s| Some((s.name()?.to_string(), s.value()?.to_string())))
                .collect();
            (
                o.option_name().unwrap_or_default().to_string(),
                encode_settings(&settings),
            )
        })
        .collect();
    let mut r = Resource::new(
        addr,
        Kind::OptionGroup,
        g.option_group_name().unwrap_or_default(),
    )
    .with("engine", Value::str(g.engine_name().unwrap_or_default()))
    .with(
        "major_engine_version",
        Value::str(g.major_engine_version().unwrap_or_default()),
    )
    .with(
        "description",
        Value::str(g.option_group_description().unwrap_or_default()),
    )
    .with("options", Value::Map(options))
    .with("tags", Value::Map(crate::aws::user_tags(tags)));
    r.id = g.option_group_arn().map(str::to_string);
    r
}

/// Reads the option groups the environment owns, and look-alikes without its tags.
pub async fn read(
    c: &Clients,
    g: &super::group_names::GroupRead<'_>,
) -> Result<(Vec<(OptionGroup, Vec<(String, String)>)>, Vec<OptionGroup>), AwsError> {
    let env = g.env;
    let all = async {
        let all: Vec<OptionGroup> = c
            .rds
            .describe_option_groups()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk("option groups", "DescribeOptionGroups"))?;
        Ok::<_, AwsError>(all)
    };
    // Both at once: the region's groups (once per run that shares them), and which of them
    // outside the prefix are ours.
    let (all, tagged) = futures::future::try_join(
        crate::aws::shared::once(g.shared, "rds:option-groups", all),
        g.tagged.get(&c.tagging, env),
    )
    .await?;
    let apart = super::group_names::apart(&tagged, &["og"], g.identifiers);
    let prefix = format!("{env}-");
    let candidates: Vec<OptionGroup> = all
        .into_iter()
        .filter(|g| {
            g.option_group_name()
                .is_some_and(|n| n.starts_with(&prefix) || apart.contains(n))
        })
        .collect();
    let tagged = &tagged;
    let reads = candidates.iter().map(|g| async move {
        let name = g.option_group_name().unwrap_or_default();
        let arn = g.option_group_arn().unwrap_or_default();
        let tags = crate::aws::tags::rds_tags_of(tagged, &c.rds, arn, name).await?;
        Ok::<_, AwsError>((g.clone(), tags))
    });
    let tagged = futures::future::try_join_all(reads).await?;
    let (owned, foreign): (Vec<_>, Vec<_>) = tagged
        .into_iter()
        .partition(|(_, tags)| crate::aws::tags::owned(tags, env).is_some());
    Ok((owned, foreign.into_iter().map(|(g, _)| g).collect()))
}

/// Creates the group with its tags unless it exists (a re-run after a crash adopts it).
pub async fn create(c: &Client, env: &str, d: &Resource) -> Result<(), AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let res = c
        .create_option_group()
        .option_group_name(&d.name)
        .engine_name(d.str("engine").unwrap_or_default())
        .major_engine_version(d.str("major_engine_version").unwrap_or_default())
        .option_group_description(d.str("description").unwrap_or_default())
        .set_tags(Some(crate::kinds::db::instance::create_tags(env, d)))
        .send()
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if e.code() == Some("OptionGroupAlreadyExistsFault") {
                Ok(())
            } else {
                Err(AwsError::from_sdk(
                    d.address.as_str(),
                    "CreateOptionGroup",
                    e,
                ))
            }
        }
    }
}

/// Includes and removes options in one ModifyOptionGroup, against the group as AWS holds it
/// now (so a re-run does only what is left). Returns whether a call was made.
pub async fn converge(c: &Client, d: &Resource) -> Result<bool, AwsError> {
    let addr = d.address.as_str();
    let now = c
        .describe_option_groups()
        .option_group_name(&d.name)
        .send()
        .await
        .map_err(sdk(addr, "DescribeOptionGroups"))?;
    let have = now
        .option_groups_list()
        .first()
        .map(|g| group_resource(d.address.clone(), g, vec![]))
        .and_then(|r| r.get("options").and_then(Value::as_map).cloned())
        .unwrap_or_default();
    let want = d
        .get("options")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let (include, remove) = option_changes(&want, &have);
    if include.is_empty() && remove.is_empty() {
        return Ok(false);
    }
    let include: Vec<OptionConfiguration> = include
        .iter()
        .map(|name| {
            let settings: Vec<OptionSetting> = decode_settings(&want[name])
                .into_iter()
                .map(|(k, v)| OptionSetting::builder().name(k).value(v).build())
                .collect();
            OptionConfiguration::builder()
                .option_name(name)
                .set_option_settings(Some(settings))
                .build()
        })
        .collect();
    c.modify_option_group()
        .option_group_name(&d.name)
        .set_options_to_include((!include.is_empty()).then_some(include))
        .set_options_to_remove((!remove.is_empty()).then_some(remove))
        .apply_immediately(true)
        .send()
        .await
        .map_err(sdk(addr, "ModifyOptionGroup"))?;
    Ok(true)
}

/// Deletes a group; already gone is success.
/// Deletes the group. AWS keeps an option group in use while any snapshot references it,
/// final snapshots included (terraform-provider-aws #4597, #22598), and refuses the delete
/// (InvalidOptionGroupStateFault): then the group is released instead (rdsplan's ownership
/// tags removed, `rdsplan:released` set), so that the apply goes on and later plans no longer
/// try. Returns what became of it.
pub async fn delete(
    c: &Client,
    address: &str,
    name: &str,
    arn: Option<&str>,
) -> Result<Option<String>, AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    match c.delete_option_group().option_group_name(name).send().await {
        Ok(_) => Ok(None),
        Err(e) => {
            let e = e.into_service_error();
            match (e.code(), arn) {
                (Some("OptionGroupNotFoundFault"), _) => Ok(None),
                (Some("InvalidOptionGroupStateFault"), Some(arn)) => {
                    let why = e.message().unwrap_or_default().to_string();
                    c.remove_tags_from_resource()
                        .resource_name(arn)
                        .tag_keys(crate::model::TAG_ENV)
                        .tag_keys(crate::model::TAG_ADDRESS)
                        .tag_keys(crate::model::TAG_MANAGED_BY)
                        .send()
                        .await
                        .map_err(sdk(address, "RemoveTagsFromResource"))?;
                    c.add_tags_to_resource()
                        .resource_name(arn)
                        .tags(
                            aws_sdk_rds::types::Tag::builder()
                                .key("rdsplan:released")
                                .value(address)
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(sdk(address, "AddTagsToResource"))?;
                    Ok(Some(format!(
                        "kept: AWS says it is in use ({why}), as it is while a snapshot references it; released, no longer managed"
                    )))
                }
                _ => Err(AwsError::from_sdk(address, "DeleteOptionGroup", e)),
            }
        }
    }
}

/// An option group's step: created if new, its options converged against what AWS holds now.
pub async fn apply_step(s: &super::step::Upsert<'_>) -> Result<Option<String>, AwsError> {
    let (rds, d) = (&s.ctx.clients.rds, s.d);
    if s.before.is_none() {
        create(rds, s.env(), d).await?;
    }
    let changed = converge(rds, d).await?;
    if let (Some(old), Some(arn)) = (&s.old_tags, &s.live_id) {
        crate::kinds::db::instance::set_tags(rds, s.addr(), arn, old, &s.tags).await?;
    }
    s.created(&d.name);
    Ok(changed.then(|| "options changed".to_string()))
}

/// The reader: the environment's option groups, and others' groups of its names.
pub async fn found(
    c: &Clients,
    g: &super::group_names::GroupRead<'_>,
) -> Result<super::found::Found, AwsError> {
    let env = g.env;
    let (owned_groups, lookalikes) = read(c, g).await?;
    let mut f = super::found::Found::default();
    for (g, tags) in &owned_groups {
        if let Some(addr) = crate::aws::tags::owned(tags, env) {
            let name = g.option_group_name().unwrap_or_default();
            f.owned(name, group_resource(addr, g, tags.clone()));
        }
    }
    for g in lookalikes {
        let name = g.option_group_name().unwrap_or_default();
        f.foreign(
            Kind::OptionGroup,
            name,
            g.option_group_arn().unwrap_or_default(),
        );
    }
    Ok(f)
}

/// Whether AWS has no option group of this name (one describe by name): an empty answer or a
/// not-found error.
pub async fn missing(rds: &Client, name: &str) -> Result<bool, AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    rds.describe_option_groups()
        .option_group_name(name)
        .send()
        .await
        .map(|o| o.option_groups_list().is_empty())
        .or_else(|e| {
            let code = e.into_service_error().code().map(str::to_string);
            crate::aws::error::missing_code(name, "DescribeOptionGroups", code.as_deref())
        })
}
