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
    // With approval, the VPC and its subnets are adopted and plan shows no change for them.
    env.write("legacy.toml", "");
    let file = env.dir().join("t").join("legacy.toml");
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "vpc",
            &vpc_id,
            "--as",
            "legacy",
            "--write",
            file.to_str().unwrap(),
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
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
