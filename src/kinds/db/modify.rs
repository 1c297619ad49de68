//! ModifyDBInstance and ModifyDBCluster, built from the attribute table: every field the table
//! names for a changed attribute is set here (an exhaustive match, so a new field is a compile
//! error until it is carried), and a field a call cannot carry is an error, never a skip.

use crate::aws::error::sdk;
use crate::aws::AwsError;
use crate::kinds::secret::Password;
use crate::model::attrs::{self, Field};
use crate::model::versions::is_major_change;
use crate::model::{Kind, Resource};
use aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, ServerlessV2ScalingConfiguration};
use aws_sdk_rds::Client;

/// What a Modify call needs beyond the desired resource: ids resolved by earlier steps, the
/// live resource (for the version being upgraded from and storage settings the files leave
/// to AWS), and the generated password when RDS stops managing it.
#[derive(Default)]
pub struct Resolved<'a> {
    pub security_group_ids: Vec<String>,
    pub subnet_group: Option<String>,
    pub password: Option<&'a Password>,
    pub before: Option<&'a Resource>,
    /// The AWS names of the DB (cluster) parameter group the desired resource names.
    pub parameter_group: Option<String>,
    pub cluster_parameter_group: Option<String>,
    /// The AWS name of the DB parameter group a cluster's members share (sent with a major
    /// upgrade of the cluster).
    pub member_parameter_group: Option<String>,
    /// The ARN of the enhanced monitoring role.
    pub monitoring_role_arn: Option<String>,
    /// The option group's AWS name.
    pub option_group: Option<String>,
}

/// CloudwatchLogsExportConfiguration from the live exports to the desired ones.
fn log_exports(d: &Resource, r: &Resolved) -> CloudwatchLogsExportConfiguration {
    let want = d.list("log_exports");
    let have = r.before.map(|b| b.list("log_exports")).unwrap_or_default();
    CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(
            want.iter().filter(|w| !have.contains(w)).cloned().collect(),
        ))
        .set_disable_log_types(Some(
            have.iter().filter(|h| !want.contains(h)).cloned().collect(),
        ))
        .build()
}

/// `serverless_v2 = { min_capacity, max_capacity }` as AWS takes it.
pub fn serverless_v2(d: &Resource) -> Option<ServerlessV2ScalingConfiguration> {
    let m = d.get("serverless_v2")?.as_map()?;
    let num = |k: &str| m.get(k).and_then(|v| v.parse::<f64>().ok());
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .set_min_capacity(num("min_capacity"))
            .set_max_capacity(num("max_capacity"))
            .build(),
    )
}

/// Storage types whose provisioned IOPS (and throughput) AWS wants with every storage change.
fn provisioned(d: &Resource, before: Option<&Resource>) -> bool {
    let t = d
        .str("storage_type")
        .or_else(|| before.and_then(|b| b.str("storage_type")));
    matches!(t, Some("gp3" | "io1" | "io2"))
}

/// A storage modification carries IOPS and throughput along (from the files, or as they are
/// live when the files leave them to AWS) for gp3, io1 and io2.
pub fn with_storage_companions(kind: Kind, d: &Resource, r: &Resolved, fields: &mut Vec<Field>) {
    let storage = [
        Field::AllocatedStorage,
        Field::StorageType,
        Field::Iops,
        Field::StorageThroughput,
    ];
    if !fields.iter().any(|f| storage.contains(f)) || !provisioned(d, r.before) {
        return;
    }
    for f in [Field::Iops, Field::StorageThroughput] {
        let known = attrs::field_attr(kind, f)
            .is_some_and(|a| d.get(a).is_some() || r.before.is_some_and(|b| b.get(a).is_some()));
        if known && !fields.contains(&f) {
            fields.push(f);
        }
    }
}

fn int(d: &Resource, r: &Resolved, attr: &str) -> Option<i32> {
    d.int(attr)
        .or_else(|| r.before.and_then(|b| b.int(attr)))
        .map(|v| v as i32)
}

fn missing(d: &Resource, what: &str) -> String {
    format!("{} has no {what} to send", d.address)
}

/// `Some(true)` only for a major version change the files allow (the planner refuses the
/// others); never on a minor change.
fn allow_major(d: &Resource, r: &Resolved, want: &str) -> Option<bool> {
    let major = r
        .before
        .and_then(|l| l.str("engine_version"))
        .is_some_and(|have| is_major_change(d.str("engine").unwrap_or_default(), have, want));
    (major && d.bool("allow_major_version_upgrade") == Some(true)).then_some(true)
}

/// ManageMasterUserPassword, and the new MasterUserPassword when RDS stops managing it: AWS
/// refuses ManageMasterUserPassword=false without it.
fn credentials(d: &Resource, r: &Resolved) -> Result<(bool, Option<String>), String> {
    if d.str("credentials") == Some("managed") {
        return Ok((true, None));
    }
    let p = r.password.ok_or_else(|| missing(d, "generated password"))?;
    Ok((false, Some(p.expose().to_string())))
}

/// Sets one field of ModifyDBInstance to its desired value.
pub fn instance_field(
    req: ModifyDBInstanceFluentBuilder,
    f: Field,
    d: &Resource,
    r: &Resolved,
) -> Result<ModifyDBInstanceFluentBuilder, String> {
    let s = |a: &str| d.str(a).map(str::to_string).ok_or_else(|| missing(d, a));
    let b = |a: &str| d.bool(a).ok_or_else(|| missing(d, a));
    let i = |a: &str| int(d, r, a).ok_or_else(|| missing(d, a));
    Ok(match f {
        Field::InstanceClass => req.db_instance_class(s("instance_class")?),
        Field::EngineVersion => {
            let want = s("engine_version")?;
            req.set_allow_major_version_upgrade(allow_major(d, r, &want))
                .engine_version(want)
        }
        Field::AllocatedStorage => req.allocated_storage(i("allocated_storage")?),
        Field::MaxAllocatedStorage => req.max_allocated_storage(i("max_allocated_storage")?),
        Field::StorageType => req.storage_type(s("storage_type")?),
        Field::Iops => req.iops(i("iops")?),
        Field::StorageThroughput => req.storage_throughput(i("storage_throughput")?),
        Field::MultiAz => req.multi_az(b("multi_az")?),
        Field::PubliclyAccessible => req.publicly_accessible(b("publicly_accessible")?),
        Field::Port => req.db_port_number(i("port")?),
        Field::IamDatabaseAuthentication => {
            req.enable_iam_database_authentication(b("iam_database_authentication")?)
        }
        Field::DeletionProtection => req.deletion_protection(b("deletion_protection")?),
        Field::BackupRetention => req.backup_retention_period(i("backup_retention_days")?),
        Field::MaintenanceWindow => {
            req.preferred_maintenance_window(s("preferred_maintenance_window")?)
        }
        Field::BackupWindow => req.preferred_backup_window(s("preferred_backup_window")?),
        Field::AutoMinorVersionUpgrade => {
            req.auto_minor_version_upgrade(b("auto_minor_version_upgrade")?)
        }
        Field::SecurityGroups => req.set_vpc_security_group_ids(Some(r.security_group_ids.clone())),
        Field::SubnetGroup => req.db_subnet_group_name(
            r.subnet_group
                .clone()
                .ok_or_else(|| missing(d, "DB subnet group"))?,
        ),
        Field::Credentials => {
            let (managed, password) = credentials(d, r)?;
            req.manage_master_user_password(managed)
                .set_master_user_password(password)
        }
        Field::ParameterGroup => req.db_parameter_group_name(
            r.parameter_group
                .clone()
                .ok_or_else(|| missing(d, "parameter group"))?,
        ),
        Field::OptionGroup => req.option_group_name(
            r.option_group
                .clone()
                .ok_or_else(|| missing(d, "option group"))?,
        ),
        Field::CopyTagsToSnapshot => req.copy_tags_to_snapshot(b("copy_tags_to_snapshot")?),
        Field::CaCertificate => req.ca_certificate_identifier(s("ca_certificate")?),
        Field::LogExports => req.cloudwatch_logs_export_configuration(log_exports(d, r)),
        Field::PerformanceInsights => req.enable_performance_insights(b("performance_insights")?),
        Field::PerformanceInsightsRetention => {
            req.performance_insights_retention_period(i("performance_insights_retention_days")?)
        }
        Field::PerformanceInsightsKmsKey => {
            req.performance_insights_kms_key_id(s("performance_insights_kms_key")?)
        }
        Field::MonitoringInterval => req.monitoring_interval(i("monitoring_interval")?),
        Field::MonitoringRole => req.monitoring_role_arn(
            r.monitoring_role_arn
                .clone()
                .ok_or_else(|| missing(d, "monitoring role ARN"))?,
        ),
        Field::ClusterParameterGroup | Field::ServerlessV2 => {
            return Err(format!("ModifyDBInstance does not carry {f:?}"))
        }
    })
}

/// Sets one field of ModifyDBCluster to its desired value.
pub fn cluster_field(
    req: ModifyDBClusterFluentBuilder,
    f: Field,
    d: &Resource,
    r: &Resolved,
) -> Result<ModifyDBClusterFluentBuilder, String> {
    let s = |a: &str| d.str(a).map(str::to_string).ok_or_else(|| missing(d, a));
    let b = |a: &str| d.bool(a).ok_or_else(|| missing(d, a));
    let i = |a: &str| int(d, r, a).ok_or_else(|| missing(d, a));
    Ok(match f {
        Field::EngineVersion => {
            let want = s("engine_version")?;
            let major = allow_major(d, r, &want);
            req.set_allow_major_version_upgrade(major)
                .set_db_instance_parameter_group_name(major.and(r.member_parameter_group.clone()))
                .engine_version(want)
        }
        Field::Port => req.port(i("port")?),
        Field::IamDatabaseAuthentication => {
            req.enable_iam_database_authentication(b("iam_database_authentication")?)
        }
        Field::DeletionProtection => req.deletion_protection(b("deletion_protection")?),
        Field::BackupRetention => req.backup_retention_period(i("backup_retention_days")?),
        Field::MaintenanceWindow => {
            req.preferred_maintenance_window(s("preferred_maintenance_window")?)
        }
        Field::BackupWindow => req.preferred_backup_window(s("preferred_backup_window")?),
        Field::SecurityGroups => req.set_vpc_security_group_ids(Some(r.security_group_ids.clone())),
        Field::Credentials => {
            let (managed, password) = credentials(d, r)?;
            req.manage_master_user_password(managed)
                .set_master_user_password(password)
        }
        Field::ClusterParameterGroup => req.db_cluster_parameter_group_name(
            r.cluster_parameter_group
                .clone()
                .ok_or_else(|| missing(d, "cluster parameter group"))?,
        ),
        Field::CopyTagsToSnapshot => req.copy_tags_to_snapshot(b("copy_tags_to_snapshot")?),
        Field::LogExports => req.cloudwatch_logs_export_configuration(log_exports(d, r)),
        Field::ServerlessV2 => req.set_serverless_v2_scaling_configuration(serverless_v2(d)),
        Field::InstanceClass
        | Field::OptionGroup
        | Field::CaCertificate
        | Field::PerformanceInsights
        | Field::PerformanceInsightsRetention
        | Field::PerformanceInsightsKmsKey
        | Field::MonitoringInterval
        | Field::MonitoringRole
        | Field::ParameterGroup
        | Field::AllocatedStorage
        | Field::MaxAllocatedStorage
        | Field::StorageType
        | Field::Iops
        | Field::StorageThroughput
        | Field::MultiAz
        | Field::PubliclyAccessible
        | Field::AutoMinorVersionUpgrade
        | Field::SubnetGroup => {
            return Err(format!(
                "ModifyDBCluster does not carry {f:?} for an Aurora cluster"
            ))
        }
    })
}

/// Builds the ModifyDBInstance request for `fields`; `None` when there is nothing to send.
pub fn instance_request(
    c: &Client,
    d: &Resource,
    fields: &[Field],
    r: &Resolved,
    apply_immediately: bool,
) -> Result<Option<ModifyDBInstanceFluentBuilder>, AwsError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut req = c
        .modify_db_instance()
        .db_instance_identifier(&d.name)
        .apply_immediately(apply_immediately);
    for f in fields {
        req = instance_field(req, *f, d, r)
            .map_err(|m| AwsError::new(d.address.as_str(), "ModifyDBInstance", m))?;
    }
    Ok(Some(req))
}

/// Builds the ModifyDBCluster request for `fields`; `None` when there is nothing to send.
pub fn cluster_request(
    c: &Client,
    d: &Resource,
    fields: &[Field],
    r: &Resolved,
) -> Result<Option<ModifyDBClusterFluentBuilder>, AwsError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut req = c
        .modify_db_cluster()
        .db_cluster_identifier(&d.name)
        .apply_immediately(d.bool("apply_immediately").unwrap_or(false));
    for f in fields {
        req = cluster_field(req, *f, d, r)
            .map_err(|m| AwsError::new(d.address.as_str(), "ModifyDBCluster", m))?;
    }
    Ok(Some(req))
}

/// Modifies the `changed` attributes of an instance, replica or Aurora member in one
/// ModifyDBInstance call. Refuses (never skips) an attribute the call cannot carry. Returns
/// whether a call was made.
pub async fn modify_instance(
    c: &Client,
    d: &Resource,
    changed: &[String],
    r: &Resolved<'_>,
) -> Result<bool, AwsError> {
    Ok(modify_instance_answered(c, d, changed, r).await?.is_some())
}

/// [`modify_instance`], returning the instance as AWS's answer to the call describes it
/// (`None` when no call was needed): after a change AWS makes without a status change, that
/// answer is the reading a wait would make.
pub async fn modify_instance_answered(
    c: &Client,
    d: &Resource,
    changed: &[String],
    r: &Resolved<'_>,
) -> Result<Option<aws_sdk_rds::types::DbInstance>, AwsError> {
    let mut fields = attrs::modify_fields(d.kind, changed.iter().map(String::as_str))
        .map_err(|m| AwsError::new(d.address.as_str(), "ModifyDBInstance", m))?;
    with_storage_companions(d.kind, d, r, &mut fields);
    let now = d.bool("apply_immediately").unwrap_or(false);
    match instance_request(c, d, &fields, r, now)? {
        Some(req) => {
            let out = req
                .send()
                .await
                .map_err(sdk(d.address.as_str(), "ModifyDBInstance"))?;
            Ok(Some(out.db_instance.unwrap_or_else(|| {
                aws_sdk_rds::types::DbInstance::builder().build()
            })))
        }
        None => Ok(None),
    }
}

/// Sets, right after creation, what the create call could not take (a replica's backups and
/// windows), at once: the database is new, so there is no window to wait for.
pub async fn after_create(c: &Client, d: &Resource, r: &Resolved<'_>) -> Result<bool, AwsError> {
    let fields = attrs::post_create_fields(d.kind, d.attrs.keys().map(String::as_str));
    match instance_request(c, d, &fields, r, true)? {
        Some(req) => {
            req.send()
                .await
                .map_err(sdk(d.address.as_str(), "ModifyDBInstance"))?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Modifies the `changed` attributes of an Aurora cluster in one ModifyDBCluster call; returns
/// whether a call was made.
pub async fn modify_cluster(
    c: &Client,
    d: &Resource,
    changed: &[String],
    r: &Resolved<'_>,
) -> Result<bool, AwsError> {
    let fields = attrs::modify_fields(Kind::Cluster, changed.iter().map(String::as_str))
        .map_err(|m| AwsError::new(d.address.as_str(), "ModifyDBCluster", m))?;
    match cluster_request(c, d, &fields, r)? {
        Some(req) => {
            req.send()
                .await
                .map_err(sdk(d.address.as_str(), "ModifyDBCluster"))?;
            Ok(true)
        }
        None => Ok(false),
    }
}
