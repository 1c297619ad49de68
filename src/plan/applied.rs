//! What the last apply converged, so that a difference can be told apart: the files changed
//! since (not applied yet), AWS changed since (changed in AWS), or both. Apply leaves on each
//! resource it converged the tag `rdsplan:applied = <desired>.<live>`: short fingerprints of
//! the attributes the files wanted and of those AWS then reported (the compared ones, as the
//! attribute table says). Reading it back costs nothing (tags are read with the resources); a
//! resource without it (never applied by this version, or adopted) is `Unknown`, as before.
//! Pure.

use crate::model::attrs::{lookup, Compare};
use crate::model::{Resource, Value};
use serde::{Deserialize, Serialize};

/// The live attribute the reader moves the tag's value into (never compared, never written).
pub const APPLIED: &str = "applied_record";

/// Why a resource differs from the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The files changed since the last apply; AWS is as that apply left it.
    NotAppliedYet,
    /// AWS changed since the last apply; the files did not.
    ChangedInAws,
    /// Both changed.
    Both,
    /// No record of the last apply to tell.
    Unknown,
}

impl Cause {
    pub fn label(self) -> &'static str {
        match self {
            Cause::NotAppliedYet => "not applied yet",
            Cause::ChangedInAws => "changed in AWS",
            Cause::Both => "changed in the files and in AWS",
            Cause::Unknown => "changed out of band",
        }
    }
    /// Whether something outside rdsplan changed AWS (what a drift run fails on by default).
    pub fn in_aws(self) -> bool {
        self != Cause::NotAppliedYet
    }
}

/// A short fingerprint (32 bits, hex) of a resource's compared attributes, in a stable order;
/// FNV-1a, so that it is the same in every build.
pub fn fingerprint(r: &Resource) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in &r.attrs {
        let compared = lookup(r.kind, k).is_some_and(|a| a.compare != Compare::Never);
        if !compared {
            continue;
        }
        let text = format!("{k}={}\n", serde_json::to_string(v).unwrap_or_default());
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{:08x}", (h ^ (h >> 32)) as u32)
}

/// The record apply leaves once `live` matches `desired`.
pub fn record(desired: &Resource, live: &Resource) -> String {
    format!("{}.{}", fingerprint(desired), fingerprint(live))
}

/// Why `live` differs from `desired` (either may be gone: a resource the files dropped, or
/// one deleted in AWS), from the record the last apply left on it.
pub fn cause(desired: Option<&Resource>, live: Option<&Resource>) -> Cause {
    let Some(rec) = live.and_then(|l| l.str(APPLIED)) else {
        return Cause::Unknown;
    };
    let Some((want, had)) = rec.split_once('.') else {
        return Cause::Unknown;
    };
    let files = desired.is_none_or(|d| fingerprint(d) != want);
    let aws = live.is_some_and(|l| fingerprint(l) != had);
    match (files, aws) {
        (true, false) => Cause::NotAppliedYet,
        (false, true) => Cause::ChangedInAws,
        (true, true) => Cause::Both,
        // Same on both sides, yet a difference: nothing to tell it by.
        (false, false) => Cause::Unknown,
    }
}

/// The tag's value read back, moved from the live tags into [`APPLIED`].
pub fn take_record(r: &mut Resource) {
    let Some(Value::Map(tags)) = r.attrs.get_mut("tags") else {
        return;
    };
    if let Some(v) = tags.remove(crate::model::TAG_APPLIED) {
        r.set(APPLIED, Value::str(&v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Kind};

    fn db(class: &str) -> Resource {
        Resource::new(
            Address::new("instance", "orders"),
            Kind::Instance,
            "t-orders",
        )
        .with("instance_class", Value::str(class))
        .with("engine", Value::str("postgres"))
    }

    #[test]
    fn the_record_tells_the_files_from_aws() {
        let mut live = db("db.t3.micro").with("status", Value::str("available"));
        live.set(APPLIED, Value::str(record(&db("db.t3.micro"), &live)));
        assert_eq!(
            fingerprint(&live),
            fingerprint(&db("db.t3.micro")),
            "status is not compared"
        );
        // The files moved on; AWS is as the apply left it.
        assert_eq!(
            cause(Some(&db("db.t3.medium")), Some(&live)),
            Cause::NotAppliedYet
        );
        // AWS moved; the files did not.
        let mut changed = live.clone();
        changed.set("instance_class", Value::str("db.t3.large"));
        assert_eq!(
            cause(Some(&db("db.t3.micro")), Some(&changed)),
            Cause::ChangedInAws
        );
        assert_eq!(
            cause(Some(&db("db.t3.medium")), Some(&changed)),
            Cause::Both
        );
        // Dropped from the files, untouched in AWS: waiting for apply.
        assert_eq!(cause(None, Some(&live)), Cause::NotAppliedYet);
        // No record: as before.
        assert_eq!(
            cause(Some(&db("db.t3.medium")), Some(&db("db.t3.micro"))),
            Cause::Unknown
        );
        assert!(!Cause::NotAppliedYet.in_aws() && Cause::Both.in_aws());
    }

    #[test]
    fn the_record_moves_out_of_the_tags() {
        let mut r = db("db.t3.micro").with(
            "tags",
            Value::Map(
                [
                    ("team".to_string(), "a".to_string()),
                    (crate::model::TAG_APPLIED.to_string(), "0a.0b".to_string()),
                ]
                .into(),
            ),
        );
        take_record(&mut r);
        assert_eq!(r.str(APPLIED), Some("0a.0b"));
        assert_eq!(
            r.get("tags").and_then(|t| t.as_map()).map(|m| m.len()),
            Some(1)
        );
    }
}
