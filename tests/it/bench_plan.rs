//! Plan at scale, through the test proxy with a round-trip latency per call. Run small in the
//! suite; `scripts/bench-plan.sh` runs them at 1,000 instances with 50 ms and prints figures.
//! The assertions are about calls (what reads scale with), never time.

use super::proxy::Proxy;
use super::support::*;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn databases(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[instance.db{i}]\nengine = \"postgres\"\nengine_version = \"16\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\nskip_final_snapshot = true\n\n"
            )
        })
        .collect()
}

/// Creates `n` instances `PREFIX-db<i>` in moto, with environment `env`'s tags if given.
async fn seed(sdk: &Sdk, prefix: &str, n: usize, env: Option<&str>) {
    futures::stream::iter(0..n)
        .map(|i| {
            let mut call = sdk
                .rds
                .create_db_instance()
                .db_instance_identifier(format!("{prefix}-db{i}"))
                .engine("postgres")
                .engine_version("16.4")
                .db_instance_class("db.t3.micro")
                .allocated_storage(20)
                .master_username("admin")
                .master_user_password("not-a-real-one-1");
            if let Some(e) = env {
                for (k, v) in [
                    ("rdsplan:environment", e.to_string()),
                    ("rdsplan:address", format!("instance.db{i}")),
                    ("managed-by", "rdsplan".to_string()),
                ] {
                    call = call.tags(aws_sdk_rds::types::Tag::builder().key(k).value(v).build());
                }
            }
            call.send()
        })
        .buffer_unordered(8)
        .for_each(|r| async move {
            r.expect("seeding an instance");
        })
        .await;
}

/// The fastest of three plans (less noise from a shared machine), and the calls of one.
fn plan(moto: &Moto, proxy: &Proxy, env: &Env) -> (Duration, BTreeMap<String, usize>) {
    let mut best = Duration::MAX;
    let mut calls = BTreeMap::new();
    let mut spent = BTreeMap::new();
    for _ in 0..3 {
        proxy.reset_calls();
        let started = Instant::now();
        let r = rdsplan_via(moto, &proxy.url, &env.dir(), &["plan", "--env", "t"], &[]);
        best = best.min(started.elapsed());
        assert_eq!(r.code, 0, "{}", r.all());
        calls = proxy.calls_by_action();
        spent = proxy.spent_by_action();
    }
    let mut slow: Vec<(String, Duration)> = spent.into_iter().collect();
    slow.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    let slow: Vec<String> = slow
        .iter()
        .take(3)
        .map(|(a, d)| format!("{a} {:.2}s", d.as_secs_f64()))
        .collect();
    println!("plan spent most in moto on: {}", slow.join(", "));
    (best, calls)
}

fn summary(calls: &BTreeMap<String, usize>) -> String {
    let total: usize = calls.values().sum();
    let each: Vec<String> = calls.iter().map(|(a, n)| format!("{a} {n}")).collect();
    format!("{total} calls ({})", each.join(", "))
}

/// Plan of an environment that is not created yet, alone in its region or in one holding
/// others' instances: the environment's reads do not grow with the others. At 101 instances
/// in a region of 500 others: no cliff past 100 (the read goes by identifier, as alone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_reads_scale_with_the_environment_not_the_account() {
    let others = env_or("RDSPLAN_BENCH_OTHERS", 500) as usize;
    let n = env_or("RDSPLAN_BENCH_ENV_N", 101) as usize;
    let latency = Duration::from_millis(env_or("RDSPLAN_BENCH_LATENCY_MS", 0));
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &databases(n)),
    ]);
    let mut runs = vec![];
    for crowd in [0, others] {
        let moto = Moto::start();
        let sdk = moto.sdk().await;
        seed(&sdk, "other", crowd, None).await;
        let proxy = Proxy::start(&moto.url);
        proxy.latency(latency);
        runs.push(plan(&moto, &proxy, &env));
    }
    let ((alone, alone_calls), (shared, shared_calls)) = (&runs[0], &runs[1]);
    println!(
        "plan of a {n}-instance environment, {latency:?} per call: alone {:.2}s, {}; with {others} other instances {:.2}s ({:.2}x), {}",
        alone.as_secs_f64(),
        summary(alone_calls),
        shared.as_secs_f64(),
        shared.as_secs_f64() / alone.as_secs_f64(),
        summary(shared_calls),
    );
    assert_eq!(
        alone_calls, shared_calls,
        "the reads of one environment must not depend on what else the region holds"
    );
    // By identifier: one filtered describe per 100 instances the files want, no page of the
    // region's.
    assert_eq!(
        shared_calls.get("DescribeDBInstances").copied(),
        Some(n.div_ceil(100)),
        "{}",
        summary(shared_calls)
    );
}

/// Plan of an environment of N instances that exist, against the floor: the region's
/// DescribeDBInstances pages issued raw, one after another, in the same run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_at_scale_against_the_sequential_describe_floor() {
    let n = env_or("RDSPLAN_BENCH_PLAN_N", 150) as usize;
    let latency = Duration::from_millis(env_or("RDSPLAN_BENCH_LATENCY_MS", 0));
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    seed(&sdk, "t", n, Some("t")).await;
    let proxy = Proxy::start(&moto.url);
    proxy.latency(latency);
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &databases(n)),
    ]);
    let (took, calls) = plan(&moto, &proxy, &env);
    let via = sdk_for(&proxy.url).await;
    let mut floor = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let listed: Vec<_> = via
            .rds
            .describe_db_instances()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .unwrap();
        floor = floor.min(started.elapsed());
        assert_eq!(listed.len(), n);
    }
    println!(
        "plan at {n} instances, {latency:?} per call: {:.2}s, {:.2}x the floor ({:.2}s for the {} DescribeDBInstances pages in sequence); {}",
        took.as_secs_f64(),
        took.as_secs_f64() / floor.as_secs_f64(),
        floor.as_secs_f64(),
        n.div_ceil(100),
        summary(&calls)
    );
    let describes = calls.get("DescribeDBInstances").copied().unwrap_or(0);
    assert!(
        describes <= n.div_ceil(100) + 1,
        "{describes} DescribeDBInstances for {n} instances: {}",
        summary(&calls)
    );
}

/// A 100-instance environment (each with four tags: the three ownership tags and the team's)
/// is found with one tag:GetResources page, which serves the databases' and the groups'
/// readers alike: the largest pages the API allows, not the default 100 tags (25 such resources a page). (moto closes a page one tag
/// early, where AWS fills it to the limit, so a fifth tag would make moto need two.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_instances_are_found_with_one_tag_page() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    seed(&sdk, "t", 100, Some("t")).await;
    for i in 0..100 {
        sdk.rds
            .add_tags_to_resource()
            .resource_name(format!("arn:aws:rds:us-west-2:123456789012:db:t-db{i}"))
            .tags(
                aws_sdk_rds::types::Tag::builder()
                    .key("team")
                    .value("test")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &databases(100)),
    ]);
    let proxy = Proxy::start(&moto.url);
    proxy.latency(Duration::from_millis(300));
    proxy.reset_calls();
    let r = rdsplan_via(&moto, &proxy.url, &env.dir(), &["plan", "--env", "t"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let calls = proxy.calls_by_action();
    // One page for everything the environment tags in RDS: databases, groups, subnet groups.
    assert_eq!(calls.get("GetResources"), Some(&1), "{}", summary(&calls));
    // Every read that needs no other's answer goes out in the first burst: each reaches the
    // proxy before any answer could have come back (a round trip is 300 ms here). What starts
    // later needs an answer: secrets' values after their list, a class or version check after
    // the instances, a group's parameters after the group list.
    let timeline = proxy.timeline();
    let first = timeline.iter().map(|c| c.0).min().expect("calls");
    let independent = [
        "GetResources",
        "DescribeDBClusters",
        "DescribeDBSubnetGroups",
        "DescribeDBParameterGroups",
        "DescribeDBClusterParameterGroups",
        "DescribeOptionGroups",
        "DescribeVpcs",
        "DescribeAvailabilityZones",
        "ListSecrets",
        "ListRoles",
    ];
    let late: Vec<&String> = timeline
        .iter()
        .filter(|c| independent.contains(&c.1.as_str()) && c.0 - first > Duration::from_millis(200))
        .map(|c| &c.1)
        .collect();
    assert!(
        late.is_empty(),
        "waited on an unrelated read: {late:?}: {timeline:?}"
    );
}
