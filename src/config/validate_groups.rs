//! Checks for parameter groups and the databases that name them.

use super::diag::Diagnostic;
use super::load::{Config, Decl};
use super::types::*;
use crate::model::versions::major_version;

pub(super) fn check(cfg: &Config, d: &mut Vec<Diagnostic>) {
    for g in &cfg.option_groups {
        let name = crate::config::expand::option_group_name(
            &cfg.env_name,
            &g.name,
            &g.spec.engine,
            &g.spec.major_engine_version,
        );
        check_name(
            "option_group",
            g.spec.identifier.as_deref(),
            &name,
            &g.origin,
            d,
        );
    }
    for (kind, groups) in [
        ("parameter_group", &cfg.parameter_groups),
        ("cluster_parameter_group", &cfg.cluster_parameter_groups),
    ] {
        let mut seen: Vec<(String, &str)> = vec![];
        for g in groups {
            check_group(cfg, kind, g, d);
            if let Some(i) = g.spec.identifier.as_deref() {
                let lower = i.to_ascii_lowercase();
                if let Some((_, other)) = seen.iter().find(|(n, _)| *n == lower) {
                    d.push(
                        Diagnostic::at(
                            g.origin.place(&["identifier"]),
                            format!("{kind}.{other} has the identifier `{i}` already"),
                        )
                        .help("AWS names are unique: give each group its own identifier"),
                    );
                }
                seen.push((lower, &g.name));
            }
        }
    }
    for i in &cfg.instances {
        let s = &i.spec;
        check_option_group(
            cfg,
            s.option_group.as_deref(),
            &s.engine,
            s.engine_version.as_deref(),
            i,
            d,
        );
        let want = Want {
            engine: &s.engine,
            version: s.engine_version.as_deref(),
        };
        check_use(
            cfg,
            &cfg.parameter_groups,
            s.parameter_group.as_deref(),
            want,
            i,
            &["parameter_group"],
            d,
        );
    }
    for c in &cfg.clusters {
        let s = &c.spec;
        let want = Want {
            engine: &s.engine,
            version: s.engine_version.as_deref(),
        };
        check_use(
            cfg,
            &cfg.cluster_parameter_groups,
            s.cluster_parameter_group.as_deref(),
            want,
            c,
            &["cluster_parameter_group"],
            d,
        );
        for (n, m) in s.instance.iter().enumerate() {
            let n = n.to_string();
            check_use(
                cfg,
                &cfg.parameter_groups,
                m.parameter_group.as_deref(),
                want,
                c,
                &["instance", &n, "parameter_group"],
                d,
            );
        }
    }
}

fn check_group(cfg: &Config, kind: &str, g: &Decl<ParameterGroupConfig>, d: &mut Vec<Diagnostic>) {
    let o = &g.origin;
    let family = &g.spec.family;
    let ok_family = !family.is_empty()
        && family
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        && family.starts_with(|c: char| c.is_ascii_alphabetic());
    if !ok_family {
        d.push(
            Diagnostic::at(
                o.place(&["family"]),
                format!("`{family}` is not a parameter group family"),
            )
            .help("e.g. \"mysql8.0\", \"postgres16\", \"aurora-postgresql16\""),
        );
    }
    let name = crate::config::expand::parameter_group_name(&cfg.env_name, &g.name, family);
    check_name(kind, g.spec.identifier.as_deref(), &name, o, d);
    for k in g.spec.parameters.keys() {
        if k.is_empty() || k.contains(char::is_whitespace) {
            d.push(
                Diagnostic::at(
                    o.place(&["parameters", k]),
                    format!("`{k}` is not a parameter name"),
                )
                .help("parameter names are as RDS lists them, e.g. max_connections"),
            );
        }
    }
}

/// A group's AWS name (its `identifier`, or the one rdsplan makes) must be one RDS accepts:
/// 1 to 255 letters, digits and single hyphens, starting with a letter, not ending with a
/// hyphen; and `default.`/`default:` names are AWS's own groups, which nobody can adopt.
fn check_name(
    kind: &str,
    identifier: Option<&str>,
    generated: &str,
    o: &super::load::Origin,
    d: &mut Vec<Diagnostic>,
) {
    let (name, place) = match identifier {
        Some(i) => (i, o.place(&["identifier"])),
        None => (generated, o.place(&[])),
    };
    let valid = !name.is_empty()
        && name.len() <= 255
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.contains("--")
        && !name.ends_with('-');
    if !valid {
        let help = if identifier.is_some() {
            "an RDS group name is 1 to 255 letters, digits and single hyphens, starting with a letter"
        } else {
            "use letters, digits and single hyphens in the name"
        };
        d.push(
            Diagnostic::at(
                place,
                format!("{kind} name `{name}` is not a valid RDS name"),
            )
            .help(help),
        );
    }
}

/// An option group of this environment must be of the database's engine and major version.
fn check_option_group<T>(
    cfg: &Config,
    name: Option<&str>,
    engine: &str,
    version: Option<&str>,
    db: &Decl<T>,
    d: &mut Vec<Diagnostic>,
) {
    let Some(name) = name else { return };
    let Some(g) = cfg.option_groups.iter().find(|g| g.name == name) else {
        return;
    };
    let major = version.map(|v| major_version(engine, v));
    let version_ok = match (
        &major,
        engine.starts_with("oracle") || engine.starts_with("sqlserver"),
    ) {
        (Some(m), false) => &g.spec.major_engine_version == m,
        _ => true,
    };
    if g.spec.engine != engine || !version_ok {
        d.push(
            Diagnostic::at(
                db.origin.place(&["option_group"]),
                format!(
                    "option group `{name}` is for {} {}, not {engine}{}",
                    g.spec.engine,
                    g.spec.major_engine_version,
                    major.map(|m| format!(" {m}")).unwrap_or_default()
                ),
            )
            .help("use an option group of the database's engine and major version"),
        );
    }
}

#[derive(Clone, Copy)]
struct Want<'a> {
    engine: &'a str,
    version: Option<&'a str>,
}

/// A database naming a group of this environment whose family is not of its engine (and, when
/// its version is given, of its major version) is refused: AWS would reject the association.
fn check_use<T>(
    _cfg: &Config,
    groups: &[Decl<ParameterGroupConfig>],
    name: Option<&str>,
    want: Want,
    db: &Decl<T>,
    path: &[&str],
    d: &mut Vec<Diagnostic>,
) {
    let Some(name) = name else { return };
    let Some(g) = groups.iter().find(|g| g.name == name) else {
        // Not declared here: an existing group's name, used as it is.
        return;
    };
    let family = &g.spec.family;
    let engine_ok = family.starts_with(want.engine)
        && family[want.engine.len()..]
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_digit() || c == '-');
    let version_ok = match want.version {
        Some(v)
            if engine_ok
                && !want.engine.starts_with("oracle")
                && !want.engine.starts_with("sqlserver") =>
        {
            let major = major_version(want.engine, v);
            family[want.engine.len()..] == major
        }
        _ => true,
    };
    if !engine_ok || !version_ok {
        let expected = match want.version {
            Some(v) => format!("{}{}", want.engine, major_version(want.engine, v)),
            None => format!("{}<major version>", want.engine),
        };
        d.push(
            Diagnostic::at(
                db.origin.place(path),
                format!(
                    "parameter group `{name}` has family `{family}`, which {}{} cannot use",
                    want.engine,
                    want.version.map(|v| format!(" {v}")).unwrap_or_default()
                ),
            )
            .help(format!("use a group of family \"{expected}\"")),
        );
    }
}
