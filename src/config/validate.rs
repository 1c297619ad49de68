//! Semantic checks on a loaded environment: references, CIDRs, engine limits, RDS naming rules.
//! Every check reports with the place of the offending value; none stops the others.

use super::checks::*;
use super::diag::Diagnostic;
use super::engines;
use super::load::{Config, Decl, Origin};
use super::types::*;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

pub fn validate(cfg: &Config) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    check_environment(cfg, &mut d);
    duplicates(&cfg.vpcs, "vpc", &mut d);
    duplicates(&cfg.security_groups, "security_group", &mut d);
    duplicates(&cfg.instances, "instance", &mut d);
    let vpcs: BTreeMap<&str, &Decl<VpcConfig>> =
        cfg.vpcs.iter().map(|v| (v.name.as_str(), v)).collect();

    for v in &cfg.vpcs {
        check_vpc(v, &mut d);
    }
    for sg in &cfg.security_groups {
        check_ref(
            &vpcs,
            &cfg.declared_vpcs,
            &sg.spec.vpc,
            "vpc",
            &sg.origin,
            &["vpc"],
            &mut d,
        );
        for (field, rules) in [
            ("ingress", Some(&sg.spec.ingress)),
            ("egress", sg.spec.egress.as_ref()),
        ] {
            for (i, r) in rules.into_iter().flatten().enumerate() {
                check_rule(cfg, r, &sg.origin, field, i, &mut d);
            }
        }
    }
    for inst in &cfg.instances {
        check_instance(cfg, &vpcs, inst, &mut d);
    }
    duplicates(&cfg.replicas, "replica", &mut d);
    duplicates(&cfg.clusters, "cluster", &mut d);
    duplicates(&cfg.iam_roles, "iam_role", &mut d);
    super::validate_db::check(cfg, &vpcs, &mut d);
    super::validate_groups::check(cfg, &mut d);
    super::validate_fields::check(cfg, &mut d);
    super::validate_net::check_moved(cfg, &mut d);
    super::validate_combos::check(cfg, &mut d);
    super::validate_limits::check(cfg, &mut d);
    // On files that are otherwise valid only: expansion assumes what the checks above ensure.
    if d.is_empty() {
        super::validate_cycles::check(cfg, &mut d);
    }
    d
}

fn check_environment(cfg: &Config, d: &mut Vec<Diagnostic>) {
    let Some(env) = &cfg.environment else {
        if cfg.environment_declared {
            return;
        }
        d.push(
            Diagnostic::nowhere(format!(
                "environment `{}` has no [environment] table",
                cfg.env_name
            ))
            .help("add `[environment]` with `region = \"...\"` to one of its files"),
        );
        return;
    };
    let o = &env.origin;
    if cfg.env_name == "lock" {
        d.push(
            Diagnostic::at(o.place(&[]), "the environment name `lock` is reserved")
                .help("rdsplan keeps apply locks under rdsplan/lock/; rename the folder or set [environment] name"),
        );
    }
    if !super::load::valid_name(&cfg.env_name) || cfg.env_name.len() > 20 {
        let path: &[&str] = if env.spec.name.is_some() {
            &["name"]
        } else {
            &[]
        };
        d.push(
            Diagnostic::at(o.place(path), format!("invalid environment name `{}`", cfg.env_name))
                .help("environment names are lowercase letters, digits and `-`, start with a letter, at most 20 characters (they prefix AWS names)"),
        );
    }
    let r = &env.spec.region;
    if let Err(closest) = super::regions::check(r) {
        let help = match closest {
            Some(c) => format!("did you mean region = \"{c}\"? (a region AWS opened after this rdsplan was built needs a newer rdsplan)"),
            None => "e.g. region = \"us-west-2\" (a region AWS opened after this rdsplan was built needs a newer rdsplan)".into(),
        };
        d.push(
            Diagnostic::at(o.place(&["region"]), format!("`{r}` is not an AWS region")).help(help),
        );
    }
    if let Some(a) = &env.spec.account_id {
        if a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit()) {
            d.push(
                Diagnostic::at(o.place(&["account_id"]), "account_id must be 12 digits")
                    .help("quote it as a string: account_id = \"123456789012\""),
            );
        }
    }
}

fn duplicates<T>(decls: &[Decl<T>], kind: &str, d: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &Origin> = BTreeMap::new();
    for decl in decls {
        if let Some(first) = seen.get(decl.name.as_str()) {
            d.push(
                Diagnostic::at(
                    decl.origin.name_place(),
                    format!("{kind}.{} is defined twice", decl.name),
                )
                .label("defined again here")
                .also(first.name_place(), "first defined here")
                .help("an address may be defined once per environment; rename or remove one"),
            );
        } else {
            seen.insert(&decl.name, &decl.origin);
        }
    }
}

/// Parses a CIDR and insists that it has no host bits set.
fn check_cidr(s: &str, o: &Origin, path: &[&str], d: &mut Vec<Diagnostic>) -> Option<Ipv4Net> {
    match s.parse::<Ipv4Net>() {
        Err(_) => {
            d.push(
                Diagnostic::at(
                    o.place(path),
                    format!("`{s}` is not a valid IPv4 CIDR block"),
                )
                .help("write it as ADDRESS/PREFIX, e.g. \"10.0.0.0/16\""),
            );
            None
        }
        Ok(net) if net.trunc() != net => {
            d.push(
                Diagnostic::at(o.place(path), format!("CIDR `{s}` has host bits set"))
                    .help(format!("did you mean \"{}\"?", net.trunc())),
            );
            None
        }
        Ok(net) => Some(net),
    }
}

fn check_vpc(v: &Decl<VpcConfig>, d: &mut Vec<Diagnostic>) {
    let o = &v.origin;
    if let Some(id) = &v.spec.id {
        super::validate_net::check_external_vpc(v, id, d);
        return;
    }
    super::validate_net::check_owned_vpc_fields(v, d);
    let Some(cidr) = &v.spec.cidr else { return };
    let net = check_cidr(cidr, o, &["cidr"], d);
    if let Some(net) = net {
        if !(16..=28).contains(&net.prefix_len()) {
            d.push(
                Diagnostic::at(
                    o.place(&["cidr"]),
                    "a VPC's CIDR prefix must be between /16 and /28",
                )
                .help("AWS allows VPC blocks from /16 (65,536 addresses) to /28 (16 addresses)"),
            );
        }
    }
    let azs = match &v.spec.azs {
        Azs::Count(n) => {
            if !(1..=6).contains(n) {
                d.push(
                    Diagnostic::at(o.place(&["azs"]), format!("azs = {n} is out of range"))
                        .help("use 1 to 6 AZs (RDS needs at least 2), or a list of AZ names"),
                );
            }
            *n
        }
        Azs::List(l) => {
            let mut sorted = l.clone();
            sorted.sort();
            sorted.dedup();
            if l.is_empty() || sorted.len() != l.len() {
                d.push(
                    Diagnostic::at(
                        o.place(&["azs"]),
                        "azs must be a non-empty list of distinct AZ names",
                    )
                    .help("e.g. azs = [\"us-west-2a\", \"us-west-2b\"]"),
                );
            }
            l.len() as i64
        }
    };
    let p = v.spec.subnet_prefix;
    if !(16..=28).contains(&p) {
        d.push(
            Diagnostic::at(
                o.place(&["subnet_prefix"]),
                format!("subnet_prefix {p} is out of range"),
            )
            .help("AWS subnets are /16 to /28"),
        );
        return;
    }
    if let Some(net) = net {
        let per_az = if v.spec.public { 2 } else { 1 };
        let needed = azs.max(1) * per_az;
        let available: i64 = if (p as u8) < net.prefix_len() {
            0
        } else {
            1i64 << (p as u8 - net.prefix_len()).min(40)
        };
        if available < needed {
            d.push(
                Diagnostic::at(
                    o.place(&["subnet_prefix"]),
                    format!("{needed} subnets of /{p} do not fit in {net} (room for {available})"),
                )
                .help(format!(
                    "use a longer subnet_prefix (at most {}) or a larger cidr",
                    net.prefix_len() as i64 + (64 - (needed - 1).leading_zeros() as i64).max(0)
                )),
            );
        }
    }
}

fn check_rule(
    cfg: &Config,
    r: &RuleConfig,
    o: &Origin,
    field: &str,
    i: usize,
    d: &mut Vec<Diagnostic>,
) {
    let idx = i.to_string();
    let at = |f: &str| -> Vec<String> { vec![field.to_string(), idx.clone(), f.to_string()] };
    let place = |f: &str| {
        let p = at(f);
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        o.place(&refs)
    };
    let range = if r.protocol == Protocol::Icmp {
        -1..=255
    } else {
        0..=65535
    };
    for (name, v) in [
        ("port", r.port),
        ("from_port", r.from_port),
        ("to_port", r.to_port),
    ] {
        if let Some(p) = v {
            if !range.contains(&p) {
                d.push(
                    Diagnostic::at(place(name), format!("port {p} is out of range")).help(format!(
                        "ports are {} to {}",
                        range.start(),
                        range.end()
                    )),
                );
            }
        }
    }
    if r.port.is_some() && (r.from_port.is_some() || r.to_port.is_some()) {
        d.push(
            Diagnostic::at(
                place("port"),
                "give either `port` or `from_port`/`to_port`, not both",
            )
            .help("use `port` for one port, `from_port` and `to_port` for a range"),
        );
    }
    if r.protocol != Protocol::All
        && r.port.is_none()
        && (r.from_port.is_none() || r.to_port.is_none())
    {
        d.push(
            Diagnostic::at(o.place(&[field, &idx]), "rule has no port")
                .help("set `port = 5432`, or `from_port` and `to_port`, or `protocol = \"all\"`"),
        );
    }
    if let (Some(a), Some(b)) = (r.from_port, r.to_port) {
        if a > b {
            d.push(
                Diagnostic::at(
                    place("to_port"),
                    format!("to_port {b} is below from_port {a}"),
                )
                .help("swap them"),
            );
        }
    }
    let sources =
        r.cidr.is_some() as u8 + r.cidrs.is_some() as u8 + r.security_group.is_some() as u8;
    if sources != 1 {
        d.push(
            Diagnostic::at(o.place(&[field, &idx]), "a rule needs exactly one source")
                .help("set one of `cidr`, `cidrs` or `security_group`"),
        );
    }
    if let Some(c) = &r.cidr {
        let p = at("cidr");
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        check_cidr(c, o, &refs, d);
    }
    for (j, c) in r.cidrs.iter().flatten().enumerate() {
        let j = j.to_string();
        check_cidr(c, o, &[field, &idx, "cidrs", &j], d);
    }
    if let Some(g) = &r.security_group {
        check_group_ref(cfg, g, o, &[field, &idx, "security_group"], d);
    }
}

fn check_instance(
    cfg: &Config,
    vpcs: &BTreeMap<&str, &Decl<VpcConfig>>,
    inst: &Decl<InstanceConfig>,
    d: &mut Vec<Diagnostic>,
) {
    let o = &inst.origin;
    let s = &inst.spec;
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{}-{}", cfg.env_name, inst.name));
    check_identifier(&ident, s.identifier.is_some(), o, d);
    let engine = engines::engine(&s.engine);
    if engine.is_none() {
        let help = if s.engine.starts_with("aurora") {
            "Aurora engines are used by `cluster`, not `instance`".to_string()
        } else {
            format!(
                "supported engines: {}{}",
                engines::names().join(", "),
                super::load::suggest(&s.engine, &engines::names())
            )
        };
        d.push(
            Diagnostic::at(
                o.place(&["engine"]),
                format!("engine `{}` is not supported", s.engine),
            )
            .help(help),
        );
    }
    if let Some(v) = &s.engine_version {
        if v.is_empty()
            || !v.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        {
            d.push(
                Diagnostic::at(
                    o.place(&["engine_version"]),
                    format!("`{v}` is not an engine version"),
                )
                .help("give a version or a prefix of one, e.g. \"8.0\" or \"16.4\""),
            );
        }
    }
    let class_ok = {
        let parts: Vec<&str> = s.instance_class.split('.').collect();
        parts.len() == 3
            && parts[0] == "db"
            && parts[1..].iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
    };
    if !class_ok {
        d.push(
            Diagnostic::at(
                o.place(&["instance_class"]),
                format!("`{}` is not an instance class", s.instance_class),
            )
            .help("instance classes look like db.<family>.<size>, e.g. \"db.t3.micro\""),
        );
    }
    if let Some(e) = engine {
        check_engine_limits(e, s, o, d);
    }
    check_port(s.port, o, d);
    if let Some(t) = &s.storage_type {
        if !["gp2", "gp3", "io1", "io2", "standard"].contains(&t.as_str()) {
            d.push(
                Diagnostic::at(
                    o.place(&["storage_type"]),
                    format!("storage_type `{t}` is not known"),
                )
                .help("use gp2, gp3, io1, io2 or standard"),
            );
        }
    }
    if let Some(b) = s.backup_retention_days {
        if !(0..=35).contains(&b) {
            d.push(
                Diagnostic::at(
                    o.place(&["backup_retention_days"]),
                    format!("backup_retention_days {b} is out of range"),
                )
                .help("RDS keeps automated backups for 0 to 35 days"),
            );
        }
    }
    check_window(s.preferred_maintenance_window.as_deref(), o, d);
    if let Some(n) = &s.db_name {
        let ok = !n.is_empty()
            && n.len() <= 64
            && n.starts_with(|c: char| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            d.push(
                Diagnostic::at(o.place(&["db_name"]), format!("db_name `{n}` is not allowed"))
                    .help("letters, digits and underscores, starting with a letter, at most 64 characters"),
            );
        }
    }
    check_placement(
        cfg,
        vpcs,
        Placement {
            vpc: &s.vpc,
            security_groups: &s.security_groups,
        },
        o,
        d,
    );
    super::validate_db::check_iam_roles(cfg, &s.iam_roles, o, d);
}

/// What the engine allows: its storage range (and autoscaling above it), its user names.
fn check_engine_limits(
    e: &engines::Engine,
    s: &InstanceConfig,
    o: &Origin,
    d: &mut Vec<Diagnostic>,
) {
    if !(e.min_storage..=e.max_storage).contains(&s.allocated_storage) {
        d.push(
            Diagnostic::at(
                o.place(&["allocated_storage"]),
                format!(
                    "allocated_storage {} GiB is out of range for {}",
                    s.allocated_storage, e.name
                ),
            )
            .help(format!(
                "{} allows {} to {} GiB",
                e.name, e.min_storage, e.max_storage
            )),
        );
    }
    if let Some(m) = s.max_allocated_storage {
        if m <= s.allocated_storage || m > e.max_storage {
            d.push(
                Diagnostic::at(
                    o.place(&["max_allocated_storage"]),
                    format!("max_allocated_storage {m} GiB is out of range"),
                )
                .help(format!(
                    "it must be above allocated_storage ({}) and at most {} GiB",
                    s.allocated_storage, e.max_storage
                )),
            );
        }
    }
    if let Some(u) = &s.master_username {
        let ok = u.len() <= 16
            && u.starts_with(|c: char| c.is_ascii_alphabetic())
            && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            d.push(
                Diagnostic::at(
                    o.place(&["master_username"]),
                    format!("master_username `{u}` is not allowed"),
                )
                .help("1 to 16 letters, digits or underscores, starting with a letter"),
            );
        }
    }
}
