//! Adopting databases and security groups created outside rdsplan.

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_resources_plan_with_no_changes() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let vpc = sdk
        .ec2
        .describe_vpcs()
        .filters(ec2_tag("rdsplan:address", "vpc.main"))
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpcs()[0].vpc_id().unwrap().to_string();
    // Made by hand in the console, long before rdsplan.
    let sg = sdk
        .ec2
        .create_security_group()
        .group_name("reporting-access")
        .description("reporting tools")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let sg_id = sg.group_id().unwrap().to_string();
    sdk.ec2
        .authorize_security_group_ingress()
        .group_id(&sg_id)
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .cidr_ip("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("reporting")
        .engine("postgres")
        .db_instance_class("db.t3.small")
        .allocated_storage(50)
        .master_username("report")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("t-main")
        .vpc_security_group_ids(&sg_id)
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("owner")
                .value("bi")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drift = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(
        drift.code,
        2,
        "both show up as unmanaged first: {}",
        drift.all()
    );

    let file = env.dir().join("t").join("imported.toml");
    let file = file.to_str().unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "security_group",
            &sg_id,
            "--as",
            "reporting",
            "--write",
            file,
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "instance",
            "reporting",
            "--as",
            "reporting",
            "--write",
            file,
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stderr, "credentials = \"external\"");
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("[security_group.reporting]"), "{text}");
    assert!(text.contains("[instance.reporting]"), "{text}");
    assert!(text.contains("identifier = \"reporting\""), "{text}");
    assert!(text.contains("security_groups = [\"reporting\"]"), "{text}");

    let v = rdsplan(Some(&moto), &env.dir(), &["validate", "--env", "t"]);
    assert_eq!(v.code, 0, "{}", v.all());
    assert_no_changes(&moto, &env);
    let drift = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(drift.code, 0, "{}", drift.all());
    // Only tags changed: the database kept its class, storage and its own tag.
    let i = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("reporting")
        .send()
        .await
        .unwrap();
    let i = &i.db_instances()[0];
    assert_eq!(i.db_instance_class(), Some("db.t3.small"));
    assert_eq!(i.allocated_storage(), Some(50));
    assert!(i
        .tag_list()
        .iter()
        .any(|t| t.key() == Some("owner") && t.value() == Some("bi")));
    assert!(i
        .tag_list()
        .iter()
        .any(|t| t.key() == Some("rdsplan:address") && t.value() == Some("instance.reporting")));

    // Importing it again is refused: it is managed now.
    let again = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "instance",
            "reporting",
            "--as",
            "other",
            "--auto-approve",
        ],
    );
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("already managed by rdsplan environment `t`"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_prints_toml_and_needs_confirmation_without_a_terminal() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let vpc = sdk
        .ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    sdk.ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.9.0.0/24")
        .availability_zone("us-west-2a")
        .send()
        .await
        .unwrap();
    sdk.ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.9.1.0/24")
        .availability_zone("us-west-2b")
        .send()
        .await
        .unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["import", "--env", "t", "vpc", &vpc_id, "--as", "legacy"],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stdout, "[vpc.legacy]");
    assert_shows(&r.stdout, "cidr = \"10.9.0.0/16\"");
    assert_shows(&r.stderr, "pass --auto-approve");
    let tags = sdk
        .ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .unwrap();
    assert!(tags.vpcs()[0].tags().is_empty(), "nothing was tagged");
    // With --write, answered "no" on a terminal: the file is untouched, nothing is tagged,
    // and the next plan knows nothing of it.
    env.write("legacy.toml", "# the team's notes\n");
    let file = env.dir().join("t").join("legacy.toml");
    let write_args = [
        "import",
        "--env",
        "t",
        "vpc",
        &vpc_id,
        "--as",
        "legacy",
        "--write",
        file.to_str().unwrap(),
    ];
    let no = rdsplan_on_terminal(Some(&moto), &env.dir(), &write_args, "no\n");
    assert_eq!(no.code, 1, "{}", no.all());
    assert_shows(&no.stdout, "Only 'yes' is accepted");
    assert_shows(&no.stdout, "nothing was written or tagged");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# the team's notes\n"
    );
    assert_no_changes(&moto, &env);
    // With approval, the VPC and its subnets are adopted and plan shows no change for them.
    let mut approved = write_args.to_vec();
    approved.push("--auto-approve");
    let r = rdsplan(Some(&moto), &env.dir(), &approved);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("# the team's notes\n"),
        "appended after what was there"
    );
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_and_clusters_are_imported_with_their_members() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    sdk.rds
        .create_db_instance_read_replica()
        .db_instance_identifier("orders-copy")
        .source_db_instance_identifier("t-orders")
        .db_instance_class("db.t3.small")
        .send()
        .await
        .unwrap();
    // moto copies the source's tags onto the replica (rdsplan's ownership tags included);
    // a replica made by hand carries none of them.
    let copy = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("orders-copy")
        .send()
        .await
        .unwrap();
    sdk.rds
        .remove_tags_from_resource()
        .resource_name(copy.db_instances()[0].db_instance_arn().unwrap())
        .tag_keys("rdsplan:environment")
        .tag_keys("rdsplan:address")
        .tag_keys("managed-by")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_cluster()
        .db_cluster_identifier("legacy")
        .engine("aurora-postgresql")
        .master_username("pg")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("t-main")
        .send()
        .await
        .unwrap();
    // `legacy-1`: a member name that starts with a digit (as AWS's console names readers).
    for (m, class) in [("legacy-a", "db.r6g.large"), ("legacy-1", "db.r6g.xlarge")] {
        sdk.rds
            .create_db_instance()
            .db_instance_identifier(m)
            .db_cluster_identifier("legacy")
            .engine("aurora-postgresql")
            .db_instance_class(class)
            .send()
            .await
            .unwrap();
    }
    let file = env.dir().join("t").join("imported.toml");
    let file = file.to_str().unwrap();
    for (kind, id, name) in [
        ("replica", "orders-copy", "orders-copy"),
        ("cluster", "legacy", "legacy"),
    ] {
        let r = rdsplan(
            Some(&moto),
            &env.dir(),
            &[
                "import",
                "--env",
                "t",
                kind,
                id,
                "--as",
                name,
                "--write",
                file,
                "--auto-approve",
            ],
        );
        assert_eq!(r.code, 0, "{kind}: {}", r.all());
    }
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("source = \"instance.orders\""), "{text}");
    assert!(
        text.contains("[[cluster.legacy.instance]]") && text.contains("name = \"1\""),
        "{text}"
    );
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_instance_keeps_its_groups_monitoring_and_logs() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    // The environment's own group, so that only the database is foreign.
    let sg = sdk
        .ec2
        .describe_security_groups()
        .filters(ec2_tag("rdsplan:address", "security_group.db"))
        .send()
        .await
        .unwrap();
    let sg_id = sg.security_groups()[0].group_id().unwrap().to_string();
    // The monitoring role the DBA team made (the plan checks that it exists).
    sdk.iam
        .create_role()
        .role_name("dba-monitoring")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_parameter_group()
        .db_parameter_group_name("reporting-pg")
        .db_parameter_group_family("postgres16")
        .description("the DBA team's")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("reporting")
        .engine("postgres")
        .engine_version("16.3")
        .db_instance_class("db.t3.small")
        .allocated_storage(50)
        .master_username("report")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("t-main")
        .vpc_security_group_ids(&sg_id)
        .db_parameter_group_name("reporting-pg")
        .enable_cloudwatch_logs_exports("postgresql")
        .monitoring_interval(60)
        .monitoring_role_arn("arn:aws:iam::123456789012:role/dba-monitoring")
        .ca_certificate_identifier("rds-ca-rsa2048-g1")
        .copy_tags_to_snapshot(true)
        .send()
        .await
        .unwrap();
    let file = env.dir().join("t").join("imported.toml");
    let file = file.to_str().unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "instance",
            "reporting",
            "--as",
            "reporting",
            "--write",
            file,
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(file).unwrap();
    for line in [
        "parameter_group = \"reporting-pg\"",
        "log_exports = [\"postgresql\"]",
        "monitoring_interval = 60",
        "monitoring_role = \"arn:aws:iam::123456789012:role/dba-monitoring\"",
        "ca_certificate = \"rds-ca-rsa2048-g1\"",
        "copy_tags_to_snapshot = true",
    ] {
        assert!(text.contains(line), "`{line}` not in:\n{text}");
    }
    let v = rdsplan(Some(&moto), &env.dir(), &["validate", "--env", "t"]);
    assert_eq!(v.code, 0, "{}", v.all());
    assert_no_changes(&moto, &env);
}

/// A hand-made estate in a VPC rdsplan does not own: two security groups, a DB subnet group, a
/// parameter group with three user-set parameters, an option group, two instances, a replica
/// and an Aurora cluster with two members; and a database in another VPC with its own group.
async fn legacy_estate(sdk: &Sdk) -> (String, String) {
    let mut vpcs = vec![];
    for (cidr, group) in [
        ("10.9.0.0/16", "legacy-db"),
        ("10.8.0.0/16", "elsewhere-db"),
    ] {
        let vpc = sdk.ec2.create_vpc().cidr_block(cidr).send().await.unwrap();
        let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
        let mut subnets = vec![];
        for (i, az) in ["us-west-2a", "us-west-2b"].iter().enumerate() {
            let s = sdk
                .ec2
                .create_subnet()
                .vpc_id(&vpc_id)
                .cidr_block(cidr.replace(".0.0/16", &format!(".{i}.0/24")))
                .availability_zone(*az)
                .send()
                .await
                .unwrap();
            subnets.push(s.subnet().unwrap().subnet_id().unwrap().to_string());
        }
        sdk.rds
            .create_db_subnet_group()
            .db_subnet_group_name(group)
            .db_subnet_group_description("made by hand")
            .set_subnet_ids(Some(subnets))
            .send()
            .await
            .unwrap();
        vpcs.push(vpc_id);
    }
    let mut groups = vec![];
    for (name, vpc) in [
        ("legacy-access", &vpcs[0]),
        ("legacy-admin", &vpcs[0]),
        ("far-access", &vpcs[1]),
    ] {
        let sg = sdk
            .ec2
            .create_security_group()
            .group_name(name)
            .description("made by hand")
            .vpc_id(vpc)
            .send()
            .await
            .unwrap();
        groups.push(sg.group_id().unwrap().to_string());
    }
    let (access, admin, far) = (&groups[0], &groups[1], &groups[2]);
    // The admins' group lets the access group in on PostgreSQL's port.
    sdk.ec2
        .authorize_security_group_ingress()
        .group_id(admin)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("10.9.0.0/16")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_parameter_group()
        .db_parameter_group_name("legacy-pg")
        .db_parameter_group_family("postgres16")
        .description("orders tuning")
        .send()
        .await
        .unwrap();
    let mut modify = sdk
        .rds
        .modify_db_parameter_group()
        .db_parameter_group_name("legacy-pg");
    for (k, v) in [
        ("max_connections", "200"),
        ("log_min_duration_statement", "500"),
        ("work_mem", "8192"),
    ] {
        modify = modify.parameters(
            aws_sdk_rds::types::Parameter::builder()
                .parameter_name(k)
                .parameter_value(v)
                .apply_method(aws_sdk_rds::types::ApplyMethod::PendingReboot)
                .build(),
        );
    }
    modify.send().await.unwrap();
    sdk.rds
        .create_option_group()
        .option_group_name("legacy-audit")
        .engine_name("mysql")
        .major_engine_version("8.0")
        .option_group_description("audit plugin")
        .send()
        .await
        .unwrap();
    sdk.rds
        .modify_option_group()
        .option_group_name("legacy-audit")
        .options_to_include(
            aws_sdk_rds::types::OptionConfiguration::builder()
                .option_name("MARIADB_AUDIT_PLUGIN")
                .option_settings(
                    aws_sdk_rds::types::OptionSetting::builder()
                        .name("SERVER_AUDIT_EVENTS")
                        .value("CONNECT")
                        .build(),
                )
                .build(),
        )
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    for (ident, engine, version, subnets, sgs) in [
        (
            "orders",
            "postgres",
            "16.3",
            "legacy-db",
            vec![access, admin],
        ),
        ("billing", "mysql", "8.0.36", "legacy-db", vec![access]),
        ("far", "postgres", "16.3", "elsewhere-db", vec![far]),
    ] {
        let mut create = sdk
            .rds
            .create_db_instance()
            .db_instance_identifier(ident)
            .engine(engine)
            .engine_version(version)
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("admin1")
            .master_user_password("not-in-secrets-123")
            .db_subnet_group_name(subnets)
            .set_vpc_security_group_ids(Some(sgs.into_iter().cloned().collect()));
        if ident == "orders" {
            create = create.db_parameter_group_name("legacy-pg");
        }
        if ident == "billing" {
            create = create.option_group_name("legacy-audit");
        }
        create.send().await.unwrap();
    }
    sdk.rds
        .create_db_instance_read_replica()
        .db_instance_identifier("orders-ro")
        .source_db_instance_identifier("orders")
        .db_instance_class("db.t3.small")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_cluster()
        .db_cluster_identifier("analytics")
        .engine("aurora-postgresql")
        .master_username("pg")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("legacy-db")
        .vpc_security_group_ids(access)
        .send()
        .await
        .unwrap();
    for m in ["analytics-a", "analytics-b"] {
        sdk.rds
            .create_db_instance()
            .db_instance_identifier(m)
            .db_cluster_identifier("analytics")
            .engine("aurora-postgresql")
            .db_instance_class("db.r6g.large")
            .send()
            .await
            .unwrap();
    }
    (vpcs[0].clone(), vpcs[1].clone())
}

/// The tags rdsplan's ownership reads on an RDS resource, by ARN.
async fn rds_owner(sdk: &Sdk, arn: &str) -> Option<String> {
    let tags = sdk
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .unwrap();
    tags.tag_list()
        .iter()
        .find(|t| t.key() == Some("rdsplan:address"))
        .and_then(|t| t.value().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_all_adopts_a_vpcs_databases_in_one_command_and_plans_clean() {
    let moto = Moto::start();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let sdk = moto.sdk().await;
    let (vpc, other) = legacy_estate(&sdk).await;
    let dir = env.dir().join("t");
    let args = [
        "import",
        "--env",
        "t",
        "--all",
        "--vpc",
        &vpc,
        "--write-dir",
        dir.to_str().unwrap(),
    ];

    // Without a terminal and without --auto-approve: a summary, and nothing written or tagged.
    let refused = rdsplan(Some(&moto), &env.dir(), &args);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert_shows(&refused.stderr, "Found 4 database(s) to import");
    assert_shows(&refused.stderr, "needs confirmation");
    assert!(!dir.join("imported-orders.toml").exists());

    let mut approved = args.to_vec();
    approved.push("--adopt-groups");
    approved.push("--auto-approve");
    let r = rdsplan(Some(&moto), &env.dir(), &approved);
    assert_eq!(r.code, 0, "{}", r.all());
    // The groups come with their databases, as definitions, each in a file of its own.
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}\n{}", r.all()))
    };
    let pg = read("imported-parameter-group-legacy-pg.toml");
    for line in [
        "[parameter_group.legacy-pg]",
        "identifier = \"legacy-pg\"",
        "family = \"postgres16\"",
        "max_connections = \"200\"",
        "log_min_duration_statement = \"500\"",
        "work_mem = \"8192\"",
    ] {
        assert!(pg.contains(line), "`{line}` not in:\n{pg}");
    }
    let og = read("imported-option-group-legacy-audit.toml");
    for line in [
        "[option_group.legacy-audit]",
        "name = \"MARIADB_AUDIT_PLUGIN\"",
        "SERVER_AUDIT_EVENTS = \"CONNECT\"",
    ] {
        assert!(og.contains(line), "`{line}` not in:\n{og}");
    }
    assert!(read("imported-orders.toml").contains("parameter_group = \"legacy-pg\""));
    assert!(read("imported-billing.toml").contains("option_group = \"legacy-audit\""));
    let admin = read("imported-security-group-legacy-admin.toml");
    assert!(admin.contains("port = 5432"), "{admin}");
    assert!(
        read("imported-security-group-legacy-access.toml").contains(&format!("vpc = \"{vpc}\""))
    );
    assert!(
        read("imported-orders.toml")
            .contains("security_groups = [\"legacy-access\", \"legacy-admin\"]"),
        "{}",
        read("imported-orders.toml")
    );
    let pg_arn = "arn:aws:rds:us-west-2:123456789012:pg:legacy-pg";
    assert_eq!(
        rds_owner(&sdk, pg_arn).await.as_deref(),
        Some("parameter_group.legacy-pg")
    );
    for (ident, address) in [
        ("analytics", "cluster.analytics"),
        ("orders", "instance.orders"),
        ("billing", "instance.billing"),
        ("orders-ro", "replica.orders-ro"),
    ] {
        assert_shows(&r.stderr, &format!("as {address}"));
        let name = address.split_once('.').unwrap().1;
        let file = std::fs::read_to_string(dir.join(format!("imported-{name}.toml")))
            .unwrap_or_else(|e| panic!("{ident}: {e}"));
        assert!(file.contains(&format!("imported from {ident}")), "{file}");
    }
    // One [vpc.…] for the four, in the first file that needs it.
    let vpc_tables: usize = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .map(|t| {
            t.lines()
                .filter(|l| l.starts_with("[vpc.") && !l.ends_with(".tags]"))
                .count()
        })
        .sum();
    let all: String = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(vpc_tables, 1, "{all}");
    assert_no_changes(&moto, &env);
    let drift = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(drift.code, 0, "in sync: {}", drift.all());

    // Nothing outside the VPC is tagged; a second run finds nothing new.
    let far = sdk.instance("far").await;
    assert!(
        far.tag_list()
            .iter()
            .all(|t| !t.key().unwrap_or_default().starts_with("rdsplan:")),
        "{other}: untouched"
    );
    let far_group = sdk
        .ec2
        .describe_security_groups()
        .filters(ec2_tag("rdsplan:environment", "t"))
        .send()
        .await
        .unwrap();
    let tagged: Vec<&str> = far_group
        .security_groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(
        tagged.len(),
        2,
        "only the two groups of the VPC: {tagged:?}"
    );
    assert!(!tagged.contains(&"far-access"));
    let again = rdsplan(Some(&moto), &env.dir(), &approved);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_shows(&again.stderr, "Found 0 database(s) to import");
    assert_shows(&again.stderr, "4 already managed");
    assert_shows(&again.stderr, "Nothing to import.");

    // The parameters are the files' now: a change in the file is a change in the plan.
    let pg_file = dir.join("imported-parameter-group-legacy-pg.toml");
    let text = std::fs::read_to_string(&pg_file).unwrap();
    std::fs::write(
        &pg_file,
        text.replace("max_connections = \"200\"", "max_connections = \"300\""),
    )
    .unwrap();
    let p = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(p.code, 2, "{}", p.all());
    assert_shows(&p.stdout, "parameter_group.legacy-pg");
    assert_shows(&p.stdout, "max_connections");
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terraform_state_is_taken_over_and_the_state_rm_lines_name_exactly_that() {
    let moto = Moto::start();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let sdk = moto.sdk().await;
    legacy_estate(&sdk).await;
    // The state Terraform would hold for the same estate (`far` is not Terraform's).
    let state = r#"{
      "version": 4,
      "resources": [
        {"module": "module.db", "mode": "managed", "type": "aws_db_instance", "name": "orders",
         "instances": [{"attributes": {"id": "db-4FJ2ABC", "identifier": "orders"}}]},
        {"mode": "managed", "type": "aws_db_instance", "name": "billing_main",
         "instances": [{"attributes": {"id": "db-77ZZ", "identifier": "billing"}}]},
        {"mode": "managed", "type": "aws_db_instance", "name": "orders_ro",
         "instances": [{"attributes": {"identifier": "orders-ro", "replicate_source_db": "orders"}}]},
        {"mode": "managed", "type": "aws_rds_cluster", "name": "analytics",
         "instances": [{"attributes": {"cluster_identifier": "analytics"}}]},
        {"mode": "managed", "type": "aws_rds_cluster_instance", "name": "member",
         "instances": [{"index_key": 0, "attributes": {"identifier": "analytics-a", "cluster_identifier": "analytics"}},
                       {"index_key": 1, "attributes": {"identifier": "analytics-b", "cluster_identifier": "analytics"}}]},
        {"mode": "managed", "type": "aws_security_group", "name": "legacy",
         "instances": [{"attributes": {"id": "sg-1"}}]},
        {"mode": "managed", "type": "aws_security_group_rule", "name": "legacy_in",
         "instances": [{"attributes": {"security_group_id": "sg-1"}}]},
        {"module": "module.db", "mode": "managed", "type": "aws_db_parameter_group", "name": "orders",
         "instances": [{"attributes": {"id": "legacy-pg", "name": "legacy-pg"}}]},
        {"mode": "managed", "type": "aws_db_subnet_group", "name": "legacy",
         "instances": [{"attributes": {"name": "legacy-db"}}]}
      ]
    }"#;
    let file = env.root.path().join("terraform.tfstate");
    std::fs::write(&file, state).unwrap();
    let dir = env.dir().join("t");
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "--from-terraform",
            file.to_str().unwrap(),
            "--write-dir",
            dir.to_str().unwrap(),
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    // Named after the Terraform names.
    for address in [
        "instance.orders",
        "instance.billing-main",
        "replica.orders-ro",
        "cluster.analytics",
    ] {
        assert_shows(&r.stderr, &format!("as {address}"));
    }
    assert_shows(&r.stderr, "aws_security_group.legacy");
    assert_shows(&r.stderr, "aws_security_group_rule.legacy_in");
    assert_shows(&r.stderr, "it stays Terraform's");
    assert_shows(&r.stderr, "as parameter_group.orders");
    let mut rm: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("terraform state rm"))
        .collect();
    rm.sort();
    assert_eq!(
        rm,
        [
            "terraform state rm 'aws_db_instance.billing_main'",
            "terraform state rm 'aws_db_instance.orders_ro'",
            "terraform state rm 'aws_rds_cluster.analytics'",
            "terraform state rm 'aws_rds_cluster_instance.member[0]'",
            "terraform state rm 'aws_rds_cluster_instance.member[1]'",
            "terraform state rm 'module.db.aws_db_instance.orders'",
            "terraform state rm 'module.db.aws_db_parameter_group.orders'",
        ],
        "exactly what was taken over: {}",
        r.stdout
    );
    assert_no_changes(&moto, &env);
    let far = sdk.instance("far").await;
    assert!(far
        .tag_list()
        .iter()
        .all(|t| !t.key().unwrap_or_default().starts_with("rdsplan:")));
}

/// A stack as CloudFormation (or CDK) would make it: a VPC with two subnets, a DB subnet
/// group, a security group and a PostgreSQL instance.
const STACK_TEMPLATE: &str = r#"{
  "Resources": {
    "ShopVpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.7.0.0/16"}},
    "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "ShopVpc"},
      "CidrBlock": "10.7.0.0/24", "AvailabilityZone": "us-west-2a"}},
    "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "ShopVpc"},
      "CidrBlock": "10.7.1.0/24", "AvailabilityZone": "us-west-2b"}},
    "DbSubnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
      "DBSubnetGroupName": "shop-db", "DBSubnetGroupDescription": "shop databases",
      "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
    "DbAccess": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
      "GroupDescription": "shop database access", "VpcId": {"Ref": "ShopVpc"}}},
    "OrdersDatabase5A3B2C1D": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "Properties": {
      "DBInstanceIdentifier": "shop-orders", "Engine": "postgres", "DBInstanceClass": "db.t3.micro",
      "AllocatedStorage": "20", "MasterUsername": "shop", "MasterUserPassword": "not-in-secrets-123",
      "DBSubnetGroupName": {"Ref": "DbSubnets"}, "VPCSecurityGroups": [{"Ref": "DbAccess"}]}}
  }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloudformation_stack_is_taken_over_and_the_hand_over_names_its_logical_ids() {
    let moto = Moto::start();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let conf = conf_for(&moto.url).await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    cfn.create_stack()
        .stack_name("shop")
        .template_body(STACK_TEMPLATE)
        .send()
        .await
        .unwrap();
    // moto's stack puts the instance in the default VPC's default group, whatever
    // VPCSecurityGroups says, and leaves out two fields AWS always reports; AWS uses the
    // stack's group and reports them, as set here.
    let resources = cfn
        .describe_stack_resources()
        .stack_name("shop")
        .send()
        .await
        .unwrap();
    let sg = resources
        .stack_resources()
        .iter()
        .find(|r| r.logical_resource_id() == Some("DbAccess"))
        .and_then(|r| r.physical_resource_id())
        .unwrap()
        .to_string();
    let sdk = moto.sdk().await;
    sdk.rds
        .modify_db_instance()
        .db_instance_identifier("shop-orders")
        .vpc_security_group_ids(&sg)
        .auto_minor_version_upgrade(true)
        .copy_tags_to_snapshot(false)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let dir = env.dir().join("t");
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "--from-cloudformation",
            "shop",
            "--write-dir",
            dir.to_str().unwrap(),
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stderr, "from stack shop");
    assert_shows(&r.stderr, "as instance.orders-database");
    assert_shows(&r.stderr, "Left to stack shop:");
    assert_shows(&r.stderr, "DbAccess");
    assert_shows(&r.stdout, "DeletionPolicy: Retain");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.trim() == "OrdersDatabase5A3B2C1D"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.lines().any(|l| l.trim() == "DbAccess"),
        "only what was taken over"
    );
    assert_no_changes(&moto, &env);
}
