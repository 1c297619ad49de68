//! Configuration: TOML files → a validated [`Config`], and from it the desired resources.

pub mod check_live;
pub mod checks;
mod decode;
pub mod diag;
pub mod engines;
pub mod expand;
pub mod expand_db;
pub mod load;
pub mod places;
pub mod refs;
pub mod regions;
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

/// The folder's own name, also for `.` and `..` (as the path resolves).
pub fn folder_name(dir: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.file_name().map(|n| n.to_string_lossy().to_string())
}

/// Where to look, said when the folder is not there.
fn no_folder(dir: &Path) -> String {
    format!(
        "folder {} does not exist: run rdsplan where your environments are, or set --dir (or RDSPLAN_DIR) to the folder of environment folders, or to one environment's folder",
        dir.display()
    )
}

/// The environment a command acts on: `env` when given, else the one `dir` is (a folder of
/// `*.toml` files), so that `--dir environments/prod` needs no `--env`.
pub fn env_name(dir: &Path, env: Option<&str>) -> Result<String, String> {
    if !dir.is_dir() {
        return Err(no_folder(dir));
    }
    if let Some(e) = env {
        return Ok(e.to_string());
    }
    if load::toml_files(dir).is_ok_and(|f| !f.is_empty()) {
        return folder_name(dir).ok_or_else(|| format!("{} has no name", dir.display()));
    }
    let known = list_envs(dir);
    Err(if known.is_empty() {
        format!(
            "no environments in {}: expected folders of *.toml files (or point --dir at one environment's folder)",
            dir.display()
        )
    } else {
        format!(
            "--env is needed: {} holds the environments {} (or point --dir at one of them)",
            dir.display(),
            known.join(", ")
        )
    })
}

/// The environment folders to act on. `dir` is either an environment folder itself (it holds
/// `*.toml` files) or a folder of environment folders; `env` picks one of the latter (or
/// names `dir` itself). An unknown `env` is told with the environments found and the closest.
pub fn env_dirs(dir: &Path, env: Option<&str>) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Err(no_folder(dir));
    }
    if let Some(name) = env {
        let d = dir.join(name);
        if d.is_dir() {
            return Ok(vec![d]);
        }
        if folder_name(dir).as_deref() == Some(name) {
            return Ok(vec![dir.to_path_buf()]);
        }
        let known = list_envs(dir);
        let here = load::toml_files(dir).is_ok_and(|f| !f.is_empty());
        let mut msg = format!("no environment `{name}` in {}", dir.display());
        if here {
            msg.push_str(&format!(
                " ({} is the environment `{}` itself: leave out --env, or run from its parent folder)",
                dir.display(),
                folder_name(dir).unwrap_or_default()
            ));
        } else if known.is_empty() {
            msg.push_str(": it holds no environment folders (folders of *.toml files); set --dir (or RDSPLAN_DIR) to where they are");
        } else {
            msg.push_str(&format!("; environments found: {}", known.join(", ")));
            let closest = known
                .iter()
                .map(|k| (strsim::levenshtein(k, name), k))
                .filter(|(d, k)| *d <= 2.max(k.len() / 3))
                .min();
            if let Some((_, k)) = closest {
                msg.push_str(&format!(". Did you mean `{k}`?"));
            }
        }
        return Err(msg);
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
