//! `rdsplan plan`: what apply would change, in text, markdown or JSON; optionally saved.

use super::context::{color_out, prepare};
use super::PlanFormat;
use crate::{config, render};
use std::path::{Path, PathBuf};

pub struct Options {
    pub format: PlanFormat,
    pub detailed_exitcode: bool,
    pub out: Option<PathBuf>,
    pub targets: Vec<crate::model::Address>,
}

pub async fn plan(dir: &Path, env: &str, o: Options) -> i32 {
    let plan = match prepare(dir, env, &o.targets).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(file) = o.out {
        let written = config::env_dirs(dir, Some(env))
            .map_err(std::io::Error::other)
            .and_then(|dirs| crate::saved::save(&plan, &dirs[0]))
            .and_then(|s| std::fs::write(&file, s));
        if let Err(e) = written {
            eprintln!("error: cannot write the plan to {}: {e}", file.display());
            return 1;
        }
        eprintln!(
            "Saved the plan to {}; apply it with `rdsplan apply {}`.",
            file.display(),
            file.display()
        );
    }
    match o.format {
        PlanFormat::Text => print!("{}", render::text::render(&plan, color_out())),
        PlanFormat::Markdown => print!("{}", render::markdown::render(&plan)),
        PlanFormat::Json => print!("{}", render::json::render(&plan)),
    }
    if o.detailed_exitcode && !plan.duplicates.is_empty() {
        eprintln!(
            "error: AWS holds {} resource(s) of `{}` twice (see \"Duplicates\" above); exit code 1",
            plan.duplicates.len(),
            plan.environment
        );
        1
    } else if o.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    }
}
