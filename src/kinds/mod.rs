//! One home per kind of resource: how it is read from AWS, created, modified, deleted and
//! retagged. The engine around the kinds (the read orchestrator in `src/read/`, the executor in
//! `src/apply/`) reaches them through the registry below: every behaviour that differs by kind
//! is one exhaustive `match` on [`Kind`] here, with no fallback arm, so a new kind that misses
//! a behaviour does not compile. What a kind *is* (its attributes, what forces replacement,
//! how values compare, its facts) is the model's schema (`model::attrs`), which the pure planner
//! reads; its desired resources are expanded from the files by `config::expand`.

pub mod adopt;
pub mod db;
pub mod db_subnet_group;
pub mod found;
pub mod group_names;
pub mod iam_role;
pub mod network;
pub mod network_external;
pub mod network_read;
pub mod network_steps;
pub mod option_group;
pub mod parameter_group;
pub mod retag;
pub mod rotation;
pub mod secret;
pub mod secret_steps;
pub mod step;
pub mod wanted;

#[cfg(test)]
mod tests_params;
#[cfg(test)]
mod tests_registry;
#[cfg(test)]
mod tests_table;

use crate::aws::{AwsError, Clients};
use crate::model::attrs::Carrier;
use crate::model::{Address, Kind, Resource};
use crate::plan::Change;
pub use step::IdKey;
use step::{tags_of, StepContext, Upsert};

/// The AWS service a kind's calls go to: apply draws each step's mutating calls from the
/// service's token bucket, and tags go through the service's own tagging call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ec2 = 0,
    Rds = 1,
    Iam = 2,
    SecretsManager = 3,
}

pub fn service(kind: Kind) -> Service {
    match kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => Service::Ec2,
        Kind::DbSubnetGroup
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => Service::Rds,
        Kind::IamRole => Service::Iam,
        Kind::Secret => Service::SecretsManager,
    }
}

pub fn id_key(kind: Kind) -> IdKey {
    match kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup
        | Kind::IamRole => IdKey::AwsId,
        Kind::DbSubnetGroup
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup
        | Kind::Secret
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => IdKey::Name,
    }
}

/// Which reader turns a kind's AWS objects into live resources. The read orchestrator
/// (`src/read.rs`) runs each reader once per read, all concurrently: one paginated describe
/// per AWS kind, never one call per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reader {
    /// `network_read`: VPCs and security groups by tag, then what the VPCs hold. The databases'
    /// reader needs its result (which databases are in our VPCs).
    Network,
    /// `db::read`: the region's (or the tagged) instances, clusters and DB subnet groups, and
    /// the generated secrets beside them, which tell of databases a tag read missed.
    Databases,
    /// A reader that needs nothing of the others: [`read_alone`].
    Alone(Alone),
}

/// The readers that need nothing of the others' results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Alone {
    OptionGroups,
    ParameterGroups,
    IamRoles,
}

impl Alone {
    /// Every one, in the order their results are added (look-alikes are listed in it).
    pub const ALL: [Alone; 3] = [Alone::OptionGroups, Alone::ParameterGroups, Alone::IamRoles];
}

pub fn reader(kind: Kind) -> Reader {
    match kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => Reader::Network,
        Kind::DbSubnetGroup
        | Kind::Secret
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => Reader::Databases,
        Kind::IamRole => Reader::Alone(Alone::IamRoles),
        Kind::ParameterGroup | Kind::ClusterParameterGroup => Reader::Alone(Alone::ParameterGroups),
        Kind::OptionGroup => Reader::Alone(Alone::OptionGroups),
    }
}

/// Which list of names the reader is also given a wanted resource by, so that a resource the
/// eventually consistent tag lists miss is described by name instead of looking gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedBy {
    InstanceIdentifier,
    ClusterIdentifier,
    SecretName,
    /// Its reader lists by tag, path or name prefix, which is consistent: nothing to add.
    Nothing,
}

pub fn asked_by(kind: Kind) -> AskedBy {
    match kind {
        Kind::Instance | Kind::Replica | Kind::ClusterInstance => AskedBy::InstanceIdentifier,
        Kind::Cluster => AskedBy::ClusterIdentifier,
        Kind::Secret => AskedBy::SecretName,
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup
        | Kind::DbSubnetGroup
        | Kind::IamRole
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup => AskedBy::Nothing,
    }
}

/// Runs one reader that needs nothing of the others.
pub async fn read_alone(
    which: Alone,
    c: &Clients,
    w: &wanted::Wanted<'_>,
) -> Result<found::Found, AwsError> {
    let groups = group_names::GroupRead {
        env: w.env,
        identifiers: &w.group_identifiers,
        tagged: &w.tagged,
        shared: w.rds.shared(),
    };
    match which {
        Alone::OptionGroups => option_group::found(c, &groups).await,
        Alone::ParameterGroups => parameter_group::found(c, &groups, &w.parameter_families).await,
        Alone::IamRoles => iam_role::found(c, w.env, w.rds.shared()).await,
    }
}

/// Whether a group the files name by its AWS name (one rdsplan does not own) is missing.
pub async fn group_missing(c: &Clients, kind: Kind, name: &str) -> Result<bool, AwsError> {
    match kind {
        Kind::ParameterGroup | Kind::ClusterParameterGroup => {
            let flavor = parameter_group::Flavor::of(kind);
            parameter_group::missing(&c.rds, flavor, name).await
        }
        Kind::OptionGroup => option_group::missing(&c.rds, name).await,
        // The files name nothing else of others' by AWS name (VPCs, subnets and security
        // groups by id, which `network_external` reads; DB subnet groups with their VPC).
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup
        | Kind::DbSubnetGroup
        | Kind::IamRole
        | Kind::Secret
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => Ok(false),
    }
}

/// Whether a kind's steps carry attributes of the attribute table's `carrier`: its create call
/// (`Create`), its Modify call (`Modify`), its tagging calls, its role associations, its own
/// ensure step (`Converge`), its members' steps (`Members`); `Local` is never sent. The table
/// walk (`tests_registry`) checks every attribute of every kind against this, so an attribute
/// no step sends is a failing test, never a silent skip.
pub fn carries(kind: Kind, carrier: Carrier) -> bool {
    use Carrier::*;
    match kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup
        | Kind::DbSubnetGroup
        | Kind::IamRole
        | Kind::Secret
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup => matches!(carrier, Create | Tags | Converge | Local),
        Kind::Instance => matches!(carrier, Create | Modify(_) | Tags | Roles | Local),
        Kind::Replica | Kind::ClusterInstance => {
            matches!(carrier, Create | Modify(_) | Tags | Local)
        }
        Kind::Cluster => matches!(carrier, Create | Modify(_) | Tags | Roles | Members | Local),
    }
}

/// Creates or updates `d` (moving it first, if the plan says it moved).
pub async fn apply(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    c: &Change,
) -> Result<Option<String>, AwsError> {
    if let (Some(_), Some(b)) = (&c.moved_from, before) {
        retag(&ctx.clients, b, &d.address).await?;
    }
    let changed: Vec<String> = c
        .diffs
        .iter()
        .map(|x| x.name.clone())
        .filter(|x| x != "identifier")
        .collect();
    let retags = before.is_some() && changed.iter().any(|x| x == "tags");
    let s = Upsert {
        ctx,
        d,
        before,
        change: c,
        changed,
        tags: tags_of(d),
        old_tags: before.filter(|_| retags).map(tags_of),
        live_id: before.and_then(|b| b.id.clone()),
    };
    match d.kind {
        Kind::Vpc => network_steps::vpc(&s).await,
        Kind::Subnet => network_steps::subnet(&s).await,
        Kind::InternetGateway => network_steps::internet_gateway(&s).await,
        Kind::RouteTable => network_steps::route_table(&s).await,
        Kind::SecurityGroup => network_steps::security_group(&s).await,
        Kind::DbSubnetGroup => db_subnet_group::apply_step(&s).await,
        Kind::Secret => secret_steps::apply_step(&s).await,
        Kind::IamRole => iam_role::apply_step(&s).await,
        Kind::OptionGroup => option_group::apply_step(&s).await,
        Kind::ParameterGroup | Kind::ClusterParameterGroup => parameter_group::apply_step(&s).await,
        Kind::Instance => db::steps::instance(&s).await,
        Kind::Replica => db::steps::replica(&s).await,
        Kind::Cluster => db::steps::cluster(&s).await,
        Kind::ClusterInstance => db::steps::member(&s).await,
    }
}

/// Deletes the live resource `l` as the plan's change `c` says (a database's final snapshot).
pub async fn delete(
    ctx: &StepContext,
    l: &Resource,
    c: &Change,
) -> Result<Option<String>, AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = l.address.as_str();
    let id = l.id.clone().unwrap_or_default();
    match l.kind {
        Kind::Vpc => network::delete_vpc(ec2, addr, &id).await?,
        Kind::Subnet => network::delete_subnet(ec2, addr, &id).await?,
        Kind::InternetGateway => network_steps::delete_internet_gateway(ctx, l).await?,
        Kind::RouteTable => network::delete_route_table(ec2, addr, &id).await?,
        Kind::SecurityGroup => network::delete_security_group(ec2, addr, &id).await?,
        Kind::DbSubnetGroup => db_subnet_group::delete_step(ctx, l).await?,
        Kind::Secret => return secret_steps::delete_step(ctx, l).await,
        Kind::IamRole => iam_role::delete_role(&ctx.clients.iam, addr, &l.name).await?,
        Kind::ParameterGroup | Kind::ClusterParameterGroup => {
            parameter_group::delete(&ctx.clients.rds, l.kind, addr, &l.name).await?
        }
        Kind::OptionGroup => {
            let arn = l.id.as_deref();
            return option_group::delete(&ctx.clients.rds, addr, &l.name, arn).await;
        }
        Kind::Instance | Kind::Cluster => return db::steps::delete_database(ctx, l, c).await,
        Kind::Replica | Kind::ClusterInstance => db::steps::delete_member(ctx, l).await?,
    }
    Ok(None)
}

/// Moves a live resource to the address `to` (`[[moved]]`): its `rdsplan:address` tag is set
/// to the new address, one call, before anything else touches it, so that an interrupted apply
/// finds it at the new address on the next run. The other ownership tags stay.
pub async fn retag(c: &Clients, live: &Resource, to: &Address) -> Result<(), AwsError> {
    set_tag(c, live, to.as_str(), crate::model::TAG_ADDRESS, to.as_str()).await
}

/// Sets one tag on a live resource, with its service's call; `addr` names it in errors.
pub async fn set_tag(
    c: &Clients,
    live: &Resource,
    addr: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    let id = live
        .id
        .as_deref()
        .ok_or_else(|| AwsError::new(addr, "tag", "the live resource has no id"))?;
    match live.kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => retag::ec2(c, id, addr, key, value).await,
        Kind::DbSubnetGroup
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => retag::rds(c, id, addr, key, value).await,
        Kind::Secret => retag::secret(c, id, addr, key, value).await,
        Kind::IamRole => retag::iam_role(c, &live.name, addr, key, value).await,
    }
}
