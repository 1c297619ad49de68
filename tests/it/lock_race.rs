//! Two applies started at once after a crash: both find the dead process's lock stale, and
//! exactly one of them takes it over (a compare-and-swap on the lock's version), every time.

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_racing_for_a_stale_lock_one_takes_it_over_20_of_20() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "network.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = 2\n",
        ),
    ]);
    let sdk = moto.sdk().await;
    // A process of this machine that has ended: its pid names no running process.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let stale = format!(
        r#"{{"holder":"crashed","host":"{}","pid":{dead_pid},"since":"2026-11-22T03:00:00Z","command":"apply"}}"#,
        rdsplan::aws::lock::host()
    );
    for round in 0..20 {
        sdk.secrets
            .create_secret()
            .name("rdsplan/lock/t")
            .secret_string(&stale)
            .send()
            .await
            .unwrap();
        let start = || {
            rdsplan_cmd(
                Some(&moto),
                &env.dir(),
                &["apply", "--env", "t", "--auto-approve"],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        };
        let (a, b) = (start(), start());
        let runs: Vec<Run> = [a, b]
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                let run = Run {
                    code: out.status.code().unwrap_or(-1),
                    stdout: String::from_utf8_lossy(&out.stdout).into(),
                    stderr: String::from_utf8_lossy(&out.stderr).into(),
                };
                moto.record(false, run.all());
                run
            })
            .collect();
        let took_over = runs
            .iter()
            .filter(|r| r.stderr.contains("took over the apply lock"))
            .count();
        assert_eq!(
            took_over,
            1,
            "round {round}: {} took over:\n{}\n---\n{}",
            took_over,
            runs[0].all(),
            runs[1].all()
        );
        for r in &runs {
            // The other one either found the lock held by the winner, or came after it had
            // finished and applied nothing.
            let ok = r.code == 0 || (r.code == 1 && r.stderr.contains("is locked by"));
            assert!(ok, "round {round}:\n{}", r.all());
        }
        // The winner released it.
        assert!(
            lock_released(&sdk, "t").await,
            "round {round}: the lock was left behind"
        );
    }
    let vpcs = sdk.ec2.describe_vpcs().send().await.unwrap();
    let ours = vpcs
        .vpcs()
        .iter()
        .filter(|v| v.tags().iter().any(|t| t.key() == Some("rdsplan:address")))
        .count();
    assert_eq!(ours, 1, "one VPC, created once");
}
