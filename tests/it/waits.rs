//! Apply at AWS speed: creations that take time (the proxy keeps new instances `creating`, then
//! `backing-up`), waited for by one shared poller, without holding `--parallelism` slots.

use super::proxy::Proxy;
use super::support::*;
use std::time::{Duration, Instant};

fn instances(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[instance.db{i}]\nengine = \"postgres\"\nengine_version = \"16\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\nsecurity_groups = [\"db\"]\ncredentials = \"managed\"\nskip_final_snapshot = true\n\n"
            )
        })
        .collect()
}

/// `RDSPLAN_BENCH_N` and `RDSPLAN_BENCH_DELAY_S` (24 and 4 by default) make it the apply
/// benchmark (`scripts/bench-apply.sh`); the figures are printed, the assertions are about
/// structure (overlap, describes per poll), never time.
#[test]
fn independent_creations_overlap_and_share_one_describe_per_poll() {
    let n = env_or("RDSPLAN_BENCH_N", 24) as usize;
    let delay = Duration::from_secs(env_or("RDSPLAN_BENCH_DELAY_S", 4));
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.creation_delay(delay);
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &instances(n)),
    ]);
    // moto builds each service's backend on its first call (seconds, for EC2): not AWS's
    // behaviour, so not timed.
    warm_up(&moto);
    let poll = 400;
    let started = Instant::now();
    let poll_ms = poll.to_string();
    let run = rdsplan_via(
        &moto,
        &proxy.url,
        &env.dir(),
        &[
            "apply",
            "--env",
            "t",
            "--auto-approve",
            "--parallelism",
            "8",
        ],
        &[("RDSPLAN_POLL_MS", &poll_ms)],
    );
    let took = started.elapsed();
    let all = run.all();
    assert_eq!(run.code, 0, "{all}");
    let created = proxy.created_at();
    assert_eq!(created.len(), n);
    // No waiter holds a slot: with 8 slots, the 9th creation would otherwise wait for the first
    // to finish; here every create call is made before the first creation ends, but for the
    // pacing of RDS's token bucket (200 steps at once, then 8 per second; the subnet group
    // takes one).
    let paced = Duration::from_secs_f64(n.saturating_sub(199) as f64 / 8.0);
    let spread = *created.last().unwrap() - created[0];
    assert!(
        spread < delay + paced,
        "the creates were spread over {spread:?}, at least one creation ({delay:?}): waits held slots\n{all}"
    );
    // One describe per poll serves every waiter: far fewer than a describe per waiter per poll.
    let polls = (took.as_millis() / poll as u128) as usize + 2;
    let describes = proxy.calls("DescribeDBInstances");
    assert!(
        describes <= polls + 4,
        "{describes} DescribeDBInstances for about {polls} polls of {n} waiters"
    );
    let first = created[0] - started;
    if std::env::var("RDSPLAN_BENCH_TIMELINE").is_ok() {
        for (at, action, took) in proxy.timeline() {
            if at > created[0] {
                break;
            }
            println!(
                "  {:>6.3}s {action} ({:.0} ms)",
                (at - started).as_secs_f64(),
                took.as_secs_f64() * 1000.0
            );
        }
    }
    let after = took.saturating_sub(*created.last().unwrap() + delay - started);
    println!(
        "{n} creations of {delay:?} each: apply took {:.1}s ({:.2}x one creation), {describes} DescribeDBInstances; the first create call {:.1}s after start, the run ended {:.1}s after the last creation",
        took.as_secs_f64(),
        took.as_secs_f64() / delay.as_secs_f64(),
        first.as_secs_f64(),
        after.as_secs_f64(),
    );
    assert_no_changes(&moto, &env);
}

fn warm_up(moto: &Moto) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sdk = moto.sdk().await;
        let (a, b, c, d) = tokio::join!(
            sdk.ec2.describe_availability_zones().send(),
            sdk.rds.describe_db_instances().send(),
            sdk.iam.list_roles().send(),
            sdk.secrets.list_secrets().send(),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
        d.unwrap();
    });
}

/// `drift` over several environments reads the account-wide RDS lists (which have no tag
/// filter) once, not once per environment, and the environments' VPCs once.
#[test]
fn drift_over_environments_reads_the_account_once() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let dir = root.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("environment.toml"), ENV_TOML).unwrap();
        std::fs::write(
            dir.join("network.toml"),
            format!("[vpc.main]\ncidr = \"10.{i}.0.0/16\"\nazs = 2\n"),
        )
        .unwrap();
        let r = rdsplan(
            Some(&moto),
            root.path(),
            &["apply", "--env", name, "--auto-approve"],
        );
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let proxy = Proxy::start(&moto.url);
    let run = rdsplan_via(&moto, &proxy.url, root.path(), &["drift"], &[]);
    let text = &run.stdout;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(text.matches("In sync").count(), 3, "{text}");
    for action in [
        "DescribeDBInstances",
        "DescribeDBClusters",
        "DescribeDBSubnetGroups",
        "DescribeEvents",
    ] {
        assert_eq!(proxy.calls(action), 1, "{action} for 3 environments");
    }
    assert_eq!(
        proxy.calls("DescribeVpcs"),
        1,
        "every environment's VPCs by the tag's key, once, shared by the environments' reads and \
         the search for the environments AWS holds"
    );
}

/// A change deferred to the maintenance window shows as pending and is not planned again; a
/// wait after an immediate modification does not end before AWS starts the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_changes_are_pending_and_waits_see_a_modification_begin() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.defer_modifications();
    let env = Env::standard("db.t3.micro");
    let plan = ["plan", "--env", "t", "--detailed-exitcode"];
    let apply = ["apply", "--env", "t", "--auto-approve"];
    assert_eq!(through(&moto, &proxy, &env, &apply).code, 0);

    env.write("databases.toml", &instance_toml("db.t3.small"));
    let r = through(&moto, &proxy, &env, &apply);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        proxy.pending().get("t-orders").map(String::as_str),
        Some("db.t3.small")
    );
    let p = through(&moto, &proxy, &env, &plan);
    assert_eq!(p.code, 0, "pending, not planned again:\n{}", p.all());
    assert_shows(&p.stdout, "Pending in AWS");
    assert_shows(
        &p.stdout,
        "instance_class = \"db.t3.micro\" -> \"db.t3.small\"",
    );

    // The maintenance window: AWS applies it.
    let sdk = moto.sdk().await;
    sdk.rds
        .modify_db_instance()
        .db_instance_identifier("t-orders")
        .db_instance_class("db.t3.small")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    proxy.clear_pending();
    let p = through(&moto, &proxy, &env, &plan);
    assert_eq!(p.code, 0, "{}", p.all());
    assert_shows(&p.stdout, "No changes.");

    // Immediately: AWS reports `available` for a while before `modifying`. Polled every
    // 400 ms, three quiet readings span longer than that lag, as 5 s polls do on AWS.
    proxy.modify_lag(Duration::from_millis(600), Duration::from_millis(600));
    env.write(
        "databases.toml",
        &instance_toml("db.t3.medium").replace("db_name", "apply_immediately = true\ndb_name"),
    );
    let r = rdsplan_via(
        &moto,
        &proxy.url,
        &env.dir(),
        &apply,
        &[("RDSPLAN_POLL_MS", "400")],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        proxy.served_modifying() >= 1,
        "the wait ended before the modification began:\n{}",
        r.all()
    );
    assert_eq!(
        sdk.instance("t-orders").await.db_instance_class(),
        Some("db.t3.medium")
    );
}

/// AWS refuses a delete that makes no final-snapshot choice (moto does not); rdsplan always
/// makes one, with or without `skip_final_snapshot`, so the refusal never comes.
#[test]
fn every_delete_makes_a_final_snapshot_choice() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &format!(
            "{}\n[instance.scratch]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\nskip_final_snapshot = true\n",
            instance_toml("db.t3.micro")
        )),
    ]);
    let apply = ["apply", "--env", "t", "--auto-approve", "--allow-destroy"];
    let first = through(&moto, &proxy, &env, &apply);
    assert_eq!(first.code, 0, "{}", first.all());
    env.remove("databases.toml");
    let r = through(&moto, &proxy, &env, &apply);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "instance.orders: deleted (final snapshot");
    assert_shows(&r.stdout, "instance.scratch: deleted (no final snapshot)");
    assert_eq!(proxy.refused(), 0);
    assert_no_changes(&moto, &env);
}

/// A read replica is created only once its source is available (AWS refuses a replica of an
/// instance still being created): its create call comes a whole creation after the source's.
#[test]
fn a_replica_waits_for_its_source() {
    let delay = Duration::from_secs(2);
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.creation_delay(delay);
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &format!(
                "{}backup_retention_days = 1\n\n[replica.orders-ro]\nsource = \"instance.orders\"\n",
                instance_toml("db.t3.micro")
            ),
        ),
    ]);
    let r = through(
        &moto,
        &proxy,
        &env,
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let source = proxy.created("t-orders").expect("source created");
    let replica = proxy.created("t-orders-ro").expect("replica created");
    assert!(
        replica.duration_since(source) >= delay,
        "the replica was created {:?} after its source, before the source was available",
        replica.duration_since(source)
    );
}

/// In a log (no terminal), a step still waiting for AWS says so at a steady pace, as
/// Terraform's `Still creating... [10s elapsed]` lines do (every 30 s by default; every
/// second here, `RDSPLAN_STILL_SECS`).
#[test]
fn a_log_shows_what_is_still_being_created() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.creation_delay(Duration::from_secs(5));
    let env = Env::standard("db.t3.micro");
    let r = rdsplan_via(
        &moto,
        &proxy.url,
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
        &[("RDSPLAN_STILL_SECS", "1")],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let still: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("instance.orders: still creating... ["))
        .collect();
    assert!(still.len() >= 2, "{}", r.stdout);
    assert!(still[0].ends_with("s elapsed]"), "{still:?}");
}

/// On a terminal, the live line's times tick every second while AWS works, not only when a
/// step starts or ends.
#[test]
fn a_terminal_shows_the_wait_ticking() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.creation_delay(Duration::from_secs(4));
    let env = Env::standard("db.t3.micro");
    let r = rdsplan_on_terminal_with(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t"],
        "yes\n",
        &[("AWS_ENDPOINT_URL", proxy.url.as_str()), ("CI", "")],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    for s in ["(1s)", "(2s)", "(3s)"] {
        assert!(
            r.stdout
                .contains(&format!("waiting for AWS: instance.orders {s}")),
            "{s} never shown:\n{}",
            r.stdout
        );
    }
}

/// A change AWS applies without a status change (deletion protection) is not waited for as if
/// one were coming: AWS's answer to the Modify (the instance available) is the reading, so the
/// only describe after it is apply's convergence re-read.
/// `scripts/bench-apply.sh` runs it at AWS's cadence (5 s) with a latency per call and prints
/// the apply's time.
#[test]
fn a_quiet_change_takes_awss_answer_as_its_reading() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    let env = Env::standard("db.t3.micro");
    let cadence = std::env::var("RDSPLAN_BENCH_POLL_MS").unwrap_or_else(|_| "20".into());
    let latency = env_or("RDSPLAN_BENCH_LATENCY_MS", 0);
    let apply = |env: &Env| {
        rdsplan_via(
            &moto,
            &proxy.url,
            &env.dir(),
            &["apply", "--env", "t", "--auto-approve"],
            &[("RDSPLAN_POLL_MS", cadence.as_str())],
        )
    };
    let r = apply(&env);
    assert_eq!(r.code, 0, "{}", r.all());
    env.write(
        "databases.toml",
        &format!(
            "{}deletion_protection = true\n",
            instance_toml("db.t3.micro")
        ),
    );
    proxy.reset_calls();
    proxy.latency(Duration::from_millis(latency));
    let started = std::time::Instant::now();
    let r = apply(&env);
    println!(
        "a quiet change (deletion_protection) applied in {:.2}s, polling every {cadence} ms, {latency} ms per call",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let timeline = proxy.timeline();
    let modify = timeline
        .iter()
        .find(|(_, a, _)| a == "ModifyDBInstance")
        .map(|(t, _, _)| *t)
        .expect("a modify");
    let describes_after = timeline
        .iter()
        .filter(|(t, a, _)| a == "DescribeDBInstances" && *t > modify)
        .count();
    assert!(
        describes_after <= 1,
        "{describes_after} DescribeDBInstances after the modify (only the convergence re-read)"
    );
}
