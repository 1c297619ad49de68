//! rdsplan: plan and apply AWS RDS infrastructure from TOML files, with live AWS as the state.
//!
//! Data flows one way: `config` (files → desired resources) and `read` (AWS → live
//! resources) feed the pure `plan`, which `render` shows and `apply` carries out.

pub mod access;
pub mod apply;
pub mod aws;
pub mod cli;
pub mod config;
pub mod drift;
pub mod graph;
pub mod import;
pub mod import_cloudformation;
pub mod import_estate;
pub mod import_groups;
pub mod import_terraform;
pub mod kinds;
pub mod model;
pub mod plan;
pub mod read;
pub mod render;
pub mod saved;

/// The JSON Schema of one configuration file, generated from the config types. Keys are
/// sorted, so that the output is the same whether or not a dependency turns on serde_json's
/// `preserve_order` (feature unification differs between `cargo build` and `cargo test`).
pub fn schema() -> String {
    let schema = schemars::schema_for!(config::types::ConfigFile);
    let value = serde_json::to_value(&schema).expect("schema serialises");
    serde_json::to_string_pretty(&sorted(value)).expect("schema serialises")
}

fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

/// `-q`: progress and `ok` lines are left out (set once by the CLI before any work).
pub static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}
