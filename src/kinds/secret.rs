//! Secrets Manager: the generated credentials of instances. The password exists only inside a
//! [`Password`], whose Debug and Display never show it; it leaves this module only as the
//! argument of the RDS call that sets it.

use crate::aws::error::sdk;
use crate::aws::{all_tags, AwsError, Clients};
use crate::model::{Value, TAG_ENV};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use aws_sdk_secretsmanager::Client;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::fmt;

/// A password. Redacted in Debug and Display, so no log line or error can carry it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(p: &str) -> Password {
        Password(p.to_string())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(********)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Characters RDS refuses in master passwords (`/`, `@`, `"`, space) plus the quote and
/// backslash, which break shells and connection strings.
const EXCLUDE: &str = "/@\" '\\";

/// The secret's JSON fields rdsplan compares (everything but the password), with their names
/// in the model.
const FIELDS: &[(&str, &str)] = &[
    ("engine", "engine"),
    ("host", "host"),
    ("port", "port"),
    ("dbname", "dbname"),
    ("username", "username"),
    ("dbInstanceIdentifier", "db_instance_identifier"),
    ("dbClusterIdentifier", "db_cluster_identifier"),
];

pub struct LiveSecret {
    pub name: String,
    pub arn: String,
    pub tags: Vec<(String, String)>,
    /// Model fields read from the JSON; never the password.
    pub fields: Vec<(String, Value)>,
}

/// The environment's secrets, in one round trip: one paginated ListSecrets by name prefix (100
/// per page; it gives the tags, and shows look-alikes that are not ours) and, beside it, the
/// values of the secrets the files want by name (one BatchGetSecretValue per 20, AWS's most,
/// ten at a time; a name that does not exist comes back among the answer's errors). Then, only
/// when there are any: the values of our listed secrets the files no longer want, and the tags
/// (DescribeSecret) of a wanted secret ListSecrets did not list (it is eventually consistent),
/// so that a secret it missed is never planned as one to create.
///
/// A run that shares its region's reads (drift over several environments) lists the secrets
/// of every environment (`rdsplan/`) once, and each environment keeps those under its prefix.
pub async fn read_env_secrets(
    c: &Clients,
    env: &str,
    wanted: &[String],
    shared: Option<&crate::aws::shared::RegionReads>,
) -> Result<Vec<LiveSecret>, AwsError> {
    let prefix = format!("rdsplan/{env}/");
    let list_under = |name: String| async move {
        c.secrets
            .list_secrets()
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::Name)
                    .values(name)
                    .build(),
            )
            .max_results(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(sdk("secrets", "ListSecrets"))
    };
    let list = async {
        match shared {
            Some(s) => {
                s.once("secretsmanager:rdsplan", list_under("rdsplan/".into()))
                    .await
            }
            None => list_under(prefix.clone()).await,
        }
    };
    let (list, by_name): (
        Vec<aws_sdk_secretsmanager::operation::list_secrets::ListSecretsOutput>,
        Vec<SecretValue>,
    ) = tokio::try_join!(list, values_of(c, wanted))?;
    let mut out: Vec<LiveSecret> = list
        .iter()
        .flat_map(|p| p.secret_list().iter())
        .filter(|s| s.name().is_some_and(|n| n.starts_with(&prefix)))
        .map(|s| LiveSecret {
            name: s.name().unwrap_or_default().to_string(),
            arn: s.arn().unwrap_or_default().to_string(),
            tags: tag_pairs(s.tags()),
            fields: vec![],
        })
        .collect();
    let ours = |s: &LiveSecret| s.tags.iter().any(|(k, v)| k == TAG_ENV && v == env);
    let by_arn: BTreeMap<&str, &str> = by_name
        .iter()
        .map(|v| (v.arn.as_str(), v.json.as_str()))
        .collect();
    // Ours that the files no longer want: their values too (one more round, only then).
    let more: Vec<String> = out
        .iter()
        .filter(|s| ours(s) && !by_arn.contains_key(s.arn.as_str()))
        .map(|s| s.arn.clone())
        .collect();
    let more = values_of(c, &more).await?;
    let more: BTreeMap<&str, &str> = more
        .iter()
        .map(|v| (v.arn.as_str(), v.json.as_str()))
        .collect();
    for s in out.iter_mut().filter(|s| ours(s)) {
        if let Some(json) = by_arn.get(s.arn.as_str()).or(more.get(s.arn.as_str())) {
            s.fields = fields_of(json);
        }
    }
    let listed: std::collections::BTreeSet<&str> = out.iter().map(|s| s.name.as_str()).collect();
    let unlisted: Vec<&SecretValue> = by_name
        .iter()
        .filter(|v| !listed.contains(v.name.as_str()))
        .collect();
    let found = unlisted_secrets(c, &unlisted).await?;
    out.extend(found);
    Ok(out)
}

/// A secret's value as BatchGetSecretValue answers it.
struct SecretValue {
    name: String,
    arn: String,
    json: String,
}

/// The values of the secrets `ids` (names or ARNs): one BatchGetSecretValue per 20, ten at a
/// time (well under AWS's 100 calls a second, so 1,000 secrets cost five round trips). What
/// does not exist comes back in the answers' errors, not as a failure.
async fn values_of(c: &Clients, ids: &[String]) -> Result<Vec<SecretValue>, AwsError> {
    let batches: Vec<_> = futures::stream::iter(ids.chunks(20).map(|chunk| {
        c.secrets
            .batch_get_secret_value()
            .set_secret_id_list(Some(chunk.to_vec()))
            .send()
    }))
    .buffer_unordered(10)
    .collect()
    .await;
    let mut out = Vec::new();
    for got in batches {
        let got = got.map_err(sdk("secrets", "BatchGetSecretValue"))?;
        for v in got.secret_values() {
            if let (Some(name), Some(arn), Some(json)) = (v.name(), v.arn(), v.secret_string()) {
                out.push(SecretValue {
                    name: name.to_string(),
                    arn: arn.to_string(),
                    json: json.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// The secrets that exist although ListSecrets did not list them, with their tags (one
/// DescribeSecret each, all at once).
async fn unlisted_secrets(
    c: &Clients,
    found: &[&SecretValue],
) -> Result<Vec<LiveSecret>, AwsError> {
    let reads = found.iter().map(|v| async move {
        let d = c
            .secrets
            .describe_secret()
            .secret_id(&v.name)
            .send()
            .await
            .map_err(sdk("secrets", "DescribeSecret"))?;
        Ok::<_, AwsError>(LiveSecret {
            arn: d.arn().unwrap_or_default().to_string(),
            tags: tag_pairs(d.tags()),
            fields: fields_of(&v.json),
            name: v.name.clone(),
        })
    });
    futures::future::try_join_all(reads).await
}

fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn fields_of(json: &str) -> Vec<(String, Value)> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(json) else {
        return vec![];
    };
    FIELDS
        .iter()
        .filter_map(|(json_key, model_key)| {
            let v = match m.get(*json_key)? {
                serde_json::Value::String(s) if s.is_empty() => return None,
                serde_json::Value::String(s) => Value::str(s),
                serde_json::Value::Number(n) => Value::Int(n.as_i64()?),
                _ => return None,
            };
            Some((model_key.to_string(), v))
        })
        .collect()
}

/// The secret's JSON document from the model fields plus the password.
fn document(fields: &BTreeMap<String, Value>, password: &Password) -> String {
    let mut m = serde_json::Map::new();
    for (json_key, model_key) in FIELDS {
        match fields.get(*model_key) {
            Some(Value::Str(s)) => {
                m.insert(json_key.to_string(), s.clone().into());
            }
            Some(Value::Int(i)) => {
                m.insert(json_key.to_string(), (*i).into());
            }
            _ => {
                if *json_key == "host" {
                    m.insert("host".into(), "".into());
                }
            }
        }
    }
    m.insert("password".into(), password.expose().into());
    serde_json::Value::Object(m).to_string()
}

pub async fn find(c: &Client, name: &str) -> Result<Option<(String, bool)>, AwsError> {
    match c.describe_secret().secret_id(name).send().await {
        Ok(d) => Ok(Some((
            d.arn().unwrap_or_default().to_string(),
            d.deleted_date().is_some(),
        ))),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_resource_not_found_exception() {
                Ok(None)
            } else {
                Err(AwsError::from_sdk(name, "DescribeSecret", e))
            }
        }
    }
}

/// Creates the secret with a fresh random password unless it exists; a secret of ours that
/// was scheduled for deletion is restored (its password still matches the final snapshot).
/// The plan found no such secret moments ago, so it creates first and looks only when AWS
/// says the name is taken (two calls for a new secret, not three).
pub async fn ensure(
    c: &Client,
    env: &str,
    address: &str,
    name: &str,
    fields: &BTreeMap<String, Value>,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let engine = fields
        .get("engine")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let password = random_password(c, address, engine).await?;
    let req = c
        .create_secret()
        .name(name)
        .description(format!("rdsplan: master credentials of {address} in {env}"))
        .secret_string(document(fields, &password))
        .set_tags(Some(
            all_tags(env, address, tags)
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if !e.is_resource_exists_exception() {
                return Err(AwsError::from_sdk(address, "CreateSecret", e));
            }
            // Ours from an earlier run, or an earlier attempt: kept (restored if scheduled for
            // deletion), never given a new password.
            if let Some((_, true)) = find(c, name).await? {
                c.restore_secret()
                    .secret_id(name)
                    .send()
                    .await
                    .map_err(sdk(address, "RestoreSecret"))?;
            }
            Ok(())
        }
    }
}

/// Length and excluded characters of a master password AWS accepts for `engine`
/// (CreateDBInstance MasterUserPassword): Oracle takes 8 to 30 characters and refuses `&` (as
/// do SQL*Plus scripts); MySQL, MariaDB and PostgreSQL up to 41, 41 and 99, SQL Server 128.
pub fn password_rules(engine: &str) -> (i64, String) {
    if engine.starts_with("oracle") {
        (30, format!("{EXCLUDE}&"))
    } else {
        (32, EXCLUDE.to_string())
    }
}

/// A new random master password for a database of `engine`.
pub async fn random_password(
    c: &Client,
    address: &str,
    engine: &str,
) -> Result<Password, AwsError> {
    let (length, exclude) = password_rules(engine);
    let out = c
        .get_random_password()
        .password_length(length)
        .exclude_characters(exclude)
        .send()
        .await
        .map_err(sdk(address, "GetRandomPassword"))?;
    out.random_password()
        .map(|p| Password(p.to_string()))
        .ok_or_else(|| AwsError::new(address, "GetRandomPassword", "no password in the response"))
}

/// The current password of a secret.
pub async fn password(c: &Client, address: &str, name: &str) -> Result<Password, AwsError> {
    let out = c
        .get_secret_value()
        // Explicitly the current version: the one that works.
        .version_stage("AWSCURRENT")
        .secret_id(name)
        .send()
        .await
        .map_err(sdk(address, "GetSecretValue"))?;
    let json: serde_json::Value = out
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    json.get("password")
        .and_then(|p| p.as_str())
        .map(|p| Password(p.to_string()))
        .ok_or_else(|| {
            AwsError::new(
                address,
                "GetSecretValue",
                format!("secret {name} has no password field"),
            )
        })
}

/// Rewrites the non-password fields (host, port, ...) keeping the current password.
pub async fn update_fields(
    c: &Client,
    address: &str,
    name: &str,
    fields: &BTreeMap<String, Value>,
) -> Result<(), AwsError> {
    update_fields_keeping(c, address, name, fields, None).await
}

/// [`update_fields`], with the current password when the caller has just read it (one call
/// instead of two).
pub async fn update_fields_keeping(
    c: &Client,
    address: &str,
    name: &str,
    fields: &BTreeMap<String, Value>,
    known: Option<&Password>,
) -> Result<(), AwsError> {
    let read;
    let p = match known {
        Some(p) => p,
        None => {
            read = password(c, address, name).await?;
            &read
        }
    };
    c.put_secret_value()
        .secret_id(name)
        .secret_string(document(fields, p))
        .send()
        .await
        .map_err(sdk(address, "PutSecretValue"))?;
    Ok(())
}

/// Schedules deletion with the longest recovery window (30 days); never force-deletes, since a
/// final snapshot is useless without its password.
pub async fn schedule_deletion(c: &Client, address: &str, name: &str) -> Result<(), AwsError> {
    match find(c, name).await? {
        None | Some((_, true)) => Ok(()),
        Some(_) => {
            let sent = c
                .delete_secret()
                .secret_id(name)
                .recovery_window_in_days(30)
                .send()
                .await
                .map_err(sdk(address, "DeleteSecret"));
            match sent {
                Ok(_) => Ok(()),
                // A retry after a lost answer finds it "already marked for deletion" (or,
                // past its window, gone): done when a fresh look says so.
                Err(e) => match find(c, name).await? {
                    None | Some((_, true)) => Ok(()),
                    Some(_) => Err(e),
                },
            }
        }
    }
}

pub async fn set_tags(
    c: &Client,
    address: &str,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let (gone, set) = crate::aws::tag_changes(old, new);
    if !gone.is_empty() {
        c.untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(gone))
            .send()
            .await
            .map_err(sdk(address, "UntagResource"))?;
    }
    let set: Vec<Tag> = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !set.is_empty() {
        c.tag_resource()
            .secret_id(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(sdk(address, "TagResource"))?;
    }
    Ok(())
}
