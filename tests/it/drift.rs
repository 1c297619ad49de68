//! Scheduled drift runs: out-of-band changes are found and classified; nothing is changed.

use super::support::*;

fn drift_json(moto: &Moto, env: &Env) -> (i32, serde_json::Value) {
    let r = rdsplan(
        Some(moto),
        &env.dir(),
        &["drift", "--env", "t", "--format", "json"],
    );
    assert!(r.code == 0 || r.code == 2, "{}", r.all());
    (r.code, serde_json::from_str(&r.stdout).unwrap())
}

fn find<'a>(doc: &'a serde_json::Value, class: &str, what: &str) -> Option<&'a serde_json::Value> {
    doc["environments"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["class"] == class && (i["address"] == what || i["name"] == what))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_changes_are_classified() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let (code, doc) = drift_json(&moto, &env);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["in_sync"], true);
    let text = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(text.code, 0);
    assert_shows(&text.stdout, "In sync");
    let sdk = moto.sdk().await;

    // 1. The instance class is changed in the console.
    sdk.rds
        .modify_db_instance()
        .db_instance_identifier("t-orders")
        .db_instance_class("db.t3.small")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let (code, doc) = drift_json(&moto, &env);
    assert_eq!(code, 2);
    let item = find(&doc, "changed", "instance.orders").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(item["diffs"][0]["name"], "instance_class");
    assert_eq!(item["diffs"][0]["before"], "db.t3.small");
    assert_eq!(item["diffs"][0]["after"], "db.t3.micro");

    // 2. Someone opens SSH on the database group.
    let groups = sdk
        .ec2
        .describe_security_groups()
        .filters(ec2_tag("rdsplan:address", "security_group.db"))
        .send()
        .await
        .unwrap();
    let gid = groups.security_groups()[0].group_id().unwrap().to_string();
    sdk.ec2
        .authorize_security_group_ingress()
        .group_id(&gid)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let (code, doc) = drift_json(&moto, &env);
    assert_eq!(code, 2);
    let item = find(&doc, "changed", "security_group.db").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(item["diffs"][0]["name"], "ingress");
    assert!(
        item["diffs"][0]["before"]
            .to_string()
            .contains("\"from_port\":22"),
        "{item}"
    );

    // 3. A database nobody declared appears in the managed subnet group.
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("shadow-db")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("x")
        .master_user_password("not-ours-123")
        .db_subnet_group_name("t-main")
        .send()
        .await
        .unwrap();
    let (code, doc) = drift_json(&moto, &env);
    assert_eq!(code, 2);
    let item = find(&doc, "unmanaged", "shadow-db").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(item["kind"], "instance");

    // 4. The database is deleted outside rdsplan.
    sdk.rds
        .delete_db_instance()
        .db_instance_identifier("t-orders")
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    let (code, doc) = drift_json(&moto, &env);
    assert_eq!(code, 2);
    assert!(find(&doc, "missing", "instance.orders").is_some(), "{doc}");

    // Drift changed nothing: the unmanaged database and the extra rule are still there.
    let shadow = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("shadow-db")
        .send()
        .await
        .unwrap();
    assert!(shadow.db_instances()[0].tag_list().is_empty());
    let md = rdsplan(
        Some(&moto),
        &env.dir(),
        &["drift", "--env", "t", "--format", "markdown"],
    );
    assert_eq!(md.code, 2);
    assert_shows(&md.stdout, "| unmanaged |");
}

#[test]
fn drift_help_says_it_is_read_only() {
    let r = rdsplan(None, std::path::Path::new("."), &["drift", "--help"]);
    assert_shows(
        &r.stdout,
        "Read-only: it changes nothing in AWS and needs only read permissions",
    );
}

/// Over the whole --dir, an environment AWS holds with no folder (its folder renamed) is
/// reported as orphaned, and the renamed one, never applied, as not created: exit 2.
#[test]
fn a_renamed_environment_leaves_an_orphan_and_a_not_created_one() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
    ]);
    apply_ok(&moto, &env, &[]);
    std::fs::rename(env.dir().join("t"), env.dir().join("u")).unwrap();
    let r = rdsplan(Some(&moto), &env.dir(), &["drift"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert_shows(&r.stdout, "Orphaned: environment `t` (us-west-2)");
    assert_shows(&r.stdout, "Not created: environment `u` (us-west-2)");
    assert!(!r.stdout.contains("missing"), "{}", r.stdout);
    let j = rdsplan(Some(&moto), &env.dir(), &["drift", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let envs = doc["environments"].as_array().unwrap();
    assert!(envs
        .iter()
        .any(|e| e["environment"] == "t" && e["orphaned"] == true));
    assert!(envs
        .iter()
        .any(|e| e["environment"] == "u" && e["not_created"] == true));
    // Named with --env, drift checks only that one.
    let one = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "u"]);
    assert!(!one.stdout.contains("Orphaned"), "{}", one.stdout);
}

/// Apply leaves a record of what it converged on each resource: drift tells an edit of the
/// files not applied yet from a change made in AWS, and both, and fails only on AWS's by
/// default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_tells_an_unapplied_edit_from_a_change_in_aws() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let drift = |extra: &[&str]| {
        let mut args = vec!["drift", "--env", "t"];
        args.extend_from_slice(extra);
        rdsplan(Some(&moto), &env.dir(), &args)
    };
    let cause = |r: &Run| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["environments"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["address"] == "instance.orders")
            .map(|i| i["cause"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    // Edited and merged, not applied: reported, not a failure (unless asked).
    env.write("databases.toml", &instance_toml("db.t3.small"));
    let r = drift(&[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "[not applied yet] instance.orders");
    assert_eq!(drift(&["--fail-on-unapplied"]).code, 2);
    let j = drift(&["--format", "json"]);
    assert_eq!(cause(&j), ["not_applied_yet"], "{}", j.stdout);
    assert!(
        j.stdout.contains("\"changed_in_aws\": false"),
        "{}",
        j.stdout
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &p.stdout,
        "not applied yet: the files changed since the last apply",
    );

    // Someone changes it in AWS too: both.
    let sdk = moto.sdk().await;
    sdk.rds
        .modify_db_instance()
        .db_instance_identifier("t-orders")
        .db_instance_class("db.t3.large")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let r = drift(&[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert_shows(
        &r.stdout,
        "[changed in the files and in AWS] instance.orders",
    );
    // The files back as applied: what is left is AWS's.
    env.write("databases.toml", &instance_toml("db.t3.micro"));
    let r = drift(&[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert_shows(&r.stdout, "[changed in AWS] instance.orders");
    assert_eq!(cause(&drift(&["--format", "json"])), ["changed_in_aws"]);
    // Applied again: in sync, and the record follows.
    apply_ok(&moto, &env, &[]);
    assert_eq!(drift(&[]).code, 0);
}
