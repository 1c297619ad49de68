//! Drift over many environments of one region: the region-wide lists are read once and shared,
//! each environment's own reads start at once (not after the region's instance pages), and the
//! calls in flight per service stay under the cap. Assertions are about calls, never time.

use super::proxy::Proxy;
use super::support::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// Environments in the suite; `scripts/bench-drift.sh` sets more.
fn envs() -> usize {
    env_or("RDSPLAN_BENCH_DRIFT_E", 10) as usize
}

fn env_files(i: usize) -> Vec<(String, String)> {
    vec![
        (
            "environment.toml".into(),
            "[environment]\nregion = \"us-west-2\"\ntags = { team = \"test\" }\n".into(),
        ),
        (
            "network.toml".into(),
            format!("[vpc.main]\ncidr = \"10.{i}.0.0/16\"\nazs = 2\n\n[security_group.db]\nvpc = \"main\"\ndescription = \"database access\"\n"),
        ),
        (
            "databases.toml".into(),
            "[parameter_group.pg]\nfamily = \"postgres16\"\nparameters = { work_mem = \"8192\" }\n\n[instance.orders]\nengine = \"postgres\"\nengine_version = \"16.4\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\nsecurity_groups = [\"db\"]\nparameter_group = \"pg\"\nskip_final_snapshot = true\n".into(),
        ),
    ]
}

/// A --dir of `n` environments `e0`, `e1`, ..., each applied in moto.
fn applied_environments(moto: &Moto, n: usize) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for i in 0..n {
        let dir = root.path().join(format!("e{i}"));
        std::fs::create_dir(&dir).unwrap();
        for (name, text) in env_files(i) {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let r = rdsplan(
            Some(moto),
            root.path(),
            &["apply", "--env", &format!("e{i}"), "--auto-approve"],
        );
        assert_eq!(r.code, 0, "{}", r.all());
    }
    root
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_over_many_environments_shares_the_region_and_caps_calls_in_flight() {
    let n = envs();
    let latency = env_or("RDSPLAN_BENCH_LATENCY_MS", 20);
    let moto = Moto::start();
    let root = applied_environments(&moto, n);
    let proxy = Proxy::start(&moto.url);
    proxy.latency(Duration::from_millis(latency));
    proxy.reset_calls();
    let started = std::time::Instant::now();
    let r = rdsplan_via(&moto, &proxy.url, root.path(), &["drift"], &[]);
    let took = started.elapsed();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.matches("In sync").count(), n, "{}", r.all());
    let calls = proxy.calls_by_action();
    let total: usize = calls.values().sum();
    let in_flight = proxy.most_in_flight();
    println!(
        "drift over {n} environments, {latency} ms per call: {:.2}s, {total} calls ({:.1} per environment), most in flight {in_flight:?}: {calls:?}",
        took.as_secs_f64(),
        total as f64 / n as f64
    );
    // The environments' own reads start beside the region's pages, not after the last one.
    let timeline = proxy.timeline();
    let first = |action: &str| timeline.iter().filter(|c| c.1 == action).map(|c| c.0).min();
    let region_read_ends = timeline
        .iter()
        .filter(|c| c.1 == "DescribeDBInstances")
        .map(|c| c.0 + c.2)
        .max()
        .expect("the region's instances");
    assert!(
        first("GetResources").expect("tagged reads") < region_read_ends,
        "the environments' reads waited for the region's instance pages: {timeline:?}"
    );
    for (service, most) in &in_flight {
        assert!(
            *most <= rdsplan::aws::cap::cap(service),
            "{most} {service} calls in flight at once: {in_flight:?}"
        );
    }
    let once: BTreeMap<&str, usize> = [
        "DescribeAvailabilityZones",
        "DescribeDBParameterGroups",
        "DescribeDBClusterParameterGroups",
        "DescribeOptionGroups",
        "DescribeDBSubnetGroups",
        "DescribeDBClusters",
    ]
    .into_iter()
    .map(|a| (a, calls.get(a).copied().unwrap_or(0)))
    .collect();
    assert!(
        once.values().all(|c| *c == 1),
        "each region-wide list once: {once:?}"
    );
    // Each environment's own: its tagged RDS resources, its group's parameters, its secrets'
    // values, and what its VPC holds (security groups, subnets, network interfaces); moto's
    // tagging API lists no parameter or DB subnet groups, so their tags are asked apart here
    // (two calls per environment that AWS's answers spare).
    assert!(
        total <= 11 * n,
        "{total} calls for {n} environments: {calls:?}"
    );
}
