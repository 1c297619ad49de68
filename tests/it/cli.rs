//! The command line without AWS: validation output, schema, errors without a panic.

use super::support::*;

#[test]
fn validate_reports_every_problem_with_its_place() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "a.toml",
            "[vpc.main]\ncidr = \"10.0.0.1/16\"\n\n[instance.db]\nengine = \"mysql\"\ninstance_class = \"t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\npassword = \"x\"\n",
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate", "--env", "t"]);
    assert_eq!(r.code, 1);
    assert_shows(
        &r.stderr,
        "a.toml:2:8: CIDR `10.0.0.1/16` has host bits set",
    );
    assert_shows(
        &r.stderr,
        "a.toml:6:18: `t3.micro` is not an instance class",
    );
    assert_shows(&r.stderr, "a.toml:9:1: `password` is not allowed");
    assert_shows(&r.stderr, "3 problems found.");
}

#[test]
fn validate_accepts_the_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let r = rdsplan(None, &dir, &["validate"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("environment `dev`") && r.stdout.contains("environment `prod`"));
}

#[test]
fn examples_start_with_the_schema_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    for env in ["dev", "prod"] {
        for f in std::fs::read_dir(dir.join(env)).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            assert!(text.starts_with("#:schema ../../schema/rdsplan.schema.json\n"));
        }
    }
}

#[test]
fn the_checked_in_schema_is_what_rdsplan_prints() {
    let r = rdsplan(None, std::path::Path::new("."), &["schema"]);
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/rdsplan.schema.json"),
    )
    .unwrap();
    assert_eq!(
        r.stdout, file,
        "schema/rdsplan.schema.json is stale: run `cargo run -- schema > schema/rdsplan.schema.json`"
    );
}

#[test]
fn unreachable_aws_is_an_error_that_names_the_operation_not_a_panic() {
    let env = Env::standard("db.t3.micro");
    let r = rdsplan(None, &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "error: reading live state of `t` in us-west-2:");
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn unknown_environment_lists_the_known_ones_and_the_closest() {
    let env = Env::standard("db.t3.micro");
    let r = rdsplan(None, &env.dir(), &["plan", "--env", "nope"]);
    assert_eq!(r.code, 1);
    assert_shows(&r.stderr, "no environment `nope`");
    assert_shows(&r.stderr, "environments found: t");
    // The repository's own environments: a misspelling gets the closest.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let r = rdsplan(None, &root, &["plan", "--env", "stagin"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        "environments found: dev, prod, staging. Did you mean `staging`?",
    );
    // A folder that is not there says where rdsplan looks and how to point it elsewhere.
    let r = rdsplan(
        None,
        &env.dir().join("environments"),
        &["plan", "--env", "t"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "does not exist");
    assert_shows(&r.stderr, "--dir (or RDSPLAN_DIR)");
    // Without --env, a folder of environments says which it holds.
    let r = rdsplan(None, &root, &["plan"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "--env is needed");
    assert_shows(&r.stderr, "dev, prod, staging");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_an_environments_folder_dir_dot_needs_no_env() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let inside = env.dir().join("t");
    let run = |args: &[&str]| {
        let out = rdsplan_cmd(Some(&moto), std::path::Path::new("."), args)
            .current_dir(&inside)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = run(&["validate"]);
    assert_eq!(code, 0, "the environment is `t`, not an empty name: {out}");
    let (code, out) = run(&["plan"]);
    assert_eq!(code, 0, "{out}");
    assert_shows(&out, "to add");
    // Naming it anyway is the same environment.
    let (code, out) = run(&["plan", "--env", "t"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&["plan", "--env", "prod"]);
    assert_eq!(code, 1, "{out}");
    assert_shows(&out, "is the environment `t` itself: leave out --env");
}

#[test]
fn the_example_ci_workflows_and_the_release_workflow_pass_actionlint() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join(".venv/bin/actionlint");
    assert!(
        bin.exists(),
        "actionlint is not installed at {}: run scripts/install-moto.sh (or scripts/test.sh)",
        bin.display()
    );
    let dir = root.join("examples/github-actions");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for name in ["plan.yml", "apply.yml", "drift.yml"] {
        assert!(files.iter().any(|f| f.ends_with(name)), "{name} is missing");
    }
    // The examples install the released binary through the action, never by compiling.
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.contains("uses: rdsplan/rdsplan@"), "{}", f.display());
        assert!(!text.contains("cargo install"), "{}", f.display());
    }
    let release = root.join(".github/workflows/release.yml");
    let out = std::process::Command::new(&bin)
        .args(&files)
        .arg(&release)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The apply workflow promotes dev → staging → prod as dependent jobs (the first failure
/// stops it), and the plan workflow plans every environment of the repository and posts an
/// error before failing.
#[test]
fn the_example_workflows_promote_in_order_and_plan_every_environment() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read =
        |f: &str| std::fs::read_to_string(root.join("examples/github-actions").join(f)).unwrap();
    let apply = read("apply.yml");
    // Each job's name, `needs` and environment, in file order.
    let mut jobs: Vec<(String, Option<String>)> = vec![];
    let mut in_jobs = false;
    for line in apply.lines() {
        if line == "jobs:" {
            in_jobs = true;
        } else if in_jobs
            && line.starts_with("  ")
            && !line.starts_with("   ")
            && line.ends_with(':')
        {
            jobs.push((line.trim().trim_end_matches(':').to_string(), None));
        } else if let Some(n) = line.strip_prefix("    needs: ") {
            jobs.last_mut().unwrap().1 = Some(n.trim().to_string());
        }
    }
    assert_eq!(
        jobs,
        [
            ("dev".to_string(), None),
            ("staging".to_string(), Some("dev".to_string())),
            ("prod".to_string(), Some("staging".to_string())),
        ],
        "{apply}"
    );
    for (env, _) in &jobs {
        assert!(
            apply.contains(&format!("rdsplan apply --env {env} --auto-approve")),
            "{env}"
        );
    }
    assert!(
        !apply.contains("fail-fast: false") && !apply.contains("matrix"),
        "{apply}"
    );
    let plan = read("plan.yml");
    let mut envs: Vec<String> = std::fs::read_dir(root.join("environments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    envs.sort();
    for e in &envs {
        assert!(
            plan.contains(e.as_str()),
            "plan.yml's matrix leaves out {e}"
        );
    }
    assert!(plan.contains("environment: [dev, staging, prod]"), "{plan}");
    assert!(
        plan.contains("could not be planned")
            && plan.contains("steps.plan.outputs.exitcode == '1'")
    );
}

/// The action (`action.yml`) takes a version, gives the binary's path, and installs with the
/// tested install script; actionlint does not read action metadata, so its steps are checked
/// here and through the install script's own tests.
#[test]
fn the_action_installs_with_the_install_script() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "  version:\n",
        "  path:\n",
        "value: ${{ steps.install.outputs.path }}",
        "$GITHUB_ACTION_PATH/scripts/install.sh",
        "uses: actions/cache@",
        "$GITHUB_PATH",
    ] {
        assert!(action.contains(needle), "action.yml lacks {needle:?}");
    }
    assert!(root.join("scripts/install.sh").exists());
}

#[test]
fn no_credentials_is_one_line_saying_how_to_give_them() {
    let env = Env::standard("db.t3.micro");
    let home = tempfile::tempdir().unwrap();
    for profile in [None, Some("nosuch")] {
        let mut c = rdsplan_cmd(None, &env.dir(), &["plan", "--env", "t"]);
        // No credentials anywhere the chain looks (instance metadata is off for every test).
        c.env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
            .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env_remove("RUST_LOG")
            .env("HOME", home.path());
        if let Some(p) = profile {
            c.env("AWS_PROFILE", p);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("error: no AWS credentials found: set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
        assert!(
            !err.contains("WARN") && !err.contains("{ "),
            "no SDK dump: {err}"
        );
        match profile {
            Some(p) => assert!(
                err.contains(&format!("profile `{p}` is not in ~/.aws/config")),
                "{err}"
            ),
            None => assert_eq!(err.lines().count(), 1, "{err}"),
        }
    }
}

/// An endpoint that answers with an HTML page (a proxy, a captive portal, a wrong
/// AWS_ENDPOINT_URL) is named with its HTTP status, not as an XML parse error.
#[test]
fn an_answer_that_is_no_error_document_is_named_as_such() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Serves the page to every connection, for as long as the test runs (bounded).
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let page = "<!DOCTYPE html><html><body>Access denied by proxy</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    let env = Env::standard("db.t3.micro");
    let out = rdsplan_cmd(None, &env.dir(), &["plan", "--env", "t"])
        .env("AWS_ENDPOINT_URL", &url)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_shows(
        &err,
        &format!("AWS endpoint {url} answered HTTP 403 with no error document"),
    );
    assert!(!err.contains("XML"), "{err}");
}
