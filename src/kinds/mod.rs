//! One home per kind of resource: how it is read from AWS, created, modified, deleted and
//! retagged. The engine around them (the read orchestrator in `crate::read`, the executor in
//! `crate::apply`) reaches them through the registry in this file.

pub mod adopt;
pub mod db;
pub mod iam_role;
pub mod network;
pub mod network_read;
pub mod option_group;
pub mod parameter_group;
pub mod retag;
pub mod rotation;
pub mod secret;

#[cfg(test)]
mod tests_params;
#[cfg(test)]
mod tests_table;
