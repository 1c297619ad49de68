//! Loading and validation: each problem is reported with its file:line:col, all in one pass.

use super::*;

/// Writes the files into an environment folder `t` and returns `file:line:col: message` for
/// every problem, or the loaded config.
pub(super) fn load_files(files: &[(&str, &str)]) -> Result<Config, Vec<String>> {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    load(&dir).map_err(|d| {
        d.items
            .iter()
            .map(|i| {
                let at = i.place.as_ref().map(|p| {
                    let loc = d.location(p);
                    loc.rsplit('/').next().unwrap().to_string()
                });
                match at {
                    Some(at) => format!("{at}: {}", i.message),
                    None => i.message.clone(),
                }
            })
            .collect()
    })
}

pub(super) const ENV: &str = "[environment]\nregion = \"us-west-2\"\n";
pub(super) const VPC: &str = "[vpc.main]\ncidr = \"10.0.0.0/16\"\n";

pub(super) fn problems(body: &str) -> Vec<String> {
    load_files(&[("env.toml", ENV), ("a.toml", body)])
        .err()
        .unwrap_or_default()
}

pub(super) fn instance(extra: &str) -> String {
    format!(
        "{VPC}\n[instance.db]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\n{extra}"
    )
}

#[test]
fn a_valid_environment_loads() {
    let cfg = load_files(&[("env.toml", ENV), ("a.toml", &instance(""))]).unwrap();
    assert_eq!(cfg.env_name, "t");
    assert_eq!(cfg.instances.len(), 1);
    assert_eq!(
        cfg.instances[0].spec.credentials,
        types::Credentials::Generated
    );
    assert!(
        cfg.instances[0].spec.storage_encrypted,
        "storage_encrypted defaults to true"
    );
}

#[test]
fn toml_syntax() {
    let p = problems("[vpc.main]\ncidr = \"10.0.0.0/16\n");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p,
        ["a.toml:2:20: TOML syntax: invalid basic string, expected `\"`"]
    );
}

#[test]
fn names_in_a_file_with_a_syntax_error_are_not_reported_undefined_elsewhere() {
    let p = load_files(&[
        ("env.toml", ENV),
        ("net.toml", "[vpc.main]\ncidr = \"10.0.0.0/16\nazs = 2\n"),
        (
            "db.toml",
            "[instance.a]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 5\nvpc = \"main\"\n",
        ),
    ])
    .err()
    .unwrap();
    // The syntax error, and the other file's own problem; not "undefined vpc `main`".
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|x| x.starts_with("net.toml:2:20: TOML syntax")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x.contains("allocated_storage 5 GiB")),
        "{p:?}"
    );
}

#[test]
fn wrong_type() {
    let p = problems(&instance("").replace("allocated_storage = 20", "allocated_storage = \"20\""));
    assert_eq!(
        p,
        ["a.toml:7:21: invalid type: string \"20\", expected i64"]
    );
}

#[test]
fn every_type_error_of_a_table_and_its_references_in_one_run() {
    // Two fields of the wrong type (one of them required), a reference to nothing, an
    // unknown field: all reported at once, each once, in file order.
    let body = instance("multi_az = \"yes\"\nsecurity_groups = [\"missing\"]\ncolour = 1\n")
        .replace("allocated_storage = 20", "allocated_storage = \"20\"");
    let mut p = problems(&body);
    p.sort_by_key(|x| x.split(':').nth(1).and_then(|l| l.parse::<u32>().ok()));
    assert_eq!(
        p,
        [
            "a.toml:7:21: invalid type: string \"20\", expected i64",
            "a.toml:9:12: invalid type: string \"yes\", expected a boolean",
            "a.toml:10:20: reference to undefined security_group `missing`",
            "a.toml:11:1: unknown field `colour`",
        ]
    );
}

#[test]
fn what_stands_in_for_a_field_of_the_wrong_type_is_never_reported() {
    // `engine` is required: a stand-in lets the rest be checked, and is not itself judged
    // (no "unknown engine" for it, no "missing field").
    let p = problems(&instance("").replace("engine = \"postgres\"", "engine = 5"));
    assert_eq!(
        p,
        ["a.toml:5:10: invalid type: integer `5`, expected a string"]
    );
    let p = problems(
        &instance("security_groups = [\"missing\"]\n")
            .replace("engine = \"postgres\"", "engine = 5"),
    );
    assert_eq!(
        p,
        [
            "a.toml:5:10: invalid type: integer `5`, expected a string",
            "a.toml:9:20: reference to undefined security_group `missing`",
        ]
    );
}

#[test]
fn a_missing_field_does_not_hide_the_rest_of_its_table() {
    // allocated_storage is missing: said once, the reference still checked, and nothing
    // about the stand-in (no "0 GiB out of range").
    let body =
        instance("security_groups = [\"missing\"]\n").replace("allocated_storage = 20\n", "");
    let p = problems(&body);
    assert_eq!(
        p,
        [
            "a.toml:4:1: missing field `allocated_storage`",
            "a.toml:8:20: reference to undefined security_group `missing`",
        ]
    );
}

#[test]
fn unknown_fields_are_all_reported_with_a_suggestion() {
    let p = problems(&instance("multiaz = true\nstorage = 5\n"));
    assert_eq!(
        p,
        [
            "a.toml:9:1: unknown field `multiaz`",
            "a.toml:10:1: unknown field `storage`"
        ]
    );
    let d = load_files(&[("env.toml", ENV), ("a.toml", &instance("multiaz = true\n"))])
        .err()
        .unwrap();
    assert!(d.len() == 1);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("a.toml"),
        format!("{ENV}{}", instance("multiaz = true\n")),
    )
    .unwrap();
    let rendered = load(&dir).err().unwrap().render(false);
    // The help may wrap; compare with whitespace folded.
    let folded = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains("did you mean `multi_az`?"), "{rendered}");
    assert!(
        rendered.contains("^") || rendered.contains("┬"),
        "a caret marks the place: {rendered}"
    );
}

#[test]
fn unknown_kind() {
    let p = problems("[database.x]\nengine = \"mysql\"\n");
    assert_eq!(p, ["a.toml:1:2: unknown kind `database`"]);
}

#[test]
fn duplicate_address_across_files_shows_both_places() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a.toml"), format!("{ENV}{VPC}")).unwrap();
    std::fs::write(dir.join("b.toml"), format!("\n{VPC}")).unwrap();
    let d = load(&dir).err().unwrap();
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.items[0].message, "vpc.main is defined twice");
    let rendered = d.render(false);
    assert!(
        rendered.contains("b.toml:2:6: vpc.main is defined twice"),
        "{rendered}"
    );
    assert!(
        rendered.contains("a.toml:3:6"),
        "the first definition is shown too: {rendered}"
    );
}

#[test]
fn undefined_references() {
    let p = problems(&format!(
        "{VPC}\n[security_group.db]\nvpc = \"mian\"\n\n[[security_group.db.ingress]]\nport = 5432\nsecurity_group = \"app\"\n\n[instance.db]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"other\"\nsecurity_groups = [\"db\", \"nope\"]\n"
    ));
    assert_eq!(
        p,
        [
            "a.toml:5:7: reference to undefined vpc `mian`",
            "a.toml:9:18: reference to undefined security_group `app`",
            "a.toml:15:7: reference to undefined vpc `other`",
            "a.toml:16:26: reference to undefined security_group `nope`",
        ]
    );
}

#[test]
fn cidrs_must_parse_and_have_no_host_bits() {
    let p = problems("[vpc.a]\ncidr = \"10.0.0.300/16\"\n[vpc.b]\ncidr = \"10.0.0.1/16\"\n");
    assert_eq!(
        p,
        [
            "a.toml:2:8: `10.0.0.300/16` is not a valid IPv4 CIDR block",
            "a.toml:4:8: CIDR `10.0.0.1/16` has host bits set",
        ]
    );
}

#[test]
fn subnets_must_fit_in_the_vpc() {
    let p = problems("[vpc.a]\ncidr = \"10.0.0.0/24\"\nazs = 3\nsubnet_prefix = 25\n");
    assert_eq!(
        p,
        ["a.toml:4:17: 3 subnets of /25 do not fit in 10.0.0.0/24 (room for 2)"]
    );
    assert!(problems("[vpc.a]\ncidr = \"10.0.0.0/24\"\nazs = 2\nsubnet_prefix = 25\n").is_empty());
    let p =
        problems("[vpc.a]\ncidr = \"10.0.0.0/24\"\nazs = 2\nsubnet_prefix = 25\npublic = true\n");
    assert_eq!(
        p,
        ["a.toml:4:17: 4 subnets of /25 do not fit in 10.0.0.0/24 (room for 2)"]
    );
}

#[test]
fn engine_must_be_supported() {
    let p = problems(&instance("").replace("\"postgres\"", "\"postgress\""));
    assert_eq!(p, ["a.toml:5:10: engine `postgress` is not supported"]);
}

#[test]
fn ports_must_be_in_range() {
    let p = problems(&instance("port = 70000\n"));
    assert_eq!(p, ["a.toml:9:8: port 70000 is out of range"]);
    let p = problems(&format!(
        "{VPC}[security_group.db]\nvpc = \"main\"\n[[security_group.db.ingress]]\nport = 65536\ncidr = \"10.0.0.0/8\"\n"
    ));
    assert_eq!(p, ["a.toml:6:8: port 65536 is out of range"]);
}

#[test]
fn instance_class_must_look_like_db_x_y() {
    let p = problems(&instance("").replace("db.t3.micro", "db.t3"));
    assert_eq!(p, ["a.toml:6:18: `db.t3` is not an instance class"]);
}

#[test]
fn storage_must_be_in_the_engine_range() {
    let p = problems(&instance("").replace("allocated_storage = 20", "allocated_storage = 10"));
    assert_eq!(
        p,
        ["a.toml:7:21: allocated_storage 10 GiB is out of range for postgres"]
    );
    let p = problems(&instance("max_allocated_storage = 15\n"));
    assert_eq!(
        p,
        ["a.toml:9:25: max_allocated_storage 15 GiB is out of range"]
    );
}

#[test]
fn identifiers_follow_rds_naming_rules() {
    let long = "a".repeat(64);
    let p = problems(&instance(&format!("identifier = \"{long}\"\n")));
    assert_eq!(
        p,
        [format!(
            "a.toml:9:14: RDS identifier `{long}` is 64 characters long; RDS allows 1 to 63"
        )]
    );
    let p = problems(&instance("identifier = \"1db\"\n"));
    assert_eq!(
        p,
        ["a.toml:9:14: RDS identifier `1db` must start with a letter"]
    );
    let p = problems(&instance("identifier = \"db--x\"\n"));
    assert_eq!(p, ["a.toml:9:14: RDS identifier `db--x` may not contain two consecutive hyphens or end with a hyphen"]);
}

#[test]
fn plaintext_passwords_are_refused_with_a_pointer_to_credentials() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("a.toml"),
        format!("{ENV}{}", instance("password = \"hunter2\"\n")),
    )
    .unwrap();
    let d = load(&dir).err().unwrap();
    assert_eq!(d.items.len(), 1);
    let rendered = d.render(false);
    assert!(
        rendered.contains("a.toml:11:1: `password` is not allowed"),
        "{rendered}"
    );
    assert!(
        rendered.contains("credentials = \"generated\""),
        "{rendered}"
    );
}

#[test]
fn resource_names_are_checked() {
    let p = problems("[vpc.Main]\ncidr = \"10.0.0.0/16\"\n");
    assert_eq!(p, ["a.toml:1:6: invalid resource name `Main`"]);
}

#[test]
fn a_missing_environment_table_is_reported() {
    let p = load_files(&[("a.toml", VPC)]).err().unwrap();
    assert_eq!(p, ["environment `t` has no [environment] table"]);
}

#[test]
fn problems_in_several_resources_and_files_come_together() {
    let p = load_files(&[
        ("env.toml", ENV),
        ("a.toml", "[vpc.a]\ncidr = \"10.0.0.1/16\"\n"),
        (
            "b.toml",
            &instance("port = 1\n").replace("[vpc.main]\ncidr = \"10.0.0.0/16\"\n", ""),
        ),
    ])
    .err()
    .unwrap();
    assert_eq!(
        p,
        [
            "a.toml:2:8: CIDR `10.0.0.1/16` has host bits set",
            "b.toml:7:8: port 1 is out of range",
            "b.toml:6:7: reference to undefined vpc `main`",
        ]
    );
}

const SOURCE: &str = "[instance.orders]\nengine = \"mysql\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\n";

#[test]
fn a_replica_needs_an_existing_source() {
    let p = problems(&format!(
        "{VPC}{SOURCE}\n[replica.ro]\nsource = \"instance.nope\"\n"
    ));
    assert_eq!(
        p,
        ["a.toml:10:10: replica source `instance.nope` does not exist"]
    );
    let p = problems(&format!(
        "{VPC}{SOURCE}\n[replica.ro]\nsource = \"orders\"\n"
    ));
    assert_eq!(p, ["a.toml:10:10: `orders` is not an instance address"]);
    assert!(problems(&format!(
        "{VPC}{SOURCE}\n[replica.ro]\nsource = \"instance.orders\"\n"
    ))
    .is_empty());
}

#[test]
fn a_replica_of_a_managed_credentials_source_is_refused_with_a_hint() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    let text = format!(
        "{ENV}{VPC}{SOURCE}credentials = \"managed\"\n\n[replica.ro]\nsource = \"instance.orders\"\n"
    );
    std::fs::write(dir.join("a.toml"), text).unwrap();
    let d = load(&dir).err().unwrap();
    assert_eq!(d.items.len(), 1);
    let rendered = d.render(false);
    assert!(
        rendered.contains("a.toml:13:10: `instance.orders` uses credentials = \"managed\"; RDS does not allow read replicas of such a source"),
        "{rendered}"
    );
    assert!(
        rendered.contains("set credentials = \"generated\" on instance.orders"),
        "{rendered}"
    );
    assert!(
        rendered.contains("a.toml:10:15"),
        "the source's credentials line is shown: {rendered}"
    );
}

#[test]
fn clusters_are_checked() {
    let p = problems(&format!(
        "{VPC}[cluster.c]\nengine = \"postgres\"\nvpc = \"main\"\n"
    ));
    assert_eq!(
        p,
        [
            "a.toml:4:10: cluster engine `postgres` is not supported",
            "a.toml:3:10: cluster `c` has no instances",
        ]
    );
    let p = problems(&format!(
        "{VPC}[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\niam_roles = [{{ role = \"nope\", feature = \"s3Import\" }}]\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"r6g.large\"\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"db.r6g.large\"\n"
    ));
    assert_eq!(
        p,
        [
            "a.toml:6:23: reference to undefined iam_role `nope`",
            "a.toml:9:18: `r6g.large` is not an instance class",
            "a.toml:11:8: instance `a` is listed twice",
        ]
    );
}

#[test]
fn iam_roles_are_checked() {
    let p = problems(
        "[iam_role.r]\nassumed_by = \"rds\"\nmanaged_policies = [\"AmazonS3ReadOnlyAccess\"]\n",
    );
    assert_eq!(
        p,
        [
            "a.toml:2:14: `rds` is not a service principal",
            "a.toml:3:21: `AmazonS3ReadOnlyAccess` is not a managed policy ARN",
        ]
    );
}

#[test]
fn storage_performance_monitoring_and_logs_are_checked_with_their_places() {
    let p = problems(&instance(
        "storage_type = \"gp2\"\niops = 3000\nstorage_throughput = 500\nlog_exports = [\"postgresql\", \"slowquery\"]\nperformance_insights_retention_days = 30\nmonitoring_interval = 7\n",
    ));
    assert_eq!(
        p,
        [
            "a.toml:10:8: iops needs storage_type gp3, io1 or io2, not gp2",
            "a.toml:11:22: storage_throughput is for gp3 storage only",
            "a.toml:12:30: postgres has no log `slowquery` to export",
            "a.toml:13:39: 30 days is not a Performance Insights retention",
            "a.toml:14:23: 7 is not an enhanced monitoring interval",
        ]
    );
    let p = problems(&instance("monitoring_interval = 60\n"));
    assert_eq!(
        p,
        ["a.toml:9:23: enhanced monitoring needs a monitoring_role"]
    );
    let p = problems(&format!(
        "{}monitoring_interval = 60\nmonitoring_role = \"s3\"\n\n[iam_role.s3]\n",
        instance("")
    ));
    assert_eq!(
        p,
        ["a.toml:10:19: iam_role `s3` is assumed by rds.amazonaws.com, but enhanced monitoring assumes it as monitoring.rds.amazonaws.com"]
    );
    let ok = format!(
        "{}storage_type = \"gp3\"\niops = 12000\nstorage_throughput = 500\nmonitoring_interval = 60\nmonitoring_role = \"mon\"\nperformance_insights_retention_days = 93\n\n[iam_role.mon]\nassumed_by = \"monitoring.rds.amazonaws.com\"\n",
        instance("")
    );
    // gp3 IOPS and throughput are the baseline below 400 GiB for PostgreSQL.
    let p = problems(&ok);
    assert_eq!(
        p,
        [
            "a.toml:10:8: gp3 iops cannot be set for postgres below 400 GiB (allocated_storage = 20): it is the baseline",
            "a.toml:11:22: gp3 storage_throughput cannot be set for postgres below 400 GiB (allocated_storage = 20): it is the baseline",
        ]
    );
    let ok = ok.replace("allocated_storage = 20", "allocated_storage = 400");
    assert_eq!(problems(&ok), Vec::<String>::new());
    let p = problems(&ok.replace("iops = 12000", "iops = 70000"));
    assert_eq!(
        p,
        ["a.toml:10:8: gp3 iops 70000 is outside 12000-64000 IOPS for postgres"]
    );
    // io1: 1 to 50 IOPS per GiB, and at least 100 GiB.
    let io1 = instance("storage_type = \"io1\"\niops = 500\n");
    assert_eq!(
        problems(&io1),
        [
            "a.toml:10:8: io1 iops 500 does not fit 20 GiB (1 to 50 IOPS per GiB, at least 1000)",
            "a.toml:7:21: 20 GiB of io1 storage; AWS needs at least 100"
        ]
    );
    assert_eq!(
        problems(&instance("storage_type = \"io2\"\n")),
        [
            "a.toml:9:16: io2 storage needs iops",
            "a.toml:7:21: 20 GiB of io2 storage; AWS needs at least 100"
        ]
    );
}

#[test]
fn serverless_members_need_the_cluster_capacity_range() {
    let cluster = |extra: &str| {
        format!(
            "{VPC}\n[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\n{extra}\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"db.serverless\"\n"
        )
    };
    let p = problems(&cluster(""));
    assert_eq!(
        p,
        ["a.toml:10:18: a db.serverless member needs the cluster's serverless_v2 capacity range"]
    );
    let p = problems(&cluster(
        "serverless_v2 = { min_capacity = 0.3, max_capacity = 300 }\n",
    ));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].contains("min_capacity 0.3 is not a Serverless v2 capacity"),
        "{p:?}"
    );
    assert!(p[1].contains("max_capacity 300"), "{p:?}");
    assert_eq!(
        problems(&cluster(
            "serverless_v2 = { min_capacity = 0.5, max_capacity = 16 }\n"
        )),
        Vec::<String>::new()
    );
}

#[test]
fn blue_green_needs_a_password_rds_does_not_manage() {
    let p = problems(&instance(
        "upgrade = \"blue-green\"\ncredentials = \"managed\"\n",
    ));
    assert_eq!(
        p,
        ["a.toml:9:11: AWS does not make blue/green deployments of a database whose master password RDS manages"]
    );
    assert!(problems(&instance("upgrade = \"blue-green\"\n")).is_empty());
}

/// Every field of a kind in turn given a value no field accepts, on line 5 of `body`: the
/// problems are all on that line (its type error, or what is wrong inside it), none stem from
/// what stood in for it, and nothing panics.
fn each_field_wrong<T: schemars::JsonSchema + 'static>(body: &str, skip: &[&str]) {
    for field in load::field_names::<T>() {
        if skip.contains(&field.as_str()) {
            continue;
        }
        let mut lines: Vec<String> = body
            .lines()
            .filter(|l| !l.starts_with(&format!("{field} =")))
            .map(str::to_string)
            .collect();
        lines.insert(4, format!("{field} = {{ nope = [1, \"x\"] }}"));
        let p = problems(&lines.join("\n"));
        assert!(!p.is_empty(), "{field}: no problem reported");
        for x in &p {
            assert!(x.starts_with("a.toml:5:"), "{field}: {x} (all: {p:?})");
        }
    }
}

#[test]
fn any_field_of_the_wrong_type_is_reported_at_its_line_and_nothing_else_is() {
    each_field_wrong::<types::InstanceConfig>(&format!(
        "{VPC}\n[instance.db]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\nskip_final_snapshot = true\n"
    ), &[]);
    each_field_wrong::<types::ClusterConfig>(&format!(
        "{VPC}\n[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\nskip_final_snapshot = true\n\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"db.r6g.large\"\n"
    ), &["instance"]); // members: an array of tables, written below
    each_field_wrong::<types::VpcConfig>("[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = 2\n\n\n", &[]);
    each_field_wrong::<types::SecurityGroupConfig>(
        &format!("{VPC}\n[security_group.db]\nvpc = \"main\"\ndescription = \"x\"\n"),
        &[],
    );
}

#[test]
fn field_names_are_computed_once_per_type() {
    use crate::config::types::{InstanceConfig, VpcConfig};
    let a = load::field_names::<InstanceConfig>();
    // Loading many resources of the type builds no schema again: the same list is served.
    let many: String = (0..50)
        .map(|i| format!("[instance.db{i}]\nengine = \"postgres\"\ninstance_class = \"db.t3.micro\"\nallocated_storage = 20\nvpc = \"main\"\n\n"))
        .collect();
    let _ = load_files(&[("env.toml", ENV), ("a.toml", &format!("{VPC}\n{many}"))]);
    assert!(std::ptr::eq(a, load::field_names::<InstanceConfig>()));
    assert!(a.iter().any(|f| f == "instance_class"));
    assert!(!std::ptr::eq(
        a.as_ptr() as *const u8,
        load::field_names::<VpcConfig>().as_ptr() as *const u8
    ));
}
