//! What each RDS status means to a wait for a database to be usable: keep waiting, done, or
//! failed. One table for instances and clusters, from the RDS documentation of DB instance and
//! DB cluster statuses; a status not in it is waited on (until the deadline), never taken as
//! done.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// AWS is still working on it.
    Wait,
    /// Usable: the wait is over.
    Done,
    /// It will not become available without someone acting.
    Failed,
}

/// Every status AWS documents, and what it means to a wait for `available`.
pub const TABLE: &[(&str, Meaning)] = &[
    ("available", Meaning::Done),
    // Storage optimization can last many hours; the database is fully usable meanwhile.
    ("storage-optimization", Meaning::Done),
    ("backing-up", Meaning::Wait),
    ("backtracking", Meaning::Wait),
    ("configuring-enhanced-monitoring", Meaning::Wait),
    ("configuring-iam-database-auth", Meaning::Wait),
    ("configuring-log-exports", Meaning::Wait),
    ("converting-to-vpc", Meaning::Wait),
    ("creating", Meaning::Wait),
    ("failing-over", Meaning::Wait),
    ("maintenance", Meaning::Wait),
    ("migrating", Meaning::Wait),
    ("modifying", Meaning::Wait),
    ("moving-to-vpc", Meaning::Wait),
    ("promoting", Meaning::Wait),
    ("rebooting", Meaning::Wait),
    ("renaming", Meaning::Wait),
    ("resetting-master-credentials", Meaning::Wait),
    ("starting", Meaning::Wait),
    ("storage-config-upgrade", Meaning::Wait),
    // A full disk is why storage is being grown: the modification is still in progress.
    ("storage-full", Meaning::Wait),
    ("update-iam-db-auth", Meaning::Wait),
    ("upgrading", Meaning::Wait),
    ("delete-precheck", Meaning::Failed),
    ("deleting", Meaning::Failed),
    ("failed", Meaning::Failed),
    ("inaccessible-encryption-credentials", Meaning::Failed),
    (
        "inaccessible-encryption-credentials-recoverable",
        Meaning::Failed,
    ),
    ("incompatible-network", Meaning::Failed),
    ("incompatible-option-group", Meaning::Failed),
    ("incompatible-parameters", Meaning::Failed),
    ("incompatible-restore", Meaning::Failed),
    ("insufficient-capacity", Meaning::Failed),
    ("migration-failed", Meaning::Failed),
    ("restore-error", Meaning::Failed),
    // Stopping and stopped databases do not come back by themselves.
    ("stopping", Meaning::Failed),
    ("stopped", Meaning::Failed),
];

pub fn meaning(status: &str) -> Meaning {
    TABLE
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, m)| *m)
        .unwrap_or(Meaning::Wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_status_table() {
        let want = |s: &str| match s {
            "available" | "storage-optimization" => Meaning::Done,
            "delete-precheck"
            | "deleting"
            | "failed"
            | "inaccessible-encryption-credentials"
            | "inaccessible-encryption-credentials-recoverable"
            | "incompatible-network"
            | "incompatible-option-group"
            | "incompatible-parameters"
            | "incompatible-restore"
            | "insufficient-capacity"
            | "migration-failed"
            | "restore-error"
            | "stopping"
            | "stopped" => Meaning::Failed,
            _ => Meaning::Wait,
        };
        for (status, m) in TABLE {
            assert_eq!(*m, want(status), "{status}");
            assert_eq!(meaning(status), *m, "{status}");
        }
        // The statuses the issue names, each with its meaning.
        for (s, m) in [
            ("creating", Meaning::Wait),
            ("backing-up", Meaning::Wait),
            ("modifying", Meaning::Wait),
            ("configuring-enhanced-monitoring", Meaning::Wait),
            ("configuring-log-exports", Meaning::Wait),
            ("storage-optimization", Meaning::Done),
            ("storage-full", Meaning::Wait),
            ("upgrading", Meaning::Wait),
            ("rebooting", Meaning::Wait),
            ("renaming", Meaning::Wait),
            ("maintenance", Meaning::Wait),
            ("resetting-master-credentials", Meaning::Wait),
            ("starting", Meaning::Wait),
            ("stopping", Meaning::Failed),
            ("stopped", Meaning::Failed),
            ("deleting", Meaning::Failed),
        ] {
            assert_eq!(meaning(s), m, "{s}");
        }
        assert_eq!(meaning("something-new"), Meaning::Wait);
    }
}
