//! Reads that are the same for every environment of a region (its databases when read whole,
//! its AZs, parameter and option groups, a family's engine defaults), made once by a run that
//! reads several environments (drift) and shared by them all. The first environment to need
//! one makes the call; the others wait for its answer instead of asking again. A failed read is
//! shared too: every environment that needs it reports the same error, no call is repeated.
//!
//! Only a run that reads and does not change AWS shares: a plan or an apply reads each time
//! (what it made must be seen by its next read).

use super::AwsError;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Answer = Arc<dyn Any + Send + Sync>;

/// The region-wide reads of one run, by key.
#[derive(Default)]
pub struct RegionReads {
    cells: Mutex<HashMap<String, Arc<OnceCell<Answer>>>>,
}

impl std::fmt::Debug for RegionReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self
            .cells
            .lock()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("RegionReads").field("keys", &keys).finish()
    }
}

impl RegionReads {
    /// The answer of `fetch` under `key`, fetched by the first caller only. One key holds one
    /// type of answer (keys name the read: `ec2:azs`, `rds:option-groups`, ...).
    pub async fn once<T, F>(&self, key: &str, fetch: F) -> Result<T, AwsError>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, AwsError>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key.to_string()).or_default().clone()
        };
        let answer = cell
            .get_or_init(|| async { Arc::new(fetch.await) as Answer })
            .await;
        match answer.downcast_ref::<Result<T, AwsError>>() {
            Some(r) => r.clone(),
            // A key asked for with two types is a bug of ours: an error naming it, not a panic.
            None => Err(AwsError::new(
                key,
                "shared read",
                "one key was read with two types of answer",
            )),
        }
    }
}

/// `fetch`, once per run under `key` when the run shares its region's reads, else each time.
pub async fn once<T, F>(shared: Option<&RegionReads>, key: &str, fetch: F) -> Result<T, AwsError>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<T, AwsError>>,
{
    match shared {
        Some(s) => s.once(key, fetch).await,
        None => fetch.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_readers_of_one_key_make_one_call() {
        let shared = RegionReads::default();
        let calls = AtomicUsize::new(0);
        let read = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, AwsError>(vec!["eu-west-1a".to_string()])
        };
        let all = futures::future::join_all((0..10).map(|_| shared.once("ec2:azs", read()))).await;
        assert!(all.iter().all(|r| r.as_ref().unwrap() == &["eu-west-1a"]));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Without sharing, each read calls.
        once(None, "ec2:azs", read()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_read_is_shared_not_repeated() {
        let shared = RegionReads::default();
        let calls = AtomicUsize::new(0);
        let read = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<u32, _>(AwsError::new("region", "DescribeOptionGroups", "denied"))
        };
        assert!(shared.once("rds:option-groups", read()).await.is_err());
        assert!(shared.once("rds:option-groups", read()).await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_key_read_with_another_type_is_an_error_not_a_panic() {
        let shared = RegionReads::default();
        shared.once("k", async { Ok(1u32) }).await.unwrap();
        let e = shared.once("k", async { Ok("x".to_string()) }).await;
        assert!(e.is_err());
    }
}
