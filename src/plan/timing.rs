//! When a change takes effect, from the attribute table (`model::attrs`).

use crate::model::attrs::{lookup, When};
use crate::model::{Kind, Value};

/// When an in-place change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Applied at once, without an outage.
    Immediate,
    /// Applied at the next maintenance window (unless `apply_immediately`).
    MaintenanceWindow,
    /// Applied at once, and the database reboots (an outage).
    Reboot,
    /// Accepted at once, in effect only after the database's next reboot (`pending-reboot`).
    AfterReboot,
}

impl Timing {
    pub fn describe(self, window: Option<&str>) -> String {
        match self {
            Timing::Immediate => "immediately".into(),
            Timing::Reboot => "immediately, with a reboot".into(),
            Timing::AfterReboot => "after reboot".into(),
            Timing::MaintenanceWindow => match window {
                Some(w) => format!("at the next maintenance window ({w})"),
                None => "at the next maintenance window".into(),
            },
        }
    }
}

/// When a change of `attr` from `before` to `after` takes effect on a `kind`, from the table.
/// `apply_immediately` moves window changes to now.
pub fn timing(
    kind: Kind,
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    apply_immediately: bool,
) -> Timing {
    let window = if apply_immediately {
        Timing::Immediate
    } else {
        Timing::MaintenanceWindow
    };
    match lookup(kind, attr).map(|a| a.when) {
        Some(When::Window) => window,
        Some(When::Reboot) => Timing::Reboot,
        Some(When::AfterReboot) => Timing::AfterReboot,
        Some(When::BackupToggle) => {
            let zero = |v: Option<&Value>| v.and_then(Value::as_int) == Some(0);
            if zero(before) != zero(after) {
                window
            } else {
                Timing::Immediate
            }
        }
        Some(When::Now) | None => Timing::Immediate,
    }
}
