//! Exact under faults: applies of the staging example through a proxy that throttles, fails
//! and drops calls (before they reach moto, or after moto acted and the answer was lost). Every
//! trial must converge within two runs with no duplicate, no orphan and no lock left.

use super::proxy::{Fault, Proxy, Rates, When};
use super::support::*;
use std::time::Instant;

/// The staging example as environment `t`, with public subnets (an internet gateway and a
/// route table) so that every kind of create is made.
fn staging() -> Env {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments/staging");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    Env::new(&[
        ("environment.toml", &read("environment.toml")),
        (
            "network.toml",
            &read("network.toml").replace("[vpc.main]\n", "[vpc.main]\npublic = true\n"),
        ),
        ("databases.toml", &read("databases.toml")),
    ])
}

/// `apply` through the proxy, as CI would run it; moto is consistent at once, so there is no
/// need to keep looking for seconds after a lost answer.
fn apply_through(moto: &Moto, proxy: &Proxy, env: &Env) -> Run {
    rdsplan_via(
        moto,
        &proxy.url,
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
        &[("RDSPLAN_SETTLE_MS", "200")],
    )
}

/// Straight to moto: no duplicate (plan --detailed-exitcode says 1 for one), nothing to
/// change or delete (no orphan), and no lock left.
async fn assert_exact(moto: &Moto, env: &Env, what: &str) {
    let r = rdsplan(
        Some(moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(
        r.code,
        0,
        "{what}: not converged, or duplicates:\n{}",
        r.all()
    );
    assert!(
        lock_released(&moto.sdk().await, "t").await,
        "{what}: the lock was left behind"
    );
}

/// Runs `trial(i)` for i in 0..n, `at_once` at a time (each has its own moto and proxy; the
/// time goes to the SDK's backoff, not to the CPU), and returns their reports in order.
pub(super) fn trials(
    n: usize,
    at_once: usize,
    trial: impl Fn(usize) -> String + Sync,
) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out = std::sync::Mutex::new(vec![String::new(); n]);
    std::thread::scope(|s| {
        for _ in 0..at_once.min(n) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let report = trial(i);
                out.lock().unwrap()[i] = report;
            });
        }
    });
    out.into_inner().unwrap()
}

/// One apply through the proxy, and a second one if the first did not converge; then the
/// exactness checks straight against moto. Returns the number of runs it took.
fn converge(moto: &Moto, proxy: &Proxy, env: &Env, what: &str) -> usize {
    let first = apply_through(moto, proxy, env);
    let runs = if first.code == 0 {
        1
    } else {
        let again = apply_through(moto, proxy, env);
        assert_eq!(
            again.code,
            0,
            "{what}: no convergence in 2 runs:\n{}\n---\n{}",
            first.all(),
            again.all()
        );
        if std::env::var_os("RDSPLAN_FAULT_VERBOSE").is_some() {
            let all = first.all();
            let failed: Vec<&str> = all
                .lines()
                .filter(|l| l.contains("FAILED") || l.starts_with("error"))
                .collect();
            println!("{what}, first run:\n{}", failed.join("\n"));
        }
        2
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(assert_exact(moto, env, what));
    runs
}

/// Every create call rdsplan makes, each answered with a lost response after AWS acted (the
/// connection drops): each lands exactly once and the apply converges.
#[test]
fn a_lost_answer_to_any_create_call_lands_it_exactly_once() {
    const CREATES: &[&str] = &[
        "CreateVpc",
        "CreateSubnet",
        "CreateInternetGateway",
        "CreateRouteTable",
        "CreateSecurityGroup",
        "CreateRole",
        "CreateSecret",
        "CreateDBSubnetGroup",
        "CreateDBParameterGroup",
        "CreateOptionGroup",
        "CreateDBInstance",
        "CreateDBInstanceReadReplica",
        "CreateDBCluster",
    ];
    let reports = trials(CREATES.len(), 4, |i| {
        let action = CREATES[i];
        let moto = Moto::start();
        let proxy = Proxy::start(&moto.url);
        let env = staging();
        proxy.script(action, &[(Fault::Drop, When::After)]);
        let what = format!("{action} answered with a dropped connection after acting");
        let runs = converge(&moto, &proxy, &env, &what);
        assert!(proxy.calls(action) > 0, "{what}: never called");
        format!("{action}: {runs} run(s)")
    });
    println!("{}", reports.join("\n"));
}

/// Seeded random faults (20% throttling, 5% 5xx, 2% dropped connections, half before and half
/// after the call reaches moto) over RDSPLAN_FAULT_TRIALS trials (10 by default), four at a
/// time; prints the campaign's figures (`scripts/fault-campaign.sh` runs 20).
#[test]
fn a_seeded_fault_campaign_over_the_staging_example_converges_exactly() {
    let n: usize = std::env::var("RDSPLAN_FAULT_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let started = Instant::now();
    let reports = trials(n, 4, |i| {
        let seed = i as u64 + 1;
        let moto = Moto::start();
        let proxy = Proxy::start(&moto.url);
        proxy.random(Rates {
            seed: seed * 7919,
            throttle: 0.20,
            server_error: 0.05,
            drop: 0.02,
        });
        let env = staging();
        let t = Instant::now();
        let runs = converge(&moto, &proxy, &env, &format!("seed {seed}"));
        let injected: usize = proxy.injected().values().sum();
        format!(
            "{runs} {} {injected} trial {seed}: {} call(s), {} fault(s) injected {:?}, {runs} run(s), {:.1}s",
            proxy.total_calls(),
            proxy.total_calls(),
            injected,
            proxy.injected(),
            t.elapsed().as_secs_f64()
        )
    });
    let mut second_runs = 0;
    let (mut calls, mut injected) = (0, 0);
    for r in &reports {
        let mut f = r.splitn(4, ' ');
        let runs: usize = f.next().unwrap().parse().unwrap();
        calls += f.next().unwrap().parse::<usize>().unwrap();
        injected += f.next().unwrap().parse::<usize>().unwrap();
        second_runs += usize::from(runs == 2);
        println!("{}", f.next().unwrap());
    }
    println!(
        "fault campaign: {n} trial(s), {calls} call(s), {injected} fault(s) injected, {second_runs} needed a second run; 0 duplicates, 0 orphans, 0 locks left; {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
