//! `rdsplan import --from-terraform FILE`: the databases a Terraform state manages, found by
//! their AWS identifiers, adopted as `import --all` adopts them, under addresses made from
//! their Terraform names; and the `terraform state rm` commands for exactly what was taken
//! over. Terraform's state is only read, never edited. Pure: the state's text comes in.
//!
//! Both formats are read: a state file (version 4: `resources[].instances[].attributes`) and
//! `terraform show -json` (`values.root_module`, its `child_modules`, `resources[].values`).

use serde_json::Value;
use std::collections::BTreeMap;

/// One resource instance of the state.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// Its Terraform address: `module.db.aws_db_instance.orders`, `aws_db_instance.x[0]`.
    pub address: String,
    pub kind: String,
    /// Its name, with the index key when it has one (`orders`, `x-0`, `x-eu`).
    pub name: String,
    pub attrs: Value,
}

/// What rdsplan takes over from a state.
#[derive(Debug, Default)]
pub struct Takeover {
    /// AWS identifier → the name its rdsplan address gets (from the Terraform name).
    pub names: BTreeMap<String, String>,
    /// AWS identifier → the Terraform addresses that go with it (a cluster's members too).
    pub addresses: BTreeMap<String, Vec<String>>,
    /// What rdsplan leaves to Terraform: (Terraform address, why).
    pub left: Vec<(String, String)>,
    /// The groups of the state (parameter, cluster parameter and option groups by name,
    /// security groups by id) → their Terraform names: taken over under those names when their
    /// databases' import adopts them (their Terraform addresses, a security group's rules
    /// included, are in `addresses`), else left.
    pub groups: BTreeMap<String, String>,
}

/// Why a group of the state stays Terraform's when its databases' import did not adopt it.
pub const GROUP_LEFT: &str = "its databases name it as it is (not adopted); it stays Terraform's";

/// The resource instances of a state, in either format.
pub fn resources(text: &str) -> Result<Vec<TfResource>, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("not a Terraform state (JSON): {e}"))?;
    let mut out = vec![];
    if let Some(list) = v.get("resources").and_then(Value::as_array) {
        for r in list {
            if r.get("mode").and_then(Value::as_str) == Some("data") {
                continue;
            }
            let kind = str_of(r, "type");
            let name = str_of(r, "name");
            let module = r.get("module").and_then(Value::as_str);
            for i in r
                .get("instances")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let key = i.get("index_key");
                let base = format!("{kind}.{name}");
                let address = match module {
                    Some(m) => format!("{m}.{base}"),
                    None => base,
                };
                out.push(TfResource {
                    address: address + &index_suffix(key),
                    kind: kind.clone(),
                    name: with_key(&name, key),
                    attrs: i.get("attributes").cloned().unwrap_or(Value::Null),
                });
            }
        }
    } else if let Some(root) = v.pointer("/values/root_module") {
        module_resources(root, &mut out);
    } else {
        return Err("not a Terraform state: no `resources` (a state file) and no `values.root_module` (`terraform show -json`)".into());
    }
    Ok(out)
}

fn module_resources(m: &Value, out: &mut Vec<TfResource>) {
    for r in m
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        out.push(TfResource {
            address: str_of(r, "address"),
            kind: str_of(r, "type"),
            name: with_key(&str_of(r, "name"), r.get("index")),
            attrs: r.get("values").cloned().unwrap_or(Value::Null),
        });
    }
    for c in m
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        module_resources(c, out);
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn key_text(key: Option<&Value>) -> Option<String> {
    match key? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn index_suffix(key: Option<&Value>) -> String {
    match key {
        Some(Value::String(s)) => format!("[\"{s}\"]"),
        Some(Value::Number(n)) => format!("[{n}]"),
        _ => String::new(),
    }
}

fn with_key(name: &str, key: Option<&Value>) -> String {
    match key_text(key) {
        Some(k) => format!("{name}-{k}"),
        None => name.to_string(),
    }
}

/// The databases rdsplan takes over (by identifier, named after their Terraform names) and
/// what it leaves to Terraform, with why.
pub fn takeover(resources: &[TfResource]) -> Takeover {
    let mut t = Takeover::default();
    let ident = |r: &TfResource, key: &str| {
        r.attrs
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    for r in resources {
        // `aws_db_instance.id` is the resource ID (db-…) since provider v5: the identifier
        // is `identifier`.
        let group = match r.kind.as_str() {
            "aws_db_parameter_group"
            | "aws_rds_cluster_parameter_group"
            | "aws_db_option_group" => ident(r, "name").or_else(|| ident(r, "id")),
            "aws_security_group" => ident(r, "id"),
            // A rule goes with its group.
            "aws_security_group_rule"
            | "aws_vpc_security_group_ingress_rule"
            | "aws_vpc_security_group_egress_rule" => {
                match ident(r, "security_group_id") {
                    Some(g) => t.addresses.entry(g).or_default().push(r.address.clone()),
                    None => t.left.push((
                        r.address.clone(),
                        "the state names no security group for it".into(),
                    )),
                }
                continue;
            }
            _ => None,
        };
        if let Some(g) = group {
            t.groups.insert(g.clone(), r.name.clone());
            t.addresses.entry(g).or_default().push(r.address.clone());
            continue;
        }
        let taken = match r.kind.as_str() {
            "aws_db_instance" => ident(r, "identifier"),
            "aws_rds_cluster" => ident(r, "cluster_identifier"),
            "aws_rds_cluster_instance" => None,
            _ => {
                let why = match r.kind.as_str() {
                    "aws_db_subnet_group" | "aws_vpc" | "aws_subnet" => {
                        "its databases use it as it is (a [vpc] with `id`); it stays Terraform's"
                    }
                    "aws_iam_role" | "aws_kms_key" | "aws_kms_alias" => {
                        "its databases name it by ARN or id; it stays Terraform's"
                    }
                    _ => "not a kind rdsplan takes over",
                };
                t.left.push((r.address.clone(), why.into()));
                continue;
            }
        };
        match taken {
            Some(id) => {
                t.names.insert(id.clone(), r.name.clone());
                t.addresses.entry(id).or_default().push(r.address.clone());
            }
            None if r.kind == "aws_rds_cluster_instance" => {}
            None => t.left.push((
                r.address.clone(),
                "the state has no identifier for it".into(),
            )),
        }
    }
    // A cluster's members go with their cluster.
    for r in resources
        .iter()
        .filter(|r| r.kind == "aws_rds_cluster_instance")
    {
        match ident(r, "cluster_identifier").filter(|c| t.names.contains_key(c)) {
            Some(c) => t.addresses.entry(c).or_default().push(r.address.clone()),
            None => t
                .left
                .push((r.address.clone(), "its cluster is not in this state".into())),
        }
    }
    t
}

/// What stays Terraform's once the import has run: what `takeover` left, and the groups of
/// the state that were not adopted (`adopted`: AWS names and ids), rules included.
pub fn left_after(
    t: &Takeover,
    adopted: &std::collections::BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut out = t.left.clone();
    for g in t.groups.keys().filter(|g| !adopted.contains(*g)) {
        for a in t.addresses.get(g).into_iter().flatten() {
            out.push((a.clone(), GROUP_LEFT.into()));
        }
    }
    out
}

/// `terraform state rm` for each Terraform address, quoted for a POSIX shell.
pub fn state_rm(addresses: &[String]) -> Vec<String> {
    addresses
        .iter()
        .map(|a| format!("terraform state rm '{}'", a.replace('\'', "'\\''")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE_V4: &str = r#"{
      "version": 4,
      "resources": [
        {"module": "module.db", "mode": "managed", "type": "aws_db_instance", "name": "orders",
         "instances": [{"attributes": {"id": "db-ABCDEF", "identifier": "orders-prod"}}]},
        {"mode": "managed", "type": "aws_db_instance", "name": "shard",
         "instances": [{"index_key": 0, "attributes": {"identifier": "shard-0"}},
                       {"index_key": "eu", "attributes": {"identifier": "shard-eu"}}]},
        {"mode": "managed", "type": "aws_rds_cluster", "name": "analytics",
         "instances": [{"attributes": {"cluster_identifier": "analytics"}}]},
        {"mode": "managed", "type": "aws_rds_cluster_instance", "name": "a",
         "instances": [{"attributes": {"identifier": "analytics-a", "cluster_identifier": "analytics"}}]},
        {"mode": "managed", "type": "aws_db_parameter_group", "name": "pg",
         "instances": [{"attributes": {"name": "orders-pg"}}]},
        {"mode": "managed", "type": "aws_lambda_function", "name": "f", "instances": [{"attributes": {}}]},
        {"mode": "data", "type": "aws_vpc", "name": "main", "instances": [{"attributes": {}}]}
      ]
    }"#;

    #[test]
    fn a_state_file_maps_terraform_names_to_identifiers_and_lists_what_it_leaves() {
        let r = resources(STATE_V4).unwrap();
        assert_eq!(r.len(), 7, "data sources are not resources");
        let t = takeover(&r);
        assert_eq!(
            t.names,
            [
                ("analytics".to_string(), "analytics".to_string()),
                ("orders-prod".to_string(), "orders".to_string()),
                ("shard-0".to_string(), "shard-0".to_string()),
                ("shard-eu".to_string(), "shard-eu".to_string()),
            ]
            .into(),
            "the identifier, never the resource ID, and index keys in the names"
        );
        assert_eq!(
            t.addresses["analytics"],
            ["aws_rds_cluster.analytics", "aws_rds_cluster_instance.a"]
        );
        assert_eq!(
            t.addresses["orders-prod"],
            ["module.db.aws_db_instance.orders"]
        );
        assert_eq!(t.addresses["shard-eu"], ["aws_db_instance.shard[\"eu\"]"]);
        let left: Vec<&str> = t.left.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(left, ["aws_lambda_function.f"]);
        assert!(t.left[0].1.contains("not a kind rdsplan takes over"));
        // A group goes with its databases when their import adopts it (by its name), else
        // stays Terraform's.
        assert_eq!(t.addresses["orders-pg"], ["aws_db_parameter_group.pg"]);
        let kept = left_after(&t, &Default::default());
        assert_eq!(
            kept[1],
            ("aws_db_parameter_group.pg".into(), GROUP_LEFT.into())
        );
        assert_eq!(left_after(&t, &["orders-pg".to_string()].into()).len(), 1);
        assert_eq!(
            state_rm(&t.addresses["shard-eu"]),
            ["terraform state rm 'aws_db_instance.shard[\"eu\"]'"]
        );
    }

    #[test]
    fn terraform_show_json_is_read_with_its_modules() {
        let show = r#"{"format_version": "1.0", "values": {"root_module": {
            "resources": [{"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance",
                           "name": "a", "values": {"identifier": "a-1"}}],
            "child_modules": [{"address": "module.m", "resources": [
                {"address": "module.m.aws_db_instance.b[0]", "mode": "managed", "type": "aws_db_instance",
                 "name": "b", "index": 0, "values": {"identifier": "b-0"}}]}]}}}"#;
        let t = takeover(&resources(show).unwrap());
        assert_eq!(t.names.get("a-1").map(String::as_str), Some("a"));
        assert_eq!(t.names.get("b-0").map(String::as_str), Some("b-0"));
        assert_eq!(t.addresses["b-0"], ["module.m.aws_db_instance.b[0]"]);
    }

    #[test]
    fn what_is_not_a_state_is_refused() {
        assert!(resources("{}")
            .unwrap_err()
            .contains("not a Terraform state"));
        assert!(resources("nope").unwrap_err().contains("JSON"));
    }
}

#[cfg(test)]
mod refusals {
    use super::*;

    fn one(kind: &str, attrs: serde_json::Value) -> TfResource {
        TfResource {
            address: format!("{kind}.x"),
            kind: kind.into(),
            name: "x".into(),
            attrs,
        }
    }

    #[test]
    fn every_type_it_does_not_take_over_is_listed_with_why() {
        let refused = [
            ("aws_db_subnet_group", "a [vpc] with `id`"),
            ("aws_vpc", "a [vpc] with `id`"),
            ("aws_subnet", "a [vpc] with `id`"),
            ("aws_iam_role", "by ARN or id"),
            ("aws_kms_key", "by ARN or id"),
            ("aws_kms_alias", "by ARN or id"),
            ("aws_lambda_function", "not a kind rdsplan takes over"),
        ];
        for (kind, why) in refused {
            let t = takeover(&[one(kind, serde_json::json!({"id": "i", "name": "n"}))]);
            assert!(t.names.is_empty() && t.groups.is_empty(), "{kind}");
            assert_eq!(t.left.len(), 1, "{kind}");
            assert!(t.left[0].1.contains(why), "{kind}: {}", t.left[0].1);
        }
        // Databases and groups the state holds no identifier for are listed, never guessed.
        for kind in ["aws_db_instance", "aws_rds_cluster"] {
            let t = takeover(&[one(kind, serde_json::json!({"id": "db-RESOURCEID"}))]);
            assert!(t.names.is_empty(), "{kind}: never the resource ID");
            assert!(t.left[0].1.contains("no identifier"), "{kind}");
        }
        let rule = takeover(&[one("aws_security_group_rule", serde_json::json!({}))]);
        assert!(rule.left[0].1.contains("names no security group"));
        // A member whose cluster is not taken stays.
        let member = takeover(&[one(
            "aws_rds_cluster_instance",
            serde_json::json!({"identifier": "a-1", "cluster_identifier": "a"}),
        )]);
        assert!(member.left[0]
            .1
            .contains("its cluster is not in this state"));
        // Groups go with their databases (decided by the import), by name or id.
        for (kind, key) in [
            ("aws_db_parameter_group", "n"),
            ("aws_rds_cluster_parameter_group", "n"),
            ("aws_db_option_group", "n"),
            ("aws_security_group", "i"),
        ] {
            let t = takeover(&[one(kind, serde_json::json!({"id": "i", "name": "n"}))]);
            assert!(t.left.is_empty(), "{kind}");
            assert_eq!(t.groups.get(key).map(String::as_str), Some("x"), "{kind}");
        }
    }
}
