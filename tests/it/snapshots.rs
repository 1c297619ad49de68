//! `rdsplan snapshot`: a manual snapshot taken now, of an instance and of an Aurora cluster, in
//! moto; the same name again finds it; the files' plan stays clean (a snapshot is no resource of
//! the environment).

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_taken_now_tagged_and_taken_once_per_name() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    env.write("cluster.toml", AURORA_TOML);
    apply_ok(&moto, &env, &[]);
    let snap = |args: &[&str]| {
        let mut all = vec!["snapshot", "--env", "t"];
        all.extend_from_slice(args);
        rdsplan(Some(&moto), &env.dir(), &all)
    };

    let r = snap(&["instance.orders", "--name", "before-migration"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(
        &r.stdout,
        "snapshot before-migration of instance.orders is available",
    );
    let sdk = moto.sdk().await;
    let out = sdk
        .rds
        .describe_db_snapshots()
        .db_snapshot_identifier("before-migration")
        .send()
        .await
        .unwrap();
    let s = &out.db_snapshots()[0];
    assert_eq!(s.db_instance_identifier(), Some("t-orders"));
    let tags: Vec<(&str, &str)> = s
        .tag_list()
        .iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
        .collect();
    assert!(tags.contains(&("rdsplan:environment", "t")), "{tags:?}");
    assert!(
        tags.contains(&("rdsplan:snapshot-of", "instance.orders")),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("team", "test")),
        "the environment's tags: {tags:?}"
    );
    assert!(
        !tags.iter().any(|(k, _)| *k == "rdsplan:address"),
        "no resource of the environment: {tags:?}"
    );

    // The same name again: found, not a second snapshot (a run after a crash).
    let r = snap(&["instance.orders", "--name", "before-migration"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let all = sdk.rds.describe_db_snapshots().send().await.unwrap();
    let named = all
        .db_snapshots()
        .iter()
        .filter(|s| s.db_snapshot_identifier() == Some("before-migration"))
        .count();
    assert_eq!(named, 1);

    // Cluster snapshots have names of their own; the default name is the identifier and time.
    let r = snap(&["cluster.analytics", "--name", "before-migration"]);
    assert_eq!(
        r.code,
        0,
        "a cluster snapshot has names of its own: {}",
        r.all()
    );
    let r = snap(&["cluster.analytics"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "snapshot t-analytics-");
    let clusters = sdk
        .rds
        .describe_db_cluster_snapshots()
        .snapshot_type("manual")
        .send()
        .await
        .unwrap();
    let manual: Vec<_> = clusters
        .db_cluster_snapshots()
        .iter()
        .filter(|s| s.snapshot_type() == Some("manual"))
        .collect();
    assert_eq!(manual.len(), 2, "{clusters:?}");
    assert!(manual
        .iter()
        .all(|s| s.db_cluster_identifier() == Some("t-analytics")));

    // Mistakes: a bad name, an address that is no database.
    let r = snap(&["instance.orders", "--name", "1-bad"]);
    assert_eq!(r.code, 1);
    assert_shows(&r.stderr, "must begin with a letter");
    let r = snap(&["instance.nope"]);
    assert_eq!(r.code, 1);
    assert_shows(
        &r.stderr,
        "the environment's databases in AWS are: cluster.analytics",
    );

    // Snapshots are not resources of the environment: nothing to plan.
    assert_no_changes(&moto, &env);
}
