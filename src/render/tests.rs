//! Golden renders of one plan that has every action kind.

use crate::model::{Address, Foreign, Kind, Live, Resource, Rule, Value};
use crate::plan::{plan, Plan};

fn instance(name: &str, class: &str) -> Resource {
    Resource::new(
        Address::new("instance", name),
        Kind::Instance,
        format!("dev-{name}"),
    )
    .with("engine", Value::str("mysql"))
    .with("instance_class", Value::str(class))
    .with("allocated_storage", Value::Int(20))
    .with("multi_az", Value::Bool(true))
}

fn live_of(mut r: Resource) -> Resource {
    r.id = Some(format!("arn:aws:rds:us-west-2:123456789012:db:{}", r.name));
    r
}

/// create, update, replace, delete, conflict and no-op, in one plan.
pub fn every_action() -> Plan {
    let group = Resource::new(
        Address::new("security_group", "app"),
        Kind::SecurityGroup,
        "dev-app",
    )
    .with("vpc", Value::str("vpc.main"))
    .with("description", Value::str("app tier"))
    .with(
        "ingress",
        Value::Rules(vec![Rule {
            protocol: "tcp".into(),
            from_port: 443,
            to_port: 443,
            source: "10.0.0.0/16".into(),
            description: Some("https".into()),
        }]),
    );
    let vpc = Resource::new(Address::new("vpc", "main"), Kind::Vpc, "dev-main")
        .with("cidr", Value::str("10.0.0.0/16"));
    let mut live_vpc = vpc.clone();
    live_vpc.id = Some("vpc-0abc".into());
    let desired = vec![
        vpc,
        group,
        instance("orders", "db.t3.small")
            .with(
                "security_groups",
                Value::set([
                    "security_group.app".to_string(),
                    "security_group.db".to_string(),
                ]),
            )
            .with("allocated_storage", Value::Int(50)),
        instance("billing", "db.t3.micro").with("engine", Value::str("postgres")),
        instance("reports", "db.t3.micro"),
    ];
    let live = Live {
        resources: vec![
            live_vpc,
            live_of(
                instance("orders", "db.t3.micro")
                    .with(
                        "security_groups",
                        Value::set(["security_group.db".to_string()]),
                    )
                    .with(
                        "preferred_maintenance_window",
                        Value::str("sun:05:00-sun:06:00"),
                    )
                    .with_pending("allocated_storage", Value::Int(50)),
            ),
            live_of(instance("billing", "db.t3.micro")),
            live_of(instance("legacy", "db.m5.large")),
        ],
        azs: vec![],
        foreign: vec![Foreign {
            kind: Kind::Instance,
            name: "dev-reports".into(),
            id: "arn:aws:rds:us-west-2:123456789012:db:dev-reports".into(),
        }],
        unmanaged: vec![],
        ..Default::default()
    };
    plan("dev", "us-west-2", &desired, &live).unwrap()
}

#[test]
fn text_render_of_every_action() {
    insta::assert_snapshot!(super::text::render(&every_action(), false));
}

#[test]
fn text_render_in_colour_only_when_asked() {
    let plain = super::text::render(&every_action(), false);
    assert!(!plain.contains('\x1b'));
    let coloured = super::text::render(&every_action(), true);
    assert!(coloured.contains("\x1b[32m"));
}

#[test]
fn json_render_of_every_action() {
    insta::assert_snapshot!(super::json::render(&every_action()));
}

#[test]
fn markdown_render_of_every_action() {
    insta::assert_snapshot!(super::markdown::render(&every_action()));
}

#[test]
fn markdown_is_capped_with_a_line_saying_what_was_cut() {
    let full = super::markdown::render(&every_action());
    let capped = super::markdown::render_capped(&every_action(), full.len() - 200);
    assert!(capped.len() <= full.len() - 200);
    assert!(
        capped.contains("resource details were cut to keep this comment under"),
        "{capped}"
    );
    // The summary table still lists every change.
    for addr in [
        "instance.billing",
        "instance.legacy",
        "instance.orders",
        "security_group.app",
    ] {
        assert!(capped.contains(&format!("| `{addr}` |")), "{addr}");
    }
}

#[test]
fn markdown_puts_destructive_changes_first() {
    let md = super::markdown::render(&every_action());
    let table = md.split("|---|").last().unwrap();
    let pos = |s: &str| table.find(s).unwrap();
    assert!(pos("instance.billing") < pos("security_group.app"));
    assert!(pos("instance.legacy") < pos("instance.orders"));
}

#[test]
fn no_changes_text() {
    let p = plan("dev", "us-west-2", &[], &Live::default()).unwrap();
    assert_eq!(
        super::text::render(&p, false),
        "No changes. Environment `dev` (us-west-2) matches the configuration.\n"
    );
}

#[test]
fn no_color_env_disables_colour_even_on_a_terminal() {
    // NO_COLOR is read from the process environment; only its absence allows colour.
    let expected = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    assert_eq!(super::use_color(true), expected);
    assert!(!super::use_color(false));
}

/// Tag changes read key by key, and one made to many resources is said once.
#[test]
fn tag_changes_are_shown_key_by_key_and_an_environment_wide_one_once() {
    let tagged = |name: &str, tags: &[(&str, &str)]| {
        instance(name, "db.t3.micro").with(
            "tags",
            Value::Map(
                tags.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        )
    };
    let before = [("team", "db"), ("old", "x")];
    let after = [("team", "db"), ("cost-center", "42")];
    let names = ["a", "b", "c"];
    let desired: Vec<Resource> = names.iter().map(|n| tagged(n, &after)).collect();
    let live = Live {
        resources: names.iter().map(|n| live_of(tagged(n, &before))).collect(),
        ..Default::default()
    };
    let p = plan("dev", "us-west-2", &desired, &live).unwrap();
    let out = super::text::render(&p, false);
    assert!(
        out.contains("the tags of 3 resources change alike:"),
        "{out}"
    );
    assert!(out.contains("+ cost-center = \"42\""), "{out}");
    assert!(out.contains("- old = \"x\""), "{out}");
    assert!(
        !out.contains("team"),
        "unchanged keys are not shown:\n{out}"
    );
    assert_eq!(out.matches("cost-center").count(), 1, "{out}");
    // One resource alone: key by key in its own block.
    let p = plan(
        "dev",
        "us-west-2",
        &desired[..1],
        &Live {
            resources: live.resources[..1].to_vec(),
            ..Default::default()
        },
    )
    .unwrap();
    let out = super::text::render(&p, false);
    assert!(out.contains("~ tags ="), "{out}");
    assert!(out.contains("+ cost-center = \"42\""), "{out}");
    assert!(!out.contains("team"), "{out}");
}

#[test]
fn markdown_flags_a_reboot_in_the_summary_table() {
    let mut plan = every_action();
    let orders = plan
        .changes
        .iter_mut()
        .find(|c| c.address.as_str() == "instance.orders")
        .unwrap();
    orders.reboot = Some("parameter_group.orders changed a static parameter".into());
    let md = super::markdown::render(&plan);
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        table.iter().any(|l| l.contains("**reboot**")
            && l.contains("**reboots** after its changes: parameter_group.orders")),
        "{md}"
    );
}
