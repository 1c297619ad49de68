//! The attribute table, walked: for every attribute of every kind, a change plans as the table
//! says, and the AWS request apply builds for it (captured by `aws-smithy-mocks`) carries it.
//! An attribute the planner can change and apply cannot fails here.

use crate::kinds::db::modify::{self, Resolved};
use crate::kinds::secret::Password;
use crate::model::attrs::{self, Carrier, Compare, Field, ALL_KINDS};
use crate::model::{Address, Kind, Live, Resource, Value};
use crate::plan::{plan, Action};
use aws_sdk_rds::operation::create_db_cluster::{CreateDbClusterInput, CreateDbClusterOutput};
use aws_sdk_rds::operation::create_db_instance::{CreateDbInstanceInput, CreateDbInstanceOutput};
use aws_sdk_rds::operation::create_db_instance_read_replica::{
    CreateDbInstanceReadReplicaInput, CreateDbInstanceReadReplicaOutput,
};
use aws_sdk_rds::operation::modify_db_cluster::{ModifyDbClusterInput, ModifyDbClusterOutput};
use aws_sdk_rds::operation::modify_db_instance::{ModifyDbInstanceInput, ModifyDbInstanceOutput};
use aws_sdk_rds::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use std::sync::{Arc, Mutex};

/// Two distinct valid values of an attribute: (live, desired).
fn values(kind: Kind, attr: &str) -> (Value, Value) {
    let s = |a: &str, b: &str| (Value::str(a), Value::str(b));
    let i = |a: i64, b: i64| (Value::Int(a), Value::Int(b));
    match attr {
        "engine" if matches!(kind, Kind::Cluster | Kind::ClusterInstance) => {
            s("aurora-mysql", "aurora-postgresql")
        }
        "engine" => s("postgres", "mysql"),
        "engine_version" if kind == Kind::Cluster => {
            s("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.06.0")
        }
        "engine_version" => s("8.0.35", "8.0.36"),
        "instance_class" => s("db.t3.micro", "db.t3.small"),
        "allocated_storage" => i(100, 200),
        "max_allocated_storage" => i(200, 400),
        "storage_type" => s("gp2", "gp3"),
        "iops" => i(3000, 4000),
        "storage_throughput" => i(125, 250),
        "port" => i(3306, 3307),
        "backup_retention_days" => i(7, 14),
        "preferred_maintenance_window" => s("sun:05:00-sun:06:00", "mon:05:00-mon:06:00"),
        "preferred_backup_window" => s("03:00-04:00", "01:00-02:00"),
        "credentials" => s("managed", "generated"),
        "db_subnet_group" => s("vpc.a.db_subnet_group", "vpc.b.db_subnet_group"),
        "parameter_group" => s("parameter_group.a", "parameter_group.b"),
        "option_group" => s("option_group.a", "option_group.b"),
        "options" => (
            Value::Map(
                [(
                    "MARIADB_AUDIT_PLUGIN".to_string(),
                    "SERVER_AUDIT_EVENTS=CONNECT".to_string(),
                )]
                .into(),
            ),
            Value::Map(
                [(
                    "MARIADB_AUDIT_PLUGIN".to_string(),
                    "SERVER_AUDIT_EVENTS=CONNECT,QUERY".to_string(),
                )]
                .into(),
            ),
        ),
        "log_exports" => (
            Value::set(["error".to_string()]),
            Value::set(["error".to_string(), "slowquery".to_string()]),
        ),
        "serverless_v2" => (
            Value::Map(
                [
                    ("min_capacity".to_string(), "0.5".to_string()),
                    ("max_capacity".to_string(), "16".to_string()),
                ]
                .into(),
            ),
            Value::Map(
                [
                    ("min_capacity".to_string(), "1".to_string()),
                    ("max_capacity".to_string(), "32".to_string()),
                ]
                .into(),
            ),
        ),
        "performance_insights_retention_days" => i(7, 31),
        "monitoring_interval" => i(0, 60),
        "monitoring_role" => s("iam_role.a", "iam_role.b"),
        "performance_insights_kms_key" => s(
            "arn:aws:kms:us-west-2:1:key/cccccccc-0000-0000-0000-000000000000",
            "arn:aws:kms:us-west-2:1:key/dddddddd-0000-0000-0000-000000000000",
        ),
        "ca_certificate" => s("rds-ca-2019", "rds-ca-rsa2048-g1"),
        "cluster_parameter_group" => s("cluster_parameter_group.a", "cluster_parameter_group.b"),
        "family" => s("mysql8.0", "mysql8.4"),
        "parameters" => (
            Value::Map([("max_connections".to_string(), "100".to_string())].into()),
            Value::Map([("max_connections".to_string(), "200".to_string())].into()),
        ),
        "security_groups" => (
            Value::set(["security_group.a".to_string()]),
            Value::set(["security_group.b".to_string()]),
        ),
        "subnets" => (
            Value::set(["vpc.main.subnet.a".to_string()]),
            Value::set(["vpc.main.subnet.b".to_string()]),
        ),
        "managed_policies" => (
            Value::set(["arn:aws:iam::aws:policy/A".to_string()]),
            Value::set(["arn:aws:iam::aws:policy/B".to_string()]),
        ),
        "members" => (
            Value::set(["a".to_string()]),
            Value::set(["a".to_string(), "b".to_string()]),
        ),
        "iam_roles" => (
            Value::set([]),
            Value::set(["iam_role.s3=s3Import".to_string()]),
        ),
        "ingress" | "egress" => (
            Value::Rules(vec![]),
            Value::Rules(vec![crate::model::Rule::allow_all_egress()]),
        ),
        "kms_key" => s(
            "arn:aws:kms:us-west-2:1:key/aaaaaaaa-0000-0000-0000-000000000000",
            "arn:aws:kms:us-west-2:1:key/bbbbbbbb-0000-0000-0000-000000000000",
        ),
        "tags" => (
            Value::Map([("team".to_string(), "a".to_string())].into()),
            Value::Map([("team".to_string(), "b".to_string())].into()),
        ),
        "port_secret" => i(1, 2),
        "multi_az"
        | "publicly_accessible"
        | "iam_database_authentication"
        | "deletion_protection"
        | "auto_minor_version_upgrade"
        | "storage_encrypted"
        | "skip_final_snapshot"
        | "copy_tags_to_snapshot"
        | "performance_insights"
        | "allow_reboot"
        | "allow_major_version_upgrade"
        | "apply_immediately" => (Value::Bool(false), Value::Bool(true)),
        "vpc" => s("vpc.a", "vpc.b"),
        "source" => s("instance.a", "instance.b"),
        "cluster" => s("cluster.a", "cluster.b"),
        "internet_gateway" => s("vpc.a.internet_gateway", "vpc.b.internet_gateway"),
        "writer" => s("cluster.c.instance.a", "cluster.c.instance.b"),
        "secret" => s("instance.a.secret", "instance.b.secret"),
        _ => s(&format!("{attr}-1"), &format!("{attr}-2")),
    }
}

/// A desired resource of `kind` with every attribute of the table set to its desired value.
fn full(kind: Kind) -> Resource {
    let mut r = Resource::new(
        Address(format!("{}.x", kind.as_str())),
        kind,
        "t-x".to_string(),
    );
    for a in attrs::table(kind) {
        r.set(a.name, values(kind, a.name).1);
    }
    r
}

#[test]
fn every_attribute_change_plans_as_the_table_says() {
    for &kind in ALL_KINDS {
        for a in attrs::table(kind) {
            let mut d = full(kind);
            if a.name != "deletion_protection" && d.get("deletion_protection").is_some() {
                // Protected databases are never replaced; that is tested elsewhere.
                d.set("deletion_protection", Value::Bool(false));
            }
            let mut l = d.clone();
            l.id = Some("id".into());
            l.set(a.name, values(kind, a.name).0);
            if a.replace && l.kind.create_before_destroy() {
                // A group's replacement has a new AWS name (its family is in the name, or a
                // new `identifier`): the same name is a plan error, tested in plan::tests.
                l.name.push_str("-old");
            }
            if a.name == "performance_insights_kms_key" {
                // Set in place only when Performance Insights is first turned on: AWS refuses
                // to change the key afterwards (a plan error, tested in plan::tests).
                l.attrs.remove(a.name);
            }
            let live = Live {
                resources: vec![l],
                ..Default::default()
            };
            let p = plan("t", "us-west-2", std::slice::from_ref(&d), &live)
                .unwrap_or_else(|e| panic!("{kind}.{}: {e:?}", a.name));
            let c = &p.changes[0];
            let want = match (a.compare, a.replace) {
                (Compare::Never, _) => Action::NoOp,
                (_, true) => Action::Replace,
                (_, false) => Action::Update,
            };
            assert_eq!(c.action, want, "{kind}.{}", a.name);
            if want != Action::NoOp {
                // Parameters are shown one by one: `parameters.NAME`.
                assert!(c.diffs[0].name.starts_with(a.name), "{kind}.{}", a.name);
            }
            // What changes in place has a carrier apply handles; what only the create call
            // takes forces replacement.
            if want == Action::Update {
                let fields = attrs::modify_fields(kind, [a.name]);
                assert!(fields.is_ok(), "{kind}.{}: {fields:?}", a.name);
            }
            assert_eq!(
                a.carrier == Carrier::Create,
                a.replace
                    && matches!(
                        kind,
                        Kind::Instance | Kind::Replica | Kind::Cluster | Kind::ClusterInstance
                    ),
                "{kind}.{}",
                a.name
            );
        }
    }
}

/// Every field a configuration can set, for the table-coverage test.
const EVERY_FIELD: &str = r#"
[environment]
region = "us-west-2"
tags = { team = "t" }

[vpc.main]
cidr = "10.0.0.0/16"
azs = 2
public = true
tags = { a = "b" }

[security_group.db]
vpc = "main"
description = "d"
tags = { a = "b" }
[[security_group.db.ingress]]
port = 5432
security_group = "app"
[[security_group.db.egress]]
protocol = "all"
cidr = "0.0.0.0/0"
[security_group.app]
vpc = "main"

[iam_role.s3]
assumed_by = "rds.amazonaws.com"
description = "r"
managed_policies = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
tags = { a = "b" }

[parameter_group.pg]
family = "postgres16"
description = "tuning"
parameters = { max_connections = "500", "rds.force_ssl" = "1" }
tags = { a = "b" }

[cluster_parameter_group.cpg]
family = "aurora-postgresql16"
parameters = { "rds.logical_replication" = "1" }

[iam_role.monitoring]
assumed_by = "monitoring.rds.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]

[option_group.og]
engine = "postgres"
major_engine_version = "16"
description = "options"
tags = { a = "b" }
[[option_group.og.option]]
name = "SOME_OPTION"
settings = { A = "1" }

[instance.orders]
identifier = "t-orders"
parameter_group = "pg"
option_group = "og"
allow_reboot = true
log_exports = ["postgresql", "upgrade"]
performance_insights = true
performance_insights_retention_days = 7
performance_insights_kms_key = "arn:aws:kms:us-west-2:1:key/pi"
monitoring_interval = 60
monitoring_role = "monitoring"
ca_certificate = "rds-ca-rsa2048-g1"
copy_tags_to_snapshot = true
engine = "postgres"
engine_version = "16"
instance_class = "db.m6g.large"
allocated_storage = 500
max_allocated_storage = 1000
storage_type = "gp3"
iops = 12000
storage_throughput = 500
multi_az = true
storage_encrypted = true
kms_key = "arn:aws:kms:us-west-2:1:key/x"
vpc = "main"
security_groups = ["db"]
publicly_accessible = false
port = 5433
db_name = "orders"
master_username = "admin"
credentials = "generated"
iam_database_authentication = true
iam_roles = [{ role = "s3", feature = "s3Import" }]
deletion_protection = true
backup_retention_days = 7
preferred_maintenance_window = "sun:05:00-sun:06:00"
preferred_backup_window = "03:00-04:00"
auto_minor_version_upgrade = false
allow_major_version_upgrade = true
apply_immediately = true
skip_final_snapshot = true
tags = { a = "b" }

[replica.ro]
source = "instance.orders"
identifier = "t-ro"
parameter_group = "pg"
option_group = "og"
allow_reboot = true
log_exports = ["postgresql"]
performance_insights = true
performance_insights_retention_days = 31
performance_insights_kms_key = "arn:aws:kms:us-west-2:1:key/pi"
monitoring_interval = 30
monitoring_role = "arn:aws:iam::1:role/mon"
ca_certificate = "rds-ca-rsa2048-g1"
copy_tags_to_snapshot = false
instance_class = "db.m6g.large"
multi_az = false
storage_type = "gp3"
max_allocated_storage = 1000
iops = 12000
storage_throughput = 500
security_groups = ["db"]
publicly_accessible = false
port = 5433
iam_database_authentication = true
deletion_protection = true
backup_retention_days = 3
preferred_maintenance_window = "sun:05:00-sun:06:00"
preferred_backup_window = "03:00-04:00"
auto_minor_version_upgrade = true
apply_immediately = true
tags = { a = "b" }

[cluster.c]
identifier = "t-c"
cluster_parameter_group = "cpg"
allow_reboot = true
log_exports = ["postgresql"]
copy_tags_to_snapshot = true
serverless_v2 = { min_capacity = 0.5, max_capacity = 16 }
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]
storage_encrypted = true
kms_key = "arn:aws:kms:us-west-2:1:key/x"
master_username = "postgres"
credentials = "generated"
database_name = "c"
port = 5432
backup_retention_days = 7
preferred_maintenance_window = "sun:05:00-sun:06:00"
preferred_backup_window = "03:00-04:00"
deletion_protection = true
iam_database_authentication = true
iam_roles = [{ role = "s3", feature = "s3Import" }]
auto_minor_version_upgrade = false
allow_major_version_upgrade = true
apply_immediately = true
skip_final_snapshot = true
tags = { a = "b" }
[[cluster.c.instance]]
name = "a"
instance_class = "db.r6g.large"
publicly_accessible = false
parameter_group = "default.aurora-postgresql16"
[[cluster.c.instance]]
name = "b"
instance_class = "db.serverless"
"#;

/// Every attribute the expansion of the examples, and of a configuration that sets every
/// field, produces is in the table.
#[test]
fn every_attribute_rdsplan_desires_is_in_the_table() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("t");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("all.toml"), EVERY_FIELD).unwrap();
    let live = Live {
        azs: vec![
            "us-west-2a".into(),
            "us-west-2b".into(),
            "us-west-2c".into(),
        ],
        ..Default::default()
    };
    let mut kinds = std::collections::BTreeSet::new();
    for dir in [
        examples.join("dev"),
        examples.join("prod"),
        examples.join("staging"),
        full,
    ] {
        let cfg = crate::config::load(&dir)
            .unwrap_or_else(|d| panic!("{}: {}", dir.display(), d.render(false)));
        let desired = crate::config::expand::expand(&cfg, &live).expect("expands");
        for r in desired {
            kinds.insert(r.kind);
            for k in r.attrs.keys() {
                assert!(
                    attrs::lookup(r.kind, k).is_some(),
                    "{}: {}: `{k}` is not in the attribute table",
                    dir.display(),
                    r.address
                );
            }
        }
    }
    assert_eq!(
        kinds.len(),
        ALL_KINDS.len(),
        "every kind was expanded: {kinds:?}"
    );
}

/// The value a captured ModifyDBInstance carries for a field, as text.
fn instance_sent(i: &ModifyDbInstanceInput, f: Field) -> Option<String> {
    let t = |v: Option<String>| v;
    match f {
        Field::InstanceClass => t(i.db_instance_class().map(str::to_string)),
        Field::EngineVersion => t(i.engine_version().map(str::to_string)),
        Field::AllocatedStorage => i.allocated_storage().map(|v| v.to_string()),
        Field::MaxAllocatedStorage => i.max_allocated_storage().map(|v| v.to_string()),
        Field::StorageType => i.storage_type().map(str::to_string),
        Field::Iops => i.iops().map(|v| v.to_string()),
        Field::StorageThroughput => i.storage_throughput().map(|v| v.to_string()),
        Field::MultiAz => i.multi_az().map(|v| v.to_string()),
        Field::PubliclyAccessible => i.publicly_accessible().map(|v| v.to_string()),
        Field::Port => i.db_port_number().map(|v| v.to_string()),
        Field::IamDatabaseAuthentication => i
            .enable_iam_database_authentication()
            .map(|v| v.to_string()),
        Field::DeletionProtection => i.deletion_protection().map(|v| v.to_string()),
        Field::BackupRetention => i.backup_retention_period().map(|v| v.to_string()),
        Field::MaintenanceWindow => i.preferred_maintenance_window().map(str::to_string),
        Field::BackupWindow => i.preferred_backup_window().map(str::to_string),
        Field::AutoMinorVersionUpgrade => i.auto_minor_version_upgrade().map(|v| v.to_string()),
        Field::SecurityGroups => Some(i.vpc_security_group_ids().join(",")),
        Field::SubnetGroup => i.db_subnet_group_name().map(str::to_string),
        Field::ParameterGroup => i.db_parameter_group_name().map(str::to_string),
        Field::OptionGroup => i.option_group_name().map(str::to_string),
        Field::CopyTagsToSnapshot => i.copy_tags_to_snapshot().map(|v| v.to_string()),
        Field::CaCertificate => i.ca_certificate_identifier().map(str::to_string),
        Field::LogExports => i
            .cloudwatch_logs_export_configuration()
            .map(|c| c.enable_log_types().join(",")),
        Field::PerformanceInsights => i.enable_performance_insights().map(|v| v.to_string()),
        Field::PerformanceInsightsRetention => i
            .performance_insights_retention_period()
            .map(|v| v.to_string()),
        Field::PerformanceInsightsKmsKey => i.performance_insights_kms_key_id().map(str::to_string),
        Field::MonitoringInterval => i.monitoring_interval().map(|v| v.to_string()),
        Field::MonitoringRole => i.monitoring_role_arn().map(str::to_string),
        Field::ClusterParameterGroup | Field::ServerlessV2 => None,
        Field::Credentials => i.manage_master_user_password().map(|m| {
            format!(
                "managed={m} password={}",
                i.master_user_password().is_some()
            )
        }),
    }
}

fn cluster_sent(i: &ModifyDbClusterInput, f: Field) -> Option<String> {
    match f {
        Field::EngineVersion => i.engine_version().map(str::to_string),
        Field::Port => i.port().map(|v| v.to_string()),
        Field::IamDatabaseAuthentication => i
            .enable_iam_database_authentication()
            .map(|v| v.to_string()),
        Field::DeletionProtection => i.deletion_protection().map(|v| v.to_string()),
        Field::BackupRetention => i.backup_retention_period().map(|v| v.to_string()),
        Field::MaintenanceWindow => i.preferred_maintenance_window().map(str::to_string),
        Field::BackupWindow => i.preferred_backup_window().map(str::to_string),
        Field::SecurityGroups => Some(i.vpc_security_group_ids().join(",")),
        Field::ClusterParameterGroup => i.db_cluster_parameter_group_name().map(str::to_string),
        Field::CopyTagsToSnapshot => i.copy_tags_to_snapshot().map(|v| v.to_string()),
        Field::LogExports => i
            .cloudwatch_logs_export_configuration()
            .map(|c| c.enable_log_types().join(",")),
        Field::ServerlessV2 => i
            .serverless_v2_scaling_configuration()
            .map(|c| format!("{:?}-{:?}", c.min_capacity(), c.max_capacity())),
        Field::Credentials => i.manage_master_user_password().map(|m| {
            format!(
                "managed={m} password={}",
                i.master_user_password().is_some()
            )
        }),
        _ => None,
    }
}

/// What the request must carry for a field, given the desired value.
fn expected(f: Field, v: &Value) -> String {
    match (f, v) {
        (Field::SecurityGroups, _) => "sg-b".into(),
        (Field::SubnetGroup, _) => "t-b".into(),
        (Field::ParameterGroup, _) => "t-pg".into(),
        (Field::OptionGroup, _) => "t-og".into(),
        (Field::MonitoringRole, _) => "arn:aws:iam::1:role/mon".into(),
        // The live side exports `error`; the files want `error` and `slowquery`.
        (Field::LogExports, _) => "slowquery".into(),
        (Field::ServerlessV2, _) => "Some(1.0)-Some(32.0)".into(),
        (Field::ClusterParameterGroup, _) => "t-cpg".into(),
        (Field::Credentials, _) => "managed=false password=true".into(),
        (_, Value::Str(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn capture<I: Clone + Send + Sync + 'static>() -> (
    Arc<Mutex<Vec<I>>>,
    impl Fn(&I) -> bool + Send + Sync + 'static,
) {
    let seen: Arc<Mutex<Vec<I>>> = Arc::default();
    let s = seen.clone();
    (seen, move |i: &I| {
        s.lock().unwrap().push(i.clone());
        true
    })
}

/// A mock rule for one RDS operation that records every request it answers.
macro_rules! recording {
    ($op:ident, $input:ty, $output:ty) => {{
        let (seen, matcher) = capture::<$input>();
        let rule = mock!(Client::$op)
            .match_requests(matcher)
            .then_output(|| <$output>::builder().build());
        (seen, rule)
    }};
}

#[tokio::test]
async fn every_in_place_change_is_carried_by_the_modify_request() {
    let password = Password::new("not-a-real-password");
    for kind in [
        Kind::Instance,
        Kind::Replica,
        Kind::ClusterInstance,
        Kind::Cluster,
    ] {
        for a in attrs::table(kind) {
            let Carrier::Modify(f) = a.carrier else {
                continue;
            };
            let d = full(kind);
            let mut before = d.clone();
            before.set(a.name, values(kind, a.name).0);
            let r = Resolved {
                security_group_ids: vec!["sg-b".into()],
                subnet_group: Some("t-b".into()),
                password: Some(&password),
                before: Some(&before),
                parameter_group: Some("t-pg".into()),
                cluster_parameter_group: Some("t-cpg".into()),
                member_parameter_group: None,
                monitoring_role_arn: Some("arn:aws:iam::1:role/mon".into()),
                option_group: Some("t-og".into()),
            };
            let changed = vec![a.name.to_string()];
            let sent = if kind == Kind::Cluster {
                let (seen, rule) = recording!(
                    modify_db_cluster,
                    ModifyDbClusterInput,
                    ModifyDbClusterOutput
                );
                let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
                modify::modify_cluster(&client, &d, &changed, &r)
                    .await
                    .unwrap_or_else(|e| panic!("{kind}.{}: {e}", a.name));
                let seen = seen.lock().unwrap();
                assert_eq!(seen.len(), 1, "{kind}.{}: one ModifyDBCluster", a.name);
                cluster_sent(&seen[0], f)
            } else {
                let (seen, rule) = recording!(
                    modify_db_instance,
                    ModifyDbInstanceInput,
                    ModifyDbInstanceOutput
                );
                let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
                modify::modify_instance(&client, &d, &changed, &r)
                    .await
                    .unwrap_or_else(|e| panic!("{kind}.{}: {e}", a.name));
                let seen = seen.lock().unwrap();
                assert_eq!(seen.len(), 1, "{kind}.{}: one ModifyDBInstance", a.name);
                instance_sent(&seen[0], f)
            };
            let want = expected(f, d.get(a.name).unwrap());
            assert_eq!(sent.as_deref(), Some(want.as_str()), "{kind}.{}", a.name);
        }
    }
}

#[tokio::test]
async fn the_create_requests_carry_every_attribute_they_take() {
    let env = "t";
    // Instances.
    let d = full(Kind::Instance);
    let (seen, rule) = recording!(
        create_db_instance,
        CreateDbInstanceInput,
        CreateDbInstanceOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    let n = crate::kinds::db::instance::NewInstance {
        env,
        desired: &d,
        subnet_group: "t-b".into(),
        security_group_ids: vec!["sg-b".into()],
        password: Some(Password::new("x")),
        parameter_group: Some("t-pg".into()),
        monitoring_role_arn: Some("arn:aws:iam::1:role/mon".into()),
        option_group: Some("t-og".into()),
    };
    crate::kinds::db::instance::create_instance_request(&client, &n)
        .send()
        .await
        .unwrap();
    let i = seen.lock().unwrap()[0].clone();
    for a in attrs::table(Kind::Instance) {
        let got: Option<String> = match a.carrier {
            Carrier::Modify(Field::Credentials) => {
                i.master_user_password().map(|_| "generated".into())
            }
            Carrier::Modify(f) => {
                // The create call's fields have the same names as the modify call's.
                let m = ModifyDbInstanceInput::builder()
                    .set_db_instance_class(i.db_instance_class().map(str::to_string))
                    .set_engine_version(i.engine_version().map(str::to_string))
                    .set_allocated_storage(i.allocated_storage())
                    .set_max_allocated_storage(i.max_allocated_storage())
                    .set_storage_type(i.storage_type().map(str::to_string))
                    .set_iops(i.iops())
                    .set_storage_throughput(i.storage_throughput())
                    .set_multi_az(i.multi_az())
                    .set_publicly_accessible(i.publicly_accessible())
                    .set_db_port_number(i.port())
                    .set_enable_iam_database_authentication(i.enable_iam_database_authentication())
                    .set_deletion_protection(i.deletion_protection())
                    .set_backup_retention_period(i.backup_retention_period())
                    .set_preferred_maintenance_window(
                        i.preferred_maintenance_window().map(str::to_string),
                    )
                    .set_preferred_backup_window(i.preferred_backup_window().map(str::to_string))
                    .set_auto_minor_version_upgrade(i.auto_minor_version_upgrade())
                    .set_vpc_security_group_ids(Some(i.vpc_security_group_ids().to_vec()))
                    .set_db_subnet_group_name(i.db_subnet_group_name().map(str::to_string))
                    .set_db_parameter_group_name(i.db_parameter_group_name().map(str::to_string))
                    .set_copy_tags_to_snapshot(i.copy_tags_to_snapshot())
                    .set_ca_certificate_identifier(
                        i.ca_certificate_identifier().map(str::to_string),
                    )
                    .set_cloudwatch_logs_export_configuration(Some(
                        aws_sdk_rds::types::CloudwatchLogsExportConfiguration::builder()
                            .set_enable_log_types(Some(
                                i.enable_cloudwatch_logs_exports()
                                    .iter()
                                    .filter(|l| *l != "error")
                                    .cloned()
                                    .collect(),
                            ))
                            .build(),
                    ))
                    .set_enable_performance_insights(i.enable_performance_insights())
                    .set_performance_insights_retention_period(
                        i.performance_insights_retention_period(),
                    )
                    .set_performance_insights_kms_key_id(
                        i.performance_insights_kms_key_id().map(str::to_string),
                    )
                    .set_monitoring_interval(i.monitoring_interval())
                    .set_monitoring_role_arn(i.monitoring_role_arn().map(str::to_string))
                    .set_option_group_name(i.option_group_name().map(str::to_string))
                    .build()
                    .unwrap();
                instance_sent(&m, f)
            }
            Carrier::Create => match a.name {
                "engine" => i.engine().map(str::to_string),
                "storage_encrypted" => i.storage_encrypted().map(|v| v.to_string()),
                "kms_key" => i.kms_key_id().map(str::to_string),
                "db_name" => i.db_name().map(str::to_string),
                "master_username" => i.master_username().map(str::to_string),
                other => panic!("instance.{other}: create-only attribute not checked"),
            },
            _ => continue,
        };
        let want = match a.carrier {
            Carrier::Modify(Field::Credentials) => "generated".to_string(),
            Carrier::Modify(f) => expected(f, d.get(a.name).unwrap()),
            _ => expected(Field::InstanceClass, d.get(a.name).unwrap()),
        };
        assert_eq!(
            got.as_deref(),
            Some(want.as_str()),
            "create instance.{}",
            a.name
        );
    }
    assert!(i.tags().iter().any(|t| t.key() == Some("rdsplan:address")));

    // Replicas: what the create call does not take is set right after (`after_create`).
    let d = full(Kind::Replica);
    let (seen, rule) = recording!(
        create_db_instance_read_replica,
        CreateDbInstanceReadReplicaInput,
        CreateDbInstanceReadReplicaOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    crate::kinds::db::instance::create_replica_request(
        &client,
        env,
        &d,
        "t-src",
        vec!["sg-b".into()],
    )
    .send()
    .await
    .unwrap();
    let i = seen.lock().unwrap()[0].clone();
    assert_eq!(i.source_db_instance_identifier(), Some("t-src"));
    assert_eq!(i.db_instance_class(), Some("db.t3.small"));
    assert_eq!((i.iops(), i.storage_throughput()), (Some(4000), Some(250)));
    assert_eq!(i.max_allocated_storage(), Some(400));
    assert_eq!(i.vpc_security_group_ids(), ["sg-b"]);
    let (seen, rule) = recording!(
        modify_db_instance,
        ModifyDbInstanceInput,
        ModifyDbInstanceOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    assert!(modify::after_create(&client, &d, &Resolved::default())
        .await
        .unwrap());
    let m = seen.lock().unwrap()[0].clone();
    assert_eq!(m.backup_retention_period(), Some(14));
    assert_eq!(m.preferred_backup_window(), Some("01:00-02:00"));
    assert_eq!(
        m.preferred_maintenance_window(),
        Some("mon:05:00-mon:06:00")
    );
    assert_eq!(m.apply_immediately(), Some(true));
    for a in attrs::table(Kind::Replica).iter().filter(|a| !a.at_create) {
        assert!(
            matches!(a.carrier, Carrier::Modify(_)),
            "replica.{}",
            a.name
        );
    }

    // Clusters and their members.
    let d = full(Kind::Cluster);
    let (seen, rule) = recording!(
        create_db_cluster,
        CreateDbClusterInput,
        CreateDbClusterOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    let n = crate::kinds::db::cluster::NewCluster {
        env,
        desired: &d,
        subnet_group: "t-b".into(),
        security_group_ids: vec!["sg-b".into()],
        password: None,
        cluster_parameter_group: Some("t-cpg".into()),
    };
    crate::kinds::db::cluster::create_cluster_request(&client, &n)
        .send()
        .await
        .unwrap();
    let c = seen.lock().unwrap()[0].clone();
    assert_eq!(c.engine(), Some("aurora-postgresql"));
    assert_eq!(c.engine_version(), Some("8.0.mysql_aurora.3.06.0"));
    assert_eq!(c.db_subnet_group_name(), Some("t-b"));
    assert_eq!(c.port(), Some(3307));
    assert_eq!(c.backup_retention_period(), Some(14));
    assert_eq!(c.deletion_protection(), Some(true));
    assert_eq!(c.enable_iam_database_authentication(), Some(true));
    assert_eq!(c.storage_encrypted(), Some(true));
    assert_eq!(c.manage_master_user_password(), Some(true));
    assert_eq!(c.master_username(), Some("master_username-2"));
    assert_eq!(c.database_name(), Some("database_name-2"));
    assert!(c.kms_key_id().is_some_and(|k| k.contains("bbbbbbbb")));
    assert_eq!(c.db_cluster_parameter_group_name(), Some("t-cpg"));
    assert_eq!(c.copy_tags_to_snapshot(), Some(true));
    assert_eq!(c.enable_cloudwatch_logs_exports(), ["error", "slowquery"]);
    let v2 = c.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (v2.min_capacity(), v2.max_capacity()),
        (Some(1.0), Some(32.0))
    );
    let m = full(Kind::ClusterInstance);
    let (seen, rule) = recording!(
        create_db_instance,
        CreateDbInstanceInput,
        CreateDbInstanceOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    crate::kinds::db::cluster::create_member_request(&client, env, &m, "t-c")
        .send()
        .await
        .unwrap();
    let i = seen.lock().unwrap()[0].clone();
    assert_eq!(i.db_cluster_identifier(), Some("t-c"));
    assert_eq!(i.db_instance_class(), Some("db.t3.small"));
    assert_eq!(i.auto_minor_version_upgrade(), Some(true));
    assert_eq!(i.publicly_accessible(), Some(true));
    // The member's parameter group is passed by its step (resolved from the address).
    assert_eq!(i.db_parameter_group_name(), None);
}

#[tokio::test]
async fn a_major_upgrade_alone_sends_allow_major_version_upgrade_and_storage_takes_iops_along() {
    let send = |d: Resource, before: Resource, changed: Vec<&'static str>| async move {
        let (seen, rule) = recording!(
            modify_db_instance,
            ModifyDbInstanceInput,
            ModifyDbInstanceOutput
        );
        let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
        let r = Resolved {
            before: Some(&before),
            ..Resolved::default()
        };
        let changed: Vec<String> = changed.into_iter().map(String::from).collect();
        modify::modify_instance(&client, &d, &changed, &r)
            .await
            .unwrap();
        let i = seen.lock().unwrap()[0].clone();
        i
    };
    let db = |v: &str| {
        Resource::new(Address::new("instance", "x"), Kind::Instance, "t-x")
            .with("engine", Value::str("postgres"))
            .with("engine_version", Value::str(v))
            .with("allow_major_version_upgrade", Value::Bool(true))
    };
    let minor = send(db("16.4"), db("16.1"), vec!["engine_version"]).await;
    assert_eq!(minor.engine_version(), Some("16.4"));
    assert_eq!(minor.allow_major_version_upgrade(), None);
    let major = send(db("17"), db("16.4"), vec!["engine_version"]).await;
    assert_eq!(major.allow_major_version_upgrade(), Some(true));

    // gp3 with IOPS and throughput: both go with a size change, as AWS requires.
    let disk = |size: i64| {
        Resource::new(Address::new("instance", "x"), Kind::Instance, "t-x")
            .with("allocated_storage", Value::Int(size))
            .with("storage_type", Value::str("gp3"))
            .with("iops", Value::Int(12000))
            .with("storage_throughput", Value::Int(500))
    };
    let grow = send(disk(500), disk(400), vec!["allocated_storage"]).await;
    assert_eq!(grow.allocated_storage(), Some(500));
    assert_eq!(
        (grow.iops(), grow.storage_throughput()),
        (Some(12000), Some(500))
    );
    // gp2 has no provisioned IOPS to send.
    let mut gp2 = disk(500);
    gp2.set("storage_type", Value::str("gp2"));
    gp2.attrs.remove("iops");
    gp2.attrs.remove("storage_throughput");
    let grow = send(gp2.clone(), gp2.clone(), vec!["allocated_storage"]).await;
    assert_eq!(grow.iops(), None);
}

#[tokio::test]
async fn turning_managed_credentials_off_sends_the_new_password_in_the_same_call() {
    let d = Resource::new(Address::new("instance", "x"), Kind::Instance, "t-x")
        .with("credentials", Value::str("generated"));
    let (seen, rule) = recording!(
        modify_db_instance,
        ModifyDbInstanceInput,
        ModifyDbInstanceOutput
    );
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    // Without the password, nothing is sent: AWS would refuse the flag alone.
    let e = modify::modify_instance(&client, &d, &["credentials".into()], &Resolved::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("generated password"), "{e}");
    assert!(seen.lock().unwrap().is_empty());
    let p = Password::new("from-the-secret");
    let r = Resolved {
        password: Some(&p),
        ..Resolved::default()
    };
    modify::modify_instance(&client, &d, &["credentials".into()], &r)
        .await
        .unwrap();
    let i = seen.lock().unwrap()[0].clone();
    assert_eq!(i.manage_master_user_password(), Some(false));
    assert_eq!(i.master_user_password(), Some("from-the-secret"));
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn an_attribute_only_the_create_call_takes_is_refused_in_place_never_skipped() {
    let d = full(Kind::Instance);
    let client = mock_client!(aws_sdk_rds, []);
    let e = modify::modify_instance(&client, &d, &["engine".into()], &Resolved::default())
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("can only be set when it is created"),
        "{e}"
    );
    let e = modify::modify_instance(&client, &d, &["nonsense".into()], &Resolved::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not an attribute"), "{e}");
}

#[tokio::test]
async fn kms_aliases_resolve_through_describe_key() {
    use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
    use aws_sdk_kms::types::error::NotFoundException;
    use aws_sdk_kms::types::KeyMetadata;
    let key = "arn:aws:kms:us-west-2:1:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let found = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|i| i.key_id() == Some("alias/rds"))
        .then_output(move || {
            DescribeKeyOutput::builder()
                .key_metadata(
                    KeyMetadata::builder()
                        .key_id("1234")
                        .arn(key)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let missing = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|i| i.key_id() == Some("alias/nope"))
        .then_error(|| DescribeKeyError::NotFoundException(NotFoundException::builder().build()));
    let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&found, &missing]);
    let keys = crate::aws::kms::resolve_aliases(
        &client,
        ["alias/rds".to_string(), "alias/nope".to_string()].into(),
    )
    .await
    .unwrap();
    assert_eq!(keys.get("alias/rds").map(String::as_str), Some(key));
    assert!(!keys.contains_key("alias/nope"));
    assert_eq!(found.num_calls(), 1);
    // The planner then compares the alias as that key, and refuses the unresolved one.
    let db = |k: &str| {
        Resource::new(Address::new("instance", "x"), Kind::Instance, "t-x")
            .with("kms_key", Value::str(k))
    };
    let mut l = db(key);
    l.id = Some("arn".into());
    let live = Live {
        resources: vec![l],
        kms_keys: keys,
        ..Default::default()
    };
    assert!(!plan("t", "r", &[db("alias/rds")], &live)
        .unwrap()
        .has_changes());
    assert!(plan("t", "r", &[db("alias/nope")], &live).is_err());
}

/// Throttling, 5xx and AccessDenied say nothing about whether an alias exists: the read fails
/// naming kms:DescribeKey, the alias and AWS's message, never "could not be resolved".
#[tokio::test]
async fn kms_failures_other_than_not_found_are_reported_as_they_are() {
    use aws_sdk_kms::operation::describe_key::DescribeKeyError;
    use aws_smithy_types::error::ErrorMetadata;
    for (code, message) in [
        (
            "AccessDeniedException",
            "User is not authorized to perform kms:DescribeKey",
        ),
        ("ThrottlingException", "Rate exceeded"),
        ("KMSInternalException", "internal error"),
    ] {
        let failing = mock!(aws_sdk_kms::Client::describe_key).then_error(move || {
            DescribeKeyError::generic(ErrorMetadata::builder().code(code).message(message).build())
        });
        let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&failing]);
        let e = crate::aws::kms::resolve_aliases(&client, ["alias/aws/rds".to_string()].into())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("alias/aws/rds") && e.contains("DescribeKey") && e.contains(message),
            "{e}"
        );
        assert!(!e.contains("could not be resolved"), "{e}");
    }
}

/// An Aurora major upgrade carries the members' shared parameter group of the new family
/// (DBInstanceParameterGroupName), which AWS requires while they use a custom group; a minor
/// one does not.
#[test]
fn an_aurora_major_upgrade_names_the_members_new_group() {
    let rule =
        mock!(Client::modify_db_cluster).then_output(|| ModifyDbClusterOutput::builder().build());
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    let d = Resource::new(Address::new("cluster", "c"), Kind::Cluster, "t-c")
        .with("engine", Value::str("aurora-postgresql"))
        .with("engine_version", Value::str("16"))
        .with("allow_major_version_upgrade", Value::Bool(true));
    let before = d.clone().with("engine_version", Value::str("15.4"));
    let r = Resolved {
        before: Some(&before),
        member_parameter_group: Some("t-pg-aurora-postgresql16".into()),
        ..Resolved::default()
    };
    let req = modify::cluster_request(&client, &d, &[Field::EngineVersion], &r)
        .unwrap()
        .unwrap();
    assert_eq!(
        req.as_input()
            .get_db_instance_parameter_group_name()
            .as_deref(),
        Some("t-pg-aurora-postgresql16")
    );
    let minor = d.clone().with("engine_version", Value::str("15.6"));
    let req = modify::cluster_request(&client, &minor, &[Field::EngineVersion], &r)
        .unwrap()
        .unwrap();
    assert_eq!(req.as_input().get_db_instance_parameter_group_name(), &None);
}
