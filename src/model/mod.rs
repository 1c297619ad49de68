//! The resource model shared by the desired state (from TOML) and the live state (from AWS).
//!
//! Both sides are expressed as [`Resource`]s with the same attribute names, so that the planner
//! can compare them generically; the per-kind rules (what forces replacement, how values are
//! compared, when a change takes effect) live in the attribute table, `model::attrs`.

pub mod attrs;
pub mod option_settings;
pub mod versions;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Tag keys that mark ownership. Everything rdsplan creates carries all three, set in the create
/// call itself.
pub const TAG_ENV: &str = "rdsplan:environment";
pub const TAG_ADDRESS: &str = "rdsplan:address";
pub const TAG_MANAGED_BY: &str = "managed-by";
pub const MANAGED_BY: &str = "rdsplan";
/// What the last apply converged on the resource (see `plan::applied`): read with the other
/// tags, never compared, never removed by a tag update.
pub const TAG_APPLIED: &str = "rdsplan:applied";
/// The three, as removing them undoes an adoption.
pub const OWNERSHIP_TAGS: [&str; 3] = [TAG_ENV, TAG_ADDRESS, TAG_MANAGED_BY];

/// On a live instance that is the old (blue) instance of a blue/green upgrade, kept after the
/// switchover under `<identifier>-old1` at the address `<address>.old1`: the address of the
/// instance it is the old one of. It is kept and reported, never a pending delete, until that
/// instance says `retire_old = true` (or someone deletes it).
pub const RETAINED_OLD: &str = "retained_old";
/// On such an instance whose own address tag still says the upgraded instance's address (a
/// run stopped between the switchover and the retag): apply finishes the upgrade's cleanup.
pub const RETAG_PENDING: &str = "retag_pending";

/// Marks the old instances of blue/green upgrades. One that still carries the upgraded
/// instance's address (a run stopped before retagging it) is told from the new one by its
/// `-old1` name and moved to `<address>.old1`, so that it is never a duplicate.
pub fn mark_retained_olds(resources: &mut [Resource]) {
    let names: std::collections::BTreeMap<(Address, String), usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == Kind::Instance)
        .map(|(i, r)| ((r.address.clone(), r.name.clone()), i))
        .collect();
    for r in resources.iter_mut().filter(|r| r.kind == Kind::Instance) {
        if let Some(base) = r.address.as_str().strip_suffix(".old1") {
            r.set(RETAINED_OLD, Value::str(base));
            continue;
        }
        let Some(green) = r.name.strip_suffix("-old1") else {
            continue;
        };
        if names.contains_key(&(r.address.clone(), green.to_string())) {
            let base = r.address.clone();
            r.address = base.child("old1");
            r.set(RETAINED_OLD, Value::str(base.as_str()));
            r.set(RETAG_PENDING, Value::Bool(true));
        }
    }
}

/// A live Aurora member that is its cluster's writer carries this attribute (`true`), read from
/// the cluster's member list: a plan never deletes or replaces it as a mere membership change.
pub const IS_WRITER: &str = "is_writer";

pub use attrs::{Fact, Kind, ALL_KINDS, REFERENCE_ATTRS};

impl Kind {
    /// Kinds whose AWS names share one namespace: every DB instance identifier is unique in a
    /// region, whether it names a standalone instance, a replica or an Aurora member.
    pub fn namespace(self) -> Kind {
        if self.has(Fact::InstanceIdentifier) {
            Kind::Instance
        } else {
            self
        }
    }
    pub fn create_before_destroy(self) -> bool {
        self.has(Fact::CreateBeforeDestroy)
    }
    pub fn renamable_in_place(self) -> bool {
        self.has(Fact::RenamableInPlace)
    }
    pub fn holds_data(self) -> bool {
        self.has(Fact::HoldsData)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource address: `KIND.NAME` for what the files declare (`instance.orders`), with a
/// suffix for derived resources (`vpc.main.subnet.us-west-2a`, `instance.orders.secret`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(pub String);

impl Address {
    pub fn new(kind: &str, name: &str) -> Self {
        Address(format!("{kind}.{name}"))
    }
    pub fn child(&self, suffix: &str) -> Self {
        Address(format!("{}.{suffix}", self.0))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A security group rule, flattened to one source per rule so that sets compare exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp` or `all`.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    /// A CIDR block, or a security group: an address of this environment
    /// (`security_group.app`) or a foreign group id (`sg-...`).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Rule {
    pub fn allow_all_egress() -> Rule {
        Rule {
            protocol: "all".into(),
            from_port: -1,
            to_port: -1,
            source: "0.0.0.0/0".into(),
            description: None,
        }
    }
    pub fn source_is_group(&self) -> bool {
        !self.source.contains('/')
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ports = if self.protocol == "all" {
            "all ports".to_string()
        } else if self.from_port == self.to_port {
            format!("{}", self.from_port)
        } else {
            format!("{}-{}", self.from_port, self.to_port)
        };
        write!(f, "{} {} from {}", self.protocol, ports, self.source)?;
        if let Some(d) = &self.description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// An attribute value. Lists are kept sorted where order carries no meaning, so that equal sets
/// compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
    Rules(Vec<Rule>),
    Map(BTreeMap<String, String>),
    /// Known only once an earlier step of the apply has run (an endpoint, say).
    Unknown(UnknownMarker),
}

/// Serialises as `{"unknown": true}` so that JSON consumers can tell it from a real value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownMarker {
    pub unknown: bool,
}

impl Value {
    pub fn unknown() -> Value {
        Value::Unknown(UnknownMarker { unknown: true })
    }
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
    pub fn set(items: impl IntoIterator<Item = String>) -> Value {
        let mut v: Vec<String> = items.into_iter().collect();
        v.sort();
        v.dedup();
        Value::List(v)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_list(&self) -> &[String] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }
    pub fn as_rules(&self) -> &[Rule] {
        match self {
            Value::Rules(r) => r,
            _ => &[],
        }
    }
    pub fn as_map(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(l) => {
                let items: Vec<String> = l.iter().map(|s| format!("{s:?}")).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Value::Rules(r) => {
                let items: Vec<String> = r.iter().map(|s| format!("{:?}", s.to_string())).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Value::Map(m) => {
                let items: Vec<String> = m.iter().map(|(k, v)| format!("{k} = {v:?}")).collect();
                write!(f, "{{ {} }}", items.join(", "))
            }
            Value::Unknown(_) => f.write_str("(known after apply)"),
        }
    }
}

pub type Attrs = BTreeMap<String, Value>;

/// One resource, desired or live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub address: Address,
    pub kind: Kind,
    /// The name AWS knows it by where it has one the user controls (RDS identifier, subnet group
    /// name, secret name, security group name); for VPC-level objects, their `Name` tag.
    pub name: String,
    /// The AWS id or ARN; live resources only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub attrs: Attrs,
    /// Live resources only: values AWS has accepted but not applied yet
    /// (`PendingModifiedValues`), by attribute name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: Attrs,
}

impl Resource {
    pub fn new(address: Address, kind: Kind, name: impl Into<String>) -> Self {
        Resource {
            address,
            kind,
            name: name.into(),
            id: None,
            attrs: Attrs::new(),
            pending: Attrs::new(),
        }
    }
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.attrs.insert(key.to_string(), value);
        self
    }
    pub fn with_pending(mut self, key: &str, value: Value) -> Self {
        self.pending.insert(key.to_string(), value);
        self
    }
    pub fn set(&mut self, key: &str, value: Value) {
        self.attrs.insert(key.to_string(), value);
    }
    /// Sets every item that has a value: the optional attributes the files (or AWS) may leave
    /// unset, which are then never compared.
    pub fn set_present<'k>(&mut self, items: impl IntoIterator<Item = (&'k str, Option<Value>)>) {
        for (k, v) in items {
            if let Some(v) = v {
                self.attrs.insert(k.to_string(), v);
            }
        }
    }
    /// Records the values AWS has accepted but not applied yet.
    pub fn set_pending<'k>(&mut self, items: impl IntoIterator<Item = (&'k str, Option<Value>)>) {
        for (k, v) in items {
            if let Some(v) = v {
                self.pending.insert(k.to_string(), v);
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.attrs.get(key)
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_int)
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }
    pub fn list(&self, key: &str) -> &[String] {
        self.get(key).map(Value::as_list).unwrap_or(&[])
    }

    /// Addresses this resource needs to exist first, derived from its reference attributes so
    /// that desired and live resources agree on them.
    pub fn deps(&self) -> Vec<Address> {
        let mut out = Vec::new();
        for key in REFERENCE_ATTRS {
            match self.get(key) {
                Some(Value::Str(s)) if is_address(s) => out.push(Address(s.clone())),
                Some(Value::List(l)) => out.extend(
                    l.iter()
                        .filter(|s| is_address(s))
                        .map(|s| Address(s.clone())),
                ),
                _ => {}
            }
        }
        // `iam_roles` items are `ROLE=FEATURE`, ROLE an address or an ARN.
        for item in self.list("iam_roles") {
            if let Some((role, _)) = item.split_once('=') {
                if is_address(role) {
                    out.push(Address(role.to_string()));
                }
            }
        }
        // A rule may name another group of the environment, which must exist first; a group
        // naming itself is fine.
        for key in ["ingress", "egress"] {
            if let Some(Value::Rules(rules)) = self.get(key) {
                out.extend(
                    rules
                        .iter()
                        .filter(|r| is_address(&r.source) && r.source != self.address.0)
                        .map(|r| Address(r.source.clone())),
                );
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The other groups of the environment a security group's rules name.
    pub fn rule_sources(&self) -> Vec<Address> {
        let mut out: Vec<Address> = ["ingress", "egress"]
            .iter()
            .filter_map(|k| match self.get(k) {
                Some(Value::Rules(rules)) => Some(rules),
                _ => None,
            })
            .flatten()
            .filter(|r| is_address(&r.source) && r.source != self.address.0)
            .map(|r| Address(r.source.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// What must exist before this resource is made: [`Resource::deps`] less the groups its
    /// rules name. Rules are not groups: a group is made first, and the rules that name other
    /// groups are converged by a step of their own once those exist, so groups that name each
    /// other (app ↔ db) are no cycle. Deletes keep every dependency ([`Resource::deps`]).
    pub fn create_deps(&self) -> Vec<Address> {
        let rules = self.rule_sources();
        self.deps()
            .into_iter()
            .filter(|d| !rules.contains(d))
            .collect()
    }
}

/// Whether a reference value names a resource of this environment (rather than a raw AWS id).
pub fn is_address(s: &str) -> bool {
    [
        "vpc.",
        "security_group.",
        "instance.",
        "replica.",
        "cluster.",
        "iam_role.",
        "parameter_group.",
        "cluster_parameter_group.",
        "option_group.",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// A resource whose AWS name is one the files want but which does not carry this environment's
/// tags: rdsplan never touches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Foreign {
    pub kind: Kind,
    pub name: String,
    pub id: String,
}

/// Everything AWS holds for one environment, plus the context the plan needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub resources: Vec<Resource>,
    /// Available AZs of the region, sorted.
    pub azs: Vec<String>,
    pub foreign: Vec<Foreign>,
    /// RDS instances and clusters in a managed VPC or subnet group, and security groups in a
    /// managed VPC, that carry no rdsplan tags: reported by `drift`, never touched.
    #[serde(default)]
    pub unmanaged: Vec<Foreign>,
    /// KMS keys named by alias (in the files, or by AWS), resolved to their key ARNs with
    /// kms:DescribeKey, once per key per run.
    #[serde(default)]
    pub kms_keys: BTreeMap<String, String>,
    /// When AWS was read (unix seconds): the clock the pure planner compares with
    /// (storage change cooldowns).
    #[serde(default)]
    pub read_at: Option<i64>,
    /// Apply types of parameters (`dynamic` or `static`) by parameter group family, as AWS
    /// reports them (DescribeDBParameters, DescribeEngineDefaultParameters). A parameter not
    /// found here is taken as static: its change waits for a reboot.
    #[serde(default)]
    pub parameter_apply_types: BTreeMap<String, BTreeMap<String, String>>,
    /// Engine-default parameter values by family: a parameter the files set to its default is
    /// not reported by AWS as set by the user, and is no difference.
    #[serde(default)]
    pub parameter_defaults: BTreeMap<String, BTreeMap<String, String>>,
    /// Existing parameter and option groups the files name (not groups of the environment)
    /// that AWS does not have.
    #[serde(default)]
    pub missing_groups: Vec<(Kind, String)>,
    /// Existing resources the files name by id (infrastructure rdsplan does not own), as AWS
    /// has them; an id missing here does not exist.
    #[serde(default)]
    pub external: External,
    /// For each VPC of this environment: what it holds that the environment does not own
    /// (security groups, subnets, network interfaces, databases), which would make AWS refuse
    /// to delete it. By VPC id, each item described for a message.
    #[serde(default)]
    pub vpc_contents: BTreeMap<String, Vec<String>>,
    /// Whether the read saw the region's every RDS instance and cluster and what the
    /// environment's VPCs hold, so that `unmanaged` and `vpc_contents` are complete (else it
    /// found the environment's databases by tag, see `kinds::db::scope`, and read the VPCs' contents
    /// only if two copies of a VPC had to be told apart).
    #[serde(default)]
    pub whole_region: bool,
    /// `[[moved]]` entries and what became of them when live state was read.
    #[serde(default)]
    pub moves: Vec<MoveRecord>,
    /// New address → old address of every live resource a `[[moved]]` entry re-addressed
    /// (derived resources included).
    #[serde(default)]
    pub moved: BTreeMap<Address, Address>,
    /// Extra copies: live resources with the address of another one (a create that landed
    /// twice). `resources` holds the copy in use; these are the others.
    #[serde(default)]
    pub duplicates: Vec<DuplicateCopy>,
    /// What AWS offers per `engine|class` the files name (DescribeOrderableDBInstanceOptions).
    #[serde(default)]
    pub orderable: BTreeMap<String, Offer>,
    /// The versions AWS offers per engine the files pin a new version of
    /// (DescribeDBEngineVersions); `None` where they could not be read.
    #[serde(default)]
    pub engine_versions: BTreeMap<String, Option<Vec<String>>>,
}

/// What AWS offers for one engine and instance class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Offer {
    /// Offered; whether any offer is Multi-AZ capable.
    Yes { multi_az: bool },
    /// The engine has offers in the region, none on this class.
    No,
    /// AWS (or the endpoint) lists nothing for the engine: no information.
    Unknown,
}

/// An extra live copy of a resource of this environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCopy {
    pub extra: Resource,
    /// The id of the copy kept (the one in use).
    pub kept_id: String,
    /// Nothing depends on it or sits in it: apply may delete it (with `--allow-destroy`).
    pub empty: bool,
}

/// Existing resources named by id in the files, as read at plan time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct External {
    /// VPC id → its CIDR.
    pub vpcs: BTreeMap<String, String>,
    /// Subnet id → (VPC id, AZ).
    pub subnets: BTreeMap<String, (String, String)>,
    /// Security group id → (VPC id, group name).
    pub security_groups: BTreeMap<String, (String, String)>,
    /// DB subnet group name → (VPC id, subnet ids).
    pub db_subnet_groups: BTreeMap<String, (String, Vec<String>)>,
    /// IAM role ARNs that exist.
    pub roles: Vec<String>,
}

/// What became of one `[[moved]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveRecord {
    pub from: Address,
    pub to: Address,
    pub outcome: MoveOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoveOutcome {
    /// The resource at `from` (and what derives from it) now stands at `to`.
    Moved,
    /// Nothing in AWS has the address `from` (already moved, or never created).
    NothingAtFrom,
    /// AWS has resources at both addresses: rdsplan cannot tell which is meant.
    BothExist,
}

impl Live {
    pub fn find(&self, address: &Address) -> Option<&Resource> {
        self.resources.iter().find(|r| &r.address == address)
    }
}

/// Whether a KMS key is given as an alias (`alias/NAME` or an alias ARN), which compares as the
/// key ARN it resolves to.
pub fn is_kms_alias(key: &str) -> bool {
    key.starts_with("alias/") || key.contains(":alias/")
}
