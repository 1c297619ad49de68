//! The kinds and their attribute table: for every attribute of every kind, whether a change forces replacement,
//! how live and desired values compare, when an in-place change takes effect, and which AWS
//! call carries it. The planner, apply (`kinds::db::modify::instance_request` and `cluster_request`,
//! the create calls), `docs/replacement.md` and saved plans all read this one table, so an
//! attribute the planner can change and apply cannot is a failing test (`kinds::tests_table`),
//! never a silent skip: apply refuses an in-place change of an attribute whose carrier it does
//! not handle.
//!
//! Sources: the RDS API reference (CreateDBInstance, CreateDBInstanceReadReplica,
//! ModifyDBInstance, CreateDBCluster, ModifyDBCluster, ModifyDBSubnetGroup) and the EC2 calls
//! rdsplan converges with; terraform-provider-aws (internal/service/rds/instance.go,
//! cluster.go) for what forces replacement.

/// How a live value is compared with a desired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Equal values only.
    Exact,
    /// The desired value is a version prefix: "8.0" is met by "8.0.35"; a live version newer
    /// within the same major version (an automatic minor upgrade) is never a downgrade.
    Version,
    /// Storage: never shrinks, grows by at least 10%; with autoscaling
    /// (`max_allocated_storage`) live storage at or above the desired minimum is no change.
    Storage,
    /// A KMS key by id, key ARN, alias name or alias ARN, compared as the key ARN it resolves to.
    KmsKey,
    /// Parameter values: only the names the files give are managed (others live in AWS are
    /// reset), and values compare as AWS stores them (case does not matter).
    Parameters,
    /// Options: each option the files name must be there with the settings they name (values
    /// as AWS stores them); options the files do not name are removed.
    Options,
    /// Not compared: rdsplan's own settings and references that only order steps.
    Never,
}

/// When an in-place change takes effect, following the RDS documentation of ModifyDBInstance
/// and ModifyDBCluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// At once, without an outage.
    Now,
    /// At the next maintenance window, or now with `apply_immediately`.
    Window,
    /// At once, with a restart, whatever `apply_immediately` says.
    Reboot,
    /// Associated at once, in effect after the next reboot (a parameter group, a static
    /// parameter).
    AfterReboot,
    /// Backups switched on or off (from or to 0) wait for the window (an outage); between
    /// non-zero values it is immediate.
    BackupToggle,
}

/// A field of ModifyDBInstance / ModifyDBCluster (and of the create calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    InstanceClass,
    EngineVersion,
    AllocatedStorage,
    MaxAllocatedStorage,
    StorageType,
    Iops,
    StorageThroughput,
    MultiAz,
    PubliclyAccessible,
    Port,
    IamDatabaseAuthentication,
    DeletionProtection,
    BackupRetention,
    MaintenanceWindow,
    BackupWindow,
    AutoMinorVersionUpgrade,
    SecurityGroups,
    SubnetGroup,
    /// ManageMasterUserPassword, with MasterUserPassword when turning it off.
    Credentials,
    /// DBParameterGroupName.
    ParameterGroup,
    /// OptionGroupName.
    OptionGroup,
    CopyTagsToSnapshot,
    /// CACertificateIdentifier.
    CaCertificate,
    /// CloudwatchLogsExportConfiguration (enable what the files add, disable what they drop).
    LogExports,
    /// EnablePerformanceInsights.
    PerformanceInsights,
    PerformanceInsightsRetention,
    PerformanceInsightsKmsKey,
    MonitoringInterval,
    MonitoringRole,
    /// ServerlessV2ScalingConfiguration.
    ServerlessV2,
    /// DBClusterParameterGroupName.
    ClusterParameterGroup,
}

/// Which AWS call carries an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// Set only by the create call; a change forces replacement.
    Create,
    /// Set by the create call (unless `at_create` is false) and changed in place by the kind's
    /// Modify call through this field.
    Modify(Field),
    /// The resource's tags (AddTagsToResource / CreateTags / TagRole / TagResource).
    Tags,
    /// IAM role associations (AddRoleToDBInstance/Cluster, RemoveRoleFrom...).
    Roles,
    /// Converged by the kind's own ensure step, which sets every attribute it is given: EC2
    /// objects (rules, route table associations), DB subnet groups (ModifyDBSubnetGroup), IAM
    /// roles (trust policy, attached policies), secrets (PutSecretValue).
    Converge,
    /// Carried by other resources: a cluster's members are resources of their own.
    Members,
    /// rdsplan's own setting or a reference that orders steps; never sent to AWS.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub name: &'static str,
    pub replace: bool,
    pub compare: Compare,
    pub when: When,
    pub carrier: Carrier,
    /// Whether the create call takes it; a `Modify` attribute the create call cannot take is
    /// set by a Modify call right after creation, so one apply converges.
    pub at_create: bool,
    /// Whether AWS applies a change of it without putting the database through a status change
    /// (no `modifying`, no reboot): after a Modify of only such attributes, apply waits for one
    /// reading of `available`, not for a change to begin. See [`quiet_change`].
    pub quiet: bool,
}

const fn attr(name: &'static str, carrier: Carrier) -> Attr {
    Attr {
        name,
        replace: false,
        compare: Compare::Exact,
        when: When::Now,
        carrier,
        at_create: true,
        quiet: false,
    }
}

impl Attr {
    const fn replaces(mut self) -> Attr {
        self.replace = true;
        self
    }
    const fn cmp(mut self, c: Compare) -> Attr {
        self.compare = c;
        self
    }
    const fn when(mut self, w: When) -> Attr {
        self.when = w;
        self
    }
    const fn after_create(mut self) -> Attr {
        self.at_create = false;
        self
    }
    const fn quiet(mut self) -> Attr {
        self.quiet = true;
        self
    }
}

/// Whether changing `name` from `before` to `after` puts the database through no status
/// change: a quiet attribute, and for backups a retention that stays above 0 (turning
/// backups on starts one; turning them off deletes them).
pub fn quiet_change(
    kind: Kind,
    name: &str,
    before: Option<&crate::model::Value>,
    after: Option<&crate::model::Value>,
) -> bool {
    if !lookup(kind, name).is_some_and(|a| a.quiet) {
        return false;
    }
    if name == "backup_retention_days" {
        let on =
            |v: Option<&crate::model::Value>| v.and_then(|v| v.as_int()).is_some_and(|n| n > 0);
        return on(before) && on(after);
    }
    true
}

use Carrier::*;
use Field as F;

const fn create(name: &'static str) -> Attr {
    attr(name, Create).replaces()
}
const fn modify(name: &'static str, f: Field) -> Attr {
    attr(name, Modify(f))
}
const fn local(name: &'static str) -> Attr {
    attr(name, Local).cmp(Compare::Never)
}
const fn converge(name: &'static str) -> Attr {
    attr(name, Converge)
}
const TAGS: Attr = attr("tags", Tags).quiet();

const VPC: &[Attr] = &[converge("cidr").replaces(), TAGS];
const SUBNET: &[Attr] = &[
    converge("vpc").replaces(),
    converge("availability_zone").replaces(),
    converge("cidr").replaces(),
    TAGS,
];
const INTERNET_GATEWAY: &[Attr] = &[converge("vpc"), TAGS];
const ROUTE_TABLE: &[Attr] = &[
    converge("vpc").replaces(),
    converge("internet_gateway"),
    converge("subnets"),
    TAGS,
];
const SECURITY_GROUP: &[Attr] = &[
    converge("vpc").replaces(),
    // AWS cannot edit a group's description.
    converge("description").replaces(),
    converge("ingress"),
    converge("egress"),
    TAGS,
];
/// Subnets change in place (ModifyDBSubnetGroup), so a new subnet layout never replaces the
/// databases in the group.
const DB_SUBNET_GROUP: &[Attr] = &[converge("description"), converge("subnets"), TAGS];
const IAM_ROLE: &[Attr] = &[
    converge("assumed_by"),
    converge("managed_policies"),
    converge("description"),
    TAGS,
];
/// Parameter groups: ModifyDB(Cluster)ParameterGroup sets and ResetDB(Cluster)ParameterGroup
/// resets what the files name; family and description are fixed at creation.
const PARAMETER_GROUP: &[Attr] = &[
    converge("family").replaces(),
    converge("description").replaces(),
    converge("parameters").cmp(Compare::Parameters),
    TAGS,
];
/// Option groups: ModifyOptionGroup includes and removes options; engine, major version and
/// description are fixed at creation.
const OPTION_GROUP: &[Attr] = &[
    converge("engine").replaces(),
    converge("major_engine_version").replaces(),
    converge("description").replaces(),
    converge("options").cmp(Compare::Options),
    TAGS,
];
const SECRET: &[Attr] = &[
    converge("engine"),
    converge("host"),
    converge("port"),
    converge("username"),
    converge("dbname"),
    converge("db_instance_identifier"),
    converge("db_cluster_identifier"),
    TAGS,
];

const INSTANCE: &[Attr] = &[
    create("engine"),
    modify("engine_version", F::EngineVersion)
        .cmp(Compare::Version)
        .when(When::Window),
    modify("instance_class", F::InstanceClass).when(When::Window),
    modify("allocated_storage", F::AllocatedStorage)
        .cmp(Compare::Storage)
        .when(When::Window),
    modify("max_allocated_storage", F::MaxAllocatedStorage),
    modify("storage_type", F::StorageType).when(When::Window),
    modify("iops", F::Iops).when(When::Window),
    modify("storage_throughput", F::StorageThroughput).when(When::Window),
    modify("multi_az", F::MultiAz).when(When::Window),
    create("storage_encrypted"),
    create("kms_key").cmp(Compare::KmsKey),
    // ModifyDBInstance DBSubnetGroupName moves an instance (an outage, so at the window).
    modify("db_subnet_group", F::SubnetGroup).when(When::Window),
    modify("security_groups", F::SecurityGroups),
    modify("publicly_accessible", F::PubliclyAccessible),
    modify("port", F::Port).when(When::Reboot),
    create("db_name"),
    create("master_username"),
    modify("credentials", F::Credentials),
    modify("iam_database_authentication", F::IamDatabaseAuthentication),
    attr("iam_roles", Roles),
    modify("deletion_protection", F::DeletionProtection).quiet(),
    modify("backup_retention_days", F::BackupRetention)
        .when(When::BackupToggle)
        .quiet(),
    modify("preferred_maintenance_window", F::MaintenanceWindow).quiet(),
    modify("preferred_backup_window", F::BackupWindow).quiet(),
    modify("auto_minor_version_upgrade", F::AutoMinorVersionUpgrade).quiet(),
    modify("parameter_group", F::ParameterGroup).when(When::AfterReboot),
    modify("copy_tags_to_snapshot", F::CopyTagsToSnapshot).quiet(),
    modify("ca_certificate", F::CaCertificate).when(When::Window),
    modify("log_exports", F::LogExports),
    modify("performance_insights", F::PerformanceInsights),
    modify(
        "performance_insights_retention_days",
        F::PerformanceInsightsRetention,
    ),
    modify("performance_insights_kms_key", F::PerformanceInsightsKmsKey).cmp(Compare::KmsKey),
    modify("monitoring_interval", F::MonitoringInterval),
    modify("monitoring_role", F::MonitoringRole),
    // Applied at the next maintenance window, or at once with apply_immediately.
    modify("option_group", F::OptionGroup).when(When::Window),
    // How it was created; never compared afterwards.
    // How engine and parameter group changes are made; rdsplan's own setting.
    local("upgrade"),
    local("retire_old"),
    local("restore"),
    local("allow_reboot"),
    local("allow_major_version_upgrade"),
    local("apply_immediately"),
    // Kept on the resource as the tag `rdsplan:skip-final-snapshot`.
    attr("skip_final_snapshot", Tags),
    local("secret"),
    TAGS,
];

/// A replica sets only what its file names; everything else follows its source.
const REPLICA: &[Attr] = &[
    create("source"),
    // Never in the files (a replica runs its source's version); set by the planner when a
    // MySQL or MariaDB source makes a major upgrade, which RDS requires of replicas first.
    modify("engine_version", F::EngineVersion)
        .cmp(Compare::Version)
        .when(When::Window)
        .after_create(),
    local("allow_major_version_upgrade"),
    modify("instance_class", F::InstanceClass).when(When::Window),
    modify("multi_az", F::MultiAz).when(When::Window),
    modify("storage_type", F::StorageType).when(When::Window),
    modify("iops", F::Iops).when(When::Window),
    modify("storage_throughput", F::StorageThroughput).when(When::Window),
    modify("max_allocated_storage", F::MaxAllocatedStorage),
    modify("security_groups", F::SecurityGroups),
    modify("publicly_accessible", F::PubliclyAccessible),
    modify("port", F::Port).when(When::Reboot),
    modify("iam_database_authentication", F::IamDatabaseAuthentication),
    modify("deletion_protection", F::DeletionProtection).quiet(),
    // CreateDBInstanceReadReplica takes neither backups nor windows.
    modify("backup_retention_days", F::BackupRetention)
        .when(When::BackupToggle)
        .after_create(),
    modify("preferred_maintenance_window", F::MaintenanceWindow)
        .after_create()
        .quiet(),
    modify("preferred_backup_window", F::BackupWindow)
        .after_create()
        .quiet(),
    modify("auto_minor_version_upgrade", F::AutoMinorVersionUpgrade).quiet(),
    modify("parameter_group", F::ParameterGroup).when(When::AfterReboot),
    modify("copy_tags_to_snapshot", F::CopyTagsToSnapshot).quiet(),
    modify("ca_certificate", F::CaCertificate).when(When::Window),
    modify("log_exports", F::LogExports),
    modify("performance_insights", F::PerformanceInsights),
    modify(
        "performance_insights_retention_days",
        F::PerformanceInsightsRetention,
    ),
    modify("performance_insights_kms_key", F::PerformanceInsightsKmsKey).cmp(Compare::KmsKey),
    modify("monitoring_interval", F::MonitoringInterval),
    modify("monitoring_role", F::MonitoringRole),
    // Applied at the next maintenance window, or at once with apply_immediately.
    modify("option_group", F::OptionGroup).when(When::Window),
    local("allow_reboot"),
    local("apply_immediately"),
    TAGS,
];

const CLUSTER: &[Attr] = &[
    create("engine"),
    modify("engine_version", F::EngineVersion)
        .cmp(Compare::Version)
        .when(When::Window),
    // ModifyDBCluster has no DBSubnetGroupName: an Aurora cluster cannot move to another
    // subnet group (or VPC). Subnets of its group still change in place.
    create("db_subnet_group"),
    modify("security_groups", F::SecurityGroups),
    create("storage_encrypted"),
    create("kms_key").cmp(Compare::KmsKey),
    create("master_username"),
    create("database_name"),
    modify("credentials", F::Credentials),
    modify("port", F::Port).when(When::Reboot),
    modify("deletion_protection", F::DeletionProtection).quiet(),
    modify("iam_database_authentication", F::IamDatabaseAuthentication),
    attr("iam_roles", Roles),
    // Compared as a set: which member is the writer is information, not a difference.
    attr("members", Members),
    modify("backup_retention_days", F::BackupRetention).quiet(),
    modify("preferred_maintenance_window", F::MaintenanceWindow).quiet(),
    modify("preferred_backup_window", F::BackupWindow).quiet(),
    modify("cluster_parameter_group", F::ClusterParameterGroup).when(When::AfterReboot),
    modify("copy_tags_to_snapshot", F::CopyTagsToSnapshot).quiet(),
    modify("log_exports", F::LogExports),
    modify("serverless_v2", F::ServerlessV2),
    // Sent with a major upgrade only; the members' own steps converge their groups.
    local("member_parameter_group"),
    // How it was created; never compared afterwards.
    local("restore"),
    local("allow_reboot"),
    local("allow_major_version_upgrade"),
    local("apply_immediately"),
    attr("skip_final_snapshot", Tags),
    local("secret"),
    TAGS,
];

const CLUSTER_INSTANCE: &[Attr] = &[
    create("cluster"),
    create("engine"),
    modify("instance_class", F::InstanceClass).when(When::Window),
    modify("publicly_accessible", F::PubliclyAccessible),
    modify("auto_minor_version_upgrade", F::AutoMinorVersionUpgrade).quiet(),
    modify("parameter_group", F::ParameterGroup).when(When::AfterReboot),
    local("allow_reboot"),
    local("apply_immediately"),
    // Readers are created after the writer; which one AWS makes the writer is not compared.
    local("writer"),
    TAGS,
];

/// What is true of a kind whatever its attributes: the planner's, the executor's and the
/// operator commands' questions about a kind are answered from each kind's list of facts in
/// [`kinds!`], never from a `match` with a fallback arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// A replacement creates the new resource before deleting the old one: parameter and option
    /// groups, whose AWS names carry their family, so that the databases move to the new group
    /// before the old one (which AWS refuses to delete while in use) goes.
    CreateBeforeDestroy,
    /// AWS can rename it in place (ModifyDBInstance/ModifyDBCluster with a new identifier).
    /// Other AWS names are fixed for life: a resource keeps the name it has.
    RenamableInPlace,
    /// Deleting it destroys data (and so deserves a `DATA LOSS` warning).
    HoldsData,
    /// Its AWS name is a DB instance identifier, unique in a region across standalone
    /// instances, replicas and Aurora members.
    InstanceIdentifier,
    /// Replaced with the VPC it is in (it cannot move to another VPC).
    InItsVpc,
    /// Replaced with its DB subnet group, which only a new VPC replaces.
    InItsSubnetGroup,
    /// Replaced with its source instance: a read replica cannot follow a new source.
    FollowsItsSource,
    /// Replaced with its cluster: an Aurora member cannot move to another cluster.
    InItsCluster,
    /// `rdsplan import` adopts one by its AWS name (a DB identifier).
    ImportedByName,
    /// `rdsplan import` adopts one by its AWS id (`vpc-…`, `sg-…`).
    ImportedById,
    /// A database with one endpoint.
    Endpoint,
    /// A database with a writer and a reader endpoint.
    WriterAndReaderEndpoints,
}

/// Declares every kind once: its variant, its name (in addresses, files and JSON), the noun
/// phrase messages use, its attribute table and its [`Fact`]s. The enum, `as_str`, `describe`,
/// `has`, [`table`] and [`ALL_KINDS`] (which every walk of the kinds iterates) all come from
/// this one list.
macro_rules! kinds {
    ($($kind:ident = $name:literal, $noun:literal, $table:ident, [$($fact:ident),*];)+) => {
        /// The kinds of AWS object rdsplan manages. Sub-resources of a `vpc` (subnets, gateway,
        /// route table, DB subnet group) and of an `instance` (its generated secret) are kinds
        /// of their own so that the plan shows and orders each of them.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($kind,)+
        }

        impl Kind {
            /// The kind's name in addresses (`instance.orders`), the files and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$kind => $name,)+
                }
            }

            /// A noun phrase for messages: "an RDS instance", "a security group".
            pub fn describe(self) -> &'static str {
                match self {
                    $(Kind::$kind => $noun,)+
                }
            }

            /// Whether `fact` is true of this kind.
            pub fn has(self, fact: Fact) -> bool {
                let facts: &[Fact] = match self {
                    $(Kind::$kind => &[$(Fact::$fact),*],)+
                };
                facts.contains(&fact)
            }
        }

        /// Every attribute rdsplan compares or sets for `kind`.
        pub fn table(kind: Kind) -> &'static [Attr] {
            match kind {
                $(Kind::$kind => $table,)+
            }
        }

        /// Every kind, in declaration order.
        pub const ALL_KINDS: &[Kind] = &[$(Kind::$kind,)+];
    };
}

kinds! {
    Vpc = "vpc", "a VPC", VPC, [ImportedById];
    Subnet = "subnet", "a subnet", SUBNET, [InItsVpc];
    InternetGateway = "internet_gateway", "an internet gateway", INTERNET_GATEWAY, [InItsVpc];
    RouteTable = "route_table", "a route table", ROUTE_TABLE, [InItsVpc];
    SecurityGroup = "security_group", "a security group", SECURITY_GROUP, [InItsVpc, ImportedById];
    DbSubnetGroup = "db_subnet_group", "a DB subnet group", DB_SUBNET_GROUP, [InItsVpc];
    IamRole = "iam_role", "an IAM role", IAM_ROLE, [];
    ParameterGroup = "parameter_group", "a DB parameter group", PARAMETER_GROUP,
        [CreateBeforeDestroy];
    ClusterParameterGroup = "cluster_parameter_group", "a DB cluster parameter group",
        PARAMETER_GROUP, [CreateBeforeDestroy];
    OptionGroup = "option_group", "an option group", OPTION_GROUP, [CreateBeforeDestroy];
    Secret = "secret", "a secret", SECRET, [HoldsData];
    Instance = "instance", "an RDS instance", INSTANCE,
        [RenamableInPlace, HoldsData, InstanceIdentifier, InItsSubnetGroup, ImportedByName, Endpoint];
    Replica = "replica", "an RDS read replica", REPLICA,
        [RenamableInPlace, InstanceIdentifier, FollowsItsSource, ImportedByName, Endpoint];
    Cluster = "cluster", "an Aurora cluster", CLUSTER,
        [RenamableInPlace, HoldsData, InItsSubnetGroup, ImportedByName, WriterAndReaderEndpoints];
    ClusterInstance = "cluster_instance", "an Aurora cluster instance", CLUSTER_INSTANCE,
        [RenamableInPlace, InstanceIdentifier, InItsCluster];
}

/// Attributes whose values are addresses of other resources of the environment.
pub const REFERENCE_ATTRS: &[&str] = &[
    "source",
    "cluster",
    "writer",
    "vpc",
    "subnets",
    "internet_gateway",
    "security_groups",
    "db_subnet_group",
    "secret",
    "parameter_group",
    "cluster_parameter_group",
    "member_parameter_group",
    "option_group",
    "monitoring_role",
];

/// The entry for one attribute; `None` for what the reader records for information only
/// (status, endpoints, the current writer), which is never desired and never compared.
pub fn lookup(kind: Kind, name: &str) -> Option<&'static Attr> {
    table(kind).iter().find(|a| a.name == name)
}

/// Whether a live attribute is information only (read from AWS, never desired, never
/// compared), such as `status` or `endpoint`; saved plans ignore those that move on their own.
pub fn is_info(kind: Kind, name: &str) -> bool {
    lookup(kind, name).is_none()
}

/// Every attribute that forces replacement, per kind, for documentation and tests.
pub fn replacement_table() -> Vec<(Kind, Vec<&'static str>)> {
    ALL_KINDS
        .iter()
        .map(|k| {
            (
                *k,
                table(*k)
                    .iter()
                    .filter(|a| a.replace)
                    .map(|a| a.name)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, a)| !a.is_empty())
        .collect()
}

/// The Modify fields that carry `changed` attributes of `kind`. Attributes converged by steps
/// of their own (tags, roles, members, rdsplan's settings) need none. An attribute that only
/// the create call takes, or that the table does not know, is an error: apply never silently
/// skips a change it was asked to make.
pub fn modify_fields<'n>(
    kind: Kind,
    changed: impl IntoIterator<Item = &'n str>,
) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    for name in changed {
        match lookup(kind, name).map(|a| a.carrier) {
            Some(Modify(f)) => out.push(f),
            Some(Tags | Roles | Local | Members | Converge) => {}
            Some(Create) => {
                return Err(format!(
                    "{name} of {} can only be set when it is created",
                    kind.describe()
                ))
            }
            None => return Err(format!("{name} is not an attribute of {}", kind.describe())),
        }
    }
    Ok(out)
}

/// The Modify fields to send right after creating a `kind` with the attributes `set`: those
/// the create call cannot take.
pub fn post_create_fields<'n>(kind: Kind, set: impl IntoIterator<Item = &'n str>) -> Vec<Field> {
    set.into_iter()
        .filter_map(|n| lookup(kind, n))
        .filter(|a| !a.at_create)
        .filter_map(|a| match a.carrier {
            Modify(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The attribute a Modify field carries for `kind`.
pub fn field_attr(kind: Kind, f: Field) -> Option<&'static str> {
    table(kind)
        .iter()
        .find(|a| a.carrier == Modify(f))
        .map(|a| a.name)
}

#[cfg(test)]
mod quiet {
    use super::*;
    use crate::model::Value;

    #[test]
    fn quiet_changes_are_those_without_a_status_change() {
        let q = |n: &str, b: Value, a: Value| quiet_change(Kind::Instance, n, Some(&b), Some(&a));
        assert!(q(
            "deletion_protection",
            Value::Bool(false),
            Value::Bool(true)
        ));
        assert!(q(
            "tags",
            Value::Map(Default::default()),
            Value::Map(Default::default())
        ));
        assert!(q("backup_retention_days", Value::Int(7), Value::Int(14)));
        // Turning backups on starts one; off deletes them: a status change.
        assert!(!q("backup_retention_days", Value::Int(0), Value::Int(7)));
        assert!(!q("backup_retention_days", Value::Int(7), Value::Int(0)));
        assert!(!q(
            "instance_class",
            Value::str("db.t3.micro"),
            Value::str("db.t3.small")
        ));
        assert!(!q("no_such_attribute", Value::Int(1), Value::Int(2)));
    }
}
