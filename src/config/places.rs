//! Where the files declare what a plan-time error is about, so that it shows `file:line:col`
//! as validate's errors do: the attribute its message names right after the address
//! (`instance.orders: allocated_storage 10 GiB is below …`), else the resource's table.

use super::diag::Place;
use super::load::Config;

pub fn of(cfg: &Config, address: &str, message: &str) -> Option<Place> {
    let (kind, rest) = address.split_once('.')?;
    // A cluster member (`cluster.c.instance.a`) is found in its cluster's table.
    let (name, member) = match rest.split_once(".instance.") {
        Some((cluster, member)) if kind == "cluster" => (cluster, Some(member)),
        _ => (rest, None),
    };
    let origin = cfg.origin(kind, name)?;
    let mut path: Vec<String> = vec![];
    if let Some(m) = member {
        let i = cfg
            .clusters
            .iter()
            .find(|c| c.name == name)?
            .spec
            .instance
            .iter()
            .position(|x| x.name == m)?;
        path = vec!["instance".into(), i.to_string()];
    }
    let word = message
        .strip_prefix(&format!("{address}: "))
        .and_then(|m| m.split([' ', ':', ',']).next())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    let mut with_attr = path.clone();
    if let Some(w) = word {
        with_attr.push(w.to_string());
    }
    let refs: Vec<&str> = with_attr.iter().map(String::as_str).collect();
    // The attribute where the files set it; else the nearest enclosing table.
    Some(origin.place(&refs))
}
