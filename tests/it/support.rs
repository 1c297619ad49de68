//! Test support: a moto server per test, rdsplan runs, and SDK clients for out-of-band changes.

use std::io::{BufRead, BufReader, Lines};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A moto server on 127.0.0.1 and a free port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
    /// Everything rdsplan printed against this server, and whether --show-password was given;
    /// scanned for generated passwords when the server stops.
    outputs: Mutex<Vec<(bool, String)>>,
}

fn moto_binary() -> PathBuf {
    if let Ok(p) = std::env::var("RDSPLAN_MOTO") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server")
}

impl Moto {
    pub fn start() -> Moto {
        let bin = moto_binary();
        assert!(
            bin.exists(),
            "moto is not installed at {}: run scripts/install-moto.sh (or scripts/test.sh, which does it)",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // moto loads AWS managed IAM policies only when asked (real AWS always has them).
        let child = Command::new(&bin)
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not answer on port {port} within 30s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            outputs: Mutex::new(Vec::new()),
        }
    }

    pub async fn sdk(&self) -> Sdk {
        sdk_for(&self.url).await
    }
}

/// The SDK configuration of a test's clients: us-west-2 at `url`, dummy credentials.
pub async fn conf_for(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-west-2"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

pub async fn sdk_for(url: &str) -> Sdk {
    {
        let conf = conf_for(url).await;
        Sdk {
            ec2: aws_sdk_ec2::Client::new(&conf),
            rds: aws_sdk_rds::Client::new(&conf),
            secrets: aws_sdk_secretsmanager::Client::new(&conf),
            iam: aws_sdk_iam::Client::new(&conf),
        }
    }
}

impl Moto {
    pub fn record(&self, show_password: bool, text: String) {
        self.outputs.lock().unwrap().push((show_password, text));
    }
}

/// Every password held in any version of any secret of a moto server: rdsplan's generated
/// ones, rotated ones, and RDS-managed ones.
async fn all_passwords(url: &str) -> Vec<String> {
    {
        let sdk = sdk_for(url).await;
        let mut out = Vec::new();
        let Ok(list) = sdk
            .secrets
            .list_secrets()
            .include_planned_deletion(true)
            .send()
            .await
        else {
            return out;
        };
        for s in list.secret_list() {
            let id = s.arn().unwrap_or_default();
            let Ok(versions) = sdk
                .secrets
                .list_secret_version_ids()
                .secret_id(id)
                .send()
                .await
            else {
                continue;
            };
            for v in versions.versions() {
                let got = sdk
                    .secrets
                    .get_secret_value()
                    .secret_id(id)
                    .set_version_id(v.version_id().map(str::to_string))
                    .send()
                    .await;
                if let Ok(got) = got {
                    let json: serde_json::Value =
                        serde_json::from_str(got.secret_string().unwrap_or_default())
                            .unwrap_or_default();
                    if let Some(p) = json["password"].as_str() {
                        out.push(p.to_string());
                    }
                }
            }
        }
        out
    }
}

impl Moto {
    /// Fails when any password appears in output printed without --show-password.
    pub fn scan_for_passwords(&self) {
        let outputs = std::mem::take(&mut *self.outputs.lock().unwrap());
        if outputs.is_empty() {
            return;
        }
        let url = self.url.clone();
        // Drop runs inside the test's runtime; ask moto from a thread with its own.
        let passwords = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(all_passwords(&url))
            })
            .join()
            .unwrap()
        });
        for (shown, text) in outputs {
            if shown {
                continue;
            }
            for p in &passwords {
                assert!(
                    !text.contains(p.as_str()),
                    "a password was printed without --show-password:\n{text}"
                );
            }
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if !panicking {
            self.scan_for_passwords();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Sdk {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub iam: aws_sdk_iam::Client,
}

impl Sdk {
    /// The DB instance with this identifier, as moto describes it; panics if there is none.
    pub async fn instance(&self, ident: &str) -> aws_sdk_rds::types::DbInstance {
        let out = self
            .rds
            .describe_db_instances()
            .db_instance_identifier(ident)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe {ident}: {e}"));
        out.db_instances()[0].clone()
    }
}

/// An environment folder `t` in a temporary directory.
pub struct Env {
    pub root: tempfile::TempDir,
}

pub const ENV_TOML: &str = r#"
[environment]
region = "us-west-2"
tags = { team = "test" }
"#;

/// An Aurora cluster `analytics` of one member, in VPC `main`.
pub const AURORA_TOML: &str = r#"
[cluster.analytics]
engine = "aurora-postgresql"
vpc = "main"
master_username = "postgres"
skip_final_snapshot = true

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"
"#;

pub const NETWORK_TOML: &str = r#"
[vpc.main]
cidr = "10.0.0.0/16"
azs = 3

[security_group.db]
vpc = "main"
description = "database access"

[[security_group.db.ingress]]
protocol = "tcp"
port = 3306
cidr = "10.0.0.0/16"
"#;

pub fn instance_toml(class: &str) -> String {
    format!(
        r#"
[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "{class}"
allocated_storage = 20
multi_az = true
vpc = "main"
security_groups = ["db"]
db_name = "orders"
"#
    )
}

impl Env {
    pub fn new(files: &[(&str, &str)]) -> Env {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("t")).unwrap();
        let e = Env { root };
        for (name, text) in files {
            e.write(name, text);
        }
        e
    }
    pub fn standard(class: &str) -> Env {
        Env::new(&[
            ("environment.toml", ENV_TOML),
            ("network.toml", NETWORK_TOML),
            ("databases.toml", &instance_toml(class)),
        ])
    }
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.root.path().join("t").join(name), text).unwrap();
    }
    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.root.path().join("t").join(name)).unwrap();
    }
    pub fn dir(&self) -> PathBuf {
        self.root.path().to_path_buf()
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn rdsplan_cmd(moto: Option<&Moto>, dir: &Path, args: &[&str]) -> Command {
    // Benchmarks time the release build (`RDSPLAN_BIN`, set by their scripts).
    let bin = std::env::var("RDSPLAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rdsplan").into());
    let mut c = Command::new(bin);
    c.arg("--dir").arg(dir).args(args);
    c.env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        // moto answers at once: poll waits every 20 ms instead of every 5 s.
        .env("RDSPLAN_POLL_MS", "20")
        .stdin(Stdio::null());
    match moto {
        Some(m) => c.env("AWS_ENDPOINT_URL", &m.url),
        // No AWS at all: an address nothing listens on.
        None => c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    };
    c
}

pub fn rdsplan(moto: Option<&Moto>, dir: &Path, args: &[&str]) -> Run {
    let out: Output = rdsplan_cmd(moto, dir, args).output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    if let Some(m) = moto {
        m.record(args.contains(&"--show-password"), run.all());
    }
    run
}

/// `rdsplan` on a terminal (a pseudo-terminal from util-linux's `script`, which every Debian
/// has), typing `input` at its prompts; stdout and stderr come together, as on a screen.
pub fn rdsplan_on_terminal(moto: Option<&Moto>, dir: &Path, args: &[&str], input: &str) -> Run {
    rdsplan_on_terminal_with(moto, dir, args, input, &[])
}

/// [`rdsplan_on_terminal`] with extra environment variables (`AWS_ENDPOINT_URL` of a test
/// proxy, say); an empty value removes the variable.
pub fn rdsplan_on_terminal_with(
    moto: Option<&Moto>,
    dir: &Path,
    args: &[&str],
    input: &str,
    vars: &[(&str, &str)],
) -> Run {
    let mut inner = rdsplan_cmd(moto, dir, args);
    for (k, v) in vars {
        if v.is_empty() {
            inner.env_remove(k);
        } else {
            inner.env(k, v);
        }
    }
    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
    let line: Vec<String> = std::iter::once(quote(inner.get_program()))
        .chain(inner.get_args().map(quote))
        .collect();
    let mut c = Command::new("script");
    c.args(["-qefc", &line.join(" "), "/dev/null"]);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux's `script` gives the test a terminal: apt-get install bsdutils");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    if let Some(m) = moto {
        m.record(args.contains(&"--show-password"), run.all());
    }
    run
}

/// `rdsplan` with AWS reached through `url` (a test proxy in front of `moto`) and extra
/// environment variables; its output joins moto's password scan like any other run's.
pub fn rdsplan_via(
    moto: &Moto,
    url: &str,
    dir: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> Run {
    let mut c = rdsplan_cmd(None, dir, args);
    c.env("AWS_ENDPOINT_URL", url);
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    moto.record(false, run.all());
    run
}

/// `rdsplan` through the test proxy in front of `moto`, as any run (see [`rdsplan_via`]).
pub fn through(moto: &Moto, proxy: &super::proxy::Proxy, env: &Env, args: &[&str]) -> Run {
    rdsplan_via(moto, &proxy.url, &env.dir(), args, &[])
}

/// An EC2 filter on one of rdsplan's tags (`rdsplan:environment`, `rdsplan:address`).
pub fn ec2_tag(key: &str, value: impl Into<String>) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// The VPCs tagged for environment `env`.
pub async fn env_vpcs(sdk: &Sdk, env: &str) -> Vec<aws_sdk_ec2::types::Vpc> {
    sdk.ec2
        .describe_vpcs()
        .filters(ec2_tag("rdsplan:environment", env))
        .send()
        .await
        .unwrap()
        .vpcs()
        .to_vec()
}

/// Whether the environment's apply lock is gone (released).
pub async fn lock_released(sdk: &Sdk, env: &str) -> bool {
    sdk.secrets
        .describe_secret()
        .secret_id(format!("rdsplan/lock/{env}"))
        .send()
        .await
        .is_err()
}

/// Runs apply and asserts that it converged.
pub fn apply_ok(moto: &Moto, env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["apply", "--env", "t", "--auto-approve"];
    args.extend_from_slice(extra);
    let r = rdsplan(Some(moto), &env.dir(), &args);
    assert_eq!(r.code, 0, "apply failed:\n{}", r.all());
    assert_shows(&r.stdout, "Converged");
    r
}

/// Asserts that `plan --detailed-exitcode` reports no changes.
pub fn assert_no_changes(moto: &Moto, env: &Env) {
    let r = rdsplan(
        Some(moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(r.code, 0, "expected no changes:\n{}", r.all());
    assert_shows(&r.stdout, "No changes.");
}

/// Starts `apply --auto-approve --parallelism 1` and reads its output up to and including the
/// first line for which `until` holds; returns the running process, the lines read, and the
/// rest of its output.
pub fn apply_until(
    moto: &Moto,
    env: &Env,
    until: impl Fn(&str) -> bool,
) -> (Child, Vec<String>, Lines<BufReader<ChildStdout>>) {
    let mut child = rdsplan_cmd(
        Some(moto),
        &env.dir(),
        &[
            "apply",
            "--env",
            "t",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = until(&line);
        seen.push(line);
        if done {
            break;
        }
    }
    (child, seen, lines)
}

/// Asserts that rdsplan's output contains `needle`, showing the output when it does not.
#[track_caller]
pub fn assert_shows(out: &str, needle: &str) {
    assert!(out.contains(needle), "expected {needle:?} in:\n{out}");
}

/// A number from the environment (a benchmark script's setting), else `d`.
pub fn env_or(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}
