//! One apply at a time per environment: a lock held as the Secrets Manager secret
//! `rdsplan/lock/<env>`. CreateSecret is atomic (a second create of the same name fails), so
//! exactly one apply holds it; the secret records who holds it and since when. It holds no data,
//! so it is force-deleted on release (the name must be free again at once).

use super::error::sdk;
use super::{all_tags, AwsError, Clients};
use aws_sdk_secretsmanager::types::Tag;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn lock_name(env: &str) -> String {
    format!("rdsplan/lock/{env}")
}

/// This machine's name, as the lock records it.
pub fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Who is running this process, for the lock record.
pub fn holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("GITHUB_ACTOR"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{user}@{} (pid {})", host(), std::process::id())
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    Held { holder: String, since: String },
    Aws(AwsError),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { holder, since } => write!(f, "locked by {holder} since {since}"),
            LockError::Aws(e) => write!(f, "{e}"),
        }
    }
}

/// Reads who holds the lock, if anyone.
pub async fn read(c: &Clients, env: &str) -> Result<Option<(String, String)>, AwsError> {
    let name = lock_name(env);
    match c
        .secrets
        .get_secret_value()
        .secret_id(&name)
        .version_stage("AWSCURRENT")
        .send()
        .await
    {
        Ok(v) => {
            let j: serde_json::Value =
                serde_json::from_str(v.secret_string().unwrap_or_default()).unwrap_or_default();
            Ok(Some((
                j["holder"].as_str().unwrap_or("unknown").to_string(),
                j["since"].as_str().unwrap_or("unknown").to_string(),
            )))
        }
        Err(e) => {
            let e = e.into_service_error();
            if e.is_resource_not_found_exception() {
                Ok(None)
            } else {
                Err(AwsError::from_sdk(&name, "GetSecretValue", e))
            }
        }
    }
}

/// Takes the lock or says who has it. A lock left by a process of this machine that no longer
/// runs (an apply killed mid-way) is stale and taken over, so re-running after a crash works;
/// a lock from another machine is only cleared by `rdsplan unlock`.
///
/// Takeover is a compare-and-swap on the lock's version: the new record is stored as a version
/// without the AWSCURRENT label, then UpdateSecretVersionStage moves AWSCURRENT to it *from the
/// stale version only*. When two processes race for the same stale lock, AWS moves the label for
/// one of them; the other's call fails (the label is no longer on the stale version) and it
/// reports the lock as held. Nothing is ever deleted on takeover.
pub async fn acquire(c: &Clients, env: &str, command: &str) -> Result<(), LockError> {
    match try_acquire(c, env, command).await {
        Err(LockError::Held { holder, since }) => {
            let Some(stale) = stale_here(c, env).await else {
                return Err(LockError::Held { holder, since });
            };
            if take_over(c, env, command, &stale)
                .await
                .map_err(LockError::Aws)?
            {
                eprintln!("note: took over the apply lock of `{env}` left by a process of this machine that is no longer running");
                return Ok(());
            }
            let (holder, since) = read(c, env)
                .await
                .map_err(LockError::Aws)?
                .unwrap_or((holder, since));
            Err(LockError::Held { holder, since })
        }
        other => other,
    }
}

/// The version id of the lock's AWSCURRENT record when it was taken by a process of this
/// machine that has since died.
async fn stale_here(c: &Clients, env: &str) -> Option<String> {
    let v = c
        .secrets
        .get_secret_value()
        .secret_id(lock_name(env))
        .version_stage("AWSCURRENT")
        .send()
        .await
        .ok()?;
    let j: serde_json::Value =
        serde_json::from_str(v.secret_string().unwrap_or_default()).unwrap_or_default();
    let same_host = j["host"].as_str() == Some(host().as_str());
    let pid = j["pid"].as_u64();
    let dead = pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
    (same_host && dead).then(|| v.version_id().map(str::to_string))?
}

/// Moves the lock from the stale version to a new record of this process; `false` when another
/// process moved it first (or the lock is gone).
async fn take_over(c: &Clients, env: &str, command: &str, stale: &str) -> Result<bool, AwsError> {
    let name = lock_name(env);
    // 32 to 64 characters, unique to this process and moment.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let token = format!("rdsplan-{:08x}-{nanos:032x}", std::process::id());
    let put = c
        .secrets
        .put_secret_value()
        .secret_id(&name)
        .client_request_token(&token)
        .secret_string(record(command).to_string())
        .version_stages("RDSPLAN_TAKEOVER")
        .send()
        .await;
    if let Err(e) = put {
        let e = e.into_service_error();
        return if e.is_resource_not_found_exception() {
            Ok(false)
        } else {
            Err(AwsError::from_sdk(&name, "PutSecretValue", e))
        };
    }
    match c
        .secrets
        .update_secret_version_stage()
        .secret_id(&name)
        .version_stage("AWSCURRENT")
        .remove_from_version_id(stale)
        .move_to_version_id(&token)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_invalid_parameter_exception()
                || e.is_resource_not_found_exception()
                || e.is_invalid_request_exception()
            {
                Ok(false)
            } else {
                Err(AwsError::from_sdk(&name, "UpdateSecretVersionStage", e))
            }
        }
    }
}

/// What the lock records of its holder.
fn record(command: &str) -> serde_json::Value {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    serde_json::json!({
        "holder": holder(),
        "host": host(),
        "pid": std::process::id(),
        "since": utc(secs),
        "command": command,
    })
}

async fn try_acquire(c: &Clients, env: &str, command: &str) -> Result<(), LockError> {
    let name = lock_name(env);
    let record = record(command);
    let tags: Vec<Tag> = all_tags(env, &format!("lock.{env}"), &BTreeMap::new())
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let res = c
        .secrets
        .create_secret()
        .name(&name)
        .description(format!("rdsplan: apply lock of environment {env}"))
        .secret_string(record.to_string())
        .set_tags(Some(tags))
        .send()
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_resource_exists_exception() || e.is_invalid_request_exception() {
                // Our own create, retried after its answer was lost: we hold it.
                if read(c, env).await.map_err(LockError::Aws)?.map(|(h, _)| h) == Some(holder()) {
                    return Ok(());
                }
                let (holder, since) =
                    read(c, env)
                        .await
                        .map_err(LockError::Aws)?
                        .unwrap_or_else(|| {
                            (
                                "an earlier run (lock scheduled for deletion)".into(),
                                "unknown".into(),
                            )
                        });
                Err(LockError::Held { holder, since })
            } else {
                Err(LockError::Aws(AwsError::from_sdk(&name, "CreateSecret", e)))
            }
        }
    }
}

/// Releases (or, for `unlock`, clears) the lock. Not held is success.
pub async fn release(c: &Clients, env: &str) -> Result<(), AwsError> {
    let name = lock_name(env);
    match c
        .secrets
        .delete_secret()
        .secret_id(&name)
        .force_delete_without_recovery(true)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_resource_not_found_exception() {
                Ok(())
            } else {
                Err(AwsError::from_sdk(&name, "DeleteSecret", e))
            }
        }
    }
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn account(c: &Clients) -> Result<String, AwsError> {
    let out = c
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(sdk("credentials", "GetCallerIdentity"))?;
    Ok(out.account().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_epoch_seconds() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(super::utc(951_782_400), "2000-02-29T00:00:00Z");
    }
}
