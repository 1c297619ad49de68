//! The registry walked: every kind has a service, an id key, a reader and a carrier for each of
//! its attributes; the registry's readers and services are each some kind's. Create, modify,
//! delete and retag are exhaustive matches (a kind without them does not compile), and
//! `tests/it/registry.rs` runs each of them against the emulator for every kind.

use super::*;
use crate::model::attrs::{self, ALL_KINDS};
use std::collections::BTreeSet;

#[test]
fn every_attribute_of_every_kind_has_a_carrier_its_steps_send() {
    for &kind in ALL_KINDS {
        for a in attrs::table(kind) {
            assert!(
                carries(kind, a.carrier),
                "{kind}.{}: its carrier {:?} is not one the {kind} steps send",
                a.name,
                a.carrier
            );
        }
    }
}

#[test]
fn every_reader_and_service_serves_a_kind_and_every_bucket_exists() {
    let readers: BTreeSet<Reader> = ALL_KINDS.iter().map(|&k| reader(k)).collect();
    assert!(readers.contains(&Reader::Network) && readers.contains(&Reader::Databases));
    for which in Alone::ALL {
        assert!(
            readers.contains(&Reader::Alone(which)),
            "{which:?} reads no kind"
        );
    }
    // The orchestrator runs the readers that need nothing of the others from `Alone::ALL`.
    for r in &readers {
        if let Reader::Alone(which) = r {
            assert!(Alone::ALL.contains(which), "{which:?} is not in Alone::ALL");
        }
    }
    let buckets = crate::apply::rate::buckets().len();
    let services: BTreeSet<usize> = ALL_KINDS.iter().map(|&k| service(k) as usize).collect();
    assert_eq!(
        services,
        (0..buckets).collect(),
        "one token bucket per service"
    );
}

#[test]
fn what_other_resources_name_by_aws_id_is_what_ec2_and_iam_identify_by_id() {
    for &kind in ALL_KINDS {
        let by_id = matches!(service(kind), Service::Ec2 | Service::Iam);
        assert_eq!(id_key(kind) == IdKey::AwsId, by_id, "{kind}");
    }
}
