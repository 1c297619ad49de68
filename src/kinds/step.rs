//! What every step of an apply shares: the AWS ids and names known by address (seeded from live
//! state, filled in as steps create), the pollers every wait for a database goes through, the
//! one-at-a-time reboot lock and the `--parallelism` slots. Guarantee: a step that waits for
//! AWS gives its slot back while it waits, so waits never hold up other steps' calls. Also
//! what a kind's create-or-update step is given ([`Upsert`]).

use crate::aws::{self, AwsError, Clients};
use crate::model::{Address, Kind, Live, Resource, Value};
use crate::plan::Change;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Known AWS ids and names by address, seeded from live state and filled in as steps create.
#[derive(Default)]
struct Ids {
    id: HashMap<String, String>,
    name: HashMap<String, String>,
}

pub struct StepContext {
    pub(crate) clients: Clients,
    pub(crate) env: String,
    pub(crate) timeout: Duration,
    ids: Mutex<Ids>,
    /// Held while a database reboots: reboots run one at a time.
    pub(crate) reboots: tokio::sync::Mutex<()>,
    /// `--parallelism` slots: a step holds one while it makes its calls, and gives it back
    /// while it waits for AWS, so that waiting never holds up other steps' calls.
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
    /// Every wait for a DB instance, and for a DB cluster, goes through one poller per kind
    /// (one describe per poll).
    poller: Arc<aws::poller::Poller>,
    cluster_poller: Arc<aws::poller::Poller<aws_sdk_rds::types::DbCluster>>,
}

tokio::task_local! {
    /// The slot the current step holds, if any.
    pub(crate) static SLOT: std::cell::RefCell<Option<tokio::sync::OwnedSemaphorePermit>>;
}

impl StepContext {
    /// The AWS id of a reference: an address of this environment (created by an earlier step
    /// or live), or an existing resource's id (`sg-`, `subnet-`, `vpc-`), which is itself.
    pub(crate) fn id(&self, addr: &str) -> Result<String, AwsError> {
        if !addr.is_empty() && !crate::model::is_address(addr) {
            return Ok(addr.to_string());
        }
        self.ids
            .lock()
            .expect("ids lock")
            .id
            .get(addr)
            .cloned()
            .ok_or_else(|| {
                AwsError::new(
                    addr,
                    "resolve",
                    "not created yet (a step it depends on did not run)",
                )
            })
    }
    /// The AWS name of a reference: an address's, or an existing resource's name as it is.
    pub(crate) fn name(&self, addr: &str) -> Option<String> {
        if !addr.is_empty() && !crate::model::is_address(addr) {
            return Some(addr.to_string());
        }
        self.ids.lock().expect("ids lock").name.get(addr).cloned()
    }
    pub(crate) fn record(&self, addr: &Address, id: &str, name: &str) {
        let mut ids = self.ids.lock().expect("ids lock");
        ids.id.insert(addr.0.clone(), id.to_string());
        ids.name.insert(addr.0.clone(), name.to_string());
    }
    /// Runs `f` (a wait) without holding the step's slot, and takes a slot again after.
    pub(crate) async fn without_slot<F: std::future::Future>(&self, f: F) -> F::Output {
        let held = SLOT.try_with(|s| s.borrow_mut().take()).ok().flatten();
        let had = held.is_some();
        drop(held);
        let out = f.await;
        if had {
            let p = self.slots.clone().acquire_owned().await.ok();
            let _ = SLOT.try_with(|s| *s.borrow_mut() = p);
        }
        out
    }

    /// Waits (without holding a slot) until the instance is usable.
    pub(crate) async fn instance_available(
        &self,
        address: &str,
        ident: &str,
    ) -> Result<aws_sdk_rds::types::DbInstance, AwsError> {
        let check = aws::poller::until_available();
        self.without_slot(self.poller.wait(address, ident, self.timeout, check))
            .await
    }

    /// Waits (without holding a slot) until a modification has begun (or shows as pending, or
    /// the instance stayed `available` three polls in a row) and the instance is usable.
    pub(crate) async fn instance_modified(
        &self,
        address: &str,
        ident: &str,
    ) -> Result<aws_sdk_rds::types::DbInstance, AwsError> {
        let check = aws::poller::after_modify();
        self.without_slot(self.poller.wait(address, ident, self.timeout, check))
            .await
    }

    /// Waits (without holding a slot) until the cluster is usable; `modified` when a
    /// modification was just requested (its start is awaited first).
    pub(crate) async fn cluster_ready(
        &self,
        address: &str,
        ident: &str,
        modified: bool,
    ) -> Result<aws_sdk_rds::types::DbCluster, AwsError> {
        let check = if modified {
            aws::poller::after_modify()
        } else {
            aws::poller::until_available()
        };
        self.without_slot(
            self.cluster_poller
                .wait(address, ident, self.timeout, check),
        )
        .await
    }

    pub(crate) fn ids_of(&self, addrs: &[String]) -> Result<Vec<String>, AwsError> {
        addrs.iter().map(|a| self.id(a)).collect()
    }
    /// AWS id → address, for reading rules back.
    pub(crate) fn reverse(&self) -> HashMap<String, String> {
        self.ids
            .lock()
            .expect("ids lock")
            .id
            .iter()
            .map(|(a, i)| (i.clone(), a.clone()))
            .collect()
    }
}

pub(crate) fn tags_of(r: &Resource) -> BTreeMap<String, String> {
    r.get("tags")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default()
}

/// The steps' shared context for one apply of environment `env`: ids and names from `live`,
/// `parallelism` slots, waits of at most `timeout`.
pub(crate) fn context(
    clients: &Clients,
    env: &str,
    live: &Live,
    timeout: Duration,
    parallelism: usize,
    id_key: fn(Kind) -> IdKey,
) -> Arc<StepContext> {
    let mut ids = Ids::default();
    for r in &live.resources {
        if let Some(id) = &r.id {
            let key = match id_key(r.kind) {
                IdKey::AwsId => id.clone(),
                IdKey::Name => r.name.clone(),
            };
            ids.id.insert(r.address.0.clone(), key);
            ids.name.insert(r.address.0.clone(), r.name.clone());
        }
    }
    Arc::new(StepContext {
        clients: clients.clone(),
        env: env.to_string(),
        timeout,
        ids: Mutex::new(ids),
        reboots: tokio::sync::Mutex::new(()),
        slots: Arc::new(tokio::sync::Semaphore::new(parallelism.max(1))),
        poller: aws::poller::Poller::start(clients.rds.clone(), aws::poller::cadence()),
        cluster_poller: aws::poller::Poller::start(clients.rds.clone(), aws::poller::cadence()),
    })
}

/// How other resources' calls name a kind's AWS object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKey {
    /// By the id AWS gave it (`vpc-…`, `sg-…`, a role's ARN).
    AwsId,
    /// By its name (RDS identifiers and group names, secret names).
    Name,
}

/// A create or an update as a kind's step sees it: the desired resource, the live one (none
/// for a create, or for the create half of a replacement), and what changed.
pub struct Upsert<'a> {
    pub ctx: &'a StepContext,
    pub d: &'a Resource,
    pub before: Option<&'a Resource>,
    pub change: &'a Change,
    /// The changed attributes, but `identifier`: a rename is made by the database steps
    /// before any other change.
    pub changed: Vec<String>,
    /// The desired tags, and the live ones when the tags change in place (else `None`).
    pub tags: BTreeMap<String, String>,
    pub old_tags: Option<BTreeMap<String, String>>,
    /// The live resource's id (an ARN for RDS and Secrets Manager objects).
    pub live_id: Option<String>,
}

impl Upsert<'_> {
    pub fn addr(&self) -> &str {
        self.d.address.as_str()
    }
    pub fn env(&self) -> &str {
        self.ctx.env.as_str()
    }
    /// Records the id a later step names this resource by, and returns the step's detail:
    /// the id, when it is not the name.
    pub fn created(&self, id: &str) -> Option<String> {
        self.ctx.record(&self.d.address, id, &self.d.name);
        (id != self.d.name).then(|| id.to_string())
    }
}
