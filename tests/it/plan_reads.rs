//! What `plan` reads of a settled environment: only what can change. The files' instance
//! classes are asked of AWS only for databases still to be made, a group name only where a
//! group is still to be made, the VPC's own resources only when the environment owns a VPC,
//! and what else the VPC holds only when it is to go.

use super::proxy::Proxy;
use super::support::*;
use std::collections::BTreeMap;

fn plan_calls(moto: &Moto, proxy: &Proxy, env: &Env) -> (Run, BTreeMap<String, usize>) {
    proxy.reset_calls();
    let r = rdsplan_via(moto, &proxy.url, &env.dir(), &["plan", "--env", "t"], &[]);
    (r, proxy.calls_by_action())
}

fn count(calls: &BTreeMap<String, usize>, action: &str) -> usize {
    calls.get(action).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settled_environment_is_read_without_questions_about_what_exists() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let proxy = Proxy::start(&moto.url);

    // Nothing exists: no VPC of ours, so nothing is read inside one, and no group name can be
    // taken in a VPC that does not exist yet; the class is asked about.
    let (r, calls) = plan_calls(&moto, &proxy, &env);
    assert_eq!(r.code, 0, "{}", r.all());
    for inside in [
        "DescribeSubnets",
        "DescribeInternetGateways",
        "DescribeRouteTables",
    ] {
        assert_eq!(count(&calls, inside), 0, "{inside}: {calls:?}");
    }
    assert_eq!(count(&calls, "DescribeSecurityGroups"), 1, "{calls:?}");
    assert!(
        count(&calls, "DescribeOrderableDBInstanceOptions") >= 1,
        "{calls:?}"
    );

    apply_ok(&moto, &env, &[]);

    // Settled: the VPC's contents are read, nothing is asked about what exists.
    let (r, calls) = plan_calls(&moto, &proxy, &env);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "No changes");
    for inside in [
        "DescribeSubnets",
        "DescribeInternetGateways",
        "DescribeRouteTables",
        "DescribeSecurityGroups",
    ] {
        assert_eq!(count(&calls, inside), 1, "{inside}: {calls:?}");
    }
    assert_eq!(
        count(&calls, "DescribeOrderableDBInstanceOptions"),
        0,
        "{calls:?}"
    );
    // What the VPC holds that is not ours is read only for a VPC that goes (or drift).
    assert_eq!(count(&calls, "DescribeNetworkInterfaces"), 0, "{calls:?}");

    // A new database on another class is asked about; a new group is looked up by name.
    env.write(
        "more.toml",
        r#"
[security_group.extra]
vpc = "main"
description = "more"

[instance.reports]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.small"
allocated_storage = 20
vpc = "main"
skip_final_snapshot = true
"#,
    );
    let (r, calls) = plan_calls(&moto, &proxy, &env);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&calls, "DescribeSecurityGroups"), 2, "{calls:?}");
    assert!(
        count(&calls, "DescribeOrderableDBInstanceOptions") >= 1,
        "{calls:?}"
    );
}

/// A group the files add whose name someone else holds in the environment's VPC is a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_name_someone_holds_in_our_vpc_is_a_conflict() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
    ]);
    apply_ok(&moto, &env, &[]);
    let vpc = env_vpcs(&sdk, "t").await[0].vpc_id().unwrap().to_string();
    sdk.ec2
        .create_security_group()
        .group_name("t-extra")
        .description("not rdsplan's")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    env.write(
        "more.toml",
        "[security_group.extra]\nvpc = \"main\"\ndescription = \"more\"\n",
    );
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "security_group.extra");
    assert_shows(
        &r.stdout,
        "already exists without this environment's rdsplan tags",
    );
}

/// Nothing waits on a read it does not need: the members of the files' cluster are read in
/// the first round beside the cluster (not after it), and the DB subnet group's tags are asked
/// as soon as what they need is back (DescribeDBSubnetGroups, and tag:GetResources, which lists
/// them on AWS; moto's does not, so here they are asked), not after the databases' reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subnet_groups_tags_do_not_wait_for_the_databases() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", AURORA_TOML),
    ]);
    apply_ok(&moto, &env, &[]);
    let proxy = Proxy::start(&moto.url);
    let latency = std::time::Duration::from_millis(300);
    proxy.latency(latency);
    proxy.reset_calls();
    let (r, _) = plan_calls(&moto, &proxy, &env);
    assert_eq!(r.code, 0, "{}", r.all());
    let timeline = proxy.timeline();
    let started = |action: &str| {
        timeline
            .iter()
            .filter(|(_, a, _)| a == action)
            .map(|(t, _, _)| *t)
            .min()
            .unwrap_or_else(|| panic!("no {action}: {timeline:?}"))
    };
    let ended = |action: &str| {
        timeline
            .iter()
            .filter(|(_, a, _)| a == action)
            .map(|(t, _, d)| *t + *d)
            .max()
            .unwrap_or_else(|| panic!("no {action}: {timeline:?}"))
    };
    let first_round_ends = ended("GetResources").min(ended("DescribeDBClusters"));
    assert!(
        timeline
            .iter()
            .filter(|(_, a, _)| a == "DescribeDBInstances")
            .all(|(t, _, _)| *t < first_round_ends),
        "an instance read waited for another read: {timeline:?}"
    );
    // What the tags need is back, then one round trip (and a margin for a busy machine).
    let needed = ended("GetResources").max(ended("DescribeDBSubnetGroups"));
    assert!(
        started("ListTagsForResource") < needed + latency + std::time::Duration::from_millis(250),
        "the subnet group's tags waited for more than they need: {timeline:?}"
    );
}
