//! Combinations AWS refuses, refused at validation with their place: an engine version of
//! another engine, an instance class the engine cannot use (or Multi-AZ where the edition has
//! none), AZs of another region. From a built-in table of RDS's documented limits.

use super::diag::Diagnostic;
use super::engines::{class_limit, in_major, majors};
use super::load::{Config, Origin};
use super::types::Azs;

fn check_version(engine: &str, version: Option<&String>, o: &Origin, d: &mut Vec<Diagnostic>) {
    let (Some(v), known) = (version, majors(engine)) else {
        return;
    };
    if known.is_empty() || known.iter().any(|m| in_major(v, m) || in_major(m, v)) {
        return;
    }
    d.push(
        Diagnostic::at(
            o.place(&["engine_version"]),
            format!("engine_version `{v}` is not a version of {engine}"),
        )
        .help(format!(
            "{engine} versions start with one of: {}",
            known.join(", ")
        )),
    );
}

fn check_class(
    engine: &str,
    class: &str,
    multi_az: bool,
    o: &Origin,
    path: &[&str],
    d: &mut Vec<Diagnostic>,
) {
    if let Some(why) = class_limit(engine, class, multi_az) {
        let path = if class_limit(engine, class, false).is_none() {
            &["multi_az"][..]
        } else {
            path
        };
        d.push(
            Diagnostic::at(o.place(path), why)
                .help("see the RDS documentation of instance classes supported per engine"),
        );
    }
}

pub(super) fn check(cfg: &Config, d: &mut Vec<Diagnostic>) {
    for i in &cfg.instances {
        let s = &i.spec;
        check_version(&s.engine, s.engine_version.as_ref(), &i.origin, d);
        check_class(
            &s.engine,
            &s.instance_class,
            s.multi_az,
            &i.origin,
            &["instance_class"],
            d,
        );
    }
    for r in &cfg.replicas {
        let s = &r.spec;
        let Some(src) = cfg
            .instances
            .iter()
            .find(|i| Some(i.name.as_str()) == s.source.strip_prefix("instance."))
        else {
            continue;
        };
        let class = s
            .instance_class
            .as_ref()
            .unwrap_or(&src.spec.instance_class);
        let multi_az = s.multi_az.unwrap_or(false);
        check_class(
            &src.spec.engine,
            class,
            multi_az,
            &r.origin,
            &["instance_class"],
            d,
        );
    }
    for c in &cfg.clusters {
        let s = &c.spec;
        check_version(&s.engine, s.engine_version.as_ref(), &c.origin, d);
        for (n, m) in s.instance.iter().enumerate() {
            let n = n.to_string();
            check_class(
                &s.engine,
                &m.instance_class,
                false,
                &c.origin,
                &["instance", &n, "instance_class"],
                d,
            );
        }
    }
    let Some(env) = &cfg.environment else { return };
    let region = &env.spec.region;
    for v in &cfg.vpcs {
        let Azs::List(azs) = &v.spec.azs else {
            continue;
        };
        for (n, az) in azs.iter().enumerate() {
            let in_region = az.strip_prefix(region.as_str()).is_some_and(|rest| {
                rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase())
            });
            if !in_region {
                let n = n.to_string();
                d.push(
                    Diagnostic::at(
                        v.origin.place(&["azs", &n]),
                        format!("`{az}` is not an availability zone of {region}"),
                    )
                    .help(format!(
                        "AZs of {region} are named {region}a, {region}b, ..."
                    )),
                );
            }
        }
    }
}
