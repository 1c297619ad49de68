//! The executor: carries out a [`Plan`] in dependency order (creates forward, deletes in
//! reverse), independent steps concurrently up to a bound. It does only what the plan says.
//!
//! Guarantees: every step is idempotent (it looks for what an earlier, interrupted run made
//! before creating anything, and treats "already exists" / "not found" as success when the
//! result is what the step wants), so re-running after a failure at any point converges. When a
//! step fails, its dependants are skipped and the root cause is reported once.

pub mod interrupt;
mod progress;
pub mod rate;
mod steps;

use crate::aws::{AwsError, Clients};
use crate::kinds::step::{StepContext, SLOT};
use crate::model::{Address, Live};
use crate::plan::{Action, Change, Plan};
use progress::Progress;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steps::{steps, verb, Part};
use tokio::task::JoinSet;

#[derive(Clone)]
pub struct Options {
    pub parallelism: usize,
    pub timeout: Duration,
    /// Ctrl-C: once set, no new step starts.
    pub interrupt: std::sync::Arc<interrupt::Interrupt>,
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

/// Runs every step of `plan`, printing one line when a step starts and one when it ends.
pub async fn apply(clients: &Clients, plan: &Plan, live: &Live, opts: &Options) -> Outcome {
    let ctx = crate::kinds::step::context(
        clients,
        &plan.environment,
        live,
        opts.timeout,
        opts.parallelism,
        crate::kinds::id_key,
    );
    // Mutating work per service (EC2, RDS, IAM, Secrets Manager), one bucket each.
    let buckets = Arc::new(rate::buckets());
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
    // Every second, the progress shows life (ticking times, `still creating` lines).
    let mut heartbeat = tokio::time::interval(Duration::from_secs(1));
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut told_interrupt = false;
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
                progress.start(&c.address.0, verb.0);
                let change = c.clone();
                let part = steps[s].part;
                let ctx = ctx.clone();
                let buckets = buckets.clone();
                running.spawn(SLOT.scope(std::cell::RefCell::new(None), async move {
                    let slot = ctx.slots.clone().acquire_owned().await.ok();
                    SLOT.with(|x| *x.borrow_mut() = slot);
                    buckets[crate::kinds::service(change.kind) as usize]
                        .take()
                        .await;
                    let t = Instant::now();
                    let r = run_step(&ctx, &change, part).await;
                    (s, r, t.elapsed())
                }));
            }
        }
        let joined = if opts.interrupt.is_set() {
            if !told_interrupt {
                told_interrupt = true;
                progress.interrupted();
            }
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
                _ = heartbeat.tick() => {
                    progress.heartbeat();
                    continue;
                }
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
        state[s] = finished(&progress, c, verb.1, result, elapsed, &mut outcome);
        if state[s] == State::Failed {
            cause[s] = Some(format!("{} failed", c.address));
        }
    }
    if opts.interrupt.is_set() {
        let not_started = state.iter().filter(|s| **s == State::Pending).count();
        outcome.interrupted = Some((not_started, left_to_aws));
    }
    outcome
}

/// A step's end, said and counted: its state from now on.
fn finished(
    progress: &Progress,
    c: &Change,
    done: &str,
    result: Result<Option<String>, AwsError>,
    elapsed: Duration,
    outcome: &mut Outcome,
) -> State {
    progress.finish(&c.address.0);
    let n = progress.tick();
    match result {
        Ok(detail) => {
            outcome.done += 1;
            progress.line(&format!(
                "  {n} {}: {done}{} [{:.1}s]",
                c.address,
                detail.map(|d| format!(" ({d})")).unwrap_or_default(),
                elapsed.as_secs_f64()
            ));
            State::Done
        }
        Err(e) => {
            progress.line(&format!(
                "  {n} {}: FAILED after {:.1}s: {e}",
                c.address,
                elapsed.as_secs_f64()
            ));
            outcome.failed.push(e.to_string());
            State::Failed
        }
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
            crate::kinds::network_steps::rules_naming_groups(ctx, d).await?;
            Ok(None)
        }
        Part::Delete => {
            let l = c.before.as_ref().expect("deletes have a live side");
            crate::kinds::delete(ctx, l, c).await
        }
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
            crate::kinds::apply(ctx, d, before, c).await
        }
    }
}
