//! Ctrl-C while apply holds the environment's lock. Before the steps start (reading, planning,
//! asking), an interrupt releases the lock and exits 1: nothing was changed. While the steps
//! run, the first interrupt stops new steps from starting and lets the calls in flight finish
//! (what AWS has begun, a creation or a modification, goes on in AWS; the next apply resumes
//! it); apply then releases the lock and exits 1. A second interrupt quits at once, leaving the
//! lock (the message says how to clear it).

use crate::aws::{self, Clients};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

pub struct Interrupt {
    count: AtomicUsize,
    /// Set when the steps start: from then on an interrupt is graceful.
    stepping: AtomicBool,
    notify: Notify,
}

impl Interrupt {
    /// Listens for Ctrl-C (SIGINT) from now on, for the environment whose lock is held.
    pub fn listen(clients: Clients, env: String) -> Arc<Interrupt> {
        let me = Arc::new(Interrupt {
            count: AtomicUsize::new(0),
            stepping: AtomicBool::new(false),
            notify: Notify::new(),
        });
        let it = me.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                let n = it.count.fetch_add(1, Ordering::SeqCst) + 1;
                if n > 1 {
                    eprintln!("\ninterrupted again: quitting now. The apply lock stays; clear it with `rdsplan unlock --env {env}`.");
                    std::process::exit(1);
                }
                if !it.stepping.load(Ordering::SeqCst) {
                    eprintln!("\ninterrupted: nothing was changed; releasing the apply lock.");
                    if let Err(e) = aws::lock::release(&clients, &env).await {
                        eprintln!("warning: could not release the apply lock: {e}\n  help: run `rdsplan unlock --env {env}`");
                    }
                    std::process::exit(1);
                }
                eprintln!("\ninterrupted: no new step starts; waiting for the calls in flight to finish (Ctrl-C again quits at once).");
                it.notify.notify_waiters();
            }
        });
        me
    }

    /// An interrupt that never comes (library callers and tests).
    pub fn never() -> Arc<Interrupt> {
        Arc::new(Interrupt {
            count: AtomicUsize::new(0),
            stepping: AtomicBool::new(true),
            notify: Notify::new(),
        })
    }

    /// From now on an interrupt lets the steps in flight finish.
    pub fn steps_start(&self) {
        self.stepping.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }

    /// Resolves once interrupted.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}
