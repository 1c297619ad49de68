//! The kinds registry walked end to end: one environment with every kind of resource is
//! created (each kind's create), read back (each kind's reader), moved to new addresses and
//! back (each kind's retag, with its own service's tagging call), updated in place (each kind's
//! update), and deleted (each kind's delete). A kind the registry sends to the wrong place fails here, whatever the compiler
//! let through.

use super::support::*;
use rdsplan::model::{attrs::ALL_KINDS, Address, Kind, Live};
use std::collections::{BTreeMap, BTreeSet};

const EVERY_KIND: &str = r#"
[iam_role.mon]
assumed_by = "monitoring.rds.amazonaws.com"
description = "enhanced monitoring"

[parameter_group.pg]
family = "mysql8.0"
parameters = { max_connections = "150" }

[cluster_parameter_group.cpg]
family = "aurora-postgresql16"
parameters = { "rds.logical_replication" = "1" }

[option_group.audit]
engine = "mysql"
major_engine_version = "8.0"
description = "audit plugin"

[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
parameter_group = "pg"
option_group = "audit"
monitoring_role = "mon"
monitoring_interval = 60
skip_final_snapshot = true

[replica.orders-ro]
source = "instance.orders"
instance_class = "db.t3.micro"

[cluster.analytics]
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]
cluster_parameter_group = "cpg"
skip_final_snapshot = true

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"
"#;

async fn clients(moto: &Moto) -> rdsplan::aws::Clients {
    let conf = conf_for(&moto.url).await;
    rdsplan::aws::Clients {
        ec2: aws_sdk_ec2::Client::new(&conf),
        rds: aws_sdk_rds::Client::new(&conf),
        secrets: aws_sdk_secretsmanager::Client::new(&conf),
        iam: aws_sdk_iam::Client::new(&conf),
        sts: aws_sdk_sts::Client::new(&conf),
        kms: aws_sdk_kms::Client::new(&conf),
        tagging: aws_sdk_resourcegroupstagging::Client::new(&conf),
        cloudformation: aws_sdk_cloudformation::Client::new(&conf),
    }
}

async fn read(c: &rdsplan::aws::Clients, env: &Env) -> Live {
    let cfg = rdsplan::config::load(&env.dir().join("t")).expect("the files load");
    rdsplan::cli::context::read_live(c, &cfg)
        .await
        .unwrap_or_else(|code| panic!("the read failed (exit {code})"))
}

/// The environment's resources by address, with their kinds.
fn by_address(live: &Live) -> BTreeMap<String, Kind> {
    live.resources
        .iter()
        .map(|r| (r.address.0.clone(), r.kind))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_is_created_read_moved_updated_and_deleted_through_the_registry() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "network.toml",
            &NETWORK_TOML.replace("azs = 3", "azs = 3\npublic = true"),
        ),
        ("databases.toml", EVERY_KIND),
    ]);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);

    // Read: every kind has a reader, and reads back what its create made.
    let c = clients(&moto).await;
    let live = read(&c, &env).await;
    let before = by_address(&live);
    let kinds: BTreeSet<Kind> = before.values().copied().collect();
    let all: BTreeSet<Kind> = ALL_KINDS.iter().copied().collect();
    assert_eq!(kinds, all, "every kind is read back: {before:#?}");

    // Retag: every resource moved to a new address is read there, then moved back.
    for r in &live.resources {
        let to = Address(format!("{}-moved", r.address));
        rdsplan::kinds::retag(&c, r, &to)
            .await
            .unwrap_or_else(|e| panic!("{} ({}): {e}", r.address, r.kind));
    }
    let moved = by_address(&read(&c, &env).await);
    let expected: BTreeMap<String, Kind> = before
        .iter()
        .map(|(a, k)| (format!("{a}-moved"), *k))
        .collect();
    assert_eq!(moved, expected, "every kind is found at its new address");
    for r in &read(&c, &env).await.resources {
        let back = Address(r.address.0.trim_end_matches("-moved").to_string());
        rdsplan::kinds::retag(&c, r, &back).await.unwrap();
    }
    assert_eq!(by_address(&read(&c, &env).await), before);
    assert_no_changes(&moto, &env);

    // Modify: a new default tag is an in-place update of every resource, through each kind's
    // own step and tagging call.
    env.write(
        "environment.toml",
        &ENV_TOML.replace("team = \"test\"", "team = \"platform\""),
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let retagged = read(&c, &env).await;
    for r in &retagged.resources {
        let team = r
            .get("tags")
            .and_then(rdsplan::model::Value::as_map)
            .and_then(|t| t.get("team"));
        assert_eq!(
            team.map(String::as_str),
            Some("platform"),
            "{} ({}) is updated in place",
            r.address,
            r.kind
        );
    }
    let ids = |l: &Live| -> BTreeMap<String, Option<String>> {
        l.resources
            .iter()
            .map(|r| (r.address.0.clone(), r.id.clone()))
            .collect()
    };
    assert_eq!(ids(&retagged), ids(&live), "nothing was replaced");

    // Delete: with the declarations gone, everything goes (secrets are scheduled for
    // deletion, so none is read back either).
    env.remove("databases.toml");
    env.remove("network.toml");
    apply_ok(&moto, &env, &["--allow-destroy"]);
    let left = by_address(&read(&c, &env).await);
    assert!(left.is_empty(), "nothing is left: {left:#?}");
}
