//! Credentials for people and programs (`creds`, `connect`) and password rotation.
//!
//! Rotation follows Secrets Manager's staging labels so that a crash at any point leaves a
//! password that works recorded in the secret:
//! 1. a new password is staged as `AWSPENDING` (AWSCURRENT still works);
//! 2. the database's master password is set to it (now AWSPENDING is the one that works, and
//!    it is recorded);
//! 3. AWSPENDING is promoted to AWSCURRENT.
//!
//! A rotation that finds an `AWSPENDING` version left by a crashed one resumes with it instead
//! of making another, so steps 2 and 3 are safe to repeat.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use crate::kinds::secret::Password;
use std::time::Duration;

/// User name and password from a secret (rdsplan's generated one or RDS's managed one).
pub async fn login(
    c: &Clients,
    address: &str,
    secret: &str,
) -> Result<(String, Password), AwsError> {
    let out = c
        .secrets
        .get_secret_value()
        // Explicitly the current version: the one that works.
        .version_stage("AWSCURRENT")
        .secret_id(secret)
        .send()
        .await
        .map_err(sdk(address, "GetSecretValue"))?;
    parse_login(address, out.secret_string().unwrap_or_default())
}

fn parse_login(address: &str, json: &str) -> Result<(String, Password), AwsError> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    match (v["username"].as_str(), v["password"].as_str()) {
        (Some(u), Some(p)) => Ok((u.to_string(), Password::new(p))),
        _ => Err(AwsError::new(
            address,
            "GetSecretValue",
            "the secret has no username/password fields",
        )),
    }
}

/// The database whose password is rotated.
pub enum Rotated<'a> {
    Instance(&'a str),
    Cluster(&'a str),
}

/// Runs the three rotation steps; returns the version id that is AWSCURRENT afterwards.
pub async fn rotate(
    c: &Clients,
    address: &str,
    secret: &str,
    target: Rotated<'_>,
    timeout: Duration,
) -> Result<String, AwsError> {
    let versions = c
        .secrets
        .list_secret_version_ids()
        .secret_id(secret)
        .send()
        .await
        .map_err(sdk(address, "ListSecretVersionIds"))?;
    let with_stage = |stage: &str| {
        versions
            .versions()
            .iter()
            .find(|v| v.version_stages().iter().any(|s| s == stage))
            .and_then(|v| v.version_id().map(str::to_string))
    };
    let current = with_stage("AWSCURRENT").ok_or_else(|| {
        AwsError::new(
            address,
            "ListSecretVersionIds",
            "the secret has no AWSCURRENT version",
        )
    })?;
    let (pending, password) = match with_stage("AWSPENDING").filter(|p| *p != current) {
        Some(v) => {
            println!("  resuming an interrupted rotation (AWSPENDING version {v})");
            let out = c
                .secrets
                .get_secret_value()
                .secret_id(secret)
                .version_id(&v)
                .send()
                .await
                .map_err(sdk(address, "GetSecretValue"))?;
            let (_, p) = parse_login(address, out.secret_string().unwrap_or_default())?;
            (v, p)
        }
        None => {
            let now = c
                .secrets
                .get_secret_value()
                // Explicitly the current version: the one that works.
                .version_stage("AWSCURRENT")
                .secret_id(secret)
                .send()
                .await
                .map_err(sdk(address, "GetSecretValue"))?;
            let mut doc: serde_json::Value =
                serde_json::from_str(now.secret_string().unwrap_or_default()).unwrap_or_default();
            let engine = doc["engine"].as_str().unwrap_or_default().to_string();
            let p = crate::kinds::secret::random_password(&c.secrets, address, &engine).await?;
            doc["password"] = p.expose().into();
            let out = c
                .secrets
                .put_secret_value()
                .secret_id(secret)
                .secret_string(doc.to_string())
                .version_stages("AWSPENDING")
                .send()
                .await
                .map_err(sdk(address, "PutSecretValue"))?;
            println!("  staged a new password as AWSPENDING");
            (out.version_id().unwrap_or_default().to_string(), p)
        }
    };
    match target {
        Rotated::Instance(id) => {
            crate::kinds::db::instance::set_master_password(&c.rds, address, id, &password).await?;
            crate::kinds::db::instance::wait_available(&c.rds, address, id, timeout).await?;
        }
        Rotated::Cluster(id) => {
            crate::kinds::db::cluster::set_cluster_password(&c.rds, address, id, &password).await?;
            crate::kinds::db::cluster::wait_cluster_available(&c.rds, address, id, timeout).await?;
        }
    }
    println!("  the database now uses the AWSPENDING password");
    let promoted = c
        .secrets
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&pending)
        .remove_from_version_id(&current)
        .send()
        .await
        .map_err(sdk(address, "UpdateSecretVersionStage"));
    if let Err(e) = promoted {
        // A retry after a lost answer finds AWSCURRENT already moved ("not attached to the
        // version"): done when the pending version now carries it.
        if !stages_of(c, address, secret, &pending).await?.0 {
            return Err(e);
        }
    }
    let cleared = c
        .secrets
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage("AWSPENDING")
        .remove_from_version_id(&pending)
        .send()
        .await
        .map_err(sdk(address, "UpdateSecretVersionStage"));
    if let Err(e) = cleared {
        if stages_of(c, address, secret, &pending).await?.1 {
            return Err(e);
        }
    }
    println!("  promoted it to AWSCURRENT");
    Ok(pending)
}

/// Whether `version` carries (AWSCURRENT, AWSPENDING), read afresh: how a stage move whose
/// answer was lost is told apart from one that did not happen.
async fn stages_of(
    c: &Clients,
    address: &str,
    secret: &str,
    version: &str,
) -> Result<(bool, bool), AwsError> {
    let versions = c
        .secrets
        .list_secret_version_ids()
        .secret_id(secret)
        .send()
        .await
        .map_err(sdk(address, "ListSecretVersionIds"))?;
    let stages: Vec<&str> = versions
        .versions()
        .iter()
        .filter(|v| v.version_id() == Some(version))
        .flat_map(|v| v.version_stages().iter().map(String::as_str))
        .collect();
    Ok((
        stages.contains(&"AWSCURRENT"),
        stages.contains(&"AWSPENDING"),
    ))
}
