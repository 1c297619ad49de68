//! Checks of what the files say about infrastructure rdsplan does not own (a `vpc` with `id`,
//! `sg-` ids) and of `[[moved]]` entries. Whether the ids exist, and where, is checked at plan
//! time against AWS (`check_live`); here only their form and the files' consistency.

use super::checks::valid_ec2_id;
use super::diag::Diagnostic;
use super::load::{Config, Decl, Origin};
use super::types::*;
use std::collections::BTreeMap;

/// A `vpc` with `id`: an existing VPC, with `subnets` and/or `db_subnet_group`, and none of
/// the fields that describe a VPC rdsplan creates.
pub(super) fn check_external_vpc(v: &Decl<VpcConfig>, id: &str, d: &mut Vec<Diagnostic>) {
    let o = &v.origin;
    if !valid_ec2_id(id, "vpc") {
        d.push(
            Diagnostic::at(o.place(&["id"]), format!("`{id}` is not a VPC id"))
                .help("a VPC id is `vpc-` and 8 or 17 hex digits, e.g. \"vpc-0123456789abcdef0\""),
        );
    }
    for field in ["cidr", "azs", "subnet_prefix", "public"] {
        if o.tree.fields.contains_key(field) {
            d.push(
                Diagnostic::at(o.place(&[field]), format!("`{field}` cannot be set on a VPC given by `id`"))
                    .label("describes a VPC rdsplan creates")
                    .help("an existing VPC is used as it is: remove this field, and list its subnets in `subnets`"),
            );
        }
    }
    match (&v.spec.subnets, &v.spec.db_subnet_group) {
        (None, None) => d.push(
            Diagnostic::at(o.place(&["id"]), "a VPC given by `id` needs `subnets` (or `db_subnet_group`)")
                .help("list existing subnets of it in at least 2 AZs: subnets = [\"subnet-...\", \"subnet-...\"]"),
        ),
        (Some(subnets), _) => {
            let mut seen = Vec::new();
            for (i, s) in subnets.iter().enumerate() {
                let i = i.to_string();
                if !valid_ec2_id(s, "subnet") {
                    d.push(
                        Diagnostic::at(o.place(&["subnets", &i]), format!("`{s}` is not a subnet id"))
                            .help("a subnet id is `subnet-` and 8 or 17 hex digits"),
                    );
                } else if seen.contains(&s) {
                    d.push(
                        Diagnostic::at(o.place(&["subnets", &i]), format!("subnet `{s}` is listed twice"))
                            .help("list each subnet once"),
                    );
                }
                seen.push(s);
            }
            if subnets.len() < 2 {
                d.push(
                    Diagnostic::at(o.place(&["subnets"]), "RDS needs subnets in at least 2 AZs")
                        .help("list at least two subnets of the VPC, in different AZs"),
                );
            }
        }
        _ => {}
    }
    if let Some(g) = &v.spec.db_subnet_group {
        if g.is_empty() || g.len() > 255 {
            d.push(
                Diagnostic::at(o.place(&["db_subnet_group"]), "not a DB subnet group name")
                    .help("give the name of an existing DB subnet group of this VPC"),
            );
        }
    }
}

/// Fields that only a VPC given by `id` takes.
pub(super) fn check_owned_vpc_fields(v: &Decl<VpcConfig>, d: &mut Vec<Diagnostic>) {
    for field in ["subnets", "db_subnet_group"] {
        if v.origin.tree.fields.contains_key(field) {
            d.push(
                Diagnostic::at(v.origin.place(&[field]), format!("`{field}` needs `id`"))
                    .help("`subnets` and `db_subnet_group` name existing resources of an existing VPC: set `id = \"vpc-...\"`, or remove this field so that rdsplan carves subnets from `cidr`"),
            );
        }
    }
    if v.spec.cidr.is_none() {
        d.push(
            Diagnostic::at(v.origin.place(&[]), format!("vpc `{}` has no `cidr`", v.name))
                .help("set `cidr = \"10.0.0.0/16\"` for a VPC rdsplan creates, or `id = \"vpc-...\"` with `subnets` for an existing one"),
        );
    }
}

/// The kinds a `[[moved]]` entry may name: every resource kind.
fn movable() -> Vec<&'static str> {
    super::load::KINDS
        .iter()
        .copied()
        .filter(|k| !matches!(*k, "environment" | "moved"))
        .collect()
}

/// `KIND.NAME` of a movable kind.
fn parse_address(s: &str) -> Result<(&str, &str), String> {
    let (kind, name) = s
        .split_once('.')
        .ok_or_else(|| format!("`{s}` is not an address (KIND.NAME)"))?;
    let movable = movable();
    if !movable.contains(&kind) {
        return Err(format!(
            "`{kind}` is not a kind that can be moved (one of: {})",
            movable.join(", ")
        ));
    }
    if !super::load::valid_name(name) {
        return Err(format!("`{name}` is not a resource name"));
    }
    Ok((kind, name))
}

/// `[[moved]]`: both ends addresses of one kind, `to` declared in the files and `from` not,
/// each address moved at most once.
pub(super) fn check_moved(cfg: &Config, d: &mut Vec<Diagnostic>) {
    let mut froms: BTreeMap<&str, &Origin> = BTreeMap::new();
    let mut tos: BTreeMap<&str, &Origin> = BTreeMap::new();
    for m in &cfg.moved {
        let o = &m.origin;
        let (from, to) = (m.spec.from.as_str(), m.spec.to.as_str());
        let parsed = [("from", from), ("to", to)].map(|(field, s)| {
            parse_address(s)
                .map_err(|why| {
                    d.push(
                        Diagnostic::at(o.place(&[field]), why)
                            .help("e.g. from = \"instance.orders\", to = \"instance.orders-main\""),
                    )
                })
                .ok()
        });
        let [Some((fk, fname)), Some((tk, tname))] = parsed else {
            continue;
        };
        if fk != tk {
            d.push(
                Diagnostic::at(o.place(&["to"]), format!("a {fk} cannot move to a {tk}"))
                    .help("`from` and `to` must be of the same kind"),
            );
            continue;
        }
        if from == to {
            d.push(
                Diagnostic::at(o.place(&["to"]), "`from` and `to` are the same address")
                    .help("remove this entry"),
            );
            continue;
        }
        let names: Vec<&str> = cfg.declared(tk).iter().map(String::as_str).collect();
        if !names.contains(&tname) {
            d.push(
                Diagnostic::at(
                    o.place(&["to"]),
                    format!("`{to}` is not declared in the files"),
                )
                .label("not declared")
                .help(format!(
                    "declare [{tk}.{tname}] (the new name), or fix this address{}",
                    super::load::suggest(tname, &names)
                )),
            );
        }
        if names.contains(&fname) {
            d.push(
                Diagnostic::at(o.place(&["from"]), format!("`{from}` is still declared in the files"))
                    .help("a moved resource has only its new address in the files: remove or rename the old declaration"),
            );
        }
        for (seen, addr, field) in [(&mut froms, from, "from"), (&mut tos, to, "to")] {
            if let Some(first) = seen.get(addr) {
                d.push(
                    Diagnostic::at(o.place(&[field]), format!("`{addr}` is moved twice"))
                        .also(first.place(&[field]), "first here")
                        .help("each address may be the `from` (and the `to`) of one entry"),
                );
            } else {
                seen.insert(addr, o);
            }
        }
    }
}
