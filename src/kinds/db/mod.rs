//! Databases: DB instances, read replicas, Aurora clusters and their members, and the long
//! multi-call operations on them (modify, restore, blue/green upgrades, renames).

pub mod blue_green;
pub mod cluster;
pub mod instance;
pub mod modify;
pub mod read;
pub mod rename;
pub mod restore;
pub mod scope;
pub mod steps;
