//! Infrastructure rdsplan does not own (a `vpc` with `id`, `sg-` ids), `[[moved]]`, and the
//! plan-time checks of ids against what AWS reports.

use super::tests::{instance, load_files, problems, ENV};
use super::*;
use crate::model::{Address, External, Live, Resource};

const SHARED: &str = "[vpc.shared]\nid = \"vpc-0123456789abcdef0\"\nsubnets = [\"subnet-0aaaaaaaaaaaaaaa1\", \"subnet-0aaaaaaaaaaaaaaa2\"]\n";

fn on_shared(groups: &str) -> String {
    format!(
        "{SHARED}\n[instance.db]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"shared\"\nsecurity_groups = [{groups}]\n"
    )
}

#[test]
fn an_existing_vpc_with_subnets_and_a_group_id_loads() {
    let cfg = load_files(&[
        ("env.toml", ENV),
        ("a.toml", &on_shared("\"sg-0123456789abcdef0\"")),
    ])
    .unwrap();
    assert_eq!(
        cfg.vpcs[0].spec.id.as_deref(),
        Some("vpc-0123456789abcdef0")
    );
}

#[test]
fn an_existing_vpc_refuses_the_fields_of_one_rdsplan_creates_and_needs_subnets() {
    let p =
        problems("[vpc.shared]\nid = \"vpc-0123456789abcdef0\"\ncidr = \"10.0.0.0/16\"\nazs = 2\n");
    assert!(
        p.contains(&"a.toml:3:8: `cidr` cannot be set on a VPC given by `id`".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"a.toml:4:7: `azs` cannot be set on a VPC given by `id`".to_string()),
        "{p:?}"
    );
    assert!(p.iter().any(|x| x.contains("needs `subnets`")), "{p:?}");
}

#[test]
fn malformed_ids_and_too_few_subnets_are_named() {
    let p = problems("[vpc.shared]\nid = \"vpc-xyz\"\nsubnets = [\"subnet-1\"]\n");
    assert!(
        p.contains(&"a.toml:2:6: `vpc-xyz` is not a VPC id".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"a.toml:3:12: `subnet-1` is not a subnet id".to_string()),
        "{p:?}"
    );
    assert!(p.iter().any(|x| x.contains("at least 2 AZs")), "{p:?}");
    let p = problems(&on_shared("\"sg-nothex\""));
    assert!(
        p.iter()
            .any(|x| x.contains("`sg-nothex` is not a security group id")),
        "{p:?}"
    );
}

#[test]
fn subnets_need_an_id_and_a_created_vpc_needs_a_cidr() {
    let p = problems("[vpc.main]\nsubnets = [\"subnet-0aaaaaaaaaaaaaaa1\"]\n");
    assert!(
        p.iter().any(|x| x.contains("`subnets` needs `id`")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x.contains("vpc `main` has no `cidr`")),
        "{p:?}"
    );
}

#[test]
fn a_rule_may_name_an_existing_group_by_id() {
    let body = format!(
        "{}\n[security_group.db]\nvpc = \"main\"\n[[security_group.db.ingress]]\nprotocol = \"tcp\"\nport = 5432\nsecurity_group = \"sg-0123456789abcdef0\"\n",
        instance("")
    );
    assert!(problems(&body).is_empty(), "{:?}", problems(&body));
}

#[test]
fn moved_entries_are_checked_against_the_files() {
    let moved = |from: &str, to: &str| {
        format!(
            "{}\n[[moved]]\nfrom = \"{from}\"\nto = \"{to}\"\n",
            instance("")
        )
    };
    assert!(problems(&moved("instance.old", "instance.db")).is_empty());
    let p = problems(&moved("instance.old", "instance.nowhere"));
    assert!(
        p.iter()
            .any(|x| x.contains("`instance.nowhere` is not declared in the files")),
        "{p:?}"
    );
    let p = problems(&moved("instance.db", "instance.db"));
    assert!(p.iter().any(|x| x.contains("the same address")), "{p:?}");
    let p = problems(&moved("vpc.main", "instance.db"));
    assert!(
        p.iter()
            .any(|x| x.contains("a vpc cannot move to a instance")),
        "{p:?}"
    );
    let p = problems(&moved("widget.a", "instance.db"));
    assert!(
        p.iter()
            .any(|x| x.contains("`widget` is not a kind that can be moved")),
        "{p:?}"
    );
    let twice = format!(
        "{}\n[[moved]]\nfrom = \"instance.x\"\nto = \"instance.db\"\n",
        moved("instance.old", "instance.db")
    );
    let p = problems(&twice);
    assert!(
        p.iter().any(|x| x.contains("`instance.db` is moved twice")),
        "{p:?}"
    );
    let both = format!(
        "{}\n[instance.old]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\n",
        moved("instance.old", "instance.db")
    );
    let p = problems(&both);
    assert!(
        p.iter()
            .any(|x| x.contains("`instance.old` is still declared")),
        "{p:?}"
    );
}

fn live_check(body: &str, live: &Live) -> Vec<String> {
    let cfg = load_files(&[("env.toml", ENV), ("a.toml", body)]).unwrap();
    let d = Diagnostics {
        files: cfg.files.clone(),
        items: check_live::check(&cfg, live),
    };
    d.items
        .iter()
        .map(|i| {
            let loc = d.location(i.place.as_ref().unwrap());
            format!("{}: {}", loc.rsplit('/').next().unwrap(), i.message)
        })
        .collect()
}

fn shared_exists() -> Live {
    let vpc = "vpc-0123456789abcdef0".to_string();
    let mut ext = External::default();
    ext.vpcs.insert(vpc.clone(), "10.9.0.0/16".into());
    ext.subnets.insert(
        "subnet-0aaaaaaaaaaaaaaa1".into(),
        (vpc.clone(), "us-west-2a".into()),
    );
    ext.subnets.insert(
        "subnet-0aaaaaaaaaaaaaaa2".into(),
        (vpc.clone(), "us-west-2b".into()),
    );
    ext.security_groups
        .insert("sg-0123456789abcdef0".into(), (vpc, "app".into()));
    Live {
        external: ext,
        ..Default::default()
    }
}

#[test]
fn ids_that_exist_where_the_files_put_them_pass() {
    let body = on_shared("\"sg-0123456789abcdef0\"");
    assert_eq!(live_check(&body, &shared_exists()), Vec::<String>::new());
}

#[test]
fn a_missing_vpc_subnet_or_group_is_named_with_its_place() {
    let body = on_shared("\"sg-0123456789abcdef1\"");
    let p = live_check(&body, &Live::default());
    assert!(
        p.contains(
            &"a.toml:2:6: VPC vpc-0123456789abcdef0 does not exist in us-west-2".to_string()
        ),
        "{p:?}"
    );
    assert!(
        p.contains(
            &"a.toml:3:12: subnet subnet-0aaaaaaaaaaaaaaa1 does not exist in us-west-2".to_string()
        ),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|x| x
                .starts_with("a.toml:10:20: security group sg-0123456789abcdef1 does not exist")),
        "{p:?}"
    );
}

#[test]
fn a_subnet_or_group_of_another_vpc_and_subnets_in_one_az_are_refused() {
    let mut live = shared_exists();
    live.external.subnets.insert(
        "subnet-0aaaaaaaaaaaaaaa2".into(),
        ("vpc-0ffffffffffffffff".into(), "us-west-2a".into()),
    );
    live.external.security_groups.insert(
        "sg-0123456789abcdef0".into(),
        ("vpc-0ffffffffffffffff".into(), "app".into()),
    );
    let p = live_check(&on_shared("\"sg-0123456789abcdef0\""), &live);
    assert!(p.iter().any(|x| x.contains("subnet subnet-0aaaaaaaaaaaaaaa2 is in vpc-0ffffffffffffffff, not in vpc-0123456789abcdef0")), "{p:?}");
    assert!(p.iter().any(|x| x.contains("security group sg-0123456789abcdef0 (app) is in vpc-0ffffffffffffffff, but this database is placed in vpc `shared`")), "{p:?}");
    let mut one_az = shared_exists();
    one_az.external.subnets.insert(
        "subnet-0aaaaaaaaaaaaaaa2".into(),
        ("vpc-0123456789abcdef0".into(), "us-west-2a".into()),
    );
    let p = live_check(&on_shared(""), &one_az);
    assert!(p.iter().any(|x| x.contains("are all in one AZ")), "{p:?}");
}

#[test]
fn a_group_id_on_a_database_in_a_vpc_still_to_be_created_is_refused() {
    let body = instance("security_groups = [\"sg-0123456789abcdef0\"]\n");
    let p = live_check(&body, &shared_exists());
    assert!(
        p.iter()
            .any(|x| x.contains("vpc `main` is created by this plan")),
        "{p:?}"
    );
    // Once the VPC exists, the group must be in it.
    let mut live = shared_exists();
    let mut v = Resource::new(
        Address::new("vpc", "main"),
        crate::model::Kind::Vpc,
        "t-main",
    );
    v.id = Some("vpc-0123456789abcdef0".into());
    live.resources.push(v);
    assert_eq!(live_check(&body, &live), Vec::<String>::new());
}

#[test]
fn role_arns_and_kms_keys_must_exist_unless_in_use() {
    let role = "arn:aws:iam::123456789012:role/monitoring";
    let key = "arn:aws:kms:us-west-2:123456789012:key/abc";
    let body = instance(&format!(
        "monitoring_interval = 60\nmonitoring_role = \"{role}\"\nkms_key = \"{key}\"\n"
    ));
    let p = live_check(&body, &Live::default());
    assert!(
        p.iter()
            .any(|x| x.contains(&format!("IAM role {role} does not exist"))),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|x| x.contains(&format!("KMS key {key} could not be found"))),
        "{p:?}"
    );
    let mut live = Live::default();
    live.external.roles.push(role.into());
    live.resources.push(
        Resource::new(
            Address::new("instance", "db"),
            crate::model::Kind::Instance,
            "t-db",
        )
        .with("kms_key", crate::model::Value::str(key)),
    );
    assert_eq!(live_check(&body, &live), Vec::<String>::new());
}

/// Combinations AWS refuses, refused at validation with their place.
#[test]
fn impossible_combinations_are_refused_with_their_place() {
    let p = problems(&instance("engine_version = \"8.0\"\n"));
    assert!(
        p.iter()
            .any(|x| x.ends_with("engine_version `8.0` is not a version of postgres")),
        "{p:?}"
    );
    assert!(problems(&instance("engine_version = \"16.4\"\n")).is_empty());
    let sqlserver = |class: &str, extra: &str| {
        instance(extra)
            .replace("engine = \"postgres\"", "engine = \"sqlserver-ex\"")
            .replace("db.t3.micro", class)
    };
    let p = problems(&sqlserver("db.r6g.large", ""));
    assert!(
        p.iter().any(|x| x.contains("does not run on Graviton")),
        "{p:?}"
    );
    let p = problems(&sqlserver("db.m5.large", ""));
    assert!(
        p.iter()
            .any(|x| x.contains("SQL Server Express runs only on burstable classes")),
        "{p:?}"
    );
    let p = problems(&sqlserver("db.t3.small", "multi_az = true\n"));
    assert!(
        p.iter()
            .any(|x| x.contains("a.toml:9:12: sqlserver-ex has no Multi-AZ")),
        "{p:?}"
    );
    let aurora = "[vpc.main]\ncidr = \"10.0.0.0/16\"\n[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"db.t2.micro\"\n";
    let p = problems(aurora);
    assert!(
        p.iter()
            .any(|x| x.starts_with("a.toml:8:18: Aurora does not run on db.t2.micro")),
        "{p:?}"
    );
    let p =
        problems("[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = [\"us-east-1a\", \"us-west-2b\"]\n");
    assert!(
        p.iter()
            .any(|x| x
                .starts_with("a.toml:3:8: `us-east-1a` is not an availability zone of us-west-2")),
        "{p:?}"
    );
}

#[test]
fn azs_the_region_does_not_offer_now_are_named_with_their_place() {
    let live = Live {
        azs: vec!["us-west-2a".into(), "us-west-2b".into()],
        ..Default::default()
    };
    let p = live_check("[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = 3\n", &live);
    assert_eq!(
        p,
        vec![
            "a.toml:3:7: azs = 3, but us-west-2 has 2 available AZs (us-west-2a, us-west-2b)"
                .to_string()
        ]
    );
    let p = live_check(
        "[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = [\"us-west-2a\", \"us-west-2d\"]\n",
        &live,
    );
    assert!(
        p[0].starts_with("a.toml:3:22: AZ us-west-2d is not available"),
        "{p:?}"
    );
}

#[test]
fn classes_aws_does_not_offer_and_multi_az_it_cannot_do_are_named() {
    let mut live = Live::default();
    live.orderable
        .insert("postgres|db.t3.micro".into(), crate::model::Offer::No);
    let p = live_check(&instance(""), &live);
    assert!(
        p.iter()
            .any(|x| x.starts_with("a.toml:6:18: db.t3.micro is not offered for postgres")),
        "{p:?}"
    );
    live.orderable.insert(
        "postgres|db.t3.micro".into(),
        crate::model::Offer::Yes { multi_az: false },
    );
    let p = live_check(&instance("multi_az = true\n"), &live);
    assert!(p.iter().any(|x| x.contains("cannot be Multi-AZ")), "{p:?}");
    live.orderable
        .insert("postgres|db.t3.micro".into(), crate::model::Offer::Unknown);
    assert_eq!(
        live_check(&instance("multi_az = true\n"), &live),
        Vec::<String>::new()
    );
}

/// No `security_groups` means the VPC's default group, which AWS assigns: not compared, so
/// that it is no perpetual difference.
#[test]
fn a_database_without_security_groups_does_not_manage_them() {
    let cfg = load_files(&[("env.toml", ENV), ("a.toml", &instance(""))]).unwrap();
    let live = Live {
        azs: vec![
            "us-west-2a".into(),
            "us-west-2b".into(),
            "us-west-2c".into(),
        ],
        ..Default::default()
    };
    let desired = expand::expand(&cfg, &live).unwrap();
    let db = desired
        .iter()
        .find(|r| r.address.as_str() == "instance.db")
        .unwrap();
    assert!(db.get("security_groups").is_none());
    let cfg = load_files(&[
        ("env.toml", ENV),
        ("a.toml", &on_shared("\"sg-0123456789abcdef0\"")),
    ])
    .unwrap();
    let desired = expand::expand(&cfg, &live).unwrap();
    let db = desired
        .iter()
        .find(|r| r.address.as_str() == "instance.db")
        .unwrap();
    assert_eq!(
        db.list("security_groups"),
        ["sg-0123456789abcdef0".to_string()]
    );
}
