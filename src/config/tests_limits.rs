//! AWS's documented limits: each hostile input is a validate error at its place.

use super::tests::{instance, load_files, problems, ENV, VPC};

/// `problems` for a body that has exactly one problem: that one.
fn one(body: &str) -> String {
    let p = problems(body);
    assert_eq!(p.len(), 1, "{p:?}");
    p[0].clone()
}

#[track_caller]
fn assert_at(got: String, place: &str, says: &str) {
    assert!(
        got.starts_with(place) && got.contains(says),
        "expected {place} ... {says}, got {got}"
    );
}

fn cluster(extra: &str, members: usize) -> String {
    let mut s =
        format!("{VPC}\n[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\n{extra}\n");
    for i in 0..members {
        s.push_str(&format!(
            "[[cluster.c.instance]]\nname = \"m{i}\"\ninstance_class = \"db.r6g.large\"\n"
        ));
    }
    s
}

#[test]
fn rds_tags_follow_awss_limits() {
    let long_key = "k".repeat(129);
    assert_at(
        one(&instance(&format!("tags = {{ {long_key} = \"v\" }}\n"))),
        "a.toml:9:",
        "AWS allows 1 to 128",
    );
    assert_at(
        one(&instance(&format!(
            "tags = {{ k = \"{}\" }}\n",
            "v".repeat(257)
        ))),
        "a.toml:9:",
        "at most 256",
    );
    assert_at(
        one(&instance("tags = { \"aws:team\" = \"x\" }\n")),
        "a.toml:9:",
        "`aws:`",
    );
    assert_at(
        one(&instance("tags = { \"rdsplan:x\" = \"x\" }\n")),
        "a.toml:9:",
        "`rdsplan:`",
    );
    assert_at(
        one(&instance("tags = { team = \"a&b\" }\n")),
        "a.toml:9:",
        "characters RDS refuses",
    );
    let many: Vec<String> = (0..46).map(|i| format!("t{i} = \"x\"")).collect();
    assert_at(
        one(&instance(&format!("tags = {{ {} }}\n", many.join(", ")))),
        "a.toml:9:",
        "at most 50 per resource",
    );
    // 45 of the user's and rdsplan's 5 fit.
    assert!(problems(&instance(&format!(
        "tags = {{ {} }}\n",
        many[..45].join(", ")
    )))
    .is_empty());
}

#[test]
fn ec2_tag_keys_stop_at_127_characters() {
    let key = "k".repeat(128);
    assert_at(
        one(&format!("{VPC}tags = {{ {key} = \"v\" }}\n")),
        "a.toml:3:",
        "AWS allows 1 to 127",
    );
}

#[test]
fn security_group_and_rule_descriptions_use_ec2s_characters() {
    let group = |desc: &str, rule: &str| {
        format!("{VPC}\n[security_group.db]\nvpc = \"main\"\ndescription = \"{desc}\"\n\n[[security_group.db.ingress]]\nport = 5432\ncidr = \"10.0.0.0/16\"\ndescription = \"{rule}\"\n")
    };
    assert!(problems(&group("app & db", "from the app")).is_empty());
    assert_at(
        one(&group("it's ours", "x")),
        "a.toml:6:15",
        "security group description",
    );
    assert_at(
        one(&group("café", "x")),
        "a.toml:6:15",
        "security group description",
    );
    assert_at(
        one(&group(&"d".repeat(256), "x")),
        "a.toml:6:15",
        "security group description",
    );
    assert_at(
        one(&group("db", "app & db")),
        "a.toml:11:15",
        "rule description",
    );
}

#[test]
fn a_group_name_may_not_start_with_sg_dash() {
    let files = [
        ("env.toml", "[environment]\nname = \"sg\"\nregion = \"us-west-2\"\n"),
        (
            "a.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/16\"\n\n[security_group.db]\nvpc = \"main\"\ndescription = \"db\"\n",
        ),
    ];
    let p = load_files(&files).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_at(p[0].clone(), "a.toml:4:", "would start with `sg-`");
}

#[test]
fn group_and_role_descriptions_have_awss_lengths() {
    let pg = format!(
        "[parameter_group.p]\nfamily = \"postgres16\"\ndescription = \"{}\"\n",
        "d".repeat(256)
    );
    assert_at(one(&pg), "a.toml:3:15", "at most 255");
    let og = format!(
        "[option_group.o]\nengine = \"mysql\"\nmajor_engine_version = \"8.0\"\ndescription = \"{}\"\n",
        "d".repeat(256)
    );
    assert_at(one(&og), "a.toml:4:15", "at most 255");
    let role = format!(
        "[iam_role.r]\nassumed_by = \"rds.amazonaws.com\"\ndescription = \"{}\"\n",
        "d".repeat(1001)
    );
    assert_at(one(&role), "a.toml:3:15", "at most 1000");
}

#[test]
fn empty_parameter_values_are_refused() {
    let pg = "[parameter_group.p]\nfamily = \"postgres16\"\ndescription = \"p\"\nparameters = { work_mem = \"\" }\n";
    assert_at(one(pg), "a.toml:4:", "empty value");
}

#[test]
fn reserved_master_usernames_are_refused_per_engine() {
    assert_at(
        one(&instance("master_username = \"rdsadmin\"\n")),
        "a.toml:9:19",
        "reserved by RDS for postgres",
    );
    let oracle = instance("master_username = \"system\"\nlicense_model = \"x\"\n")
        .replace("postgres", "oracle-ee")
        .replace("license_model = \"x\"\n", "");
    assert_at(one(&oracle), "a.toml:9:19", "reserved by RDS for oracle-ee");
    let mssql = instance("master_username = \"sa\"\n").replace("postgres", "sqlserver-ex");
    assert_at(
        one(&mssql),
        "a.toml:9:19",
        "reserved by RDS for sqlserver-ex",
    );
}

#[test]
fn windows_last_30_minutes_and_do_not_overlap() {
    assert_at(
        one(&instance(
            "preferred_maintenance_window = \"mon:03:00-mon:03:20\"\n",
        )),
        "a.toml:9:32",
        "shorter than 30 minutes",
    );
    assert_at(
        one(&instance("preferred_backup_window = \"03:00-03:10\"\n")),
        "a.toml:9:27",
        "shorter than 30 minutes",
    );
    assert_at(
        one(&instance("preferred_backup_window = \"3am\"\n")),
        "a.toml:9:27",
        "not a backup window",
    );
    assert_at(
        one(&instance(
            "preferred_maintenance_window = \"tue:03:00-tue:04:00\"\npreferred_backup_window = \"03:30-04:30\"\n",
        )),
        "a.toml:10:27",
        "overlaps the maintenance window",
    );
    // Across midnight, and a day apart: fine.
    assert!(problems(&instance(
        "preferred_maintenance_window = \"tue:03:00-tue:04:00\"\npreferred_backup_window = \"23:45-00:15\"\n",
    ))
    .is_empty());
}

#[test]
fn aurora_has_at_most_15_readers_and_its_own_name_rules() {
    assert!(problems(&cluster("", 16)).is_empty());
    assert_at(one(&cluster("", 17)), "a.toml:", "at most 15 readers");
    assert_at(
        one(&cluster("master_username = \"app_admin\"\n", 1)),
        "a.toml:7:19",
        "not allowed for Aurora",
    );
    assert_at(
        one(&cluster("database_name = \"my-db\"\n", 1)),
        "a.toml:7:17",
        "database_name `my-db` is not allowed",
    );
}

#[test]
fn engine_rules_oracle_names_sql_server_ports_and_io1_sizes() {
    let oracle = instance("db_name = \"ordersdb1\"\n").replace("postgres", "oracle-ee");
    assert_at(one(&oracle), "a.toml:9:11", "Oracle allows at most 8");
    let mssql = instance("port = 1434\n").replace("postgres", "sqlserver-ex");
    assert_at(one(&mssql), "a.toml:9:8", "reserved for SQL Server");
    let io1 = instance("storage_type = \"io1\"\niops = 1000\n");
    assert_at(one(&io1), "a.toml:7:21", "AWS needs at least 100");
}

#[test]
fn identifiers_with_capitals_are_refused() {
    assert_at(
        one(&instance("identifier = \"Orders-DB\"\n")),
        "a.toml:9:14",
        "capitals",
    );
}

#[test]
fn the_environments_tags_are_checked_for_every_kind() {
    let body = instance("");
    let files = [
        (
            "env.toml",
            "[environment]\nregion = \"us-west-2\"\ntags = { \"aws:owner\" = \"x\" }\n",
        ),
        ("a.toml", body.as_str()),
    ];
    let p = load_files(&files).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_at(p[0].clone(), "env.toml:3:", "`aws:`");
    let _ = ENV;
}

#[test]
fn a_groups_identifier_is_an_rds_name_and_unique() {
    let pg = "[parameter_group.p]\nidentifier = \"legacy_pg\"\nfamily = \"postgres16\"\n";
    assert_at(
        one(pg),
        "a.toml:2:14",
        "`legacy_pg` is not a valid RDS name",
    );
    let og = "[option_group.o]\nidentifier = \"9audit\"\nengine = \"mysql\"\nmajor_engine_version = \"8.0\"\n";
    assert_at(one(og), "a.toml:2:14", "`9audit` is not a valid RDS name");
    let two = "[parameter_group.a]\nidentifier = \"Legacy-PG\"\nfamily = \"postgres16\"\n\n[parameter_group.b]\nidentifier = \"legacy-pg\"\nfamily = \"postgres16\"\n";
    assert_at(
        one(two),
        "a.toml:6:14",
        "parameter_group.a has the identifier",
    );
    // A valid one loads, and is the group's AWS name, as RDS stores it (lower case).
    let ok = "[cluster_parameter_group.c]\nidentifier = \"Reports-CPG\"\nfamily = \"aurora-postgresql16\"\n";
    let cfg = load_files(&[("env.toml", ENV), ("a.toml", ok)]).unwrap();
    let (res, _) = crate::config::expand::expand_all(&cfg, &crate::model::Live::default());
    assert!(res.iter().any(|r| r.name == "reports-cpg"), "{res:?}");
}

#[test]
fn an_unknown_region_fails_validate_with_the_closest() {
    let p = load_files(&[
        ("env.toml", "[environment]\nregion = \"us-west-9\"\n"),
        ("a.toml", ""),
    ])
    .unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_at(
        p[0].clone(),
        "env.toml:2:10",
        "`us-west-9` is not an AWS region",
    );
    let closest = crate::config::regions::check("us-west-9").unwrap_err();
    assert!(
        closest.is_some_and(|c| c.starts_with("us-west-")),
        "the help suggests the closest: {closest:?}"
    );
    for known in ["us-west-2", "eu-central-2", "cn-north-1", "us-gov-west-1"] {
        assert!(crate::config::regions::check(known).is_ok(), "{known}");
    }
}
