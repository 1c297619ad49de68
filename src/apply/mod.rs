//! The executor: carries out a [`Plan`] in dependency order (creates forward, deletes in
//! reverse), independent steps concurrently up to a bound. It does only what the plan says.
//!
//! Guarantees: every step is idempotent (it looks for what an earlier, interrupted run made
//! before creating anything, and treats "already exists" / "not found" as success when the
//! result is what the step wants), so re-running after a failure at any point converges. When a
//! step fails, its dependants are skipped and the root cause is reported once.

use crate::aws::{self, AwsError, Clients};

mod db;
pub mod interrupt;
pub mod rate;
use crate::model::{Address, Kind, Live, Resource, Value};
use crate::plan::{Action, Change, Plan};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;

#[derive(Clone)]
pub struct Options {
    pub parallelism: usize,
    pub timeout: Duration,
    /// Ctrl-C: once set, no new step starts.
    pub interrupt: std::sync::Arc<interrupt::Interrupt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Delete,
    Apply,
    /// Rebooting a database with `allow_reboot` whose parameter changes need it.
    Reboot,
    /// A security group's rules that name other groups of the environment, converged once the
    /// group and every group they name exist (so groups may name each other).
    Rules,
}

struct Step {
    change: usize,
    part: Part,
    deps: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

pub struct Outcome {
    pub done: usize,
    pub failed: Vec<String>,
    pub skipped: Vec<String>,
    /// Interrupted: how many steps never started (and how many waits were left to AWS).
    pub interrupted: Option<(usize, usize)>,
}

/// Builds the step graph of a plan: a replacement is a delete step then a create step; a
/// resource is deleted after everything that depends on it is deleted or updated away from it.
fn steps(plan: &Plan) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut del: HashMap<&Address, usize> = HashMap::new();
    let mut app: HashMap<&Address, usize> = HashMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        if matches!(c.action, Action::Delete | Action::Replace) {
            del.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Delete,
                deps: vec![],
            });
        }
        if matches!(c.action, Action::Create | Action::Update | Action::Replace) {
            app.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Apply,
                deps: vec![],
            });
        }
    }
    for (i, c) in plan.changes.iter().enumerate() {
        if has_rules_step(c) {
            out.push(Step {
                change: i,
                part: Part::Rules,
                deps: vec![],
            });
        }
    }
    let mut reboot: HashMap<&Address, usize> = HashMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        if c.reboot.is_some() {
            reboot.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Reboot,
                deps: vec![],
            });
        }
    }
    for s in 0..out.len() {
        let c = &plan.changes[out[s].change];
        let mut deps = Vec::new();
        match out[s].part {
            Part::Rules => {
                deps.extend(app.get(&c.address));
                for d in c
                    .after
                    .as_ref()
                    .map(Resource::rule_sources)
                    .unwrap_or_default()
                {
                    deps.extend(app.get(&d));
                }
            }
            Part::Apply => deps = apply_deps(plan, c, &app, &del),
            Part::Delete if c.kind.create_before_destroy() && c.action == Action::Replace => {
                // The new one first, then everything that names it moves to it; the old one
                // (which AWS will not delete while in use) goes last.
                deps.extend(app.get(&c.address));
                for (j, other) in out.iter().enumerate() {
                    let oc = &plan.changes[other.change];
                    let names = oc
                        .after
                        .as_ref()
                        .is_some_and(|a| a.deps().contains(&c.address));
                    if other.part == Part::Apply && names && j != s {
                        deps.push(j);
                    }
                }
            }
            Part::Reboot => {
                // After its own changes and those of everything it names (its parameter
                // groups); replicas reboot before their source.
                deps.extend(app.get(&c.address));
                for d in c.after.as_ref().map(Resource::deps).unwrap_or_default() {
                    deps.extend(app.get(&d));
                }
                for other in &plan.changes {
                    let of_this = other.after.as_ref().is_some_and(|a| {
                        a.kind == Kind::Replica && a.str("source") == Some(c.address.as_str())
                    });
                    if of_this {
                        deps.extend(reboot.get(&other.address));
                    }
                }
            }
            Part::Delete => deps = delete_deps(plan, &out, c),
        }
        deps.sort();
        deps.dedup();
        out[s].deps = deps;
    }
    out
}

/// What a create or update waits for: what it names (a replica not for its source's update),
/// its replicas' major upgrades (for a source's), and its own delete in a replacement.
fn apply_deps(
    plan: &Plan,
    c: &Change,
    app: &HashMap<&Address, usize>,
    del: &HashMap<&Address, usize>,
) -> Vec<usize> {
    let mut deps = Vec::new();
    for d in c
        .after
        .as_ref()
        .map(Resource::create_deps)
        .unwrap_or_default()
    {
        // A replica needs its source to exist, not its source's update (which,
        // for a MySQL major upgrade, waits for the replica).
        let source_update = c.kind == Kind::Replica
            && plan
                .changes
                .iter()
                .any(|x| x.address == d && x.action == Action::Update);
        if !source_update {
            deps.extend(app.get(&d));
        }
    }
    // A source's major upgrade goes after its replicas' (planned with it).
    if c.kind == Kind::Instance && c.diffs.iter().any(|x| x.name == "engine_version") {
        for other in &plan.changes {
            let replica_upgrade = other.kind == Kind::Replica
                && other.after.as_ref().and_then(|a| a.str("source")) == Some(c.address.as_str())
                && other.diffs.iter().any(|x| x.name == "engine_version");
            if replica_upgrade {
                deps.extend(app.get(&other.address));
            }
        }
    }
    if !c.kind.create_before_destroy() {
        deps.extend(del.get(&c.address));
    }
    deps
}

/// What a delete waits for: the database a generated secret records, and everything whose live
/// state names the resource going (or moving away from it) first.
fn delete_deps(plan: &Plan, out: &[Step], c: &Change) -> Vec<usize> {
    let mut deps = Vec::new();
    // A generated secret goes after the database whose password it records (the
    // step checks that the database is gone).
    if let Some(db) = c
        .before
        .as_ref()
        .filter(|b| b.kind == Kind::Secret)
        .and_then(|b| {
            b.str("db_instance_identifier")
                .or_else(|| b.str("db_cluster_identifier"))
        })
    {
        for (j, other) in out.iter().enumerate() {
            let oc = &plan.changes[other.change];
            if other.part == Part::Delete
                && matches!(oc.kind, Kind::Instance | Kind::Cluster)
                && oc.name == db
            {
                deps.push(j);
            }
        }
    }
    // Everything whose live state references this resource goes (or moves) first.
    for (j, other) in out.iter().enumerate() {
        let oc = &plan.changes[other.change];
        let refs = oc
            .before
            .as_ref()
            .is_some_and(|b| b.deps().contains(&c.address));
        // An update moves away from this resource only when its desired state
        // no longer names it: a DB subnet group whose subnet is replaced keeps
        // naming that address and takes the new subnet once it exists.
        let moves_away = other.part == Part::Apply
            && oc.action == Action::Update
            && !oc
                .after
                .as_ref()
                .is_some_and(|a| a.deps().contains(&c.address));
        if refs && (other.part == Part::Delete || moves_away) {
            deps.push(j);
        }
    }
    deps
}

/// Whether a change's security group has rules naming other groups of the environment, which a
/// step of their own converges after those groups exist.
fn has_rules_step(c: &Change) -> bool {
    let rules_change = match c.action {
        Action::Create | Action::Replace => true,
        Action::Update => c
            .diffs
            .iter()
            .any(|x| x.name == "ingress" || x.name == "egress"),
        _ => false,
    };
    rules_change
        && c.kind == Kind::SecurityGroup
        && c.after
            .as_ref()
            .is_some_and(|a| !a.rule_sources().is_empty())
}

/// Known AWS ids and names by address, seeded from live state and filled in as steps create.
#[derive(Default)]
struct Ids {
    id: HashMap<String, String>,
    name: HashMap<String, String>,
}

pub(crate) struct StepContext {
    pub(crate) clients: Clients,
    pub(crate) env: String,
    pub(crate) timeout: Duration,
    ids: Mutex<Ids>,
    /// Held while a database reboots: reboots run one at a time.
    reboots: tokio::sync::Mutex<()>,
    /// `--parallelism` slots: a step holds one while it makes its calls, and gives it back
    /// while it waits for AWS, so that waiting never holds up other steps' calls.
    slots: Arc<tokio::sync::Semaphore>,
    /// Every wait for a DB instance, and for a DB cluster, goes through one poller per kind
    /// (one describe per poll).
    poller: Arc<aws::poller::Poller>,
    cluster_poller: Arc<aws::poller::Poller<aws_sdk_rds::types::DbCluster>>,
    /// Mutating work per service: EC2, RDS, IAM, Secrets Manager.
    buckets: [rate::TokenBucket; 4],
}

tokio::task_local! {
    /// The slot the current step holds, if any.
    static SLOT: std::cell::RefCell<Option<tokio::sync::OwnedSemaphorePermit>>;
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
    fn reverse(&self) -> HashMap<String, String> {
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

/// The steps' shared context: the ids and names of what AWS has (filled in as steps create),
/// the pollers, the slots that bound parallelism and the services' token buckets.
fn context(clients: &Clients, plan: &Plan, live: &Live, opts: &Options) -> Arc<StepContext> {
    let mut ids = Ids::default();
    for r in &live.resources {
        if let Some(id) = &r.id {
            // EC2 objects are referenced by id; RDS and Secrets Manager ones by name.
            let key = match r.kind {
                Kind::DbSubnetGroup
                | Kind::ParameterGroup
                | Kind::ClusterParameterGroup
                | Kind::OptionGroup
                | Kind::Instance
                | Kind::Secret
                | Kind::Replica
                | Kind::Cluster
                | Kind::ClusterInstance => r.name.clone(),
                _ => id.clone(),
            };
            ids.id.insert(r.address.0.clone(), key);
            ids.name.insert(r.address.0.clone(), r.name.clone());
        }
    }
    Arc::new(StepContext {
        clients: clients.clone(),
        env: plan.environment.clone(),
        timeout: opts.timeout,
        ids: Mutex::new(ids),
        reboots: tokio::sync::Mutex::new(()),
        slots: Arc::new(tokio::sync::Semaphore::new(opts.parallelism.max(1))),
        poller: aws::poller::Poller::start(clients.rds.clone(), aws::poller::cadence()),
        cluster_poller: aws::poller::Poller::start(clients.rds.clone(), aws::poller::cadence()),
        buckets: rate::buckets(),
    })
}

/// Runs every step of `plan`, printing one line when a step starts and one when it ends.
pub async fn apply(clients: &Clients, plan: &Plan, live: &Live, opts: &Options) -> Outcome {
    let ctx = context(clients, plan, live, opts);
    let steps = steps(plan);
    let conflicts: Vec<&Address> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Conflict)
        .map(|c| &c.address)
        .collect();
    let mut state = vec![State::Pending; steps.len()];
    let mut cause: Vec<Option<String>> = vec![None; steps.len()];
    let mut running = JoinSet::new();
    let progress = Progress::new(steps.len());
    let mut outcome = Outcome {
        done: 0,
        failed: vec![],
        skipped: vec![],
        interrupted: None,
    };
    opts.interrupt.steps_start();
    let mut left_to_aws = 0;
    loop {
        // Skip what can no longer run; start what is ready, up to the bound.
        for s in 0..steps.len() {
            if state[s] != State::Pending || opts.interrupt.is_set() {
                continue;
            }
            let c = &plan.changes[steps[s].change];
            let blocked_by_conflict = steps[s].part == Part::Apply
                && c.after
                    .as_ref()
                    .is_some_and(|a| a.deps().iter().any(|d| conflicts.contains(&d)));
            let bad = steps[s]
                .deps
                .iter()
                .find(|&&d| matches!(state[d], State::Failed | State::Skipped));
            if blocked_by_conflict || bad.is_some() {
                let why = match bad {
                    Some(&d) => cause[d]
                        .clone()
                        .unwrap_or_else(|| plan.changes[steps[d].change].address.0.clone()),
                    None => "a resource it needs has a name conflict".to_string(),
                };
                let n = progress.tick();
                progress.line(&format!("  {n} skipped {}: {why}", c.address));
                outcome.skipped.push(c.address.0.clone());
                cause[s] = Some(why);
                state[s] = State::Skipped;
                continue;
            }
            let ready = steps[s].deps.iter().all(|&d| state[d] == State::Done);
            // Every ready step starts; `--parallelism` bounds the steps making calls at once
            // (a slot each), not the ones waiting for AWS.
            if ready {
                state[s] = State::Running;
                let verb = verb(c.action, steps[s].part);
                progress.line(&format!("  {}: {}...", c.address, verb.0));
                progress.start(&c.address.0);
                let change = c.clone();
                let part = steps[s].part;
                let ctx = ctx.clone();
                running.spawn(SLOT.scope(std::cell::RefCell::new(None), async move {
                    let slot = ctx.slots.clone().acquire_owned().await.ok();
                    SLOT.with(|x| *x.borrow_mut() = slot);
                    ctx.buckets[service(change.kind)].take().await;
                    let t = Instant::now();
                    let r = run_step(&ctx, &change, part).await;
                    (s, r, t.elapsed())
                }));
            }
        }
        let joined = if opts.interrupt.is_set() {
            // Interrupted: once no step is making a call (every slot is free, so what runs
            // is waiting for AWS or for a slot), the waits are left to AWS.
            if ctx.slots.available_permits() == opts.parallelism.max(1) {
                left_to_aws += running.len();
                running.abort_all();
                while running.join_next().await.is_some() {}
                break;
            }
            tokio::select! {
                j = running.join_next() => j,
                _ = tokio::time::sleep(Duration::from_millis(100)) => continue,
            }
        } else {
            tokio::select! {
                j = running.join_next() => j,
                _ = opts.interrupt.wait() => continue,
            }
        };
        let Some(joined) = joined else {
            break;
        };
        let (s, result, elapsed) = match joined {
            Ok(v) => v,
            Err(e) => {
                outcome
                    .failed
                    .push(format!("internal error: a step panicked: {e}"));
                continue;
            }
        };
        let c = &plan.changes[steps[s].change];
        let verb = verb(c.action, steps[s].part);
        progress.finish(&c.address.0);
        let n = progress.tick();
        match result {
            Ok(detail) => {
                state[s] = State::Done;
                outcome.done += 1;
                progress.line(&format!(
                    "  {n} {}: {}{} [{:.1}s]",
                    c.address,
                    verb.1,
                    detail.map(|d| format!(" ({d})")).unwrap_or_default(),
                    elapsed.as_secs_f64()
                ));
            }
            Err(e) => {
                state[s] = State::Failed;
                cause[s] = Some(format!("{} failed", c.address));
                progress.line(&format!(
                    "  {n} {}: FAILED after {:.1}s: {e}",
                    c.address,
                    elapsed.as_secs_f64()
                ));
                outcome.failed.push(e.to_string());
            }
        }
    }
    if opts.interrupt.is_set() {
        let not_started = state.iter().filter(|s| **s == State::Pending).count();
        outcome.interrupted = Some((not_started, left_to_aws));
    }
    outcome
}

/// One line per step started and finished, with elapsed time; on a terminal, also a live
/// spinner naming what rdsplan is waiting for (plain lines only in CI and pipes).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    running: Mutex<Vec<(String, Instant)>>,
    /// Steps finished (done, failed or skipped) and in all.
    finished: std::sync::atomic::AtomicUsize,
    total: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        let bar = (std::io::stdout().is_terminal()
            && std::env::var_os("CI").is_none()
            && !crate::quiet())
        .then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            running: Mutex::new(Vec::new()),
            finished: std::sync::atomic::AtomicUsize::new(0),
            total,
        }
    }
    fn line(&self, s: &str) {
        if crate::quiet() {
            return;
        }
        // The spinner is cleared while the line is printed, so lines are never lost or torn.
        match &self.bar {
            Some(b) => b.suspend(|| println!("{s}")),
            None => println!("{s}"),
        }
    }
    fn start(&self, addr: &str) {
        self.running
            .lock()
            .expect("progress")
            .push((addr.to_string(), Instant::now()));
        self.refresh();
    }
    fn finish(&self, addr: &str) {
        self.running
            .lock()
            .expect("progress")
            .retain(|(a, _)| a != addr);
        self.refresh();
    }
    /// `[finished/total]`.
    fn count(&self) -> String {
        format!(
            "[{}/{}]",
            self.finished.load(std::sync::atomic::Ordering::Relaxed),
            self.total
        )
    }
    /// One more step finished.
    fn tick(&self) -> String {
        self.finished
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.refresh();
        self.count()
    }
    fn refresh(&self) {
        if let Some(b) = &self.bar {
            let running = self.running.lock().expect("progress");
            let names: Vec<String> = running
                .iter()
                .map(|(a, t)| format!("{a} ({}s)", t.elapsed().as_secs()))
                .collect();
            let count = self.count();
            b.set_message(if names.is_empty() {
                count
            } else {
                format!("{count} waiting for AWS: {}", names.join(", "))
            });
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Which service's bucket a kind's steps draw from.
fn service(kind: Kind) -> usize {
    match kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => 0,
        Kind::IamRole => 2,
        Kind::Secret => 3,
        _ => 1,
    }
}

fn verb(a: Action, p: Part) -> (&'static str, &'static str) {
    match (a, p) {
        (_, Part::Reboot) => ("rebooting", "rebooted"),
        (_, Part::Rules) => ("setting rules that name other groups", "rules set"),
        (Action::Replace, Part::Delete) => ("deleting (replace)", "deleted (replace)"),
        (_, Part::Delete) => ("deleting", "deleted"),
        (Action::Update, _) => ("updating", "updated"),
        _ => ("creating", "created"),
    }
}

async fn run_step(ctx: &StepContext, c: &Change, part: Part) -> Result<Option<String>, AwsError> {
    match part {
        Part::Reboot => {
            // One database at a time in the whole environment.
            let _one = ctx.reboots.lock().await;
            let d = c.after.as_ref().expect("reboots have a desired side");
            crate::kinds::db::instance::reboot(
                &ctx.clients.rds,
                d.address.as_str(),
                &d.name,
                ctx.timeout,
            )
            .await?;
            Ok(c.reboot.clone())
        }
        Part::Rules => {
            let d = c.after.as_ref().expect("rules have a desired side");
            let id = ctx.id(d.address.as_str())?;
            converge_rules(ctx, d, &id, Rules::All).await?;
            Ok(None)
        }
        Part::Delete => delete(ctx, c.before.as_ref().expect("deletes have a live side"), c).await,
        Part::Apply => {
            let d = c
                .after
                .as_ref()
                .expect("creates and updates have a desired side");
            // A replacement's create starts from nothing.
            let before = if c.action == Action::Update {
                c.before.as_ref()
            } else {
                None
            };
            upsert(ctx, d, before, c).await
        }
    }
}

async fn upsert(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    c: &Change,
) -> Result<Option<String>, AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = d.address.as_str();
    let env = ctx.env.as_str();
    let tags = tags_of(d);
    if let (Some(_), Some(b)) = (&c.moved_from, before) {
        crate::kinds::retag::set_address(&ctx.clients, b, &d.address).await?;
    }
    // A new identifier is a rename, made by the database steps before any other change.
    let changed: Vec<String> = c
        .diffs
        .iter()
        .map(|x| x.name.clone())
        .filter(|x| x != "identifier")
        .collect();
    let retag = before.is_some() && changed.iter().any(|x| x == "tags");
    let old_tags = before.map(tags_of).unwrap_or_default();
    let live_id = before.and_then(|b| b.id.clone());
    let id = match d.kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => {
            let id = upsert_network(ctx, d).await?;
            if retag {
                crate::kinds::network::set_tags(ec2, addr, &id, &old_tags, &tags).await?;
            }
            id
        }
        Kind::DbSubnetGroup => {
            let subnets = ctx.ids_of(d.list("subnets"))?;
            crate::kinds::db::instance::ensure_subnet_group(&ctx.clients.rds, env, d, subnets)
                .await?;
            if let (true, Some(arn)) = (retag, &live_id) {
                crate::kinds::db::instance::set_tags(&ctx.clients.rds, addr, arn, &old_tags, &tags)
                    .await?;
            }
            d.name.clone()
        }
        Kind::Secret => {
            let sm = &ctx.clients.secrets;
            match before {
                None => {
                    crate::kinds::secret::ensure(sm, env, addr, &d.name, &known_fields(d), &tags)
                        .await?
                }
                Some(_) => {
                    let fields_changed = changed.iter().any(|x| x != "tags");
                    if fields_changed {
                        crate::kinds::secret::update_fields(sm, addr, &d.name, &known_fields(d))
                            .await?;
                    }
                    if let (true, Some(arn)) = (retag, &live_id) {
                        crate::kinds::secret::set_tags(sm, addr, arn, &old_tags, &tags).await?;
                    }
                }
            }
            d.name.clone()
        }
        Kind::IamRole => {
            let old = retag.then_some(&old_tags);
            crate::kinds::iam_role::ensure_role(&ctx.clients.iam, env, d, old).await?
        }
        Kind::OptionGroup => {
            let rds = &ctx.clients.rds;
            if before.is_none() {
                crate::kinds::option_group::create(rds, env, d).await?;
            }
            let changed = crate::kinds::option_group::converge(rds, d).await?;
            if let (true, Some(arn)) = (retag, &live_id) {
                crate::kinds::db::instance::set_tags(rds, addr, arn, &old_tags, &tags).await?;
            }
            ctx.record(&d.address, &d.name, &d.name);
            return Ok(changed.then(|| "options changed".to_string()));
        }
        Kind::ParameterGroup | Kind::ClusterParameterGroup => {
            let rds = &ctx.clients.rds;
            if before.is_none() {
                crate::kinds::parameter_group::create(rds, env, d).await?;
            }
            let calls = converge_parameters(ctx, d, c).await?;
            if let (true, Some(arn)) = (retag, &live_id) {
                crate::kinds::db::instance::set_tags(rds, addr, arn, &old_tags, &tags).await?;
            }
            ctx.record(&d.address, &d.name, &d.name);
            return Ok((calls > 0).then(|| format!("{calls} parameter call(s)")));
        }
        Kind::Instance if d.get(crate::model::RETAINED_OLD).is_some() => {
            return db::finish_blue_green(ctx, d).await
        }
        Kind::Instance => return db::instance(ctx, d, before, &changed).await,
        Kind::Replica => return db::replica(ctx, d, before, &changed).await,
        Kind::Cluster => return db::cluster(ctx, d, before, &changed).await,
        Kind::ClusterInstance => return db::member(ctx, d, before, &changed).await,
    };
    ctx.record(&d.address, &id, &d.name);
    Ok((d.kind != Kind::Secret && id != d.name).then_some(id))
}

/// Creates (or finds, after a lost answer) an EC2 object of the network and converges what
/// its own call sets; returns its id. Tags are the caller's.
async fn upsert_network(ctx: &StepContext, d: &Resource) -> Result<String, AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = d.address.as_str();
    let env = ctx.env.as_str();
    let tags = tags_of(d);
    Ok(match d.kind {
        Kind::Vpc => {
            let id = crate::kinds::network::create_vpc(
                ec2,
                env,
                addr,
                d.str("cidr").unwrap_or_default(),
                &tags,
            )
            .await?;
            id
        }
        Kind::Subnet => {
            let vpc = ctx.id(d.str("vpc").unwrap_or_default())?;
            let id = crate::kinds::network::create_subnet(
                ec2,
                env,
                addr,
                &vpc,
                d.str("availability_zone").unwrap_or_default(),
                d.str("cidr").unwrap_or_default(),
                &tags,
            )
            .await?;
            id
        }
        Kind::InternetGateway => {
            let vpc = ctx.id(d.str("vpc").unwrap_or_default())?;
            let id =
                crate::kinds::network::ensure_internet_gateway(ec2, env, addr, &vpc, &tags).await?;
            id
        }
        Kind::RouteTable => {
            let vpc = ctx.id(d.str("vpc").unwrap_or_default())?;
            let igw = ctx.id(d.str("internet_gateway").unwrap_or_default())?;
            let subnets = ctx.ids_of(d.list("subnets"))?;
            let id = crate::kinds::network::ensure_route_table(
                ec2, env, addr, &vpc, &igw, &subnets, &tags,
            )
            .await?;
            id
        }
        Kind::SecurityGroup => {
            let vpc = ctx.id(d.str("vpc").unwrap_or_default())?;
            let id = crate::kinds::network::create_security_group(
                ec2,
                env,
                addr,
                &d.name,
                d.str("description").unwrap_or_default(),
                &vpc,
                &tags,
            )
            .await?;
            ctx.record(&d.address, &id, &d.name);
            // Rules naming other groups of the environment wait for their own step.
            let which = if d.rule_sources().is_empty() {
                Rules::All
            } else {
                Rules::NotNamingOurGroups
            };
            converge_rules(ctx, d, &id, which).await?;
            id
        }
        Kind::DbSubnetGroup
        | Kind::IamRole
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup
        | Kind::Secret
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => {
            return Err(AwsError::new(addr, "apply", "not a network resource"))
        }
    })
}

/// Sets and resets the group's parameters against what AWS holds now (so a re-run after a
/// crash does only what is left), each with the apply method its timing in the plan says.
async fn converge_parameters(
    ctx: &StepContext,
    d: &Resource,
    c: &Change,
) -> Result<usize, AwsError> {
    use crate::kinds::parameter_group::{user_parameters, Flavor, ParameterPlan};
    let rds = &ctx.clients.rds;
    let now = user_parameters(rds, Flavor::of(d.kind), &d.name).await?;
    let have = crate::kinds::parameter_group::values(&now);
    let reported = crate::kinds::parameter_group::apply_types(&now);
    let dynamic = |name: &str| {
        let planned = c
            .diffs
            .iter()
            .find(|x| x.name == format!("parameters.{name}"))
            .and_then(|x| x.timing);
        match planned {
            Some(t) => t == crate::plan::timing::Timing::Immediate,
            None => reported.get(name).is_some_and(|t| t == "dynamic"),
        }
    };
    let want = d
        .get("parameters")
        .cloned()
        .unwrap_or(Value::Map(BTreeMap::new()));
    let mut plan = ParameterPlan {
        set: vec![],
        reset: vec![],
    };
    for (name, _, after) in crate::plan::compare::parameter_changes(&want, &Value::Map(have)) {
        let dy = dynamic(&name);
        match after {
            Some(v) => plan.set.push((name, v, dy)),
            None => plan.reset.push((name, dy)),
        }
    }
    crate::kinds::parameter_group::converge(rds, d, &plan).await
}

fn known_fields(d: &Resource) -> BTreeMap<String, Value> {
    d.attrs
        .iter()
        .filter(|(k, v)| k.as_str() != "tags" && !v.is_unknown())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Which of a group's rules a step converges.
#[derive(Clone, Copy, PartialEq)]
enum Rules {
    All,
    /// All but those naming another group of the environment (wanted or live): these are left
    /// as they are for the group's rules step, never revoked meanwhile.
    NotNamingOurGroups,
}

/// Authorizes missing and revokes extra rules, comparing with the group's rules read now.
async fn converge_rules(
    ctx: &StepContext,
    d: &Resource,
    id: &str,
    which: Rules,
) -> Result<(), AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = d.address.as_str();
    let rev = ctx.reverse();
    let map = |i: &str| rev.get(i).cloned().unwrap_or_else(|| i.to_string());
    let (ingress, egress) = crate::kinds::network::group_rules(ec2, addr, id, &map).await?;
    let ours = |r: &crate::model::Rule| {
        which == Rules::NotNamingOurGroups
            && crate::model::is_address(&r.source)
            && r.source != d.address.0
    };
    let keep = |rules: Vec<crate::model::Rule>| -> Vec<crate::model::Rule> {
        rules.into_iter().filter(|r| !ours(r)).collect()
    };
    let (ingress, egress) = (keep(ingress), keep(egress));
    let lookup = |a: &str| {
        ctx.id(a)
            .ok()
            .or_else(|| a.starts_with("sg-").then(|| a.to_string()))
    };
    for (egress_dir, have, key) in [(false, ingress, "ingress"), (true, egress, "egress")] {
        let want: Vec<crate::model::Rule> = d
            .get(key)
            .map(Value::as_rules)
            .unwrap_or_default()
            .iter()
            .filter(|r| !ours(r))
            .cloned()
            .collect();
        let perm = |r: &crate::model::Rule| {
            crate::kinds::network::permission(r, &lookup)
                .map_err(|m| AwsError::new(addr, "resolve rule", m))
        };
        let add = want
            .iter()
            .filter(|r| !have.contains(r))
            .map(perm)
            .collect::<Result<Vec<_>, _>>()?;
        let remove = have
            .iter()
            .filter(|r| !want.contains(r))
            .map(perm)
            .collect::<Result<Vec<_>, _>>()?;
        crate::kinds::network::change_rules(ec2, addr, id, egress_dir, &add, &remove).await?;
    }
    Ok(())
}

async fn delete(ctx: &StepContext, l: &Resource, c: &Change) -> Result<Option<String>, AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = l.address.as_str();
    let id = l.id.clone().unwrap_or_default();
    match l.kind {
        Kind::Vpc => crate::kinds::network::delete_vpc(ec2, addr, &id).await?,
        Kind::Subnet => crate::kinds::network::delete_subnet(ec2, addr, &id).await?,
        Kind::InternetGateway => {
            let vpc = l.str("vpc").and_then(|v| {
                ctx.id(v)
                    .ok()
                    .or_else(|| v.starts_with("vpc-").then(|| v.to_string()))
            });
            crate::kinds::network::delete_internet_gateway(ec2, addr, &id, vpc.as_deref()).await?
        }
        Kind::RouteTable => crate::kinds::network::delete_route_table(ec2, addr, &id).await?,
        Kind::SecurityGroup => crate::kinds::network::delete_security_group(ec2, addr, &id).await?,
        Kind::DbSubnetGroup => {
            crate::kinds::db::instance::delete_subnet_group(&ctx.clients.rds, addr, &l.name).await?
        }
        Kind::Secret => {
            // Checked again against AWS itself (the plan's read may have missed the database):
            // a secret whose database still exists keeps the only copy of its password.
            let rds = &ctx.clients.rds;
            let exists = match (
                l.str("db_instance_identifier"),
                l.str("db_cluster_identifier"),
            ) {
                (Some(i), _) => crate::kinds::db::instance::describe_instance(rds, i)
                    .await?
                    .filter(|x| x.db_instance_status() != Some("deleting"))
                    .map(|_| i),
                (None, Some(cl)) => crate::kinds::db::cluster::describe_cluster(rds, cl)
                    .await?
                    .filter(|x| x.status() != Some("deleting"))
                    .map(|_| cl),
                _ => None,
            };
            if let Some(db) = exists {
                return Err(AwsError::new(
                    addr,
                    "DeleteSecret",
                    format!("not deleted: it records the password of {db}, which still exists"),
                ));
            }
            crate::kinds::secret::schedule_deletion(&ctx.clients.secrets, addr, &l.name).await?;
            return Ok(Some("scheduled for deletion in 30 days".into()));
        }
        Kind::IamRole => {
            crate::kinds::iam_role::delete_role(&ctx.clients.iam, addr, &l.name).await?
        }
        Kind::ParameterGroup | Kind::ClusterParameterGroup => {
            crate::kinds::parameter_group::delete(&ctx.clients.rds, l.kind, addr, &l.name).await?
        }
        Kind::OptionGroup => {
            let arn = l.id.as_deref();
            return crate::kinds::option_group::delete(&ctx.clients.rds, addr, &l.name, arn).await;
        }
        Kind::Instance | Kind::Cluster => {
            let snapshot = (c.final_snapshot != Some(false)).then(|| {
                if let Some(id) = &c.final_snapshot_id {
                    return id.clone();
                }
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                format!("{}-final-{secs}", l.name)
            });
            if l.kind == Kind::Instance {
                crate::kinds::db::instance::delete_instance(
                    &ctx.clients.rds,
                    addr,
                    &l.name,
                    snapshot.as_deref(),
                    ctx.timeout,
                )
                .await?;
            } else {
                crate::kinds::db::cluster::delete_cluster(
                    &ctx.clients.rds,
                    addr,
                    &l.name,
                    snapshot.as_deref(),
                    ctx.timeout,
                )
                .await?;
            }
            return Ok(Some(match snapshot {
                Some(s) => format!("final snapshot {s}"),
                None => "no final snapshot".into(),
            }));
        }
        // Read replicas and Aurora members cannot have final snapshots of their own.
        Kind::Replica | Kind::ClusterInstance => {
            crate::kinds::db::instance::delete_instance(
                &ctx.clients.rds,
                addr,
                &l.name,
                None,
                ctx.timeout,
            )
            .await?
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn change(addr: &str, kind: Kind, action: Action, after: Resource) -> Change {
        Change {
            address: Address(addr.into()),
            kind,
            name: addr.into(),
            action,
            replaced_because: vec![],
            diffs: vec![],
            pending: vec![],
            maintenance_window: None,
            before: Some(after.clone()),
            after: Some(after),
            final_snapshot: None,
            final_snapshot_id: None,
            notes: vec![],
            reboot: None,
            moved_from: None,
        }
    }

    #[test]
    fn reboots_follow_the_parameter_group_and_replicas_go_before_their_source() {
        let pg = Resource::new(
            Address::new("parameter_group", "pg"),
            Kind::ParameterGroup,
            "pg",
        );
        let db = Resource::new(Address::new("instance", "db"), Kind::Instance, "db")
            .with("parameter_group", Value::str("parameter_group.pg"));
        let ro = Resource::new(Address::new("replica", "ro"), Kind::Replica, "ro")
            .with("source", Value::str("instance.db"))
            .with("parameter_group", Value::str("parameter_group.pg"));
        let mut c_db = change("instance.db", Kind::Instance, Action::Update, db);
        c_db.reboot = Some("x".into());
        let mut c_ro = change("replica.ro", Kind::Replica, Action::Update, ro);
        c_ro.reboot = Some("x".into());
        let plan = Plan {
            environment: "t".into(),
            region: "r".into(),
            changes: vec![
                change(
                    "parameter_group.pg",
                    Kind::ParameterGroup,
                    Action::Update,
                    pg,
                ),
                c_db,
                c_ro,
            ],
            warnings: vec![],
            duplicates: vec![],
        };
        let s = steps(&plan);
        let find = |addr: &str, part: Part| {
            s.iter()
                .position(|x| plan.changes[x.change].address.as_str() == addr && x.part == part)
                .unwrap()
        };
        let (pg_apply, db_apply) = (
            find("parameter_group.pg", Part::Apply),
            find("instance.db", Part::Apply),
        );
        let (db_reboot, ro_reboot) = (
            find("instance.db", Part::Reboot),
            find("replica.ro", Part::Reboot),
        );
        assert!(s[db_reboot].deps.contains(&pg_apply));
        assert!(s[db_reboot].deps.contains(&db_apply));
        assert!(
            s[db_reboot].deps.contains(&ro_reboot),
            "replicas reboot first"
        );
        assert!(s[ro_reboot].deps.contains(&pg_apply));
        assert!(!s[ro_reboot].deps.contains(&db_reboot));
    }
}
