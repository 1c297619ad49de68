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

/// The EC2 filter on the key of the environment tag: every environment's objects.
pub fn any_env_filter() -> Filter {
    Filter::builder().name("tag-key").values(TAG_ENV).build()
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
/// The environment's EC2 objects of one kind, as `owned_items!`; in a run that shares its
/// region's reads (`shared` is `Some`), every environment's objects of the kind are read once
/// (by the tag's key) and each environment keeps its own.
macro_rules! env_items {
    ($c:expr, $shared:expr, $env:expr, $op:ident, $what:literal, $name:literal) => {
        async {
            match $shared {
                Some(s) => {
                    let every = $crate::aws::paging::filtered_items!(
                        $c,
                        $op,
                        $crate::aws::paging::any_env_filter();
                        $what,
                        $name
                    );
                    let every: Vec<_> = s.once(concat!("ec2:", $name), every).await?;
                    let env_tag = |tags: &[aws_sdk_ec2::types::Tag]| {
                        tags.iter().any(|t| {
                            t.key() == Some($crate::model::TAG_ENV) && t.value() == Some($env)
                        })
                    };
                    Ok(every.into_iter().filter(|x| env_tag(x.tags())).collect())
                }
                None => $crate::aws::paging::owned_items!($c, $op, $env, $what, $name).await,
            }
        }
    };
}
pub(crate) use env_items;
pub(crate) use filtered_items;
pub(crate) use owned_items;
