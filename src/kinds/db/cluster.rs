//! Aurora clusters, and the IAM role associations of clusters and instances.

use crate::aws::error::sdk;
use crate::aws::{wait, AwsError};
use crate::kinds::db::instance::{int, string};
use crate::kinds::secret::Password;
use crate::model::{Address, Kind, Resource, Value};
use aws_sdk_rds::types::{DbCluster, DbInstance};
use aws_sdk_rds::Client;
use std::time::Duration;

/// A live cluster in the model's terms. Members are a set, named
/// by their address tags where they are ours; the writer is recorded apart, as information.
///
/// What instances and clusters read back alike is `db::common_attrs`, over the `Database`
/// trait; the rest differs in meaning, not only in name (the endpoint a host name with the port
/// beside it on a cluster, an `Endpoint` holding both on an instance), so it stays per kind.
pub fn cluster_resource(
    addr: Address,
    c: &DbCluster,
    tags: Vec<(String, String)>,
    instances: &[DbInstance],
    map: &(dyn Fn(&str) -> String + Sync),
) -> Resource {
    // A member's name is what follows `.instance.` in its address tag, whatever cluster
    // address precedes it: members a `[[moved]]` has not retagged yet keep their names.
    let member_name = |ident: &str| -> String {
        instances
            .iter()
            .find(|i| i.db_instance_identifier() == Some(ident))
            .and_then(|i| {
                i.tag_list()
                    .iter()
                    .find(|t| t.key() == Some(crate::model::TAG_ADDRESS))
                    .and_then(|t| t.value())
                    .and_then(|a| a.strip_prefix("cluster."))
                    .and_then(|a| a.split_once(".instance."))
                    .map(|(_, m)| m.to_string())
            })
            .unwrap_or_else(|| ident.to_string())
    };
    let mut members = Vec::new();
    let mut writer = None;
    for m in c.db_cluster_members() {
        let name = member_name(m.db_instance_identifier().unwrap_or_default());
        if m.is_cluster_writer() == Some(true) {
            writer = Some(name.clone());
        }
        members.push(name);
    }
    let mut r = Resource::new(
        addr,
        Kind::Cluster,
        c.db_cluster_identifier().unwrap_or_default(),
    )
    .with(
        "iam_roles",
        Value::set(c.associated_roles().iter().map(|a| {
            format!(
                "{}={}",
                map(a.role_arn().unwrap_or_default()),
                a.feature_name().unwrap_or_default()
            )
        })),
    )
    // A set: which member is the writer changes with every failover and is information.
    .with("members", Value::set(members));
    for (k, v) in super::common_attrs(c, tags, map) {
        r.set(k, v);
    }
    let optional = optional_cluster_attrs(c, writer, map);
    r.set_present(optional);
    if let Some(p) = c.pending_modified_values() {
        let pending = [
            ("engine_version", p.engine_version().map(Value::str)),
            (
                "backup_retention_days",
                p.backup_retention_period().map(|v| Value::Int(v as i64)),
            ),
            (
                "iam_database_authentication",
                p.iam_database_authentication_enabled().map(Value::Bool),
            ),
        ];
        r.set_pending(pending);
    }
    r.id = c.db_cluster_arn().map(str::to_string);
    r
}

/// What a cluster has only sometimes, and which member is its writer (information).
fn optional_cluster_attrs(
    c: &DbCluster,
    writer: Option<String>,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Vec<(&'static str, Option<Value>)> {
    vec![
        ("writer_member", writer.map(Value::Str)),
        (
            "copy_tags_to_snapshot",
            c.copy_tags_to_snapshot().map(Value::Bool),
        ),
        (
            "log_exports",
            Some(Value::set(
                c.enabled_cloudwatch_logs_exports().iter().cloned(),
            )),
        ),
        (
            "serverless_v2",
            c.serverless_v2_scaling_configuration().map(|v| {
                let mut m = std::collections::BTreeMap::new();
                for (k, n) in [
                    ("min_capacity", v.min_capacity()),
                    ("max_capacity", v.max_capacity()),
                ] {
                    if let Some(n) = n {
                        m.insert(k.to_string(), n.to_string());
                    }
                }
                Value::Map(m)
            }),
        ),
        (
            "cluster_parameter_group",
            c.db_cluster_parameter_group().map(|g| Value::str(map(g))),
        ),
        ("port", c.port().map(|p| Value::Int(p as i64))),
        ("endpoint", c.endpoint().map(Value::str)),
        ("reader_endpoint", c.reader_endpoint().map(Value::str)),
        (
            "db_subnet_group",
            c.db_subnet_group()
                .map(|g| Value::str(map(&crate::aws::tags::subnet_group_key(g)))),
        ),
        ("kms_key", c.kms_key_id().map(Value::str)),
        ("database_name", c.database_name().map(Value::str)),
        (
            "backup_retention_days",
            c.backup_retention_period().map(|v| Value::Int(v as i64)),
        ),
        (
            "preferred_maintenance_window",
            c.preferred_maintenance_window().map(Value::str),
        ),
        (
            "preferred_backup_window",
            c.preferred_backup_window().map(Value::str),
        ),
        (
            "managed_secret_arn",
            c.master_user_secret()
                .and_then(|s| s.secret_arn())
                .map(Value::str),
        ),
    ]
}

pub async fn describe_cluster(c: &Client, ident: &str) -> Result<Option<DbCluster>, AwsError> {
    super::describe_one!(
        c,
        ident,
        describe_db_clusters,
        db_cluster_identifier,
        db_clusters,
        is_db_cluster_not_found_fault,
        "DescribeDBClusters"
    )
}

impl super::Database for DbCluster {
    const NOUN: &'static str = "cluster";
    async fn describe(c: &Client, ident: &str) -> Result<Option<Self>, AwsError> {
        describe_cluster(c, ident).await
    }
    fn status(&self) -> &str {
        self.status().unwrap_or_default()
    }
    fn tags(&self) -> Vec<(String, String)> {
        crate::aws::tags::rds_pairs(self.tag_list())
    }
    fn arn(&self) -> Option<&str> {
        self.db_cluster_arn()
    }
    fn engine(&self) -> Option<&str> {
        DbCluster::engine(self)
    }
    fn engine_version(&self) -> Option<&str> {
        DbCluster::engine_version(self)
    }
    fn security_group_ids(&self) -> Vec<&str> {
        let groups = self.vpc_security_groups().iter();
        groups.filter_map(|g| g.vpc_security_group_id()).collect()
    }
    fn storage_encrypted(&self) -> bool {
        DbCluster::storage_encrypted(self).unwrap_or(false)
    }
    fn master_username(&self) -> Option<&str> {
        DbCluster::master_username(self)
    }
    fn managed_password(&self) -> bool {
        self.master_user_secret().is_some()
    }
    fn deletion_protection(&self) -> bool {
        DbCluster::deletion_protection(self).unwrap_or(false)
    }
    fn iam_database_authentication(&self) -> bool {
        self.iam_database_authentication_enabled().unwrap_or(false)
    }
}

pub struct NewCluster<'a> {
    pub env: &'a str,
    pub desired: &'a Resource,
    pub subnet_group: String,
    pub security_group_ids: Vec<String>,
    pub password: Option<Password>,
    /// The DB cluster parameter group's AWS name; `None` leaves the engine default.
    pub cluster_parameter_group: Option<String>,
}

/// Builds CreateDBCluster from the desired cluster (tests inspect it without sending).
pub fn create_cluster_request(
    c: &Client,
    n: &NewCluster<'_>,
) -> aws_sdk_rds::operation::create_db_cluster::builders::CreateDBClusterFluentBuilder {
    let d = n.desired;
    let req = c
        .create_db_cluster()
        .db_cluster_identifier(&d.name)
        .set_engine(string(d, "engine"))
        .set_engine_version(string(d, "engine_version"))
        .db_subnet_group_name(&n.subnet_group)
        .set_vpc_security_group_ids(Some(n.security_group_ids.clone()))
        .set_storage_encrypted(d.bool("storage_encrypted"))
        .set_kms_key_id(string(d, "kms_key"))
        .set_master_username(string(d, "master_username"))
        .set_database_name(string(d, "database_name"))
        .set_port(int(d, "port"))
        .set_backup_retention_period(int(d, "backup_retention_days"))
        .set_preferred_maintenance_window(string(d, "preferred_maintenance_window"))
        .set_preferred_backup_window(string(d, "preferred_backup_window"))
        .set_deletion_protection(d.bool("deletion_protection"))
        .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
        .set_db_cluster_parameter_group_name(n.cluster_parameter_group.clone())
        .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
        .set_enable_cloudwatch_logs_exports(crate::kinds::db::instance::list(d, "log_exports"))
        .set_serverless_v2_scaling_configuration(crate::kinds::db::modify::serverless_v2(d))
        .set_tags(Some(crate::kinds::db::instance::create_tags(n.env, d)));
    match &n.password {
        Some(p) => req.master_user_password(p.expose()),
        None => req.manage_master_user_password(true),
    }
}

pub async fn create_cluster(c: &Client, n: NewCluster<'_>) -> Result<(), AwsError> {
    let d = n.desired;
    let addr = d.address.as_str();
    if describe_cluster(c, &d.name).await?.is_some() {
        return Ok(());
    }
    match create_cluster_request(c, &n).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(addr, "CreateDBCluster", e);
            // A retried create whose first attempt landed (its answer was lost) fails with
            // "already exists" or, for the automated snapshot, a snapshot conflict: the cluster
            // is there, carrying this address, and the step is done.
            let now = describe_cluster(c, &d.name).await?;
            let ours = now.is_some_and(|cl| {
                crate::aws::tags::rds_pairs(cl.tag_list())
                    .iter()
                    .any(|(k, v)| k == crate::model::TAG_ADDRESS && v == addr)
            });
            if ours {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

pub async fn set_cluster_password(
    c: &Client,
    address: &str,
    ident: &str,
    p: &Password,
) -> Result<(), AwsError> {
    c.modify_db_cluster()
        .db_cluster_identifier(ident)
        .master_user_password(p.expose())
        .apply_immediately(true)
        .send()
        .await
        .map_err(sdk(address, "ModifyDBCluster"))?;
    Ok(())
}

pub async fn wait_cluster_available(
    c: &Client,
    address: &str,
    ident: &str,
    timeout: Duration,
) -> Result<DbCluster, AwsError> {
    super::wait_available(c, address, ident, timeout).await
}

pub async fn delete_cluster(
    c: &Client,
    address: &str,
    ident: &str,
    snapshot: Option<&str>,
    timeout: Duration,
) -> Result<(), AwsError> {
    let req = c.delete_db_cluster().db_cluster_identifier(ident);
    let req = match snapshot {
        Some(s) => req
            .final_db_snapshot_identifier(s)
            .skip_final_snapshot(false),
        None => req.skip_final_snapshot(true),
    };
    if let Err(e) = req.send().await {
        let e = e.into_service_error();
        if !e.is_db_cluster_not_found_fault() {
            return Err(AwsError::from_sdk(address, "DeleteDBCluster", e));
        }
    }
    wait::until(address, timeout, || async {
        Ok(describe_cluster(c, ident).await?.is_none().then_some(()))
    })
    .await
}

/// Creates an Aurora member instance in its cluster.
pub async fn create_member(
    c: &Client,
    env: &str,
    d: &Resource,
    cluster_ident: &str,
    parameter_group: Option<String>,
) -> Result<(), AwsError> {
    let addr = d.address.as_str();
    let res = create_member_request(c, env, d, cluster_ident)
        .set_db_parameter_group_name(parameter_group)
        .send()
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(addr, "CreateDBInstance", e);
            crate::kinds::db::instance::landed(c, addr, &d.name, e).await
        }
    }
}

/// Builds the CreateDBInstance of an Aurora member (tests inspect it without sending).
pub fn create_member_request(
    c: &Client,
    env: &str,
    d: &Resource,
    cluster_ident: &str,
) -> aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder {
    c.create_db_instance()
        .db_instance_identifier(&d.name)
        .db_cluster_identifier(cluster_ident)
        .set_engine(string(d, "engine"))
        .set_db_instance_class(string(d, "instance_class"))
        .set_publicly_accessible(d.bool("publicly_accessible"))
        .set_auto_minor_version_upgrade(d.bool("auto_minor_version_upgrade"))
        .set_tags(Some(crate::kinds::db::instance::create_tags(env, d)))
}

/// Where an IAM role association lives.
pub enum RoleTarget<'a> {
    Instance(&'a str),
    Cluster(&'a str),
}

/// Converges the IAM role associations (`ROLE_ARN=FEATURE`) of an instance or cluster.
pub async fn sync_roles(
    c: &Client,
    address: &str,
    target: RoleTarget<'_>,
    have: &[String],
    want: &[String],
) -> Result<(), AwsError> {
    let split = |s: &String| -> (String, String) {
        let (r, f) = s.split_once('=').unwrap_or((s, ""));
        (r.to_string(), f.to_string())
    };
    for item in have.iter().filter(|h| !want.contains(h)) {
        let (role, feature) = split(item);
        match target {
            RoleTarget::Instance(id) => c
                .remove_role_from_db_instance()
                .db_instance_identifier(id)
                .role_arn(role)
                .feature_name(feature)
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(address, "RemoveRoleFromDBInstance"))?,
            RoleTarget::Cluster(id) => c
                .remove_role_from_db_cluster()
                .db_cluster_identifier(id)
                .role_arn(role)
                .feature_name(feature)
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(address, "RemoveRoleFromDBCluster"))?,
        }
    }
    for item in want.iter().filter(|w| !have.contains(w)) {
        let (role, feature) = split(item);
        let res = match target {
            RoleTarget::Instance(id) => c
                .add_role_to_db_instance()
                .db_instance_identifier(id)
                .role_arn(role)
                .feature_name(feature)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(address, "AddRoleToDBInstance", e)),
            RoleTarget::Cluster(id) => c
                .add_role_to_db_cluster()
                .db_cluster_identifier(id)
                .role_arn(role)
                .feature_name(feature)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(address, "AddRoleToDBCluster", e)),
        };
        match res {
            Err(e)
                if !e.is_code(&["DBInstanceRoleAlreadyExists", "DBClusterRoleAlreadyExists"]) =>
            {
                return Err(e)
            }
            _ => {}
        }
    }
    Ok(())
}

/// Current associations of an instance or cluster, read fresh, as `ROLE_ARN=FEATURE`.
/// `ARN=FEATURE` items of role associations as AWS reports them.
pub fn role_items<'a>(
    roles: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Vec<String> {
    roles
        .into_iter()
        .map(|(arn, f)| format!("{}={}", arn.unwrap_or_default(), f.unwrap_or_default()))
        .collect()
}
