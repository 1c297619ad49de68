//! Operator experience: logs, quiet runs, completions, exit codes, interrupts, closed pipes,
//! targeted plans.

use super::proxy::Proxy;
use super::support::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

const ONE_DB: &str = r#"
[instance.orders]
engine = "postgres"
engine_version = "16"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
skip_final_snapshot = true

[instance.reports]
engine = "postgres"
engine_version = "16"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "other"
skip_final_snapshot = true

[vpc.other]
cidr = "10.1.0.0/16"
azs = 2
"#;

fn env() -> Env {
    Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", ONE_DB),
    ])
}

#[test]
fn usage_errors_exit_1_not_2() {
    let env = env();
    for args in [
        &["plan"][..],
        &["plan", "--env", "t", "--format", "jsn"][..],
        &["drift", "--bogus"][..],
        &["apply", "--env", "t", "--parallelism", "0"][..],
    ] {
        let r = rdsplan(None, &env.dir(), args);
        assert_eq!(r.code, 1, "{args:?}:\n{}", r.all());
    }
    let help = rdsplan(None, &env.dir(), &["plan", "--help"]);
    assert_eq!(help.code, 0);
    assert_shows(&help.stdout, "Examples:");
    assert_shows(&help.stdout, "The environment: the name of its folder");
}

#[test]
fn completions_print_for_each_shell() {
    let env = env();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = rdsplan(None, &env.dir(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.all());
        assert!(
            r.stdout.contains("rdsplan") && r.stdout.contains("drift"),
            "{shell}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn quiet_prints_nothing_on_success() {
    let env = env();
    let r = rdsplan(None, &env.dir(), &["validate", "-q"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.all(), "");
}

#[test]
fn verbose_logs_aws_calls_on_stderr_and_json_stays_parseable() {
    let moto = Moto::start();
    let env = env();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--format", "json", "-v"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str::<serde_json::Value>(&r.stdout).expect("stdout is the plan's JSON alone");
    assert_shows(&r.stderr, "AWS call");
    assert_shows(&r.stderr, "operation=\"DescribeDBInstances\"");
    assert_shows(&r.stderr, "ms=");
    let quiet = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--format", "json"],
    );
    assert!(!quiet.stderr.contains("AWS call"), "{}", quiet.stderr);
}

/// Every log, at the most verbose level, of an apply that generates a password: the
/// password never appears (moto's scan checks every run's output when the test ends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_of_an_apply_with_generated_credentials_leak_no_password() {
    let moto = Moto::start();
    let env = env();
    let r = rdsplan_via(
        &moto,
        &moto.url,
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
        &[("RUST_LOG", "trace")],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.len() > 10_000, "trace logs were written");
    let sdk = moto.sdk().await;
    let v = sdk
        .secrets
        .get_secret_value()
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    let secret: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    let password = secret["password"].as_str().unwrap();
    assert!(!r.all().contains(password), "the password is in the logs");
}

#[test]
fn a_target_plans_only_it_and_what_it_needs() {
    let moto = Moto::start();
    let env = env();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--target", "instance.orders"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let out = r.all();
    assert_shows(&out, "partial plan (--target instance.orders)");
    assert_shows(&out, "instance.orders");
    assert_shows(&out, "vpc.main");
    assert_shows(&out, "security_group.db");
    assert!(!out.contains("instance.reports"), "{out}");
    assert!(!out.contains("vpc.other"), "{out}");
    // Applied: only those exist; the rest is still to do.
    let a = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "apply",
            "--env",
            "t",
            "--auto-approve",
            "--target",
            "instance.orders",
        ],
    );
    assert_eq!(a.code, 0, "{}", a.all());
    let whole = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&whole.stdout, "+ instance.reports");
    assert!(
        !whole.stdout.contains("+ instance.orders"),
        "{}",
        whole.stdout
    );
    let bad = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--target", "instance.nope"],
    );
    assert_eq!(bad.code, 1);
    assert_shows(&bad.stderr, "--target instance.nope: not a resource");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = env();
    let mut child = rdsplan_cmd(None, &env.dir(), &["schema"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // A full disk: one line saying so.
    for args in [&["schema"][..], &["completions", "bash"][..]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = rdsplan_cmd(None, &env.dir(), args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_shows(&stderr, "error: cannot write the output");
    }
}

/// Ctrl-C while instances are being created: no new step starts, the run says so, releases
/// the lock and exits 1; the next apply finishes the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_releases_its_lock() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.creation_delay(Duration::from_secs(30));
    let env = env();
    let mut cmd = rdsplan_cmd(None, &env.dir(), &["apply", "--env", "t", "--auto-approve"]);
    cmd.env("AWS_ENDPOINT_URL", &proxy.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.created_at().is_empty() {
        assert!(Instant::now() < deadline, "no instance was created");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_shows(&all, "interrupted");
    let sdk = moto.sdk().await;
    assert!(
        lock_released(&sdk, "t").await,
        "the lock is still held:\n{all}"
    );
    moto.record(false, all);
}

#[test]
fn messages_say_what_is_expected() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "network.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = \"three\"\n",
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "a number of AZs (like 3) or a list of AZ names");
    assert!(!r.stderr.contains("untagged enum"), "{}", r.stderr);

    let env = self::env();
    let r = rdsplan(None, &env.dir(), &["creds", "--env", "t", "instance.nope"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        "`instance.nope` is not a database in the files of `t`",
    );
    assert_shows(&r.stderr, "instance.orders, instance.reports");
}

#[test]
fn validate_reports_every_problem_of_a_file_once_and_in_order() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "db.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = 3\nbogus = 1\n\n[instance.a]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = \"twenty\"\nvpc = \"main\"\ncolour = \"red\"\n\n[instance.b]\nengine = \"postgres\"\ninstance_class = 5\nvpc = \"main\"\n",
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let err = &r.stderr;
    let at = |needle: &str| {
        assert_eq!(err.matches(needle).count(), 1, "{needle:?} once in:\n{err}");
        err.find(needle).unwrap()
    };
    let lines = [
        at("db.toml:4:1: unknown field `bogus`"),
        at("db.toml:9:21: invalid type: string \"twenty\", expected a whole number"),
        at("db.toml:11:1: unknown field `colour`"),
        // instance.b lacks a required field and has one of the wrong type: both at once.
        at("db.toml:13:1: missing field `allocated_storage`"),
        at("db.toml:15:18: invalid type: integer `5`, expected a string"),
    ];
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "not in order:\n{err}"
    );
    assert_shows(err, "5 problems found.");
    assert!(!err.contains("i64"), "{err}");
}
