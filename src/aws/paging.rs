//! Paginated EC2 reads, one call for all items of a kind: by the environment's tag or by
//! filters. Macros, since each EC2 describe is a builder type of its own.

use crate::model::TAG_ENV;
use aws_sdk_ec2::types::Filter;

/// The EC2 filter on the environment's tag.
pub fn tag_filter(env: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{TAG_ENV}"))
        .values(env)
        .build()
}

/// All EC2 objects of one kind that carry the environment's tag: one paginated call.
macro_rules! owned_items {
    ($c:expr, $op:ident, $env:expr, $what:literal, $name:literal) => {
        filtered_items!($c, $op, $crate::aws::paging::tag_filter($env); $what, $name)
    };
}

/// All EC2 objects of one kind that match a filter (or every one of several): one paginated
/// call.
macro_rules! filtered_items {
    ($c:expr, $op:ident, $($filter:expr),+ ; $what:literal, $name:literal) => {
        async {
            $c.ec2
                .$op()
                $(.filters($filter))+
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err($crate::aws::error::sdk($what, $name))
        }
    };
}
pub(crate) use filtered_items;
pub(crate) use owned_items;
