//! Plans people can trust: saved plans, the apply lock, the account guard, the examples.

use super::support::*;
use std::process::Command;

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_applies_exactly_and_is_refused_after_an_out_of_band_change() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    env.write("databases.toml", &instance_toml("db.t3.small"));
    let file = env.dir().join("plan.json");
    let file = file.to_str().unwrap();
    let p = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--out", file],
    );
    assert_eq!(p.code, 0, "{}", p.all());
    // Someone changes the instance with the AWS API after the plan was reviewed.
    let sdk = moto.sdk().await;
    sdk.rds
        .modify_db_instance()
        .db_instance_identifier("t-orders")
        .backup_retention_period(3)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let r = rdsplan(Some(&moto), &env.dir(), &["apply", file]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "refusing to apply the saved plan");
    assert_shows(
        &r.stderr,
        "instance.orders changed in AWS: backup_retention_days: 1 -> 3",
    );
    let class = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders")
        .send()
        .await
        .unwrap();
    assert_eq!(
        class.db_instances()[0].db_instance_class(),
        Some("db.t3.micro"),
        "nothing was applied"
    );

    // A fresh plan of the same change applies exactly, without a prompt.
    let p = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--out", file],
    );
    assert_eq!(p.code, 0, "{}", p.all());
    let r = rdsplan(Some(&moto), &env.dir(), &["apply", file]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_no_changes(&moto, &env);

    // Editing the files after planning also refuses the saved plan.
    env.write("databases.toml", &instance_toml("db.t3.medium"));
    let p = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--out", file],
    );
    assert_eq!(p.code, 0);
    env.write("databases.toml", &instance_toml("db.t3.large"));
    let r = rdsplan(Some(&moto), &env.dir(), &["apply", file]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "file databases.toml changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_applies_one_runs_the_other_names_the_holder() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let (mut first, _, lines) = apply_until(&moto, &env, |l| l.starts_with("Applying to `t`"));
    let pid = first.id();
    // The first apply holds the lock; freeze it there while a second one starts.
    signal(pid, "-STOP");
    let second = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    signal(pid, "-CONT");
    assert_eq!(second.code, 1, "{}", second.all());
    assert_shows(&second.stderr, "is locked by");
    assert!(
        second.stderr.contains(&format!("(pid {pid})")),
        "the holder is named: {}",
        second.stderr
    );
    assert!(
        !second.stdout.contains("Applying to"),
        "the second apply did nothing"
    );
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = first.wait().unwrap();
    assert!(status.success(), "{rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("Converged")), "{rest:?}");
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let instances = sdk.rds.describe_db_instances().send().await.unwrap();
    assert_eq!(
        instances.db_instances().len(),
        1,
        "nothing was applied twice"
    );
    assert_eq!(env_vpcs(&sdk, "t").await.len(), 1);
    // The lock is released at the end.
    assert!(sdk
        .secrets
        .describe_secret()
        .secret_id("rdsplan/lock/t")
        .send()
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_from_another_machine_is_cleared_with_unlock() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    // An apply on a CI runner that was cancelled: its lock stays until someone clears it.
    let sdk = moto.sdk().await;
    sdk.secrets
        .create_secret()
        .name("rdsplan/lock/t")
        .secret_string(r#"{"holder":"ci@runner-7 (pid 4242)","host":"runner-7","pid":4242,"since":"2026-11-22T03:00:00Z"}"#)
        .send()
        .await
        .unwrap();
    let blocked = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(blocked.code, 1);
    assert!(
        blocked
            .stderr
            .contains("locked by ci@runner-7 (pid 4242) since 2026-11-22T03:00:00Z"),
        "{}",
        blocked.stderr
    );
    assert_shows(&blocked.stderr, "rdsplan unlock --env t");
    let u = rdsplan(Some(&moto), &env.dir(), &["unlock", "--env", "t"]);
    assert_eq!(u.code, 0, "{}", u.all());
    assert_shows(
        &u.stdout,
        "Unlocked `t` (it was locked by ci@runner-7 (pid 4242)",
    );
    apply_ok(&moto, &env, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_refuses_another_account() {
    let moto = Moto::start();
    // moto's account is 123456789012.
    let ok = Env::new(&[
        (
            "environment.toml",
            &ENV_TOML.replace(
                "[environment]",
                "[environment]\naccount_id = \"123456789012\"",
            ),
        ),
        ("network.toml", NETWORK_TOML),
    ]);
    let r = rdsplan(Some(&moto), &ok.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let wrong = Env::new(&[
        (
            "environment.toml",
            &ENV_TOML.replace(
                "[environment]",
                "[environment]\naccount_id = \"111111111111\"",
            ),
        ),
        ("network.toml", NETWORK_TOML),
    ]);
    for args in [
        vec!["plan", "--env", "t"],
        vec!["apply", "--env", "t", "--auto-approve"],
        vec!["output", "--env", "t"],
        vec!["unlock", "--env", "t"],
    ] {
        let r = rdsplan(Some(&moto), &wrong.dir(), &args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.all());
        assert!(
            r.stderr.contains("belongs to AWS account 111111111111, but these credentials are for account 123456789012"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let sdk = moto.sdk().await;
    assert!(env_vpcs(&sdk, "t").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_environment_plans_no_changes_after_apply() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    for name in ["dev", "prod", "staging"] {
        let moto = Moto::start();
        let r = rdsplan(
            Some(&moto),
            &dir,
            &["apply", "--env", name, "--auto-approve"],
        );
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        let p = rdsplan(
            Some(&moto),
            &dir,
            &["plan", "--env", name, "--detailed-exitcode"],
        );
        assert_eq!(p.code, 0, "{name}: {}", p.all());
        assert!(p.stdout.contains("No changes."), "{name}: {}", p.stdout);
    }
}

/// On a terminal, what cannot be undone is repeated right above the question, and a plan that
/// destroys data asks for the environment's name: `yes` by reflex cancels it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destructive_apply_on_a_terminal_asks_for_the_environments_name() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    // A change that loses nothing asks for `yes`.
    let r = rdsplan_on_terminal(Some(&moto), &env.dir(), &["apply", "--env", "t"], "yes\n");
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "Only 'yes' is accepted");
    assert_shows(&r.stdout, "Converged");
    env.remove("databases.toml");
    let args = ["apply", "--env", "t", "--allow-destroy"];
    let r = rdsplan_on_terminal(Some(&moto), &env.dir(), &args, "yes\n");
    assert_eq!(r.code, 1, "{}", r.all());
    // The summary sits right above the question.
    let before_question = r
        .stdout
        .split("Type the environment's name")
        .next()
        .unwrap();
    let last_lines: Vec<&str> = before_question.trim_end().lines().rev().take(3).collect();
    assert!(
        last_lines
            .iter()
            .any(|l| l.starts_with("This plan destroys: ") && l.contains("instance.orders")),
        "{}",
        r.stdout
    );
    assert_shows(&r.stdout, "Type the environment's name (`t`) to apply");
    assert_shows(&r.stdout, "Apply cancelled; nothing was changed.");
    assert!(sdk_instance_exists(&moto, "t-orders").await);
    let r = rdsplan_on_terminal(Some(&moto), &env.dir(), &args, "t\n");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!sdk_instance_exists(&moto, "t-orders").await);
}

async fn sdk_instance_exists(moto: &Moto, ident: &str) -> bool {
    moto.sdk()
        .await
        .rds
        .describe_db_instances()
        .db_instance_identifier(ident)
        .send()
        .await
        .is_ok_and(|o| !o.db_instances().is_empty())
}
