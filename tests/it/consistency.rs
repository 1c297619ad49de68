//! AWS's tag and secret lists are eventually consistent (tag:GetResources may omit a database
//! for a while, ListSecrets a secret). The test proxy omits them; rdsplan must neither make a
//! second database nor delete the secret of a database that still runs.

use super::proxy::Proxy;
use super::support::*;

async fn instance_names(moto: &Moto) -> Vec<String> {
    let mut v: Vec<String> = moto
        .sdk()
        .await
        .rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
        .iter()
        .filter_map(|i| i.db_instance_identifier().map(str::to_string))
        .collect();
    v.sort();
    v
}

/// A new `identifier` while GetResources misses the database: its generated secret records the
/// old identifier, which is read, so the plan renames in place instead of creating another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_the_tag_list_misses_is_still_a_rename() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let proxy = Proxy::start(&moto.url);
    proxy.omit("t-orders");
    env.write(
        "databases.toml",
        &instance_toml("db.t3.micro").replace(
            "[instance.orders]",
            "[instance.orders]\nidentifier = \"orders-main\"",
        ),
    );
    let plan = through(&moto, &proxy, &env, &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(!plan.stdout.contains("will be created"), "{}", plan.stdout);
    assert_shows(
        &plan.stdout,
        "renamed in place from t-orders to orders-main",
    );
    let r = through(
        &moto,
        &proxy,
        &env,
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(instance_names(&moto).await, ["orders-main"]);
}

/// A database removed from the files while GetResources misses it: it is found through its
/// secret's record and planned for deletion with it (refused without --allow-destroy); the
/// secret is never deleted on its own while the database runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_the_tag_list_misses_never_deletes_the_secret_alone() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let proxy = Proxy::start(&moto.url);
    proxy.omit("t-orders");
    env.write("databases.toml", "");
    let plan = through(&moto, &proxy, &env, &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(&plan.stdout, "- instance.orders (t-orders");
    let r = through(
        &moto,
        &proxy,
        &env,
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "--allow-destroy");
    let secret = moto
        .sdk()
        .await
        .secrets
        .describe_secret()
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    assert!(secret.deleted_date().is_none(), "the secret was deleted");
    assert_eq!(instance_names(&moto).await, ["t-orders"]);
}

/// ListSecrets misses a generated secret: it is asked for by name, so the plan proposes no
/// creation and shows no change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_the_list_misses_is_not_planned_again() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let proxy = Proxy::start(&moto.url);
    proxy.omit("rdsplan/t/orders");
    let plan = through(
        &moto,
        &proxy,
        &env,
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(&plan.stdout, "No changes");
    assert!(proxy.calls("ListSecrets") >= 1);
}
