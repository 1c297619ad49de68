//! What the reader needs to know of the files (`Wanted`): the environment, the AWS names and
//! ids they name, and where to find its databases.

use crate::model::{Kind, Value};
use std::collections::BTreeMap;

/// Per instance identifier, the storage settings the files want (attribute, value).
pub type StorageWanted = BTreeMap<String, Vec<(String, Value)>>;

/// What the reader needs to know of the files: the environment and the AWS names they want
/// (to spot look-alikes that are not ours).
pub struct Wanted<'a> {
    pub env: &'a str,
    pub group_names: Vec<String>,
    /// The AWS names the files give parameter and option groups with `identifier` (groups
    /// adopted under their own names), which their readers look for beside the prefixed ones.
    pub group_identifiers: Vec<String>,
    /// KMS keys the files name by alias, to resolve to key ARNs.
    pub kms_aliases: Vec<String>,
    /// Parameter group families the files name, whose parameters' apply types the plan needs.
    pub parameter_families: Vec<(crate::kinds::parameter_group::Flavor, String)>,
    /// Existing groups the files name by their AWS names, to check that they exist.
    pub external_groups: Vec<(Kind, String)>,
    /// Existing VPCs, subnets, security groups, DB subnet groups and IAM roles the files name
    /// by id, to check that they exist and where.
    pub external_ids: crate::kinds::network_external::ExternalIds,
    /// KMS keys the files name by id or ARN, to check that they exist.
    pub kms_keys: Vec<String>,
    /// Engine and instance class pairs the files name, each with whether a use wants it
    /// Multi-AZ, to check that AWS offers them.
    pub classes: Vec<(String, String, bool)>,
    /// Engine and `engine_version` pairs the files pin, to check that AWS offers them.
    pub versions: Vec<(String, String)>,
    /// Whether to read what the environment's VPCs hold that it does not own (see
    /// [`Live::vpc_contents`]): three calls, which only drift and a plan that deletes a VPC
    /// need.
    pub vpc_contents: bool,
    /// Whether the files declare a VPC rdsplan makes, whose AZs come from (and are checked
    /// against) the region's available ones.
    pub makes_vpcs: bool,
    /// Where the environment's RDS instances and clusters are read from.
    pub rds: crate::kinds::db::scope::RdsScope,
    /// The names of the generated secrets the files want: looked for by name when ListSecrets
    /// (eventually consistent) does not list them.
    pub secret_names: Vec<String>,
    /// The storage settings (`allocated_storage`, `storage_type`, `iops`,
    /// `storage_throughput`) the files want per instance identifier: the instances whose live
    /// storage differs have their last storage change read (AWS allows one per six hours),
    /// unless the region's events are at hand.
    pub storage: StorageWanted,
    /// The environment's RDS resources by tag (tag:GetResources), read once for all readers.
    pub tagged: crate::aws::tags::TaggedOnce,
}
