//! `rdsplan apply` (from the files or from a saved plan) and `rdsplan unlock`.

use super::context::{color_out, make_plan, read_and_plan, read_live, restrict, Context};
use crate::aws::lock::{self, LockError};
use crate::config::{self, Config};
use crate::saved::{self, SavedPlan};
use crate::{apply, aws, render};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub struct Flags {
    pub auto_approve: bool,
    pub allow_destroy: bool,
    /// `--target`: a partial apply (see `plan::target`).
    pub targets: Vec<crate::model::Address>,
}

fn read_saved(file: &Path) -> Result<SavedPlan, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let saved: SavedPlan = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a saved rdsplan plan: {e}", file.display()))?;
    if saved.format != saved::SAVED_FORMAT {
        return Err(format!(
            "{} is a saved plan of format `{}`; this rdsplan reads `{}`",
            file.display(),
            saved.format,
            saved::SAVED_FORMAT
        ));
    }
    Ok(saved)
}

pub async fn run(
    dir: &Path,
    env: Option<String>,
    plan_file: Option<PathBuf>,
    flags: Flags,
    opts: &apply::Options,
) -> i32 {
    let saved = match &plan_file {
        Some(f) => match read_saved(f) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        },
        None => None,
    };
    let env = match (env, &saved) {
        (Some(e), Some(s)) if e != s.environment => {
            eprintln!(
                "error: the plan file is for environment `{}`, not `{e}`",
                s.environment
            );
            return 1;
        }
        (Some(e), _) => e,
        (None, Some(s)) => s.environment.clone(),
        // The folder --dir names, when it is one environment's.
        (None, None) => match crate::config::env_name(dir, None) {
            Ok(e) => e,
            Err(e) => {
                eprintln!(
                    "error: {e}\n  help: give --env NAME, or a plan file saved with `rdsplan plan --out FILE`"
                );
                return 1;
            }
        },
    };
    let Context { cfg, clients } = match Context::open(dir, &env).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    match lock::acquire(&clients, &cfg.env_name, "apply").await {
        Ok(()) => {}
        Err(LockError::Held { holder, since }) => {
            eprintln!(
                "error: environment `{}` is locked by {holder} since {since}: another apply is running.\n  help: wait for it to finish; if it is gone (a killed or cancelled job), run `rdsplan unlock --env {}`",
                cfg.env_name, cfg.env_name
            );
            return 1;
        }
        Err(LockError::Aws(e)) => {
            eprintln!("error: taking the apply lock: {e}");
            return 1;
        }
    }
    let opts = apply::Options {
        interrupt: apply::interrupt::Interrupt::listen(clients.clone(), cfg.env_name.clone()),
        ..opts.clone()
    };
    let code = locked(dir, &cfg, &clients, saved, &flags, &opts).await;
    if let Err(e) = lock::release(&clients, &cfg.env_name).await {
        eprintln!(
            "warning: could not release the apply lock: {e}\n  help: run `rdsplan unlock --env {}`",
            cfg.env_name
        );
    }
    code
}

/// Everything apply does while it holds the lock.
async fn locked(
    dir: &Path,
    cfg: &Config,
    clients: &aws::Clients,
    saved: Option<SavedPlan>,
    flags: &Flags,
    opts: &apply::Options,
) -> i32 {
    let from_file = saved.is_some();
    let (live, plan) = match saved {
        Some(s) => {
            let live = match read_live(clients, cfg).await {
                Ok(l) => l,
                Err(c) => return c,
            };
            let env_dir = match config::env_dirs(dir, Some(&cfg.env_name)) {
                Ok(d) => d[0].clone(),
                Err(e) => {
                    eprintln!("error: {e}");
                    return 1;
                }
            };
            let files = saved::file_digests(&env_dir).unwrap_or_default();
            let moved = saved::what_moved(&s, &files, &live);
            if !moved.is_empty() {
                eprintln!(
                    "error: refusing to apply the saved plan: the world moved since it was made:"
                );
                for m in &moved {
                    eprintln!("  - {m}");
                }
                eprintln!("  help: run `rdsplan plan --env {} --out FILE` again, review it, and apply the new plan", cfg.env_name);
                return 1;
            }
            (live, s.plan)
        }
        None => match read_and_plan(clients, cfg, &flags.targets).await {
            Ok(x) => x,
            Err(c) => return c,
        },
    };
    print!("{}", render::text::render(&plan, color_out()));
    if !plan.has_changes() {
        return 0;
    }
    let destructive: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.needs_allow_destroy())
        .map(|c| format!("{} ({})", c.address, c.name))
        .collect();
    if !destructive.is_empty() && !flags.allow_destroy {
        eprintln!(
            "error: refusing to apply: this plan deletes or replaces {}.\n  help: review the plan, then run again with --allow-destroy if that is intended",
            destructive.join(", ")
        );
        return 1;
    }
    // A saved plan was reviewed when it was made; applying it is the approval.
    if !flags.auto_approve && !from_file && !confirmed(&plan, &cfg.env_name) {
        return 1;
    }
    println!("\nApplying to `{}` ({}):", cfg.env_name, cfg.region());
    let started = std::time::Instant::now();
    let outcome = apply::apply(clients, &plan, &live, opts).await;
    println!(
        "\n{} step{} done, {} failed, {} skipped in {:.1}s.",
        outcome.done,
        if outcome.done == 1 { "" } else { "s" },
        outcome.failed.len(),
        outcome.skipped.len(),
        started.elapsed().as_secs_f64()
    );
    for f in &outcome.failed {
        eprintln!("error: {f}");
    }
    if let Some((not_started, waits)) = outcome.interrupted {
        eprintln!(
            "error: interrupted: {not_started} step{} not started; {waits} wait{} left to AWS (what AWS began goes on there). Run apply again to finish; it resumes where this run stopped.",
            if not_started == 1 { "" } else { "s" },
            if waits == 1 { "" } else { "s" },
        );
        return 1;
    }
    // Convergence is judged by AWS, not by the steps' own view: re-read and re-plan.
    let live = match read_live(clients, cfg).await {
        Ok(l) => l,
        Err(c) => return c,
    };
    let after = make_plan(cfg, &live).and_then(|p| restrict(p, &flags.targets));
    if let Ok(after) = &after {
        record_applied(clients, after).await;
    }
    match after {
        // A failed step is never reported as convergence, even when AWS now matches the
        // files (the step may have acted before failing): the run exits 1 and says so.
        Ok(after) if !outcome.failed.is_empty() && !after.has_changes() => {
            println!(
                "Not converged: {} step{} failed (errors above), although AWS now matches the files. Run apply again to confirm; it resumes where this run stopped.",
                outcome.failed.len(),
                if outcome.failed.len() == 1 { "" } else { "s" },
            );
            1
        }
        Ok(after) if !after.has_changes() => {
            println!(
                "Converged: environment `{}` matches the configuration.",
                cfg.env_name
            );
            for c in &after.changes {
                let Some(base) = c
                    .before
                    .as_ref()
                    .and_then(|b| b.str(crate::model::RETAINED_OLD))
                else {
                    continue;
                };
                println!(
                    "Kept: {} ({}), the old instance of a blue/green upgrade of {base}, still runs; set retire_old = true on {base} to delete it once it is no longer needed.",
                    c.address, c.name
                );
            }
            0
        }
        Ok(after) => {
            let s = after.summary();
            println!(
                "Not converged: {} to add, {} to change, {} to replace, {} to destroy, {} conflicts remain. Fix the errors above and run apply again; it resumes where this run stopped.",
                s.add, s.change, s.replace, s.destroy, s.conflict
            );
            1
        }
        Err(c) => c,
    }
}

pub async fn unlock(dir: &Path, env: &str) -> i32 {
    let Context { cfg, clients } = match Context::open(dir, env).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    match lock::read(&clients, &cfg.env_name).await {
        Ok(None) => {
            println!("Environment `{}` is not locked.", cfg.env_name);
            0
        }
        Ok(Some((holder, since))) => match lock::release(&clients, &cfg.env_name).await {
            Ok(()) => {
                println!(
                    "Unlocked `{}` (it was locked by {holder} since {since}).",
                    cfg.env_name
                );
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Asks on the terminal. What cannot be undone is repeated right above the question (the
/// plan's banners may have scrolled away); a plan that loses data asks for the environment's
/// name, not a reflex `yes`. Says why when it is not confirmed.
fn confirmed(plan: &crate::plan::Plan, env: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        eprintln!("error: apply needs confirmation, but standard input is not a terminal.\n  help: pass --auto-approve to apply without asking (as CI does)");
        return false;
    }
    let (summary, loses_data) = at_stake(plan);
    for line in &summary {
        println!("{line}");
    }
    let (question, want) = if loses_data {
        (
            format!("\nThis plan destroys or replaces data. Type the environment's name (`{env}`) to apply: "),
            env,
        )
    } else {
        (
            format!("\nApply these changes to `{env}`? Only 'yes' is accepted: "),
            "yes",
        )
    };
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != want {
        eprintln!("Apply cancelled; nothing was changed.");
        return false;
    }
    true
}

/// One line each for what the plan destroys, replaces and reboots (empty when none), and
/// whether any of it loses data (a resource holding data deleted or replaced).
fn at_stake(plan: &crate::plan::Plan) -> (Vec<String>, bool) {
    use crate::plan::Action;
    let of = |f: &dyn Fn(&crate::plan::Change) -> bool| -> Vec<String> {
        plan.changes
            .iter()
            .filter(|c| f(c))
            .map(|c| c.address.to_string())
            .collect()
    };
    let destroyed = of(&|c| c.action == Action::Delete);
    let replaced = of(&|c| c.action == Action::Replace);
    let rebooted = of(&|c| c.reboot.is_some());
    let loses_data = plan.changes.iter().any(|c| {
        matches!(c.action, Action::Delete | Action::Replace)
            && c.kind.holds_data()
            && c.needs_allow_destroy()
    });
    let mut out = vec![];
    for (what, list) in [
        ("destroys", destroyed),
        ("replaces", replaced),
        ("reboots", rebooted),
    ] {
        if !list.is_empty() {
            out.push(format!("This plan {what}: {}", list.join(", ")));
        }
    }
    (out, loses_data)
}

/// Leaves on every resource that now matches the files the record of what was converged
/// (`plan::applied`), so that drift and plan can tell an edit not applied yet from a change
/// made in AWS. Only records that changed are written, a few calls at a time; one that cannot
/// be written is a warning (the next apply writes it), never a failed apply.
async fn record_applied(clients: &crate::aws::Clients, after: &crate::plan::Plan) {
    use crate::plan::applied::{record, APPLIED};
    use futures::stream::StreamExt;
    let writes = after.changes.iter().filter_map(|c| {
        let (live, desired) = (c.before.as_ref()?, c.after.as_ref()?);
        if c.action != crate::plan::Action::NoOp || !c.pending.is_empty() {
            return None;
        }
        let rec = record(desired, live);
        (live.str(APPLIED) != Some(rec.as_str())).then_some((c, live, rec))
    });
    let results: Vec<_> = futures::stream::iter(writes.map(|(c, live, rec)| async move {
        let r = crate::kinds::set_tag(
            clients,
            live,
            c.address.as_str(),
            crate::model::TAG_APPLIED,
            &rec,
        )
        .await;
        (c.address.clone(), r)
    }))
    .buffer_unordered(8)
    .collect()
    .await;
    for (address, r) in results {
        if let Err(e) = r {
            eprintln!("warning: could not record what was applied on {address} ({e}); the next apply records it");
        }
    }
}
