//! Mistakes caught before AWS is asked to act, each at its place in the files: a misspelled
//! parameter (checked against the family's engine defaults), an engine version AWS does not
//! offer (DescribeDBEngineVersions), and the plan's own refusals (a storage growth under 10%). The test
//! proxy answers the two catalogue calls as AWS does; without them the plan says once what it
//! could not check.

use super::proxy::Proxy;
use super::support::*;

const DB: &str = r#"
[parameter_group.orders]
family = "postgres16"

[parameter_group.orders.parameters]
max_conections = "200"
work_mem = "8192"

[instance.orders]
engine = "postgres"
engine_version = "16.99"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
parameter_group = "orders"
skip_final_snapshot = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelled_parameter_and_an_unknown_version_fail_plan_at_their_place() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    proxy.engine_catalogue();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("db.toml", DB),
    ]);
    let plan = |env: &Env| rdsplan_via(&moto, &proxy.url, &env.dir(), &["plan", "--env", "t"], &[]);
    let r = plan(&env);
    assert_eq!(r.code, 1, "{}", r.all());
    // db.toml line 6 is `max_conections = "200"`, line 11 `engine_version = "16.99"`.
    assert_shows(
        &r.stderr,
        "db.toml:6:18: `max_conections` is not a parameter of family postgres16",
    );
    assert_shows(&r.stderr, "did you mean `max_connections`?");
    assert_shows(
        &r.stderr,
        "db.toml:11:18: engine_version \"16.99\" is not a postgres version AWS offers in us-west-2",
    );
    assert_shows(
        &r.stderr,
        "the newest postgres 16 versions AWS offers: 16.6, 16.4, 16.3",
    );
    assert!(
        !r.stderr.contains("`work_mem` is not"),
        "a known parameter passes: {}",
        r.stderr
    );

    // Corrected, it plans; applied, a storage growth AWS would round up is refused at its place too.
    let fixed = DB
        .replace("max_conections", "max_connections")
        .replace("16.99", "16.6");
    env.write("db.toml", &fixed);
    let r = plan(&env);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = rdsplan_via(
        &moto,
        &proxy.url,
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    env.write(
        "db.toml",
        &fixed.replace("allocated_storage = 20", "allocated_storage = 21"),
    );
    let r = plan(&env);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        "db.toml:13:21: instance.orders: allocated_storage 21 GiB grows the current 20 GiB by less than 10%",
    );
    assert_shows(&r.stderr, "Nothing was planned.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_could_not_be_checked_is_said_once() {
    // moto answers neither catalogue call: the names and the version are not checked, and
    // the plan says so, once each, without failing.
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("db.toml", &DB.replace("16.99", "16.3")),
    ]);
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let said = |what: &str| r.all().matches(what).count();
    assert_eq!(
        said("parameter names of family postgres16 were not checked"),
        1,
        "{}",
        r.all()
    );
    assert_eq!(said("postgres versions were not checked"), 1, "{}", r.all());
}
