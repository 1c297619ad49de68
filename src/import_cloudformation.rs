//! `rdsplan import --from-cloudformation STACK`: the databases of a CloudFormation (or CDK)
//! stack, found by their physical ids, adopted as `import --all` adopts them under addresses
//! made from their logical ids; and how to hand them over without CloudFormation deleting
//! them. The stack is only read. Pure: the stack's resources (DescribeStackResources) come in.

use std::collections::BTreeMap;

/// One resource of a stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackResource {
    pub logical_id: String,
    pub kind: String,
    pub physical_id: String,
}

/// What rdsplan takes over from a stack.
#[derive(Debug, Default)]
pub struct Takeover {
    /// AWS identifier → the name its rdsplan address gets (from the logical id).
    pub names: BTreeMap<String, String>,
    /// AWS identifier → its logical id.
    pub logical: BTreeMap<String, String>,
    /// What stays the stack's: (logical id, why).
    pub left: Vec<(String, String)>,
    /// The stack's groups (parameter, cluster parameter and option groups by name, security
    /// groups by id) → logical id: handed over when their databases' import adopts them.
    pub groups: BTreeMap<String, String>,
}

/// Why a group of the stack stays the stack's when its databases' import did not adopt it.
pub const GROUP_LEFT: &str = "its databases name it as it is (not adopted); it stays the stack's";

/// `OrdersDatabase` → `orders-database`, `DB1` → `db1`; a CDK logical id's hash suffix (eight
/// hex digits after the path, `OrdersDatabase5A3B2C1D`) is dropped.
pub fn kebab(logical: &str) -> String {
    let hex8 = logical.len() > 8
        && logical[logical.len() - 8..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
        && logical[..logical.len() - 8]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_lowercase());
    let logical = if hex8 {
        &logical[..logical.len() - 8]
    } else {
        logical
    };
    let chars: Vec<char> = logical.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
        let acronym_end = i > 0
            && chars[i - 1].is_ascii_uppercase()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        if c.is_ascii_uppercase() && (prev_lower || acronym_end) && !out.ends_with('-') {
            out.push('-');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

pub fn takeover(resources: &[StackResource]) -> Takeover {
    let mut t = Takeover::default();
    for r in resources {
        match r.kind.as_str() {
            // An Aurora member is a DBInstance too: it is found as its cluster's member, and a
            // standalone instance by its identifier (the physical id, as AWS lowercases it).
            "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" if !r.physical_id.is_empty() => {
                let id = r.physical_id.to_ascii_lowercase();
                t.names.insert(id.clone(), kebab(&r.logical_id));
                t.logical.insert(id, r.logical_id.clone());
            }
            // Names as AWS stores them (lower case); a VPC security group's physical id is its id.
            "AWS::RDS::DBParameterGroup"
            | "AWS::RDS::DBClusterParameterGroup"
            | "AWS::RDS::OptionGroup"
            | "AWS::EC2::SecurityGroup"
                if !r.physical_id.is_empty() =>
            {
                let id = if r.kind == "AWS::EC2::SecurityGroup" {
                    r.physical_id.clone()
                } else {
                    r.physical_id.to_ascii_lowercase()
                };
                t.groups.insert(id, r.logical_id.clone());
            }
            kind => {
                let why = match kind {
                    "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => "it has no physical id yet",
                    "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                        "a rule CloudFormation keeps; if rdsplan adopted its group, retain it and remove it from the template too, or both will manage the rule"
                    }
                    "AWS::RDS::DBParameterGroup"
                    | "AWS::RDS::DBClusterParameterGroup"
                    | "AWS::RDS::OptionGroup"
                    | "AWS::RDS::DBSubnetGroup"
                    | "AWS::EC2::VPC"
                    | "AWS::EC2::Subnet"
                    | "AWS::EC2::SecurityGroup"
                    | "AWS::IAM::Role"
                    | "AWS::KMS::Key" => "the databases use it as it is; it stays the stack's",
                    "AWS::SecretsManager::Secret"
                    | "AWS::SecretsManager::SecretTargetAttachment" => {
                        "a database's password (CDK's generated secret): the database is written with credentials = \"external\" and the secret stays the stack's, in the template"
                    }
                    _ => "not a kind rdsplan takes over",
                };
                t.left.push((r.logical_id.clone(), why.into()));
            }
        }
    }
    t
}

/// What stays the stack's once the import has run: what `takeover` left, and the groups of
/// the stack that were not adopted (`adopted`: AWS names and ids).
pub fn left_after(
    t: &Takeover,
    adopted: &std::collections::BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut out = t.left.clone();
    for (g, logical) in &t.groups {
        if !adopted.contains(g) {
            out.push((logical.clone(), GROUP_LEFT.into()));
        }
    }
    out
}

/// How to make CloudFormation let go of the resources with these logical ids without
/// deleting them.
pub fn handover(stack: &str, logical_ids: &[String]) -> Vec<String> {
    let mut out = vec![format!(
        "1. In the template of {stack}, set `DeletionPolicy: Retain` (CDK: `applyRemovalPolicy(RemovalPolicy.RETAIN)`) on:"
    )];
    out.extend(logical_ids.iter().map(|l| format!("     {l}")));
    out.push(format!(
        "   and deploy {stack}; CloudFormation then never deletes them."
    ));
    out.push("2. Remove them from the template and deploy again: CloudFormation forgets them and leaves them in AWS, managed by rdsplan.".into());
    out.push(
        "   (What stays the stack's, above, stays in the template: the databases use it.)".into(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(logical: &str, kind: &str, physical: &str) -> StackResource {
        StackResource {
            logical_id: logical.into(),
            kind: kind.into(),
            physical_id: physical.into(),
        }
    }

    #[test]
    fn logical_ids_become_names_and_what_stays_is_listed() {
        assert_eq!(kebab("OrdersDatabase"), "orders-database");
        assert_eq!(kebab("DB1"), "db1");
        assert_eq!(kebab("OrdersDatabase5A3B2C1D"), "orders-database");
        assert_eq!(kebab("RDSProxyRole"), "rds-proxy-role");
        let t = takeover(&[
            r(
                "OrdersDatabase",
                "AWS::RDS::DBInstance",
                "Stack-OrdersDatabase-ABC",
            ),
            r("Analytics", "AWS::RDS::DBCluster", "analytics"),
            r("DbSecurityGroup", "AWS::EC2::SecurityGroup", "sg-1"),
            r("Queue", "AWS::SQS::Queue", "https://..."),
        ]);
        assert_eq!(
            t.names.get("stack-ordersdatabase-abc").map(String::as_str),
            Some("orders-database"),
            "physical ids as AWS lowercases them"
        );
        assert_eq!(
            t.names.get("analytics").map(String::as_str),
            Some("analytics")
        );
        assert_eq!(t.left.len(), 1);
        assert!(t.left[0].1.contains("not a kind"));
        // A group goes with its databases when their import adopts it, else stays.
        assert_eq!(
            t.groups.get("sg-1").map(String::as_str),
            Some("DbSecurityGroup")
        );
        let kept = left_after(&t, &Default::default());
        assert_eq!(kept.len(), 2);
        assert!(kept[1].0 == "DbSecurityGroup" && kept[1].1.contains("stays the stack's"));
        let adopted = ["sg-1".to_string()].into();
        assert_eq!(left_after(&t, &adopted).len(), 1);
        let h = handover("shop", &["OrdersDatabase".into()]);
        assert!(h[0].contains("DeletionPolicy: Retain"));
        assert!(h.iter().any(|l| l.trim() == "OrdersDatabase"));
    }
}
