//! One shared poller for every DB instance rdsplan waits for: each poll is one paginated
//! DescribeDBInstances filtered by the waiting identifiers (up to 100 per page), however many
//! waiters there are, at a fixed cadence; each waiter is woken when its instance reaches what
//! it waits for, or failed alone when AWS reports a status it will not come back from.
//!
//! Cadence: `RDSPLAN_POLL_MS` milliseconds (default 5000; the tests use a few milliseconds).

use super::status::{meaning, Meaning};
use super::AwsError;
use aws_sdk_rds::types::{DbCluster, DbInstance, Filter};
use aws_sdk_rds::Client;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

type Described<T> = Pin<Box<dyn Future<Output = Option<Vec<T>>> + Send>>;

/// What can be polled: a DB instance or a DB cluster.
pub trait Polled: Clone + Send + Sync + 'static {
    fn ident(&self) -> Option<&str>;
    fn state(&self) -> &str;
    /// Whether AWS reports modifications it has accepted and not applied yet.
    fn pending(&self) -> bool;
    /// One paginated describe of these identifiers; `None` when the read failed (the next poll
    /// tries again).
    fn describe(c: Client, idents: Vec<String>) -> Described<Self>;
}

impl Polled for DbInstance {
    fn ident(&self) -> Option<&str> {
        self.db_instance_identifier()
    }
    fn state(&self) -> &str {
        self.db_instance_status().unwrap_or_default()
    }
    fn pending(&self) -> bool {
        self.pending_modified_values()
            .is_some_and(|p| p != &aws_sdk_rds::types::PendingModifiedValues::builder().build())
    }
    fn describe(c: Client, idents: Vec<String>) -> Described<Self> {
        Box::pin(async move {
            c.describe_db_instances()
                .filters(filter("db-instance-id", idents))
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .ok()
        })
    }
}

impl Polled for DbCluster {
    fn ident(&self) -> Option<&str> {
        self.db_cluster_identifier()
    }
    fn state(&self) -> &str {
        self.status().unwrap_or_default()
    }
    fn pending(&self) -> bool {
        self.pending_modified_values().is_some_and(|p| {
            p != &aws_sdk_rds::types::ClusterPendingModifiedValues::builder().build()
        })
    }
    fn describe(c: Client, idents: Vec<String>) -> Described<Self> {
        Box::pin(async move {
            c.describe_db_clusters()
                .filters(filter("db-cluster-id", idents))
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .ok()
        })
    }
}

fn filter(name: &str, values: Vec<String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values))
        .build()
}

/// What a waiter makes of one reading of its database (`None`: not found).
pub type Check<T = DbInstance> = Box<dyn FnMut(Option<&T>) -> Option<Result<(), String>> + Send>;

struct Waiter<T> {
    ident: String,
    address: String,
    check: Check<T>,
    done: oneshot::Sender<Result<T, AwsError>>,
    last: Option<T>,
    /// When the wait began: a young wait is polled sooner (see `Poller::run`).
    since: tokio::time::Instant,
}

pub struct Poller<T: Polled = DbInstance> {
    client: Client,
    waiters: Mutex<Vec<Waiter<T>>>,
    wake: Notify,
    cadence: Duration,
}

/// The cadence from `RDSPLAN_POLL_MS`.
pub fn cadence() -> Duration {
    std::env::var("RDSPLAN_POLL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(5))
}

impl<T: Polled> Poller<T> {
    pub fn start(client: Client, cadence: Duration) -> Arc<Poller<T>> {
        let p = Arc::new(Poller {
            client,
            waiters: Mutex::new(Vec::new()),
            wake: Notify::new(),
            cadence,
        });
        let run = p.clone();
        tokio::spawn(async move { run.run().await });
        p
    }

    /// Waits until `check` says the instance is done (or failed), or `timeout` passes.
    pub async fn wait(
        &self,
        address: &str,
        ident: &str,
        timeout: Duration,
        check: Check<T>,
    ) -> Result<T, AwsError> {
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("poller").push(Waiter {
            ident: ident.to_string(),
            address: address.to_string(),
            check,
            done: tx,
            last: None,
            since: tokio::time::Instant::now(),
        });
        self.wake.notify_one();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(AwsError::new(address, "wait", "the poller stopped")),
            Err(_) => Err(AwsError::new(
                address,
                "wait",
                format!("gave up after {}s", timeout.as_secs()),
            )),
        }
    }

    async fn run(&self) {
        loop {
            let idle = {
                let mut w = self.waiters.lock().expect("poller");
                // Waiters that gave up (timed out) are dropped.
                w.retain(|x| !x.done.is_closed());
                w.is_empty()
            };
            if idle {
                self.wake.notified().await;
                // Let the other waiters of this wave register: one poll serves them all.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let polled = tokio::time::Instant::now();
            self.poll_once().await;
            tokio::select! {
                _ = tokio::time::sleep(self.next_delay()) => {}
                // A wait that begins while others are waiting gets its first reading soon,
                // not a whole cadence later (the same poll serves them all).
                _ = self.wake.notified() => {
                    tokio::time::sleep_until(polled + self.shortest()).await;
                }
            }
        }
    }

    /// The shortest gap between two polls: half a second (or the cadence, if shorter).
    fn shortest(&self) -> Duration {
        self.cadence.min(Duration::from_millis(500))
    }

    /// The time to the next poll: as long as the youngest wait has lasted, between
    /// [`Self::shortest`] and the cadence. A change that AWS applies in a second is seen within
    /// about a second (polls at 0.05, 0.55, 1.1, 2.2, 4.4 s, then every cadence), where a
    /// fixed cadence would make it wait five; a long wait costs the same calls as before.
    fn next_delay(&self) -> Duration {
        let youngest = self
            .waiters
            .lock()
            .expect("poller")
            .iter()
            .map(|w| w.since.elapsed())
            .min();
        match youngest {
            Some(age) => age.clamp(self.shortest(), self.cadence),
            None => self.cadence,
        }
    }

    /// One poll: one describe per 100 waiting identifiers (paginated), then every waiter judged.
    pub async fn poll_once(&self) {
        let mut idents: Vec<String> = self
            .waiters
            .lock()
            .expect("poller")
            .iter()
            .map(|w| w.ident.clone())
            .collect();
        idents.sort();
        idents.dedup();
        let mut seen: std::collections::HashMap<String, T> = Default::default();
        for chunk in idents.chunks(100) {
            match T::describe(self.client.clone(), chunk.to_vec()).await {
                Some(found) => {
                    for i in found {
                        if let Some(id) = i.ident() {
                            seen.insert(id.to_string(), i.clone());
                        }
                    }
                }
                // Throttled or a transient failure after the SDK's retries: the next poll tries
                // again; the waiters' deadlines still hold.
                None => return,
            }
        }
        let mut w = self.waiters.lock().expect("poller");
        let mut keep = Vec::new();
        for mut x in w.drain(..) {
            let now = seen.get(&x.ident);
            if let Some(i) = now {
                x.last = Some(i.clone());
            }
            match (x.check)(now) {
                None => keep.push(x),
                Some(Ok(())) => {
                    // A check is done only on a reading, so there is one.
                    let read = x.last.clone().ok_or_else(|| {
                        AwsError::new(x.address.as_str(), "wait", "no reading of it")
                    });
                    let _ = x.done.send(read);
                }
                Some(Err(why)) => {
                    let _ = x.done.send(Err(AwsError::new(
                        x.address.as_str(),
                        "wait for available",
                        why,
                    )));
                }
            }
        }
        *w = keep;
    }
}

/// Done when AWS reports a status that means usable; failed on one it will not come back from.
pub fn until_available<T: Polled>() -> Check<T> {
    Box::new(|i| {
        let status = i?.state();
        match meaning(status) {
            Meaning::Done => Some(Ok(())),
            Meaning::Failed => Some(Err(format!("status is {status}"))),
            Meaning::Wait => None,
        }
    })
}

/// After a modification: AWS often still reports `available` for a while, so the wait first
/// sees the change begin (the status leaves `available`, or pending values appear, which also
/// covers changes deferred to the maintenance window), or `available` three polls in a row
/// spanning two cadences (the polls of a young wait come fast, AWS's lag does not shrink with
/// them); then waits for a usable status.
pub fn after_modify<T: Polled>() -> Check<T> {
    after_modify_over(cadence() * 2)
}

/// [`after_modify`], with quiet readings spanning at least `span`.
pub fn after_modify_over<T: Polled>(span: Duration) -> Check<T> {
    let mut begun = false;
    let mut steady = 0;
    let mut first_steady: Option<tokio::time::Instant> = None;
    Box::new(move |i| {
        let i = i?;
        let status = i.state();
        if status != "available" || i.pending() {
            begun = true;
        } else {
            steady += 1;
            first_steady.get_or_insert_with(tokio::time::Instant::now);
        }
        let quiet_long = steady >= 3 && first_steady.is_some_and(|t| t.elapsed() >= span);
        match meaning(status) {
            Meaning::Failed => Some(Err(format!("status is {status}"))),
            Meaning::Done if begun || quiet_long => Some(Ok(())),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
    use aws_sdk_rds::types::PendingModifiedValues;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn db(ident: &str, status: &str) -> DbInstance {
        DbInstance::builder()
            .db_instance_identifier(ident)
            .db_instance_status(status)
            .build()
    }

    fn all(status: impl Fn(usize) -> &'static str) -> DescribeDbInstancesOutput {
        DescribeDbInstancesOutput::builder()
            .set_db_instances(Some(
                (0..30).map(|i| db(&format!("db-{i}"), status(i))).collect(),
            ))
            .build()
    }

    /// Thirty waiters, one describe per poll; a failed status fails only its own waiter.
    #[tokio::test(start_paused = true)]
    async fn many_waiters_share_one_describe_per_poll() {
        let rule = mock!(Client::describe_db_instances)
            .sequence()
            .output(|| all(|_| "creating"))
            .output(|| {
                all(|i| {
                    if i == 7 {
                        "incompatible-parameters"
                    } else {
                        "backing-up"
                    }
                })
            })
            .output(|| all(|_| "available"))
            .build();
        let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&rule]);
        let poller: Arc<Poller> = Poller::start(client, Duration::from_secs(10));
        let waits = (0..30).map(|i| {
            let p = poller.clone();
            async move {
                let ident = format!("db-{i}");
                p.wait(
                    &format!("instance.db{i}"),
                    &ident,
                    Duration::from_secs(600),
                    until_available(),
                )
                .await
            }
        });
        let results = futures::future::join_all(waits).await;
        assert_eq!(
            rule.num_calls(),
            3,
            "one describe per poll, for all waiters"
        );
        for (i, r) in results.iter().enumerate() {
            if i == 7 {
                let e = r.as_ref().unwrap_err();
                assert!(e.to_string().contains("incompatible-parameters"), "{e}");
            } else {
                assert!(r.is_ok(), "db-{i}: {r:?}");
            }
        }
    }

    /// A wait is polled soon after it begins, then less and less often up to the cadence: a
    /// change AWS applies in a second is seen in about a second, not the cadence's five; and a
    /// wait that begins while another is under way does not wait a whole cadence either.
    #[tokio::test(start_paused = true)]
    async fn a_young_wait_is_polled_soon_and_then_backs_off_to_the_cadence() {
        let rule = mock!(Client::describe_db_instances)
            .then_output(|| all(|i| if i == 1 { "available" } else { "modifying" }));
        let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
        let poller: Arc<Poller> = Poller::start(client, Duration::from_secs(5));
        let started = tokio::time::Instant::now();
        let long = {
            let p = poller.clone();
            tokio::spawn(async move {
                p.wait(
                    "instance.db0",
                    "db-0",
                    Duration::from_secs(60),
                    until_available(),
                )
                .await
            })
        };
        // The long wait's polls back off: 0.05, 0.55, 1.1, 2.2, 4.4, 9.4 s...
        tokio::time::sleep(Duration::from_secs(12)).await;
        let polls = rule.num_calls();
        assert!((5..=7).contains(&polls), "{polls} polls in 12 s");
        // A wait that begins now is answered within a second, not at the next cadence tick.
        let asked = tokio::time::Instant::now();
        poller
            .wait(
                "instance.db1",
                "db-1",
                Duration::from_secs(60),
                until_available(),
            )
            .await
            .unwrap();
        assert!(
            asked.elapsed() <= Duration::from_millis(600),
            "{:?}",
            asked.elapsed()
        );
        assert!(started.elapsed() < Duration::from_secs(13));
        long.abort();
    }

    /// Quiet readings after a modify end the wait only once they span two cadences: fast
    /// first polls must not end it before AWS, which takes a while, starts the change.
    #[tokio::test(start_paused = true)]
    async fn quiet_readings_after_a_modify_must_span_the_time_aws_takes_to_start() {
        let available = db("x", "available");
        let mut c = after_modify_over(Duration::from_secs(10));
        for _ in 0..5 {
            assert_eq!(c(Some(&available)), None);
            tokio::time::advance(Duration::from_millis(500)).await;
        }
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(c(Some(&available)), Some(Ok(())));
    }

    /// Clusters have their own poller: one DescribeDBClusters per poll.
    #[tokio::test(start_paused = true)]
    async fn a_cluster_waiter_is_woken_when_its_cluster_is_available() {
        use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
        let cluster = |status: &str| {
            DescribeDbClustersOutput::builder()
                .db_clusters(
                    DbCluster::builder()
                        .db_cluster_identifier("c")
                        .status(status)
                        .build(),
                )
                .build()
        };
        let rule = mock!(Client::describe_db_clusters)
            .sequence()
            .output(move || cluster("creating"))
            .output(move || cluster("available"))
            .build();
        let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&rule]);
        let poller: Arc<Poller<DbCluster>> = Poller::start(client, Duration::from_secs(10));
        let got = poller
            .wait(
                "cluster.c",
                "c",
                Duration::from_secs(600),
                until_available(),
            )
            .await
            .unwrap();
        assert_eq!(got.status(), Some("available"));
        assert_eq!(rule.num_calls(), 2);
    }

    #[test]
    fn a_wait_after_a_modify_sees_the_change_begin_or_three_quiet_readings() {
        let pending = DbInstance::builder()
            .db_instance_status("available")
            .pending_modified_values(
                PendingModifiedValues::builder()
                    .db_instance_class("db.t3.large")
                    .build(),
            )
            .build();
        let available = db("x", "available");
        let modifying = db("x", "modifying");
        // Deferred to the window: shows as pending at once, which is done.
        assert_eq!(after_modify()(Some(&pending)), Some(Ok(())));
        // Begun: modifying, then available.
        let mut c = after_modify();
        assert_eq!(c(Some(&modifying)), None);
        assert_eq!(c(Some(&available)), Some(Ok(())));
        // Never seen to begin: three readings of `available` in a row (over no time here).
        let mut c = after_modify_over(Duration::ZERO);
        assert_eq!(c(Some(&available)), None);
        assert_eq!(c(Some(&available)), None);
        assert_eq!(c(Some(&available)), Some(Ok(())));
        // Not found (yet): keep waiting.
        assert_eq!(after_modify::<DbInstance>()(None), None);
        assert_eq!(
            until_available()(Some(&db("x", "storage-full"))),
            None,
            "growing a full disk is in progress"
        );
        assert_eq!(
            until_available()(Some(&db("x", "storage-optimization"))),
            Some(Ok(()))
        );
    }
}
