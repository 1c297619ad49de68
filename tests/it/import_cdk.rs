//! The CDK reference examples (`shared/reference/rds-cdk-examples.txt`: a Multi-AZ MySQL
//! instance; the same encrypted, beside an IAM role; an instance with a read replica), each
//! deployed as CDK would deploy it, and taken over with `import --from-cloudformation`.
//!
//! The stacks are the templates `cdk synth` makes for them (logical ids with their hash
//! suffixes, a VPC of three AZs with public and private subnets, a security group allowing all
//! egress, a DB subnet group over the private subnets, `DeletionPolicy: Snapshot`), created
//! in moto's CloudFormation. What moto's CloudFormation cannot make is made with the AWS API
//! as CloudFormation would: the generated secret (`Credentials.fromGeneratedSecret("admin")`)
//! and its attachment, whose `{{resolve:secretsmanager:…}}` password moto cannot resolve (the
//! template carries the password the secret then records); and the security groups, which
//! moto's stack ignores on a DB instance.

use super::support::*;
use serde_json::{json, Value};

/// The stack's name, the CDK example's, and what it holds.
struct Example {
    stack: &'static str,
    encrypted: bool,
    multi_az: bool,
    replica: bool,
    role: bool,
}

const EXAMPLES: [Example; 3] = [
    Example {
        stack: "RDSHighAvailabilityStack",
        encrypted: false,
        multi_az: true,
        replica: false,
        role: false,
    },
    Example {
        stack: "RDSSecurityStack",
        encrypted: true,
        multi_az: true,
        replica: false,
        role: true,
    },
    Example {
        stack: "RDSReadReplicaStack",
        encrypted: false,
        multi_az: false,
        replica: true,
        role: false,
    },
];

const PASSWORD: &str = "cdk-generated-Pw-0123456789";

/// The template `cdk synth` makes for an example (the parts an RDS import touches), with
/// CIDRs apart per stack.
fn template(e: &Example, n: u8) -> Value {
    let mut r = serde_json::Map::new();
    r.insert(
        "MyVPCAFB07A31".into(),
        json!({"Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": format!("10.{n}.0.0/16"), "EnableDnsHostnames": true, "EnableDnsSupport": true,
            "Tags": [{"Key": "Name", "Value": format!("{}/MyVPC", e.stack)}]}}),
    );
    r.insert(
        "MyVPCIGW30AB6DD6".into(),
        json!({"Type": "AWS::EC2::InternetGateway"}),
    );
    r.insert(
        "MyVPCVPCGW488ACE0D".into(),
        json!({"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "MyVPCAFB07A31"}, "InternetGatewayId": {"Ref": "MyVPCIGW30AB6DD6"}}}),
    );
    let mut private = vec![];
    for (i, az) in ["us-west-2a", "us-west-2b", "us-west-2c"]
        .iter()
        .enumerate()
    {
        for (kind, offset) in [("Public", 0), ("Private", 96)] {
            let id = format!("MyVPC{kind}Subnet{}Subnet0C5A3E8{}", i + 1, i);
            r.insert(
                id.clone(),
                json!({"Type": "AWS::EC2::Subnet", "Properties": {
                    "VpcId": {"Ref": "MyVPCAFB07A31"}, "AvailabilityZone": az,
                    "CidrBlock": format!("10.{n}.{}.0/19", offset + 32 * i),
                    "MapPublicIpOnLaunch": kind == "Public"}}),
            );
            if kind == "Private" {
                private.push(json!({"Ref": id}));
            }
        }
    }
    r.insert(
        "RDSSecurityGroup6BF2CF10".into(),
        json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": format!("{}/RDSSecurityGroup", e.stack),
            "SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}],
            "VpcId": {"Ref": "MyVPCAFB07A31"}}}),
    );
    let database = |logical: &str, source: Option<&str>| {
        let mut p = json!({
            "DBInstanceClass": "db.t2.micro",
            "DBSubnetGroupName": {"Ref": format!("{logical}SubnetGroup")},
            "PubliclyAccessible": false,
            "StorageType": "gp2",
            "CopyTagsToSnapshot": true,
            "VPCSecurityGroups": [{"Fn::GetAtt": ["RDSSecurityGroup6BF2CF10", "GroupId"]}],
        });
        match source {
            Some(s) => {
                p["SourceDBInstanceIdentifier"] = json!({"Ref": s});
            }
            None => {
                p["Engine"] = json!("mysql");
                p["EngineVersion"] = json!("8.0.23");
                p["AllocatedStorage"] = json!("20");
                p["MultiAZ"] = json!(e.multi_az);
                p["MasterUsername"] = json!("admin");
                // CDK: {{resolve:secretsmanager:<secret>:SecretString:password}}, which
                // CloudFormation resolves to what the secret holds.
                p["MasterUserPassword"] = json!(PASSWORD);
                if e.encrypted {
                    p["StorageEncrypted"] = json!(true);
                }
            }
        }
        json!({"Type": "AWS::RDS::DBInstance", "Properties": p,
               "UpdateReplacePolicy": "Snapshot", "DeletionPolicy": "Snapshot"})
    };
    for (logical, source) in [
        ("MyRDSInstance2E4C6E11", None),
        ("MyReadReplica8D27E3B7", Some("MyRDSInstance2E4C6E11")),
    ] {
        if source.is_some() && !e.replica {
            continue;
        }
        r.insert(
            format!("{logical}SubnetGroup"),
            json!({"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
                "DBSubnetGroupDescription": format!("Subnet group for {} database", &logical[..logical.len() - 8]),
                "SubnetIds": private.clone()}}),
        );
        r.insert(logical.into(), database(logical, source));
    }
    if e.role {
        r.insert(
            "RDSRoleB3F4D4A6".into(),
            json!({"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                               "Principal": {"Service": "rds.amazonaws.com"}}],
                "Version": "2012-10-17"}}}),
        );
    }
    json!({"Resources": r})
}

/// Deploys an example as CloudFormation would (see the module's comment for what the test
/// makes with the AWS API), returning the stack's resources as (logical id, physical id).
async fn deploy(moto: &Moto, e: &Example, n: u8) -> Vec<(String, String)> {
    let conf = conf_for(&moto.url).await;
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    cfn.create_stack()
        .stack_name(e.stack)
        .template_body(template(e, n).to_string())
        .send()
        .await
        .unwrap();
    let resources: Vec<(String, String)> = cfn
        .describe_stack_resources()
        .stack_name(e.stack)
        .send()
        .await
        .unwrap()
        .stack_resources()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap_or_default().to_string(),
                r.physical_resource_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let physical = |l: &str| {
        resources
            .iter()
            .find(|(x, _)| x == l)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("{l} not in {resources:?}"))
    };
    let sdk = moto.sdk().await;
    let sg = physical("RDSSecurityGroup6BF2CF10");
    let mut databases = vec![physical("MyRDSInstance2E4C6E11")];
    if e.replica {
        databases.push(physical("MyReadReplica8D27E3B7"));
    }
    for db in &databases {
        sdk.rds
            .modify_db_instance()
            .db_instance_identifier(db)
            .vpc_security_group_ids(&sg)
            .auto_minor_version_upgrade(true)
            .apply_immediately(true)
            .send()
            .await
            .unwrap();
    }
    // The generated secret and its attachment, as CDK's constructs make them.
    let db = sdk.instance(&databases[0]).await;
    let endpoint = db.endpoint().unwrap();
    sdk.secrets
        .create_secret()
        .name(format!("MyRDSInstanceSecret{n}C3D1F2A-AbCdEfGhIjKl"))
        .secret_string(
            json!({
                "username": "admin", "password": PASSWORD, "engine": "mysql",
                "host": endpoint.address(), "port": endpoint.port(),
                "dbInstanceIdentifier": databases[0],
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    resources
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cdk_reference_examples_are_taken_over_and_plan_clean() {
    let moto = Moto::start();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let dir = env.dir().join("t");
    for (n, e) in EXAMPLES.iter().enumerate() {
        let resources = deploy(&moto, e, 20 + n as u8).await;
        let mut args = vec![
            "import",
            "--env",
            "t",
            "--from-cloudformation",
            e.stack,
            "--write-dir",
            dir.to_str().unwrap(),
            "--auto-approve",
        ];
        // The first stack's security group, which only its database uses, is taken too.
        let adopt_group = n == 0;
        if adopt_group {
            args.push("--adopt-groups");
        }
        let r = rdsplan(Some(&moto), &env.dir(), &args);
        assert_eq!(r.code, 0, "{}: {}", e.stack, r.all());
        // Named after the logical ids, hash suffixes dropped; unique across the stacks.
        let name = match n {
            0 => "my-rds-instance".to_string(),
            _ => format!("my-rds-instance-{}", n + 1),
        };
        assert_shows(&r.stderr, &format!("as instance.{name}"));
        if e.replica {
            assert_shows(&r.stderr, "as replica.my-read-replica");
        }
        // What stays the stack's is listed: the network, the role, the group unless taken.
        assert_shows(&r.stderr, &format!("Left to stack {}:", e.stack));
        let left = r
            .stderr
            .split_once(&format!("Left to stack {}:", e.stack))
            .unwrap()
            .1;
        assert!(left.contains("MyVPCAFB07A31"), "{left}");
        assert!(left.contains("MyRDSInstance2E4C6E11SubnetGroup"), "{left}");
        assert_eq!(
            left.contains("RDSSecurityGroup6BF2CF10"),
            !adopt_group,
            "{left}"
        );
        assert_eq!(left.contains("RDSRoleB3F4D4A6"), e.role, "{left}");
        // The hand-over names exactly the logical ids taken over.
        let retained: Vec<&str> = r
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| resources.iter().any(|(x, _)| x == l))
            .collect();
        let mut want = vec!["MyRDSInstance2E4C6E11"];
        if e.replica {
            want.push("MyReadReplica8D27E3B7");
        }
        if adopt_group {
            want.push("RDSSecurityGroup6BF2CF10");
        }
        want.sort();
        let mut retained = retained;
        retained.sort();
        assert_eq!(retained, want, "{}", r.stdout);
        if adopt_group {
            assert_shows(&r.stderr, "as security_group.rds-security-group");
            assert_shows(&r.stderr, "Imported 1 database(s) and 1 group(s)");
        }
        let file = std::fs::read_to_string(dir.join(format!("imported-{name}.toml"))).unwrap();
        for line in [
            "engine = \"mysql\"",
            "engine_version = \"8.0\"",
            "instance_class = \"db.t2.micro\"",
            "credentials = \"external\"",
        ] {
            assert!(file.contains(line), "`{line}` not in\n{file}");
        }
        assert_eq!(file.contains("multi_az = true"), e.multi_az, "{file}");
        assert_eq!(
            file.contains("storage_encrypted = true"),
            e.encrypted,
            "{file}"
        );
        assert_no_changes(&moto, &env);
    }
    let drift = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(drift.code, 0, "in sync: {}", drift.all());
}
