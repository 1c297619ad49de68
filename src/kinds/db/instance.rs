//! RDS: DB instances and the DB subnet groups rdsplan keeps per VPC. Tags go in the create
//! call; creates first look for the identifier, so a re-run after a crash adopts what the crashed
//! run created.

use crate::aws::error::sdk;
use crate::aws::{all_tags, wait, AwsError};
use crate::kinds::secret::Password;
use crate::model::{Address, Kind, Resource, Value};
use aws_sdk_rds::types::{DbInstance, Tag};
use aws_sdk_rds::Client;
use std::collections::BTreeMap;
use std::time::Duration;

/// The tag that keeps `skip_final_snapshot` on the instance itself, so that an instance removed
/// from the files is still deleted the way its files last said.
pub const TAG_SKIP_FINAL_SNAPSHOT: &str = "rdsplan:skip-final-snapshot";
/// Set by the restore call itself and removed once the follow-up Modify (the generated
/// password, what restore cannot take) succeeded: a database that carries it was restored by a
/// run that stopped before finishing, and the next plan finishes it (live attribute
/// `restore_pending`).
pub const TAG_RESTORE_PENDING: &str = "rdsplan:restore-pending";

/// Whether the tags hold rdsplan's `key = "true"` marker.
pub fn marked(tags: &[(String, String)], key: &str) -> bool {
    tags.iter().any(|(k, v)| k == key && v == "true")
}

/// User tags plus the skip-final-snapshot marker, as kept on RDS resources.
pub fn tags_with_skip(r: &Resource) -> BTreeMap<String, String> {
    let mut t = r
        .get("tags")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    if r.bool("skip_final_snapshot") == Some(true) {
        t.insert(TAG_SKIP_FINAL_SNAPSHOT.into(), "true".into());
    }
    t
}

/// The tags an RDS database is created with, in the create call itself: ownership, the
/// user's, and the skip-final-snapshot marker.
pub fn create_tags(env: &str, d: &Resource) -> Vec<Tag> {
    tag_list(env, d.address.as_str(), &tags_with_skip(d))
}

fn tag_list(env: &str, address: &str, user: &BTreeMap<String, String>) -> Vec<Tag> {
    all_tags(env, address, user)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Any owned DB instance: a standalone instance, a read replica or an Aurora member, told apart
/// by its address.
pub fn db_instance_resource(
    addr: Address,
    i: &DbInstance,
    tags: Vec<(String, String)>,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Resource {
    let kind = if addr.as_str().starts_with("replica.") {
        Kind::Replica
    } else if addr.as_str().starts_with("cluster.") {
        Kind::ClusterInstance
    } else {
        Kind::Instance
    };
    let mut r = instance_resource(addr, i, tags, map);
    r.kind = kind;
    if let Some(src) = i.read_replica_source_db_instance_identifier() {
        // A cross-region source is an ARN; its last segment is the identifier.
        r.set(
            "source",
            Value::str(map(src.rsplit(':').next().unwrap_or(src))),
        );
    }
    if let Some(c) = i.db_cluster_identifier() {
        r.set("cluster", Value::str(map(c)));
    }
    r.set(
        "iam_roles",
        Value::set(i.associated_roles().iter().map(|a| {
            format!(
                "{}={}",
                map(a.role_arn().unwrap_or_default()),
                a.feature_name().unwrap_or_default()
            )
        })),
    );
    r
}

/// A live instance in the model's terms. `map` turns AWS ids into addresses.
pub fn instance_resource(
    addr: Address,
    i: &DbInstance,
    tags: Vec<(String, String)>,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Resource {
    let mut r = Resource::new(
        addr,
        Kind::Instance,
        i.db_instance_identifier().unwrap_or_default(),
    )
    .with(
        "instance_class",
        Value::str(i.db_instance_class().unwrap_or_default()),
    )
    .with(
        "allocated_storage",
        Value::Int(i.allocated_storage().unwrap_or(0) as i64),
    )
    .with("multi_az", Value::Bool(i.multi_az().unwrap_or(false)))
    .with(
        "publicly_accessible",
        Value::Bool(i.publicly_accessible().unwrap_or(false)),
    );
    for (k, v) in super::common_attrs(i, tags, map) {
        r.set(k, v);
    }
    let port = i
        .endpoint()
        .and_then(|e| e.port())
        .or(i.db_instance_port().filter(|p| *p > 0));
    if let Some(p) = port {
        r.set("port", Value::Int(p as i64));
    }
    if let Some(host) = i.endpoint().and_then(|e| e.address()) {
        r.set("endpoint", Value::str(host));
    }
    if let Some(g) = i.db_subnet_group().and_then(|g| g.db_subnet_group_name()) {
        r.set(
            "db_subnet_group",
            Value::str(map(&crate::aws::tags::subnet_group_key(g))),
        );
    }
    let optional = optional_attrs(i, map);
    r.set_present(optional);
    if let Some(p) = i.pending_modified_values() {
        // Accepted by AWS, applied at the next maintenance window: the planner shows these as
        // pending instead of planning them again.
        let pending = [
            ("instance_class", p.db_instance_class().map(Value::str)),
            (
                "allocated_storage",
                p.allocated_storage().map(|v| Value::Int(v as i64)),
            ),
            ("port", p.port().map(|v| Value::Int(v as i64))),
            (
                "backup_retention_days",
                p.backup_retention_period().map(|v| Value::Int(v as i64)),
            ),
            ("multi_az", p.multi_az().map(Value::Bool)),
            ("engine_version", p.engine_version().map(Value::str)),
            ("storage_type", p.storage_type().map(Value::str)),
            ("iops", p.iops().map(|v| Value::Int(v as i64))),
            (
                "storage_throughput",
                p.storage_throughput().map(|v| Value::Int(v as i64)),
            ),
            (
                "iam_database_authentication",
                p.iam_database_authentication_enabled().map(Value::Bool),
            ),
        ];
        r.set_pending(pending);
    }
    r.id = i.db_instance_arn().map(str::to_string);
    r
}

/// What an instance has only sometimes (or rdsplan compares only when the files say it).
fn optional_attrs(
    i: &DbInstance,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Vec<(&'static str, Option<Value>)> {
    vec![
        (
            "max_allocated_storage",
            i.max_allocated_storage().map(|v| Value::Int(v as i64)),
        ),
        ("storage_type", i.storage_type().map(Value::str)),
        ("iops", i.iops().map(|v| Value::Int(v as i64))),
        (
            "storage_throughput",
            i.storage_throughput().map(|v| Value::Int(v as i64)),
        ),
        (
            "auto_minor_version_upgrade",
            i.auto_minor_version_upgrade().map(Value::Bool),
        ),
        ("kms_key", i.kms_key_id().map(Value::str)),
        ("db_name", i.db_name().map(Value::str)),
        (
            "backup_retention_days",
            i.backup_retention_period().map(|v| Value::Int(v as i64)),
        ),
        (
            "preferred_maintenance_window",
            i.preferred_maintenance_window().map(Value::str),
        ),
        (
            "preferred_backup_window",
            i.preferred_backup_window().map(Value::str),
        ),
        (
            "parameter_group",
            i.db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_name())
                .map(|n| Value::str(map(n))),
        ),
        // Information: parameter changes that wait for a reboot.
        (
            "parameter_apply_status",
            i.db_parameter_groups()
                .iter()
                .filter_map(|g| g.parameter_apply_status())
                .find(|s| *s == "pending-reboot")
                .map(Value::str),
        ),
        (
            "copy_tags_to_snapshot",
            i.copy_tags_to_snapshot().map(Value::Bool),
        ),
        (
            "ca_certificate",
            i.ca_certificate_identifier().map(Value::str),
        ),
        (
            "log_exports",
            Some(Value::set(
                i.enabled_cloudwatch_logs_exports().iter().cloned(),
            )),
        ),
        (
            "performance_insights",
            i.performance_insights_enabled().map(Value::Bool),
        ),
        (
            "performance_insights_retention_days",
            i.performance_insights_retention_period()
                .map(|v| Value::Int(v as i64)),
        ),
        (
            "performance_insights_kms_key",
            i.performance_insights_kms_key_id().map(Value::str),
        ),
        (
            "monitoring_interval",
            i.monitoring_interval().map(|v| Value::Int(v as i64)),
        ),
        (
            "monitoring_role",
            i.monitoring_role_arn().map(|a| Value::str(map(a))),
        ),
        (
            "option_group",
            i.option_group_memberships()
                .first()
                .and_then(|m| m.option_group_name())
                .map(|n| Value::str(map(n))),
        ),
        // Information: where the database runs, for warnings about replaced subnets.
        ("availability_zone", i.availability_zone().map(Value::str)),
        (
            "secondary_availability_zone",
            i.secondary_availability_zone().map(Value::str),
        ),
        (
            "managed_secret_arn",
            i.master_user_secret()
                .and_then(|s| s.secret_arn())
                .map(Value::str),
        ),
    ]
}

pub async fn describe_instance(c: &Client, ident: &str) -> Result<Option<DbInstance>, AwsError> {
    super::describe_one!(
        c,
        ident,
        describe_db_instances,
        db_instance_identifier,
        db_instances,
        is_db_instance_not_found_fault,
        "DescribeDBInstances"
    )
}

impl super::Database for DbInstance {
    const NOUN: &'static str = "instance";
    async fn describe(c: &Client, ident: &str) -> Result<Option<Self>, AwsError> {
        describe_instance(c, ident).await
    }
    fn status(&self) -> &str {
        self.db_instance_status().unwrap_or_default()
    }
    fn tags(&self) -> Vec<(String, String)> {
        crate::aws::tags::rds_pairs(self.tag_list())
    }
    fn arn(&self) -> Option<&str> {
        self.db_instance_arn()
    }
    fn engine(&self) -> Option<&str> {
        DbInstance::engine(self)
    }
    fn engine_version(&self) -> Option<&str> {
        DbInstance::engine_version(self)
    }
    fn security_group_ids(&self) -> Vec<&str> {
        let groups = self.vpc_security_groups().iter();
        groups.filter_map(|g| g.vpc_security_group_id()).collect()
    }
    fn storage_encrypted(&self) -> bool {
        DbInstance::storage_encrypted(self).unwrap_or(false)
    }
    fn master_username(&self) -> Option<&str> {
        DbInstance::master_username(self)
    }
    fn managed_password(&self) -> bool {
        self.master_user_secret().is_some()
    }
    fn deletion_protection(&self) -> bool {
        DbInstance::deletion_protection(self).unwrap_or(false)
    }
    fn iam_database_authentication(&self) -> bool {
        self.iam_database_authentication_enabled().unwrap_or(false)
    }
}

/// Everything CreateDBInstance needs, resolved to AWS ids.
pub struct NewInstance<'a> {
    pub env: &'a str,
    pub desired: &'a Resource,
    pub subnet_group: String,
    pub security_group_ids: Vec<String>,
    /// `None` for RDS-managed credentials.
    pub password: Option<Password>,
    /// The DB parameter group's AWS name; `None` leaves the engine default.
    pub parameter_group: Option<String>,
    /// The enhanced monitoring role's ARN.
    pub monitoring_role_arn: Option<String>,
    /// The option group's AWS name; `None` leaves the engine default.
    pub option_group: Option<String>,
}

/// What a replica's create call takes that earlier steps resolve.
#[derive(Default)]
pub struct ReplicaRefs {
    pub parameter_group: Option<String>,
    pub monitoring_role_arn: Option<String>,
    pub option_group: Option<String>,
}

/// A string attribute as the create calls take it. Defaults live only in expansion: what the
/// desired resource leaves unset is left to AWS.
pub fn string(d: &Resource, attr: &str) -> Option<String> {
    d.str(attr).map(str::to_string)
}

pub fn int(d: &Resource, attr: &str) -> Option<i32> {
    d.int(attr).map(|v| v as i32)
}

/// A list attribute, when the desired resource sets it.
pub fn list(d: &Resource, attr: &str) -> Option<Vec<String>> {
    d.get(attr).map(|v| v.as_list().to_vec())
}

/// Builds CreateDBInstance from the desired instance (tests inspect it without sending).
pub fn create_instance_request(
    c: &Client,
    n: &NewInstance<'_>,
) -> aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder {
    let d = n.desired;
    let req = c
        .create_db_instance()
        .db_instance_identifier(&d.name)
        .set_engine(string(d, "engine"))
        .set_engine_version(string(d, "engine_version"))
        .set_db_instance_class(string(d, "instance_class"))
        .set_allocated_storage(int(d, "allocated_storage"))
        .set_max_allocated_storage(int(d, "max_allocated_storage"))
        .set_storage_type(string(d, "storage_type"))
        .set_iops(int(d, "iops"))
        .set_storage_throughput(int(d, "storage_throughput"))
        .set_multi_az(d.bool("multi_az"))
        .set_storage_encrypted(d.bool("storage_encrypted"))
        .set_kms_key_id(string(d, "kms_key"))
        .db_subnet_group_name(&n.subnet_group)
        .set_vpc_security_group_ids(Some(n.security_group_ids.clone()))
        .set_publicly_accessible(d.bool("publicly_accessible"))
        .set_port(int(d, "port"))
        .set_db_name(string(d, "db_name"))
        .set_master_username(string(d, "master_username"))
        .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
        .set_deletion_protection(d.bool("deletion_protection"))
        .set_backup_retention_period(int(d, "backup_retention_days"))
        .set_preferred_maintenance_window(string(d, "preferred_maintenance_window"))
        .set_preferred_backup_window(string(d, "preferred_backup_window"))
        .set_auto_minor_version_upgrade(d.bool("auto_minor_version_upgrade"))
        .set_db_parameter_group_name(n.parameter_group.clone())
        .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
        .set_ca_certificate_identifier(string(d, "ca_certificate"))
        .set_enable_cloudwatch_logs_exports(list(d, "log_exports"))
        .set_enable_performance_insights(d.bool("performance_insights"))
        .set_performance_insights_retention_period(int(d, "performance_insights_retention_days"))
        .set_performance_insights_kms_key_id(string(d, "performance_insights_kms_key"))
        .set_monitoring_interval(int(d, "monitoring_interval"))
        .set_monitoring_role_arn(n.monitoring_role_arn.clone())
        .set_option_group_name(n.option_group.clone())
        .set_tags(Some(create_tags(n.env, d)));
    match &n.password {
        Some(p) => req.master_user_password(p.expose()),
        None => req.manage_master_user_password(true),
    }
}

pub async fn create_instance(c: &Client, n: NewInstance<'_>) -> Result<(), AwsError> {
    let d = n.desired;
    let addr = d.address.as_str();
    // No look before creating: the plan was made from a read moments ago under the apply lock;
    // an instance that exists after all (an earlier attempt) is recognised by `landed`.
    let req = create_instance_request(c, &n);
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(addr, "CreateDBInstance", e);
            // Created by a concurrent or interrupted run between our check and our call, or by
            // an attempt whose answer was lost: done when it carries this address.
            landed(c, addr, &d.name, e).await
        }
    }
}

/// After a failed create: `Ok` when the instance now exists carrying `address` (an earlier
/// attempt or run made it), the create's error otherwise.
pub async fn landed(c: &Client, address: &str, ident: &str, e: AwsError) -> Result<(), AwsError> {
    let ours = describe_instance(c, ident).await?.is_some_and(|i| {
        crate::aws::tags::rds_pairs(i.tag_list())
            .iter()
            .any(|(k, v)| k == crate::model::TAG_ADDRESS && v == address)
    });
    if ours {
        Ok(())
    } else {
        Err(e)
    }
}

pub async fn set_master_password(
    c: &Client,
    address: &str,
    ident: &str,
    p: &Password,
) -> Result<(), AwsError> {
    c.modify_db_instance()
        .db_instance_identifier(ident)
        .master_user_password(p.expose())
        .apply_immediately(true)
        .send()
        .await
        .map_err(sdk(address, "ModifyDBInstance"))?;
    Ok(())
}

/// Converges the user tags (and the skip-final-snapshot tag) of any RDS resource.
pub async fn set_tags(
    c: &Client,
    address: &str,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let (gone, set) = crate::aws::tag_changes(old, new);
    if !gone.is_empty() {
        c.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(gone))
            .send()
            .await
            .map_err(sdk(address, "RemoveTagsFromResource"))?;
    }
    let set: Vec<Tag> = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !set.is_empty() {
        c.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(sdk(address, "AddTagsToResource"))?;
    }
    Ok(())
}

/// Reboots a DB instance without forcing a failover (a Multi-AZ instance reboots in place) and
/// waits until it is `available` again, so that parameter changes pending a reboot take effect.
pub async fn reboot(
    c: &Client,
    address: &str,
    ident: &str,
    timeout: Duration,
) -> Result<(), AwsError> {
    // A database that is still busy (modifying, backing-up) cannot reboot yet; right after a
    // replica is created AWS may still refuse with "in-progress management operation"
    // (InvalidDBInstanceState, terraform-provider-aws #11905) although it reads available:
    // that is waited out until the deadline, never a failure.
    wait_available(c, address, ident, timeout).await?;
    wait::until(address, timeout, || async {
        match c
            .reboot_db_instance()
            .db_instance_identifier(ident)
            .force_failover(false)
            .send()
            .await
        {
            Ok(_) => Ok(Some(())),
            Err(e) => {
                let e = AwsError::from_sdk(address, "RebootDBInstance", e);
                if e.is_code(&["InvalidDBInstanceState", "InvalidDBInstanceStateFault"]) {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    })
    .await?;
    wait_available(c, address, ident, timeout).await?;
    Ok(())
}

/// Waits until the instance is `available`; returns it.
pub async fn wait_available(
    c: &Client,
    address: &str,
    ident: &str,
    timeout: Duration,
) -> Result<DbInstance, AwsError> {
    super::wait_available(c, address, ident, timeout).await
}

/// Deletes the instance (with a final snapshot unless `snapshot` is None) and waits until it
/// is gone. Already gone is success.
pub async fn delete_instance(
    c: &Client,
    address: &str,
    ident: &str,
    snapshot: Option<&str>,
    timeout: Duration,
) -> Result<(), AwsError> {
    let req = c
        .delete_db_instance()
        .db_instance_identifier(ident)
        .delete_automated_backups(false);
    let req = match snapshot {
        Some(s) => req
            .final_db_snapshot_identifier(s)
            .skip_final_snapshot(false),
        None => req.skip_final_snapshot(true),
    };
    if let Err(e) = req.send().await {
        let e = e.into_service_error();
        if !e.is_db_instance_not_found_fault() {
            return Err(AwsError::from_sdk(address, "DeleteDBInstance", e));
        }
    }
    wait::until(address, timeout, || async {
        Ok(describe_instance(c, ident).await?.is_none().then_some(()))
    })
    .await
}

/// Creates a read replica of `source` (an identifier). Fields the replica does not set follow
/// the source.
pub async fn create_replica(
    c: &Client,
    env: &str,
    d: &Resource,
    source: &str,
    security_group_ids: Vec<String>,
    refs: ReplicaRefs,
) -> Result<(), AwsError> {
    let addr = d.address.as_str();
    let res = create_replica_request(c, env, d, source, security_group_ids)
        .set_db_parameter_group_name(refs.parameter_group)
        .set_monitoring_role_arn(refs.monitoring_role_arn)
        .set_option_group_name(refs.option_group)
        .send()
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(addr, "CreateDBInstanceReadReplica", e);
            landed(c, addr, &d.name, e).await
        }
    }
}

/// Builds CreateDBInstanceReadReplica (tests inspect it without sending).
pub fn create_replica_request(
    c: &Client,
    env: &str,
    d: &Resource,
    source: &str,
    security_group_ids: Vec<String>,
) -> aws_sdk_rds::operation::create_db_instance_read_replica::builders::CreateDBInstanceReadReplicaFluentBuilder{
    c.create_db_instance_read_replica()
        .db_instance_identifier(&d.name)
        .source_db_instance_identifier(source)
        .set_db_instance_class(d.str("instance_class").map(str::to_string))
        .set_multi_az(d.bool("multi_az"))
        .set_storage_type(d.str("storage_type").map(str::to_string))
        .set_max_allocated_storage(int(d, "max_allocated_storage"))
        .set_iops(int(d, "iops"))
        .set_storage_throughput(int(d, "storage_throughput"))
        .set_publicly_accessible(d.bool("publicly_accessible"))
        .set_port(d.int("port").map(|p| p as i32))
        .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
        .set_deletion_protection(d.bool("deletion_protection"))
        .set_auto_minor_version_upgrade(d.bool("auto_minor_version_upgrade"))
        .set_vpc_security_group_ids((!security_group_ids.is_empty()).then_some(security_group_ids))
        .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
        .set_ca_certificate_identifier(string(d, "ca_certificate"))
        .set_enable_cloudwatch_logs_exports(list(d, "log_exports"))
        .set_enable_performance_insights(d.bool("performance_insights"))
        .set_performance_insights_retention_period(int(d, "performance_insights_retention_days"))
        .set_performance_insights_kms_key_id(string(d, "performance_insights_kms_key"))
        .set_monitoring_interval(int(d, "monitoring_interval"))
        .set_tags(Some(create_tags(env, d)))
}
