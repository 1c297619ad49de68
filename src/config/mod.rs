//! Configuration: TOML files → a validated [`Config`], and from it the desired resources.

pub mod check_live;
pub mod checks;
mod decode;
pub mod diag;
pub mod engines;
pub mod expand;
pub mod expand_db;
pub mod load;
pub mod refs;
pub mod types;
pub mod validate;
pub mod validate_combos;
pub mod validate_cycles;
pub mod validate_db;
pub mod validate_fields;
pub mod validate_groups;
pub mod validate_limits;
pub mod validate_net;

pub use diag::Diagnostics;
pub use load::Config;

use std::path::{Path, PathBuf};

/// Loads and validates one environment folder; `Err` holds every problem found.
pub fn load(dir: &Path) -> Result<Config, Diagnostics> {
    let (cfg, mut diags) = load::load_dir(dir);
    if !diags.files.is_empty() && cfg.unreadable == 0 {
        let in_doubt = |d: &diag::Diagnostic| {
            d.place
                .as_ref()
                .is_some_and(|p| cfg.doubtful.iter().any(|q| q.covers(p)))
        };
        diags.items.extend(
            validate::validate(&cfg)
                .into_iter()
                .filter(|d| !in_doubt(d)),
        );
    }
    if diags.is_empty() {
        Ok(cfg)
    } else {
        Err(diags)
    }
}

/// The environment folders to act on. `dir` is either an environment folder itself (it holds
/// `*.toml` files) or a folder of environment folders; `env` picks one of the latter.
pub fn env_dirs(dir: &Path, env: Option<&str>) -> Result<Vec<PathBuf>, String> {
    if let Some(name) = env {
        let d = dir.join(name);
        if d.is_dir() {
            return Ok(vec![d]);
        }
        if dir.file_name().is_some_and(|n| n == name) && dir.is_dir() {
            return Ok(vec![dir.to_path_buf()]);
        }
        let known = list_envs(dir);
        return Err(format!(
            "no environment `{name}` in {}{}",
            dir.display(),
            if known.is_empty() {
                String::new()
            } else {
                format!(" (found: {})", known.join(", "))
            }
        ));
    }
    if load::toml_files(dir).is_ok_and(|f| !f.is_empty()) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let envs = list_envs(dir);
    if envs.is_empty() {
        return Err(format!(
            "no environments in {}: expected folders of *.toml files",
            dir.display()
        ));
    }
    Ok(envs.iter().map(|e| dir.join(e)).collect())
}

fn list_envs(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter(|e| load::toml_files(&e.path()).is_ok_and(|f| !f.is_empty()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_net;
