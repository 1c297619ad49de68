//! Exact through a kill: the long operations (restore, renames, blue/green, upgrades, rotate)
//! are run through the test proxy, which ends the rdsplan process (SIGKILL) right after AWS
//! acted on one of its mutating calls; the next runs must converge within two with no
//! duplicate, nothing recreated and a password that works.
//!
//! A reference run of the operation lists its mutating calls; CI kills after the calls that
//! matter for the operation (`pick`), `scripts/kill-campaign.sh` (RDSPLAN_KILL_ALL=1) after
//! every one of them. Each operation also runs under seeded random faults
//! (RDSPLAN_LONG_FAULT_TRIALS, 1 in CI).

use super::proxy::Proxy;
use super::support::*;

/// The databases before the operation: (identifier, DbiResourceId or DbClusterResourceId).
pub type Before = Vec<(String, String)>;

/// One operation to interrupt.
pub struct Scenario<'a> {
    pub name: &'a str,
    /// A fresh moto and environment, set up up to the operation (straight to moto).
    pub prepare: &'a (dyn Fn() -> (Moto, Env) + Sync),
    /// The command that carries the operation out (after `--dir`).
    pub args: &'a [&'a str],
    /// The mutating calls to kill after in CI (all of them with RDSPLAN_KILL_ALL).
    pub pick: &'a (dyn Fn(&str) -> bool + Sync),
    /// What must hold once the operation converged (beyond no changes and no lock), given the
    /// databases (identifier, resource id) there were before the operation.
    pub check: &'a (dyn Fn(&Moto, &Proxy, &Before, &str) + Sync),
}

fn command(env: &Env, args: &[&str]) -> std::process::Command {
    let mut c = rdsplan_cmd(None, &env.dir(), args);
    c.env("RDSPLAN_SETTLE_MS", "200");
    c
}

fn run(moto: &Moto, proxy: &Proxy, env: &Env, args: &[&str]) -> Run {
    let out = proxy.run(command(env, args));
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    moto.record(false, run.all());
    run
}

/// The calls that make or end a database or a deployment, counted: across a killed run and the
/// runs that finish its work they must be what one uninterrupted run makes (moto gives every
/// instance the same DbiResourceId, so ids cannot tell a recreated database).
fn lifecycle(proxy: &Proxy) -> std::collections::BTreeMap<String, usize> {
    proxy
        .calls_by_action()
        .into_iter()
        .filter(|(a, _)| {
            a.starts_with("RestoreDB")
                || a.starts_with("CreateDB")
                || a.starts_with("DeleteDB")
                || a.contains("BlueGreen") && !a.starts_with("Describe")
        })
        .filter(|(a, _)| !a.contains("ParameterGroup") && !a.contains("SubnetGroup"))
        .collect()
}

/// Runs the scenario's kill trials and returns their reports.
pub fn campaign(s: &Scenario) -> Vec<String> {
    let (moto, env) = (s.prepare)();
    let proxy = Proxy::start(&moto.url);
    let r = run(&moto, &proxy, &env, s.args);
    assert_eq!(
        r.code,
        0,
        "{}: the reference run failed:\n{}",
        s.name,
        r.all()
    );
    let reference = lifecycle(&proxy);
    let all = std::env::var_os("RDSPLAN_KILL_ALL").is_some();
    let points: Vec<(String, usize)> = proxy
        .mutating_sequence()
        .into_iter()
        .filter(|(a, _)| all || (s.pick)(a))
        .collect();
    assert!(!points.is_empty(), "{}: nothing to kill after", s.name);
    drop((moto, env, proxy));
    let seeded: usize = std::env::var("RDSPLAN_LONG_FAULT_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut reports = super::faults::trials(seeded, 3, |i| fault_trial(s, i as u64 + 1));
    reports.extend(super::faults::trials(points.len(), 3, |i| {
        let (action, nth) = &points[i];
        let what = format!("{}: killed after {action} #{nth}", s.name);
        let (moto, env) = (s.prepare)();
        let before = block(async { databases(&moto.sdk().await).await });
        let proxy = Proxy::start(&moto.url);
        proxy.kill_after(action, *nth);
        let first = run(&moto, &proxy, &env, s.args);
        assert!(
            proxy.killed(),
            "{what}: the kill never came:\n{}",
            first.all()
        );
        let runs = until_converged(&moto, &proxy, &env, s, &what);
        (s.check)(&moto, &proxy, &before, &what);
        assert_eq!(
            lifecycle(&proxy),
            reference,
            "{what}: databases were created or deleted other than the uninterrupted run does"
        );
        format!("{what}: converged in {} run(s)", runs.len())
    }));
    reports
}

/// Runs the operation up to twice until it succeeds: a failed run never says Converged, the
/// last one succeeds, and a plan straight to moto then has nothing to do (no duplicate, no
/// orphan). Returns the runs.
fn until_converged(moto: &Moto, proxy: &Proxy, env: &Env, s: &Scenario, what: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    while runs.len() < 2 && runs.last().is_none_or(|r| r.code != 0) {
        let r = run(moto, proxy, env, s.args);
        assert!(
            r.code == 0 || !r.stdout.contains("Converged"),
            "{what}: a failed run said Converged:\n{}",
            r.all()
        );
        runs.push(r);
    }
    assert_eq!(
        runs.last().map(|r| r.code),
        Some(0),
        "{what}: no convergence in two runs:\n{}",
        runs.iter()
            .map(Run::all)
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    let plan = rdsplan(
        Some(moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(
        plan.code,
        0,
        "{what}: not exact afterwards:\n{}",
        plan.all()
    );
    runs
}

/// The operation under seeded faults (20% throttling, 5% 5xx, 2% dropped answers, half of
/// them after AWS acted): it converges within two runs, exactly, and the scenario's check
/// holds.
fn fault_trial(s: &Scenario, seed: u64) -> String {
    let what = format!("{}: faults seeded {seed}", s.name);
    let (moto, env) = (s.prepare)();
    let before = block(async { databases(&moto.sdk().await).await });
    let proxy = Proxy::start(&moto.url);
    proxy.random(super::proxy::Rates {
        seed: seed * 7919 + s.name.len() as u64,
        throttle: 0.20,
        server_error: 0.05,
        drop: 0.02,
    });
    let runs = until_converged(&moto, &proxy, &env, s, &what);
    (s.check)(&moto, &proxy, &before, &what);
    let injected: usize = proxy.injected().values().sum();
    format!(
        "{what}: {injected} fault(s) injected, converged in {} run(s)",
        runs.len()
    )
}

/// A fresh moto with `before` applied as the environment's databases, and `after` written in
/// their place: the operation the next apply makes.
pub fn applied_then(before: &str, after: &str) -> (Moto, Env) {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", before),
    ]);
    apply_ok(&moto, &env, &[]);
    env.write("databases.toml", after);
    (moto, env)
}

/// Blocks on a future from a test thread (the trials run on plain threads).
pub fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The password in a generated secret (AWSCURRENT).
pub async fn secret_password(sdk: &Sdk, name: &str) -> String {
    let v = sdk
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    doc["password"].as_str().unwrap().to_string()
}

/// The secret's password is the one AWS was last given for `ident`.
pub fn assert_password_works(moto: &Moto, proxy: &Proxy, secret: &str, ident: &str, what: &str) {
    let want = block(async { secret_password(&moto.sdk().await, secret).await });
    assert_eq!(
        proxy.password(ident).as_deref(),
        Some(want.as_str()),
        "{what}: the password in {secret} is not the one {ident} was given"
    );
}

/// Restores from snapshots and a point in time (two instances and an Aurora cluster, generated
/// passwords), killed after each of their calls: the resumed run sends each follow-up (the
/// password, the window), so every secret's password is the one its database has, and no
/// restore-pending marker is left.
#[test]
fn a_restore_killed_at_any_point_resumes_with_a_password_that_works() {
    let prepare = || {
        let moto = Moto::start();
        let env = Env::new(&[
            ("environment.toml", ENV_TOML),
            ("network.toml", NETWORK_TOML),
            ("databases.toml", super::restore::SOURCES),
        ]);
        apply_ok(&moto, &env, &[]);
        block(async {
            let rds = moto.sdk().await.rds;
            rds.create_db_snapshot()
                .db_instance_identifier("t-orders")
                .db_snapshot_identifier("orders-snap")
                .send()
                .await
                .unwrap();
            rds.create_db_cluster_snapshot()
                .db_cluster_identifier("t-c")
                .db_cluster_snapshot_identifier("c-snap")
                .send()
                .await
                .unwrap();
        });
        env.write("restored.toml", super::restore::RESTORED);
        (moto, env)
    };
    let reports = campaign(&Scenario {
        name: "restore",
        prepare: &prepare,
        args: &["apply", "--env", "t", "--auto-approve"],
        pick: &|a| a.starts_with("Restore") || a.starts_with("ModifyDB"),
        check: &|moto, proxy, _, what| {
            for (secret, ident) in [
                ("rdsplan/t/copy", "t-copy"),
                ("rdsplan/t/pitr", "t-pitr"),
                ("rdsplan/t/c2", "t-c2"),
            ] {
                assert_password_works(moto, proxy, secret, ident, what);
            }
            block(async {
                let sdk = moto.sdk().await;
                let copy = sdk.instance("t-copy").await;
                assert_eq!(
                    copy.preferred_maintenance_window(),
                    Some("mon:05:00-mon:06:00"),
                    "{what}"
                );
                let c2 = sdk
                    .rds
                    .describe_db_clusters()
                    .db_cluster_identifier("t-c2")
                    .send()
                    .await
                    .unwrap();
                let marked = |tags: &[aws_sdk_rds::types::Tag]| {
                    tags.iter()
                        .any(|t| t.key() == Some("rdsplan:restore-pending"))
                };
                for ident in ["t-copy", "t-pitr"] {
                    assert!(
                        !marked(sdk.instance(ident).await.tag_list()),
                        "{what}: {ident} kept its restore-pending marker"
                    );
                }
                assert!(
                    !marked(c2.db_clusters()[0].tag_list()),
                    "{what}: the cluster kept its restore-pending marker"
                );
            })
        },
    });
    println!("{}", reports.join("\n"));
}

/// Every DB instance and cluster in the region: identifier and resource id.
async fn databases(sdk: &Sdk) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let i = sdk.rds.describe_db_instances().send().await.unwrap();
    for x in i.db_instances() {
        out.push((
            x.db_instance_identifier().unwrap().into(),
            x.dbi_resource_id().unwrap_or_default().into(),
        ));
    }
    let c = sdk.rds.describe_db_clusters().send().await.unwrap();
    for x in c.db_clusters() {
        out.push((
            x.db_cluster_identifier().unwrap().into(),
            x.db_cluster_resource_id().unwrap_or_default().into(),
        ));
    }
    out.sort();
    out
}

/// The same databases as before, under the same identifiers.
fn assert_same_databases(moto: &Moto, before: &Before, what: &str) {
    assert_renamed(moto, before, "", "", what)
}

/// The same databases (identifier and resource id) under the new identifiers. On AWS the ids
/// would show a recreation; moto gives every instance one DbiResourceId, so the campaign's
/// counts of create and delete calls are what proves nothing was recreated.
fn assert_renamed(moto: &Moto, before: &Before, from: &str, to: &str, what: &str) {
    let now = block(async { databases(&moto.sdk().await).await });
    let mut want: Vec<(String, String)> = before
        .iter()
        .map(|(i, r)| (i.replacen(from, to, 1), r.clone()))
        .collect();
    want.sort();
    assert_eq!(now, want, "{what}: recreated, duplicated or not renamed");
}

/// `[[moved]]` of an instance (with its secret) and of an Aurora cluster with two members,
/// killed after each rename and retag: the re-run resumes the move, renames what is left and
/// recreates nothing (the writer included), without --allow-destroy.
#[test]
fn a_moved_instance_or_cluster_killed_at_any_point_is_renamed_and_nothing_recreated() {
    let cluster = super::moved::CLUSTER;
    let moved = |from: &str, to: &str| format!("\n[[moved]]\nfrom = \"{from}\"\nto = \"{to}\"\n");
    let instance = instance_toml("db.t3.micro");
    let variants = [
        (
            "[[moved]] instance",
            instance.clone(),
            instance.replace("[instance.orders]", "[instance.primary]")
                + &moved("instance.orders", "instance.primary"),
            "t-orders",
            "t-primary",
        ),
        (
            "[[moved]] cluster",
            cluster.to_string(),
            cluster.replace("cluster.analytics", "cluster.reporting")
                + &moved("cluster.analytics", "cluster.reporting"),
            "t-analytics",
            "t-reporting",
        ),
    ];
    let pick = |a: &str| {
        matches!(
            a,
            "ModifyDBInstance" | "ModifyDBCluster" | "AddTagsToResource" | "TagResource"
        )
    };
    let mut reports = Vec::new();
    for (name, before, after, from, to) in &variants {
        reports.extend(campaign(&Scenario {
            name,
            prepare: &|| applied_then(before, after),
            args: &["apply", "--env", "t", "--auto-approve"],
            pick: &pick,
            check: &|moto, _, was, what| assert_renamed(moto, was, from, to, what),
        }));
    }
    println!("{}", reports.join("\n"));
}

/// A blue/green upgrade killed after each of its calls (create, switchover, delete of the
/// deployment, the retags): the next runs finish it, no deployment is left, the new instance
/// has the address and the new version, and the old one is kept as `.old1`, not a duplicate.
#[test]
fn a_blue_green_upgrade_killed_at_any_point_is_finished() {
    let db = super::blue_green::DB;
    let prepare = || {
        applied_then(
            db,
            &db.replace("engine_version = \"15\"", "engine_version = \"16\""),
        )
    };
    let reports = campaign(&Scenario {
        name: "blue/green",
        prepare: &prepare,
        args: &["apply", "--env", "t", "--auto-approve"],
        pick: &|a| a.contains("BlueGreen") || a == "AddTagsToResource",
        check: &|moto, _, _, what| {
            block(async {
                let sdk = moto.sdk().await;
                let left = sdk
                    .rds
                    .describe_blue_green_deployments()
                    .send()
                    .await
                    .unwrap();
                assert!(
                    left.blue_green_deployments().is_empty(),
                    "{what}: a deployment was left"
                );
                let new = sdk.instance("t-orders").await;
                assert!(
                    new.engine_version().is_some_and(|v| v.starts_with("16")),
                    "{what}"
                );
                let addr = |i: &aws_sdk_rds::types::DbInstance| {
                    i.tag_list()
                        .iter()
                        .find(|t| t.key() == Some("rdsplan:address"))
                        .and_then(|t| t.value())
                        .map(str::to_string)
                };
                assert_eq!(addr(&new).as_deref(), Some("instance.orders"), "{what}");
                let old = sdk.instance("t-orders-old1").await;
                assert_eq!(
                    addr(&old).as_deref(),
                    Some("instance.orders.old1"),
                    "{what}"
                );
            })
        },
    });
    println!("{}", reports.join("\n"));
}

/// A MySQL major upgrade of a source and its replica with a parameter group family switch,
/// killed after each call that makes it: both end on the new version with the new group, the
/// old group goes once nothing uses it, nothing is recreated.
#[test]
fn a_major_upgrade_with_a_replica_killed_at_any_point_converges() {
    let db = super::aws_rules::UPGRADE;
    let prepare = || {
        applied_then(
            db,
            &db.replace("engine_version = \"8.0\"", "engine_version = \"8.4\"")
                .replace("family = \"mysql8.0\"", "family = \"mysql8.4\""),
        )
    };
    let reports = campaign(&Scenario {
        name: "major upgrade with a replica",
        prepare: &prepare,
        args: &["apply", "--env", "t", "--auto-approve"],
        pick: &|a| {
            matches!(
                a,
                "CreateDBParameterGroup" | "ModifyDBInstance" | "DeleteDBParameterGroup"
            )
        },
        check: &|moto, _, before, what| {
            assert_same_databases(moto, before, what);
            block(async {
                let sdk = moto.sdk().await;
                for ident in ["t-orders", "t-orders-ro"] {
                    let i = sdk.instance(ident).await;
                    assert!(
                        i.engine_version().is_some_and(|v| v.starts_with("8.4")),
                        "{what}: {ident}"
                    );
                }
            })
        },
    });
    println!("{}", reports.join("\n"));
}

/// `rotate` killed after each of its calls: the re-run resumes or starts again, and the secret
/// ends with the password the database has, with no AWSPENDING left.
#[test]
fn a_rotation_killed_at_any_point_leaves_a_password_that_works() {
    let prepare = || {
        let moto = Moto::start();
        let env = Env::standard("db.t3.micro");
        apply_ok(&moto, &env, &[]);
        (moto, env)
    };
    let reports = campaign(&Scenario {
        name: "rotate",
        prepare: &prepare,
        args: &["rotate", "--env", "t", "instance.orders"],
        pick: &|a| {
            matches!(
                a,
                "PutSecretValue" | "ModifyDBInstance" | "UpdateSecretVersionStage"
            )
        },
        check: &|moto, proxy, _, what| {
            assert_password_works(moto, proxy, "rdsplan/t/orders", "t-orders", what);
        },
    });
    println!("{}", reports.join("\n"));
}

const MEMBERS: &str = r#"
[instance.orders]
engine = "postgres"
engine_version = "16"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]

[cluster.analytics]
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"
[[cluster.analytics.instance]]
name = "b"
instance_class = "db.r6g.large"
"#;

/// A reader removed from a cluster, the writer's class changed, and an instance deleted with
/// its final snapshot, killed after each of those calls: one final snapshot, the writer and
/// cluster kept (the writer on its new class), the secret gone only with its database.
#[test]
fn member_and_instance_deletes_killed_at_any_point_converge() {
    let kept = &MEMBERS[MEMBERS.find("[cluster.analytics]").unwrap()..];
    let kept = &kept[..kept.rfind("[[cluster.analytics.instance]]").unwrap()];
    // The writer's class changes too: a member change in the same run.
    let after = kept.replace("db.r6g.large", "db.r6g.xlarge");
    let prepare = || applied_then(MEMBERS, &after);
    let reports = campaign(&Scenario {
        name: "member and instance deletes",
        prepare: &prepare,
        args: &["apply", "--env", "t", "--auto-approve", "--allow-destroy"],
        pick: &|a| matches!(a, "DeleteDBInstance" | "DeleteSecret" | "ModifyDBInstance"),
        check: &|moto, _, _, what| {
            block(async {
                let sdk = moto.sdk().await;
                let snaps = sdk
                    .rds
                    .describe_db_snapshots()
                    .db_instance_identifier("t-orders")
                    .snapshot_type("manual")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(snaps.db_snapshots().len(), 1, "{what}: final snapshots");
                let now = databases(&sdk).await;
                let idents: Vec<&str> = now.iter().map(|(i, _)| i.as_str()).collect();
                assert_eq!(idents, ["t-analytics", "t-analytics-a"], "{what}");
                let a = sdk.instance("t-analytics-a").await;
                assert_eq!(a.db_instance_class(), Some("db.r6g.xlarge"), "{what}");
            })
        },
    });
    println!("{}", reports.join("\n"));
}
