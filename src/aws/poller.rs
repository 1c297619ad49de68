//! One shared poller for every DB instance rdsplan waits for: each poll is one paginated
//! DescribeDBInstances filtered by the waiting identifiers (up to 100 per page), however many
//! waiters there are, at a fixed cadence; each waiter is woken when its instance reaches what
//! it waits for, or failed alone when AWS reports a status it will not come back from.
//!
//! Cadence: `RDSPLAN_POLL_MS` milliseconds (default 5000; the tests use a few milliseconds).

use super::status::{meaning, Meaning};
use super::AwsError;
use aws_sdk_rds::types::{DbInstance, Filter};
use aws_sdk_rds::Client;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// What a waiter makes of one reading of its instance (`None`: not found).
pub type Check = Box<dyn FnMut(Option<&DbInstance>) -> Option<Result<(), String>> + Send>;

struct Waiter {
    ident: String,
    address: String,
    check: Check,
    done: oneshot::Sender<Result<DbInstance, AwsError>>,
    last: Option<DbInstance>,
}

pub struct Poller {
    client: Client,
    waiters: Mutex<Vec<Waiter>>,
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

impl Poller {
    pub fn start(client: Client, cadence: Duration) -> Arc<Poller> {
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
        check: Check,
    ) -> Result<DbInstance, AwsError> {
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("poller").push(Waiter {
            ident: ident.to_string(),
            address: address.to_string(),
            check,
            done: tx,
            last: None,
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
            self.poll_once().await;
            tokio::time::sleep(self.cadence).await;
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
        let mut seen: std::collections::HashMap<String, DbInstance> = Default::default();
        for chunk in idents.chunks(100) {
            let read: Result<Vec<DbInstance>, _> = self
                .client
                .describe_db_instances()
                .filters(
                    Filter::builder()
                        .name("db-instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await;
            match read {
                Ok(found) => {
                    for i in found {
                        if let Some(id) = i.db_instance_identifier() {
                            seen.insert(id.to_string(), i);
                        }
                    }
                }
                // Throttled or a transient failure after the SDK's retries: the next poll tries
                // again; the waiters' deadlines still hold.
                Err(_) => return,
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
                    let i = x
                        .last
                        .clone()
                        .unwrap_or_else(|| DbInstance::builder().build());
                    let _ = x.done.send(Ok(i));
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
pub fn until_available() -> Check {
    Box::new(|i| {
        let status = i?.db_instance_status().unwrap_or_default();
        match meaning(status) {
            Meaning::Done => Some(Ok(())),
            Meaning::Failed => Some(Err(format!("instance is {status}"))),
            Meaning::Wait => None,
        }
    })
}

/// After a modification: AWS often still reports `available` for a while, so the wait first
/// sees the change begin (the status leaves `available`, or pending values appear, which also
/// covers changes deferred to the maintenance window), or `available` three polls in a row;
/// then waits for a usable status.
pub fn after_modify() -> Check {
    let mut begun = false;
    let mut steady = 0;
    Box::new(move |i| {
        let i = i?;
        let status = i.db_instance_status().unwrap_or_default();
        let pending = i
            .pending_modified_values()
            .is_some_and(|p| p != &aws_sdk_rds::types::PendingModifiedValues::builder().build());
        if status != "available" || pending {
            begun = true;
        } else {
            steady += 1;
        }
        match meaning(status) {
            Meaning::Failed => Some(Err(format!("instance is {status}"))),
            Meaning::Done if begun || steady >= 3 => Some(Ok(())),
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
        let poller = Poller::start(client, Duration::from_secs(10));
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
        // Never seen to begin: three readings of `available` in a row.
        let mut c = after_modify();
        assert_eq!(c(Some(&available)), None);
        assert_eq!(c(Some(&available)), None);
        assert_eq!(c(Some(&available)), Some(Ok(())));
        // Not found (yet): keep waiting.
        assert_eq!(after_modify()(None), None);
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
