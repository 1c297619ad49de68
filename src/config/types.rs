//! The TOML shape users write (see docs/config.md). These types are the source of the JSON Schema
//! (`rdsplan schema`), so every field carries the doc comment editors show.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every kind of table a file declares, once, in file order: its key, the type it decodes into,
/// the fields of `load::Config` holding its declarations and the names declared (also those
/// whose body has errors), and the doc comment the JSON Schema shows. Calls `$then!` with the
/// list: [`ConfigFile`] here, and `Config`, loading and the name lookups in `load`, all come
/// from it.
macro_rules! file_kinds {
    ($then:ident) => {
        $then! {
            /// VPCs with one private subnet per AZ.
            vpc: VpcConfig, vpcs, declared_vpcs;
            /// Security groups with their ingress and egress rules.
            security_group: SecurityGroupConfig, security_groups, declared_groups;
            /// Standalone RDS DB instances.
            instance: InstanceConfig, instances, declared_instances;
            /// Read replicas of an `instance`.
            replica: ReplicaConfig, replicas, declared_replicas;
            /// Aurora clusters and their member instances.
            cluster: ClusterConfig, clusters, declared_clusters;
            /// IAM roles that RDS (or another service) assumes.
            iam_role: IamRoleConfig, iam_roles, declared_roles;
            /// DB parameter groups (engine settings of instances, replicas and Aurora members).
            parameter_group: ParameterGroupConfig, parameter_groups, declared_parameter_groups;
            /// DB cluster parameter groups (engine settings of Aurora clusters).
            cluster_parameter_group: ParameterGroupConfig, cluster_parameter_groups, declared_cluster_parameter_groups;
            /// Option groups (engine features such as audit plugins) of instances and replicas.
            option_group: OptionGroupConfig, option_groups, declared_option_groups;
        }
    };
}
pub(crate) use file_kinds;

macro_rules! config_file {
    ($($(#[$doc:meta])* $key:ident: $ty:ident, $plural:ident, $declared:ident;)+) => {
        /// One `*.toml` file of an environment folder. All files of a folder are merged.
        #[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(title = "rdsplan environment file")]
        pub struct ConfigFile {
            /// Region, guards and default tags. Exactly one file of the folder has it.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub environment: Option<EnvironmentConfig>,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
                pub $key: BTreeMap<String, $ty>,
            )+
            /// Renames: `[[moved]]` with `from` and `to` addresses. The resource at `from` in AWS is
            /// retagged as `to` (and, where its AWS identifier derives from the name, renamed in
            /// place) instead of being deleted and created again.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub moved: Vec<MovedConfig>,
        }
    };
}
file_kinds!(config_file);

/// `[[moved]]`: a resource renamed in the files.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MovedConfig {
    /// The old address, `KIND.NAME` (e.g. `instance.orders`): what AWS holds now.
    pub from: String,
    /// The new address, `KIND.NAME`, declared in the files, of the same kind.
    pub to: String,
}

/// `[option_group.NAME]`: AWS name `<env>-<name>-<engine>-<major>` with dots as dashes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionGroupConfig {
    /// The group's AWS name, for a group adopted under the name it has (`rdsplan import`);
    /// defaults to `<environment>-<name>-<engine>-<major>`. A new major engine version needs a
    /// new group, and so a new name (or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The engine, e.g. `mysql`, `mariadb`, `oracle-ee`, `sqlserver-se`.
    pub engine: String,
    /// The major engine version, e.g. `8.0`. A new one makes a new group: created first, the
    /// databases moved to it, the old one deleted last.
    pub major_engine_version: String,
    /// Default "managed by rdsplan". AWS cannot edit it: changing it forces replacement.
    #[serde(default = "default_description")]
    pub description: String,
    /// The options, each with the settings the files manage.
    #[serde(default)]
    pub option: Vec<OptionConfig>,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `[[option_group.NAME.option]]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionConfig {
    /// The option's name, e.g. `MARIADB_AUDIT_PLUGIN`.
    pub name: String,
    /// Option settings as RDS stores them; only those named are managed.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

/// `[parameter_group.NAME]` / `[cluster_parameter_group.NAME]`: AWS name
/// `<env>-<name>-<family>` with dots as dashes, so that a new family makes a new group.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParameterGroupConfig {
    /// The group's AWS name, for a group adopted under the name it has (`rdsplan import`);
    /// defaults to `<environment>-<name>-<family>`. A new family needs a new group, and so a
    /// new name (or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The parameter group family, e.g. `mysql8.0`, `postgres16`, `aurora-postgresql16`.
    /// A new family makes a new group: created first, the databases moved to it, the old one
    /// deleted last.
    pub family: String,
    /// Default "managed by rdsplan". AWS cannot edit it: changing it forces replacement.
    #[serde(default = "default_description")]
    pub description: String,
    /// Parameter values as RDS stores them (strings). Only the parameters named here are
    /// managed; one removed from the file is reset to the engine default.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_description() -> String {
    "managed by rdsplan".into()
}

/// `[iam_role.NAME]`: created under the path `/rdsplan/<env>/` as `<env>-NAME`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamRoleConfig {
    /// The service principal allowed to assume the role. Default `rds.amazonaws.com`.
    #[serde(default = "default_assumed_by")]
    pub assumed_by: String,
    /// ARNs of managed policies attached to the role.
    #[serde(default)]
    pub managed_policies: Vec<String>,
    /// A description for the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_assumed_by() -> String {
    "rds.amazonaws.com".into()
}

/// An IAM role associated with an instance or cluster for one feature.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IamRoleAttachment {
    /// An `iam_role` of this environment, or a role ARN.
    pub role: String,
    /// The RDS feature name, e.g. `s3Import`, `s3Export`, `Lambda`.
    pub feature: String,
}

/// `[replica.NAME]`: a read replica. Fields it does not set follow the source and are never
/// reported as drift.
//
// Why its fields repeat `InstanceConfig`'s rather than share a struct: serde's `flatten`
// cannot be combined with `deny_unknown_fields` (which every table needs, so that a misspelt
// field is an error at its place), and the shared fields mean something else here: optional,
// following the source, where the instance's have defaults of their own. (A plain comment: doc
// comments become the JSON Schema's descriptions, which editors show to users.)
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicaConfig {
    /// The source, `instance.NAME`. Replacing the source replaces the replica.
    pub source: String,
    /// Defaults to `<environment>-<name>`. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The replica's instance class (default: its source's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    /// A `parameter_group` of this environment, or the name of an existing group; unset, the
    /// replica takes its source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_group: Option<String>,
    /// An `option_group` of this environment, or the name of an existing group; unset, the
    /// replica takes its source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_group: Option<String>,
    /// true: apply may reboot it when parameter changes need a reboot (before its source).
    #[serde(default)]
    pub allow_reboot: bool,
    /// Export these logs to CloudWatch Logs (names per engine, e.g. `error`, `slowquery`,
    /// `postgresql`); unset, not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_exports: Option<Vec<String>>,
    /// Performance Insights on or off; unset, not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights: Option<bool>,
    /// Days of Performance Insights data: 7, or a multiple of 31 up to 731.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_retention_days: Option<i64>,
    /// KMS key (id, ARN or alias) for Performance Insights data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_kms_key: Option<String>,
    /// Enhanced monitoring every N seconds: 0 (off), 1, 5, 10, 15, 30 or 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_interval: Option<i64>,
    /// The role enhanced monitoring uses: an `iam_role` of this environment (assumed by
    /// `monitoring.rds.amazonaws.com`) or a role ARN; required when `monitoring_interval` > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_role: Option<String>,
    /// The CA of the server certificate, e.g. `rds-ca-rsa2048-g1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// Snapshots carry the replica's tags; unset, AWS's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_tags_to_snapshot: Option<bool>,
    /// A standby for the replica in another AZ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_az: Option<bool>,
    /// gp2, gp3, io1, io2 or standard (default: its source's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<String>,
    /// Upper limit in GiB for storage autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allocated_storage: Option<i64>,
    /// Provisioned IOPS (gp3, io1, io2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iops: Option<i64>,
    /// Storage throughput in MiB/s (gp3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_throughput: Option<i64>,
    /// `security_group`s of this environment or `sg-` ids; unset, the source's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<String>>,
    /// Whether the replica gets a public address (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    /// The port the replica listens on (default: its source's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// Allow database logins with IAM credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_database_authentication: Option<bool>,
    /// Whether AWS refuses to delete the replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Days of automated backups of the replica (0 = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i64>,
    /// Weekly maintenance window in UTC, e.g. "sun:05:00-sun:06:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_maintenance_window: Option<String>,
    /// The daily backup window, e.g. `03:00-04:00` (UTC); set right after creation, since
    /// CreateDBInstanceReadReplica does not take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_backup_window: Option<String>,
    /// Let AWS apply minor engine upgrades in the maintenance window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_minor_version_upgrade: Option<bool>,
    /// Make changes now instead of in the next maintenance window (default false).
    #[serde(default)]
    pub apply_immediately: bool,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `aurora-mysql | aurora-postgresql`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Defaults to `<environment>-<name>`. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// aurora-mysql | aurora-postgresql. Changing it forces replacement.
    pub engine: String,
    /// A version prefix: "16" is met by any 16.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// The `vpc` of this environment the cluster is placed in.
    pub vpc: String,
    /// `security_group`s of this environment, or ids (`sg-...`) of existing groups of the same
    /// VPC, used as they are.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Default true. Changing it forces replacement.
    #[serde(default = "yes")]
    pub storage_encrypted: bool,
    /// Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// Defaults to `admin` (`postgres` for aurora-postgresql). Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_username: Option<String>,
    /// Where the master password lives: `generated` (default: rdsplan generates it into Secrets Manager), `managed` (RDS manages it in Secrets Manager) or `external` (kept outside rdsplan).
    #[serde(default)]
    pub credentials: Credentials,
    /// The database created with the cluster. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<String>,
    /// The port the cluster listens on (default: the engine's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// Days of automated backups to keep (1-35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i64>,
    /// Weekly maintenance window in UTC, e.g. "sun:05:00-sun:06:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_maintenance_window: Option<String>,
    /// Daily backup window in UTC, e.g. "03:00-04:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_backup_window: Option<String>,
    /// Whether AWS refuses to delete the cluster.
    #[serde(default)]
    pub deletion_protection: bool,
    /// Allow database logins with IAM credentials.
    #[serde(default)]
    pub iam_database_authentication: bool,
    /// IAM roles associated with the cluster: `[{ role = "NAME or ARN", feature = "..." }]`.
    #[serde(default)]
    pub iam_roles: Vec<IamRoleAttachment>,
    /// Default true: AWS applies minor engine upgrades to the members in the maintenance window.
    #[serde(default = "yes")]
    pub auto_minor_version_upgrade: bool,
    /// Must be true for a major `engine_version` change; otherwise such a change is a plan
    /// error.
    #[serde(default)]
    pub allow_major_version_upgrade: bool,
    /// A `cluster_parameter_group` of this environment, or the name of an existing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_parameter_group: Option<String>,
    /// true: apply may reboot the members, one at a time, when parameter changes need it.
    #[serde(default)]
    pub allow_reboot: bool,
    /// Export these logs to CloudWatch Logs (e.g. `postgresql`, `audit`, `error`); unset, not
    /// managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_exports: Option<Vec<String>>,
    /// Default true: cluster snapshots carry the cluster's tags.
    #[serde(default = "yes")]
    pub copy_tags_to_snapshot: bool,
    /// Aurora Serverless v2 capacity range in ACUs; the members then use `db.serverless`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_v2: Option<ServerlessV2Config>,
    /// Create it from a cluster snapshot or a point in time instead of empty (only when
    /// created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreConfig>,
    /// Make changes now instead of in the next maintenance window (default false).
    #[serde(default)]
    pub apply_immediately: bool,
    /// false: deleting the cluster takes a final cluster snapshot first.
    #[serde(default)]
    pub skip_final_snapshot: bool,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Member instances: the first is the writer, the rest are readers.
    #[serde(default)]
    pub instance: Vec<ClusterMemberConfig>,
}

/// `restore = { snapshot = "ID or ARN" }` or `restore = { source = "IDENTIFIER", time = "RFC
/// 3339" | "latest" }`: create the database from a snapshot or a point in time instead of
/// empty. Used only when it is created; never drift afterwards.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RestoreConfig {
    /// A DB snapshot (instances) or DB cluster snapshot (clusters), by identifier or ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// The database to restore to a point in time, by identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// With `source`: an RFC 3339 time (`2026-11-20T08:00:00Z`) or `latest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// `in-place | blue-green`
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Upgrade {
    #[default]
    InPlace,
    BlueGreen,
}

impl Upgrade {
    pub fn as_str(self) -> &'static str {
        match self {
            Upgrade::InPlace => "in-place",
            Upgrade::BlueGreen => "blue-green",
        }
    }
}

/// `serverless_v2 = { min_capacity = 0.5, max_capacity = 16 }`
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerlessV2Config {
    /// Minimum ACUs, from 0 (or 0.5 on older engine versions) in steps of 0.5.
    pub min_capacity: f64,
    /// Maximum ACUs, up to 256, at least `min_capacity`.
    pub max_capacity: f64,
}

/// `[[cluster.NAME.instance]]`: identifier `<cluster identifier>-<name>`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterMemberConfig {
    /// The member's name: its identifier is `<cluster identifier>-<name>`. The first member is the writer.
    pub name: String,
    /// The member's instance class, e.g. "db.r6g.large" (or "db.serverless").
    pub instance_class: String,
    /// Whether the member gets a public address (default false).
    #[serde(default)]
    pub publicly_accessible: bool,
    /// A `parameter_group` of this environment (DB parameter group of the member), or the name
    /// of an existing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_group: Option<String>,
}

/// `[environment]`: where and how this environment lives.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// The environment name; defaults to the folder name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The AWS region, e.g. `us-west-2`.
    pub region: String,
    /// Refuse to run against any other AWS account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// AWS profile; otherwise the standard credential chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Tags added to every resource rdsplan creates.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Number of AZs, or an explicit list of AZ names.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Azs {
    Count(i64),
    List(Vec<String>),
}

/// By hand, so that a wrong value says what is expected (serde's untagged enums only say that
/// no variant matched).
impl<'de> Deserialize<'de> for Azs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Azs, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Azs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number of AZs (like 3) or a list of AZ names (like [\"eu-west-1a\", \"eu-west-1b\"])",
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Azs, E> {
                Ok(Azs::Count(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Azs, E> {
                i64::try_from(v)
                    .map(Azs::Count)
                    .map_err(|_| E::custom("too many AZs"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Azs, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Azs::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[vpc.NAME]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcConfig {
    /// An existing VPC (`vpc-...`) that rdsplan does not own: read at plan time, never tagged,
    /// changed or deleted. With it, give `subnets` (or `db_subnet_group`) instead of `cidr`,
    /// `azs`, `subnet_prefix` and `public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// With `id`: existing subnets of that VPC (`subnet-...`, in at least 2 AZs) over which
    /// rdsplan keeps its own DB subnet group for the databases placed in this VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Vec<String>>,
    /// With `id`: an existing DB subnet group of that VPC that the databases placed in it use
    /// as it is (rdsplan then keeps none of its own). `import` writes it for a database in a
    /// subnet group rdsplan does not own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_subnet_group: Option<String>,
    /// The VPC's IPv4 block (required unless `id` is given). Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// Number of AZs (the first N of the region, sorted), or a list of AZ names. Default 3.
    #[serde(default = "default_azs", skip_serializing_if = "is_default_azs")]
    pub azs: Azs,
    /// Prefix length of each subnet carved from `cidr`. Default 24.
    #[serde(
        default = "default_subnet_prefix",
        skip_serializing_if = "is_default_subnet_prefix"
    )]
    pub subnet_prefix: i64,
    /// Adds public subnets, an internet gateway and a route table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    /// Tags for the VPC and its subnets.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_azs() -> Azs {
    Azs::Count(3)
}
fn is_default_azs(a: &Azs) -> bool {
    *a == default_azs()
}
fn default_subnet_prefix() -> i64 {
    24
}
fn is_default_subnet_prefix(p: &i64) -> bool {
    *p == default_subnet_prefix()
}

/// `[security_group.NAME]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupConfig {
    /// The `vpc` of this environment the group belongs to.
    pub vpc: String,
    /// Changing it forces replacement (AWS cannot edit it).
    #[serde(default = "default_sg_description")]
    pub description: String,
    /// Inbound rules.
    #[serde(default)]
    pub ingress: Vec<RuleConfig>,
    /// Outbound rules; when absent, all outbound traffic is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<RuleConfig>>,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_sg_description() -> String {
    "managed by rdsplan".into()
}

/// `tcp | udp | icmp | all`
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "all",
        }
    }
}

/// One ingress or egress rule. Give `port` or `from_port`/`to_port` (not for `all`), and exactly
/// one of `cidr`, `cidrs` or `security_group`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// tcp (default), udp, icmp or all.
    #[serde(default = "default_protocol")]
    pub protocol: Protocol,
    /// The one port the rule allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// First port of a range (with `to_port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    /// Last port of a range (with `from_port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    /// The IPv4 range the rule allows, e.g. "10.0.0.0/16".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// Several IPv4 ranges, one rule each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<String>>,
    /// A `security_group` of this environment, or the id (`sg-...`) of an existing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group: Option<String>,
    /// A description of the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn default_protocol() -> Protocol {
    Protocol::Tcp
}

/// `generated` (rdsplan keeps the password in Secrets Manager) or `managed` (RDS does).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Credentials {
    #[default]
    Generated,
    Managed,
    /// The password is kept outside rdsplan (a database adopted with `rdsplan import`):
    /// rdsplan neither sets nor stores it, and cannot create the database.
    External,
}

impl Credentials {
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Generated => "generated",
            Credentials::Managed => "managed",
            Credentials::External => "external",
        }
    }
}

/// `[instance.NAME]`: a standalone DB instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// The RDS identifier; defaults to `<environment>-<name>`. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// mysql | postgres | mariadb | oracle-* | sqlserver-*. Changing it forces replacement.
    pub engine: String,
    /// A version prefix: "8.0" is met by any 8.0.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// `db.<family>.<size>`, e.g. `db.t3.micro`.
    pub instance_class: String,
    /// GiB; a minimum when `max_allocated_storage` is set.
    pub allocated_storage: i64,
    /// Upper limit for storage autoscaling, GiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allocated_storage: Option<i64>,
    /// gp2 | gp3 | io1 | io2 | standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<String>,
    /// Provisioned IOPS (gp3 above the engine's baseline size, io1, io2); sent with every
    /// storage change of those types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iops: Option<i64>,
    /// Storage throughput in MiB/s (gp3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_throughput: Option<i64>,
    /// A standby in another AZ with automatic failover.
    #[serde(default)]
    pub multi_az: bool,
    /// Default true. Changing it forces replacement.
    #[serde(default = "yes")]
    pub storage_encrypted: bool,
    /// KMS key id, ARN or alias. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// The `vpc` of this environment; the instance goes into its private subnets.
    pub vpc: String,
    /// `security_group`s of this environment, or ids (`sg-...`) of existing groups of the same
    /// VPC, used as they are.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Whether the instance gets a public address (default false).
    #[serde(default)]
    pub publicly_accessible: bool,
    /// Defaults to the engine's port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// The database created with the instance. Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
    /// Defaults to `admin` (`postgres` for PostgreSQL). Changing it forces replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_username: Option<String>,
    /// Where the master password lives: `generated` (default: rdsplan generates it into Secrets Manager), `managed` (RDS manages it in Secrets Manager) or `external` (kept outside rdsplan).
    #[serde(default)]
    pub credentials: Credentials,
    /// Allow database logins with IAM credentials.
    #[serde(default)]
    pub iam_database_authentication: bool,
    /// IAM roles associated with the instance, e.g. `[{ role = "rds-s3", feature = "s3Import" }]`.
    #[serde(default)]
    pub iam_roles: Vec<IamRoleAttachment>,
    /// Whether AWS refuses to delete the instance.
    #[serde(default)]
    pub deletion_protection: bool,
    /// Days of automated backups (0 to 35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<i64>,
    /// e.g. `sun:05:00-sun:06:00` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_maintenance_window: Option<String>,
    /// e.g. `03:00-04:00` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_backup_window: Option<String>,
    /// Let AWS apply minor engine upgrades in the maintenance window (default true).
    #[serde(default = "yes")]
    pub auto_minor_version_upgrade: bool,
    /// Must be true for a major `engine_version` change (an in-place upgrade with downtime);
    /// otherwise such a change is a plan error.
    #[serde(default)]
    pub allow_major_version_upgrade: bool,
    /// A `parameter_group` of this environment, or the name of an existing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_group: Option<String>,
    /// An `option_group` of this environment, or the name of an existing group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_group: Option<String>,
    /// true: apply may reboot it (one database at a time, replicas before their source,
    /// Multi-AZ without a forced failover) when parameter changes need a reboot.
    #[serde(default)]
    pub allow_reboot: bool,
    /// Export these logs to CloudWatch Logs (names per engine, e.g. `error`, `slowquery`,
    /// `postgresql`); unset, not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_exports: Option<Vec<String>>,
    /// Performance Insights on or off; unset, not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights: Option<bool>,
    /// Days of Performance Insights data: 7, or a multiple of 31 up to 731.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_retention_days: Option<i64>,
    /// KMS key (id, ARN or alias) for Performance Insights data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_insights_kms_key: Option<String>,
    /// Enhanced monitoring every N seconds: 0 (off), 1, 5, 10, 15, 30 or 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_interval: Option<i64>,
    /// The role enhanced monitoring uses: an `iam_role` of this environment (assumed by
    /// `monitoring.rds.amazonaws.com`) or a role ARN; required when `monitoring_interval` > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_role: Option<String>,
    /// The CA of the server certificate, e.g. `rds-ca-rsa2048-g1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// Default true: snapshots carry the instance's tags.
    #[serde(default = "yes")]
    pub copy_tags_to_snapshot: bool,
    /// Create it from a snapshot or a point in time instead of empty (only when created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreConfig>,
    /// How an `engine_version` or `parameter_group` change is made: `in-place` (default, a
    /// ModifyDBInstance) or `blue-green` (an RDS blue/green deployment: a green copy with the
    /// new version and group, switched over; the old instance is kept as `<identifier>-old1`).
    #[serde(default)]
    pub upgrade: Upgrade,
    /// true: delete the old instance a blue/green upgrade kept (`<identifier>-old1`, reported
    /// by every plan until then), with a final snapshot unless `skip_final_snapshot`. No
    /// `--allow-destroy` is needed: the files say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retire_old: bool,
    /// false: modifications wait for the maintenance window.
    #[serde(default)]
    pub apply_immediately: bool,
    /// false: deleting the instance always takes a final snapshot first.
    #[serde(default)]
    pub skip_final_snapshot: bool,
    /// Tags for this resource, added to `[environment] tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}
