//! Option groups end to end on moto: created with their options, used by an instance,
//! settings changed and options removed in place.

use super::support::*;

const DATABASES: &str = r#"
[option_group.audit]
engine = "mysql"
major_engine_version = "8.0"
description = "audit plugin"

[[option_group.audit.option]]
name = "MARIADB_AUDIT_PLUGIN"
settings = { SERVER_AUDIT_EVENTS = "CONNECT,QUERY" }

[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
option_group = "audit"
skip_final_snapshot = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn option_groups_are_created_used_and_reconciled_in_place() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", DATABASES),
    ]);
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("option_group.audit: created") < pos("instance.orders: creating"));
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let i = sdk.instance("t-orders").await;
    assert_eq!(
        i.option_group_memberships()[0].option_group_name(),
        Some("t-audit-mysql-8-0")
    );

    env.write(
        "databases.toml",
        &DATABASES.replace("CONNECT,QUERY", "CONNECT"),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&p.stdout, "~ option_group.audit (t-audit-mysql-8-0");
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let g = sdk
        .rds
        .describe_option_groups()
        .option_group_name("t-audit-mysql-8-0")
        .send()
        .await
        .unwrap();
    let setting = &g.option_groups_list()[0].options()[0].option_settings()[0];
    assert_eq!(setting.value(), Some("CONNECT"));

    // The option dropped from the files is removed.
    let without = DATABASES.replace(
        "[[option_group.audit.option]]\nname = \"MARIADB_AUDIT_PLUGIN\"\nsettings = { SERVER_AUDIT_EVENTS = \"CONNECT,QUERY\" }\n",
        "",
    );
    assert!(!without.contains("MARIADB"));
    env.write("databases.toml", &without);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let g = sdk
        .rds
        .describe_option_groups()
        .option_group_name("t-audit-mysql-8-0")
        .send()
        .await
        .unwrap();
    assert!(g.option_groups_list()[0].options().is_empty());
}

#[test]
fn an_option_group_of_another_engine_is_refused_with_its_place() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &DATABASES.replace(
                "engine = \"mysql\"\nengine_version",
                "engine = \"mariadb\"\nengine_version",
            ),
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.all(),
        "databases.toml:18:16: option group `audit` is for mysql 8.0, not mariadb 8.0",
    );
}
