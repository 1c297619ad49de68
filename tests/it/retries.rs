//! Calls AWS offers no idempotency for, whose answer is lost after AWS acted: the SDK's retry
//! then meets "already done" (AWSCURRENT already moved, the secret already marked for
//! deletion, the old identifier gone), and rdsplan must take it as done, not as a failure.

use super::kills::{assert_password_works, block};
use super::proxy::{Fault, Proxy, When};
use super::support::*;

const LOST: (Fault, When) = (Fault::Drop, When::After);
const PASS: (Fault, When) = (Fault::Pass, When::Before);

/// Either stage move of rotate answered by a dropped connection after it happened.
#[test]
fn rotate_survives_a_lost_answer_to_either_stage_move() {
    for script in [vec![LOST], vec![PASS, LOST]] {
        let moto = Moto::start();
        let env = Env::standard("db.t3.micro");
        apply_ok(&moto, &env, &[]);
        let proxy = Proxy::start(&moto.url);
        proxy.script("UpdateSecretVersionStage", &script);
        let r = through(
            &moto,
            &proxy,
            &env,
            &["rotate", "--env", "t", "instance.orders"],
        );
        let what = format!("script {script:?}");
        assert_eq!(r.code, 0, "{what}:\n{}", r.all());
        assert!(proxy.injected().values().sum::<usize>() == 1, "{what}");
        assert_password_works(&moto, &proxy, "rdsplan/t/orders", "t-orders", &what);
        let versions = block(async {
            moto.sdk()
                .await
                .secrets
                .list_secret_version_ids()
                .secret_id("rdsplan/t/orders")
                .send()
                .await
                .unwrap()
        });
        assert!(
            !versions
                .versions()
                .iter()
                .any(|v| v.version_stages().iter().any(|s| s == "AWSPENDING")),
            "{what}: AWSPENDING left"
        );
    }
}

/// A database removed from the files: the lost answer to its secret's DeleteSecret is retried
/// onto a secret already marked for deletion, which is done.
#[test]
fn a_lost_answer_to_delete_secret_is_done() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    env.write("databases.toml", "");
    let proxy = Proxy::start(&moto.url);
    proxy.script("DeleteSecret", &[LOST]);
    let r = through(
        &moto,
        &proxy,
        &env,
        &["apply", "--env", "t", "--auto-approve", "--allow-destroy"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "Converged");
    assert!(
        proxy.calls("DeleteSecret") >= 2,
        "the lost answer was not retried"
    );
    let d = block(async {
        moto.sdk()
            .await
            .secrets
            .describe_secret()
            .secret_id("rdsplan/t/orders")
            .send()
            .await
            .unwrap()
    });
    assert!(
        d.deleted_date().is_some(),
        "the secret is not scheduled for deletion"
    );
}

/// A `[[moved]]` rename whose ModifyDBInstance answer is lost: the retry finds the old
/// identifier gone and the new one carrying this address, which is done.
#[test]
fn a_lost_answer_to_a_rename_is_done() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let id = block(async { moto.sdk().await.instance("t-orders").await })
        .dbi_resource_id()
        .unwrap()
        .to_string();
    env.write(
        "databases.toml",
        &format!(
            "{}\n[[moved]]\nfrom = \"instance.orders\"\nto = \"instance.orders-main\"\n",
            instance_toml("db.t3.micro").replace("[instance.orders]", "[instance.orders-main]")
        ),
    );
    let proxy = Proxy::start(&moto.url);
    proxy.script("ModifyDBInstance", &[LOST]);
    let r = through(
        &moto,
        &proxy,
        &env,
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "Converged");
    let after = block(async { moto.sdk().await.instance("t-orders-main").await });
    assert_eq!(after.dbi_resource_id(), Some(id.as_str()));
    assert_no_changes(&moto, &env);
}

/// The answer to SwitchoverBlueGreenDeployment or DeleteBlueGreenDeployment lost after it
/// acted: the retry finds the switchover under way or done, the deployment gone, which is done.
#[test]
fn a_lost_answer_to_a_blue_green_switchover_or_delete_is_done() {
    let db = super::blue_green::DB;
    for action in ["SwitchoverBlueGreenDeployment", "DeleteBlueGreenDeployment"] {
        let moto = Moto::start();
        let env = Env::new(&[
            ("environment.toml", ENV_TOML),
            ("network.toml", NETWORK_TOML),
            ("databases.toml", db),
        ]);
        apply_ok(&moto, &env, &[]);
        env.write(
            "databases.toml",
            &db.replace("engine_version = \"15\"", "engine_version = \"16\""),
        );
        let proxy = Proxy::start(&moto.url);
        proxy.script(action, &[LOST]);
        let r = through(
            &moto,
            &proxy,
            &env,
            &["apply", "--env", "t", "--auto-approve"],
        );
        assert_eq!(r.code, 0, "{action}: {}", r.all());
        assert_shows(&r.stdout, "Converged");
        assert!(proxy.calls(action) >= 2, "{action}: not retried");
        assert_no_changes(&moto, &env);
    }
}
