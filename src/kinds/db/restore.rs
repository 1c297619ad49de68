//! Creating a database from a snapshot or a point in time (`restore`), with its tags in the
//! restore call. What the restore calls cannot take is set by one Modify right after, and the
//! credentials are made what the files say: the generated password set, or RDS made to manage
//! it; a restored database otherwise keeps its source's.
//!
//! Guarantee across a crash: the restore call tags the database `rdsplan:restore-pending`, and
//! only a successful follow-up Modify removes the tag. A run that stopped in between leaves a
//! database the next plan shows as "restore: pending -> finished", and that apply sends the
//! follow-up (it is idempotent: the same password, the same settings).

use crate::aws::error::sdk;
use crate::aws::AwsError;
use crate::kinds::db::cluster::NewCluster;
use crate::kinds::db::instance::{int, list, string, NewInstance, TAG_RESTORE_PENDING};
use crate::kinds::db::modify::{self, Resolved};
use crate::kinds::secret::Password;
use crate::model::attrs::Field;
use crate::model::Resource;
use aws_sdk_rds::primitives::DateTime;
use aws_sdk_rds::types::Tag;
use aws_sdk_rds::Client;

/// Where a database is restored from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Snapshot(String),
    /// A point in time of `source`; `None` is its latest restorable time.
    PointInTime {
        source: String,
        time: Option<String>,
    },
}

/// The `restore` of a desired database, if it has one.
pub fn source(d: &Resource) -> Option<Source> {
    let m = d.get("restore")?.as_map()?;
    if let Some(s) = m.get("snapshot") {
        return Some(Source::Snapshot(s.clone()));
    }
    let source = m.get("source")?.clone();
    let time = m.get("time").filter(|t| t.as_str() != "latest").cloned();
    Some(Source::PointInTime { source, time })
}

fn when(address: &str, t: &str) -> Result<DateTime, AwsError> {
    DateTime::from_str(t, aws_sdk_rds::primitives::DateTimeFormat::DateTime)
        .map_err(|e| AwsError::new(address, "restore", format!("time `{t}`: {e}")))
}

/// Fields of ModifyDBInstance the restore calls do not carry, set right after.
const AFTER_INSTANCE: &[Field] = &[
    Field::MaxAllocatedStorage,
    Field::MaintenanceWindow,
    Field::PerformanceInsights,
    Field::PerformanceInsightsRetention,
    Field::PerformanceInsightsKmsKey,
    Field::MonitoringInterval,
    Field::MonitoringRole,
];

/// The settings both instance restore calls take, from the desired instance: the two builders
/// are different types with the same setters.
trait RestoredLike: Sized {
    fn restored_like(
        self,
        d: &Resource,
        n: &NewInstance,
        managed: bool,
        tags: Option<Vec<Tag>>,
    ) -> Self;
}

macro_rules! restored_like {
    ($builder:ty) => {
        impl RestoredLike for $builder {
            fn restored_like(
                self,
                d: &Resource,
                n: &NewInstance,
                managed: bool,
                tags: Option<Vec<Tag>>,
            ) -> Self {
                self.set_db_instance_class(string(d, "instance_class"))
                    .db_subnet_group_name(&n.subnet_group)
                    .set_vpc_security_group_ids(Some(n.security_group_ids.clone()))
                    .set_multi_az(d.bool("multi_az"))
                    .set_publicly_accessible(d.bool("publicly_accessible"))
                    .set_port(int(d, "port"))
                    .set_storage_type(string(d, "storage_type"))
                    .set_iops(int(d, "iops"))
                    .set_storage_throughput(int(d, "storage_throughput"))
                    .set_auto_minor_version_upgrade(d.bool("auto_minor_version_upgrade"))
                    .set_deletion_protection(d.bool("deletion_protection"))
                    .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
                    .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
                    .set_enable_cloudwatch_logs_exports(list(d, "log_exports"))
                    .set_db_parameter_group_name(n.parameter_group.clone())
                    .set_option_group_name(n.option_group.clone())
                    .set_ca_certificate_identifier(string(d, "ca_certificate"))
                    .set_backup_retention_period(int(d, "backup_retention_days"))
                    .set_preferred_backup_window(string(d, "preferred_backup_window"))
                    .set_manage_master_user_password(managed.then_some(true))
                    .set_tags(tags)
            }
        }
    };
}
restored_like!(aws_sdk_rds::operation::restore_db_instance_from_db_snapshot::builders::RestoreDBInstanceFromDBSnapshotFluentBuilder);
restored_like!(aws_sdk_rds::operation::restore_db_instance_to_point_in_time::builders::RestoreDBInstanceToPointInTimeFluentBuilder);

/// The create tags and the restore-pending marker, set in the restore call itself.
fn restore_tags(env: &str, d: &Resource) -> Vec<Tag> {
    let mut tags = crate::kinds::db::instance::create_tags(env, d);
    tags.push(
        Tag::builder()
            .key(TAG_RESTORE_PENDING)
            .value("true")
            .build(),
    );
    tags
}

/// Removes the restore-pending marker: the follow-up is done.
async fn finished(c: &Client, d: &Resource, arn: &str) -> Result<(), AwsError> {
    let marker = [(TAG_RESTORE_PENDING.to_string(), "true".to_string())].into();
    crate::kinds::db::instance::set_tags(c, d.address.as_str(), arn, &marker, &Default::default())
        .await
}

/// Restores an instance unless it exists (a re-run after a crash adopts it).
pub async fn instance(c: &Client, n: &NewInstance<'_>, from: &Source) -> Result<(), AwsError> {
    let d = n.desired;
    let addr = d.address.as_str();
    if crate::kinds::db::instance::describe_instance(c, &d.name)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let managed = n.password.is_none();
    let tags = Some(restore_tags(n.env, d));
    let sent = match from {
        Source::Snapshot(snap) => c
            .restore_db_instance_from_db_snapshot()
            .db_instance_identifier(&d.name)
            .db_snapshot_identifier(snap)
            .restored_like(d, n, managed, tags)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(addr, "RestoreDBInstanceFromDBSnapshot", e)),
        Source::PointInTime { source, time } => {
            let req = c
                .restore_db_instance_to_point_in_time()
                .source_db_instance_identifier(source)
                .target_db_instance_identifier(&d.name);
            let req = match time {
                Some(t) => req.restore_time(when(addr, t)?),
                None => req.use_latest_restorable_time(true),
            };
            req.set_max_allocated_storage(int(d, "max_allocated_storage"))
                .restored_like(d, n, managed, tags)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(addr, "RestoreDBInstanceToPointInTime", e))
        }
    };
    match sent {
        Err(e) if e.is_code(&["DBInstanceAlreadyExists"]) => Ok(()),
        other => other,
    }
}

/// After a restored instance is available (`arn`): its generated password, and what the
/// restore call could not take, in one ModifyDBInstance applied at once; then the
/// restore-pending marker goes.
pub async fn after_instance(
    c: &Client,
    d: &Resource,
    password: Option<&Password>,
    monitoring_role_arn: Option<String>,
    arn: &str,
) -> Result<(), AwsError> {
    let r = Resolved {
        monitoring_role_arn,
        ..Resolved::default()
    };
    let fields: Vec<Field> = AFTER_INSTANCE
        .iter()
        .copied()
        .filter(|f| crate::model::attrs::field_attr(d.kind, *f).is_some_and(|a| d.get(a).is_some()))
        .collect();
    let req = modify::instance_request(c, d, &fields, &r, true)?;
    let req = match (req, password) {
        (Some(req), Some(p)) => Some(req.master_user_password(p.expose())),
        (None, Some(p)) => Some(
            c.modify_db_instance()
                .db_instance_identifier(&d.name)
                .apply_immediately(true)
                .master_user_password(p.expose()),
        ),
        (req, None) => req,
    };
    if let Some(req) = req {
        req.send()
            .await
            .map_err(sdk(d.address.as_str(), "ModifyDBInstance"))?;
    }
    finished(c, d, arn).await
}

/// Restores an Aurora cluster unless it exists.
pub async fn cluster(c: &Client, n: &NewCluster<'_>, from: &Source) -> Result<(), AwsError> {
    let d = n.desired;
    let addr = d.address.as_str();
    if crate::kinds::db::cluster::describe_cluster(c, &d.name)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let tags = Some(restore_tags(n.env, d));
    let v2 = modify::serverless_v2(d);
    let sent = match from {
        Source::Snapshot(snap) => c
            .restore_db_cluster_from_snapshot()
            .db_cluster_identifier(&d.name)
            .snapshot_identifier(snap)
            .set_engine(string(d, "engine"))
            .set_engine_version(string(d, "engine_version"))
            .set_port(int(d, "port"))
            .db_subnet_group_name(&n.subnet_group)
            .set_vpc_security_group_ids(Some(n.security_group_ids.clone()))
            .set_database_name(string(d, "database_name"))
            .set_kms_key_id(string(d, "kms_key"))
            .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
            .set_enable_cloudwatch_logs_exports(list(d, "log_exports"))
            .set_db_cluster_parameter_group_name(n.cluster_parameter_group.clone())
            .set_deletion_protection(d.bool("deletion_protection"))
            .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
            .set_serverless_v2_scaling_configuration(v2)
            .set_backup_retention_period(int(d, "backup_retention_days"))
            .set_preferred_backup_window(string(d, "preferred_backup_window"))
            .set_tags(tags)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(addr, "RestoreDBClusterFromSnapshot", e)),
        Source::PointInTime { source, time } => {
            let req = c
                .restore_db_cluster_to_point_in_time()
                .db_cluster_identifier(&d.name)
                .source_db_cluster_identifier(source);
            let req = match time {
                Some(t) => req.restore_to_time(when(addr, t)?),
                None => req.use_latest_restorable_time(true),
            };
            req.set_port(int(d, "port"))
                .db_subnet_group_name(&n.subnet_group)
                .set_vpc_security_group_ids(Some(n.security_group_ids.clone()))
                .set_kms_key_id(string(d, "kms_key"))
                .set_enable_iam_database_authentication(d.bool("iam_database_authentication"))
                .set_enable_cloudwatch_logs_exports(list(d, "log_exports"))
                .set_db_cluster_parameter_group_name(n.cluster_parameter_group.clone())
                .set_deletion_protection(d.bool("deletion_protection"))
                .set_copy_tags_to_snapshot(d.bool("copy_tags_to_snapshot"))
                .set_serverless_v2_scaling_configuration(v2)
                .set_backup_retention_period(int(d, "backup_retention_days"))
                .set_preferred_backup_window(string(d, "preferred_backup_window"))
                .set_tags(tags)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(addr, "RestoreDBClusterToPointInTime", e))
        }
    };
    match sent {
        Err(e) if e.is_code(&["DBClusterAlreadyExistsFault"]) => Ok(()),
        other => other,
    }
}

/// After a restored cluster is available (`arn`): the credentials the files say (the restore
/// calls take none) and the maintenance window, in one ModifyDBCluster applied at once; then
/// the restore-pending marker goes.
pub async fn after_cluster(
    c: &Client,
    d: &Resource,
    password: Option<&Password>,
    arn: &str,
) -> Result<(), AwsError> {
    let req = c
        .modify_db_cluster()
        .db_cluster_identifier(&d.name)
        .apply_immediately(true)
        .set_preferred_maintenance_window(string(d, "preferred_maintenance_window"));
    let req = match password {
        Some(p) => req.master_user_password(p.expose()),
        None => req.manage_master_user_password(true),
    };
    req.send()
        .await
        .map_err(sdk(d.address.as_str(), "ModifyDBCluster"))?;
    finished(c, d, arn).await
}
