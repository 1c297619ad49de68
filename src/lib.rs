//! rdsplan: plan and apply AWS RDS infrastructure from TOML files, with live AWS as the state.
//!
//! Data flows one way: `config` (files → desired resources) and `aws::read` (AWS → live
//! resources) feed the pure `plan`, which `render` shows and `apply` carries out.

pub mod access;
pub mod apply;
pub mod aws;
pub mod cli;
pub mod cli_access;
pub mod cli_apply;
pub mod cli_drift;
pub mod cli_import;
pub mod config;
pub mod drift;
pub mod graph;
pub mod import;
pub mod model;
pub mod plan;
pub mod render;
pub mod saved;

/// The JSON Schema of one configuration file, generated from the config types.
pub fn schema() -> String {
    let schema = schemars::schema_for!(config::types::ConfigFile);
    serde_json::to_string_pretty(&schema).expect("schema serialises")
}
