//! Drift over many environments of one region: the region-wide lists are read once and shared,
//! each environment's own reads start at once (not after the region's instance pages), and the
//! calls in flight per service stay under the cap. Assertions are about calls, never time.

use super::proxy::Proxy;
use super::support::*;
use std::collections::BTreeMap;
use std::time::Duration;

const ENVS: usize = 10;

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

/// A --dir of `ENVS` environments `e0`..`e9`, each applied in moto.
fn applied_environments(moto: &Moto) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for i in 0..ENVS {
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
    let moto = Moto::start();
    let root = applied_environments(&moto);
    let proxy = Proxy::start(&moto.url);
    proxy.latency(Duration::from_millis(20));
    proxy.reset_calls();
    let r = rdsplan_via(&moto, &proxy.url, root.path(), &["drift"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let calls = proxy.calls_by_action();
    let total: usize = calls.values().sum();
    println!("drift over {ENVS} environments: {total} calls: {calls:?}");
    println!("in flight: {:?}", proxy.most_in_flight());
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
        once.values().all(|n| *n == 1),
        "each region-wide list once: {once:?}"
    );
    assert!(
        total <= 11 * ENVS,
        "{total} calls for {ENVS} environments: {calls:?}"
    );
}
