//! `rdsplan validate`: the files checked without AWS.

use super::context::color_err;
use crate::config;

pub fn validate(dir: &std::path::Path, env: Option<&str>) -> i32 {
    let dirs = match config::env_dirs(dir, env) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut code = 0;
    for d in dirs {
        match config::load(&d) {
            Ok(_) if crate::quiet() => {}
            Ok(cfg) => println!(
                "ok: {} (environment `{}`: {})",
                d.display(),
                cfg.env_name,
                [
                    ("vpc", cfg.vpcs.len()),
                    ("security_group", cfg.security_groups.len()),
                    ("iam_role", cfg.iam_roles.len()),
                    ("parameter_group", cfg.parameter_groups.len()),
                    (
                        "cluster_parameter_group",
                        cfg.cluster_parameter_groups.len()
                    ),
                    ("option_group", cfg.option_groups.len()),
                    ("instance", cfg.instances.len()),
                    ("replica", cfg.replicas.len()),
                    ("cluster", cfg.clusters.len()),
                ]
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
            ),
            Err(diags) => {
                eprint!("{}", diags.render(color_err()));
                code = 1;
            }
        }
    }
    code
}
