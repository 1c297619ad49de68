//! SDK-level behaviour moto cannot show: waiter sequences, deadlines, throttling, typed errors
//! and pending modifications, with `aws-smithy-mocks` responses.

use crate::kinds::db::instance as rds;
use crate::model::{Address, Live, Resource, Value};
use aws_sdk_rds::operation::create_db_instance::CreateDBInstanceError;
use aws_sdk_rds::operation::delete_db_instance::DeleteDBInstanceError;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::types::error::DbInstanceAlreadyExistsFault;
use aws_sdk_rds::types::{DbInstance, Endpoint, PendingModifiedValues};
use aws_sdk_rds::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use std::time::Duration;

fn instance(status: &str) -> DescribeDbInstancesOutput {
    DescribeDbInstancesOutput::builder()
        .db_instances(
            DbInstance::builder()
                .db_instance_identifier("t-orders")
                .db_instance_status(status)
                .engine("mysql")
                .db_instance_class("db.t3.micro")
                .endpoint(
                    Endpoint::builder()
                        .address("t-orders.x.rds.amazonaws.com")
                        .port(3306)
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test(start_paused = true)]
async fn waiting_polls_until_available() {
    let rule = mock!(Client::describe_db_instances)
        .sequence()
        .output(|| instance("creating"))
        .output(|| instance("backing-up"))
        .output(|| instance("available"))
        .build();
    let client = mock_client!(aws_sdk_rds, [&rule]);
    let i = rds::wait_available(
        &client,
        "instance.orders",
        "t-orders",
        Duration::from_secs(600),
    )
    .await
    .unwrap();
    assert_eq!(i.db_instance_status(), Some("available"));
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn waiting_gives_up_at_the_deadline_naming_the_resource() {
    let rule = mock!(Client::describe_db_instances)
        .sequence()
        .output(|| instance("creating"))
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&rule]);
    let e = rds::wait_available(
        &client,
        "instance.orders",
        "t-orders",
        Duration::from_secs(60),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "instance.orders: wait failed: gave up after 60s"
    );
    assert!(rule.num_calls() >= 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_instance_stops_the_wait_with_its_status() {
    let rule =
        mock!(Client::describe_db_instances).then_output(|| instance("incompatible-network"));
    let client = mock_client!(aws_sdk_rds, [&rule]);
    let e = rds::wait_available(
        &client,
        "instance.orders",
        "t-orders",
        Duration::from_secs(600),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("instance is incompatible-network"),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_by_the_standard_retry_mode() {
    let throttled = r#"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
    let rule = mock!(Client::describe_db_instances)
        .sequence()
        .http_status(400, Some(throttled.to_string()))
        .times(2)
        .output(|| instance("available"))
        .build();
    let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&rule], |c| c
        .retry_config(
            aws_sdk_rds::config::retry::RetryConfig::standard().with_max_attempts(5)
        ));
    let got = rds::describe_instance(&client, "t-orders").await.unwrap();
    assert!(got.is_some());
    assert_eq!(rule.num_calls(), 3);
}

/// A create that fails with "already exists" is done when the instance now there carries this
/// address (an earlier attempt whose answer was lost made it), and an error otherwise.
#[tokio::test]
async fn already_exists_is_success_only_for_our_own_instance() {
    for (tag, ok) in [("instance.orders", true), ("instance.someone-else", false)] {
        let exists = mock!(Client::create_db_instance).then_error(|| {
            CreateDBInstanceError::DbInstanceAlreadyExistsFault(
                DbInstanceAlreadyExistsFault::builder().build(),
            )
        });
        let now = mock!(Client::describe_db_instances).then_output(move || {
            let mut out = instance("creating");
            let i = out.db_instances.as_mut().unwrap().first_mut().unwrap();
            i.tag_list = Some(vec![aws_sdk_rds::types::Tag::builder()
                .key("rdsplan:address")
                .value(tag)
                .build()]);
            out
        });
        let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&exists, &now]);
        let desired = Resource::new(
            Address::new("instance", "orders"),
            crate::model::Kind::Instance,
            "t-orders",
        )
        .with("engine", Value::str("mysql"));
        let r = rds::create_instance(
            &client,
            rds::NewInstance {
                env: "t",
                desired: &desired,
                subnet_group: "t-main".into(),
                security_group_ids: vec![],
                password: None,
                parameter_group: None,
                monitoring_role_arn: None,
                option_group: None,
            },
        )
        .await;
        assert_eq!(r.is_ok(), ok, "{tag}: {r:?}");
        assert_eq!(exists.num_calls(), 1);
    }
}

#[tokio::test]
async fn aws_errors_name_the_resource_the_operation_and_the_message() {
    let rule = mock!(Client::delete_db_instance).then_error(|| {
        DeleteDBInstanceError::InvalidDbInstanceStateFault(
            // As the deserializer builds it from AWS's XML: code and message in the metadata.
            aws_sdk_rds::types::error::InvalidDbInstanceStateFault::builder()
                .message("Instance t-orders is already being deleted.")
                .meta(
                    aws_sdk_rds::error::ErrorMetadata::builder()
                        .code("InvalidDBInstanceState")
                        .message("Instance t-orders is already being deleted.")
                        .build(),
                )
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_rds, [&rule]);
    let e = rds::delete_instance(
        &client,
        "instance.orders",
        "t-orders",
        None,
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "instance.orders: DeleteDBInstance failed: Instance t-orders is already being deleted. (InvalidDBInstanceState)"
    );
}

#[test]
fn errors_without_metadata_show_their_causes_not_a_debug_dump() {
    let e = super::AwsError::from_sdk(
        "vpc.main",
        "CreateVpc",
        DeleteDBInstanceError::unhandled("dispatch failure: connection refused"),
    );
    let text = e.to_string();
    assert!(text.starts_with("vpc.main: CreateVpc failed: "), "{text}");
    assert!(
        !text.contains("ErrorMetadata") && !text.contains("Some("),
        "{text}"
    );
}

#[tokio::test]
async fn pending_modifications_are_read_and_shown_not_planned_again() {
    let rule = mock!(Client::describe_db_instances).then_output(|| {
        DescribeDbInstancesOutput::builder()
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("t-orders")
                    .db_instance_status("available")
                    .engine("mysql")
                    .db_instance_class("db.t3.micro")
                    .preferred_maintenance_window("sun:05:00-sun:06:00")
                    .pending_modified_values(
                        PendingModifiedValues::builder()
                            .db_instance_class("db.t3.small")
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_rds, [&rule]);
    let i = rds::describe_instance(&client, "t-orders")
        .await
        .unwrap()
        .unwrap();
    let live = rds::db_instance_resource(Address::new("instance", "orders"), &i, vec![], &|s| {
        s.to_string()
    });
    assert_eq!(
        live.pending
            .get("instance_class")
            .and_then(crate::model::Value::as_str),
        Some("db.t3.small")
    );
    let mut desired = Resource::new(
        Address::new("instance", "orders"),
        crate::model::Kind::Instance,
        "t-orders",
    )
    .with("engine", Value::str("mysql"))
    .with("instance_class", Value::str("db.t3.small"));
    let world = Live {
        resources: vec![live],
        ..Default::default()
    };
    let p = crate::plan::plan("t", "us-west-2", &[desired.clone()], &world).unwrap();
    assert!(!p.has_changes());
    assert_eq!(p.changes[0].pending.len(), 1);
    let text = crate::render::text::render(&p, false);
    assert!(
        text.contains("instance.orders: instance_class = \"db.t3.micro\" -> \"db.t3.small\", at the next maintenance window (sun:05:00-sun:06:00)"),
        "{text}"
    );
    // The files want something else: planned, not hidden behind the pending value.
    desired.set("instance_class", Value::str("db.t3.large"));
    let p = crate::plan::plan("t", "us-west-2", &[desired], &world).unwrap();
    assert!(p.has_changes());
}

/// A class the engine has no offer for is refused only when AWS lists offers for the engine at
/// all; an endpoint that lists nothing gives no information.
#[tokio::test]
async fn orderable_classes_are_told_from_unknown_ones() {
    use crate::model::Offer;
    use aws_sdk_rds::operation::describe_orderable_db_instance_options::DescribeOrderableDbInstanceOptionsOutput as Out;
    use aws_sdk_rds::types::OrderableDbInstanceOption as Opt;
    let offer = |multi_az: bool| {
        Out::builder()
            .orderable_db_instance_options(Opt::builder().multi_az_capable(multi_az).build())
            .build()
    };
    let by_class = mock!(Client::describe_orderable_db_instance_options)
        .match_requests(|r| r.db_instance_class().is_some())
        .then_output(|| Out::builder().build());
    let any = mock!(Client::describe_orderable_db_instance_options)
        .match_requests(|r| r.db_instance_class().is_none() && r.engine() == Some("postgres"))
        .then_output(move || offer(true));
    let none = mock!(Client::describe_orderable_db_instance_options)
        .match_requests(|r| r.engine() == Some("mysql"))
        .then_output(|| Out::builder().build());
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&by_class, &any, &none]);
    let got = crate::aws::orderable::read(
        &client,
        &[
            ("postgres".into(), "db.z1.large".into()),
            ("mysql".into(), "db.z1.large".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(got["postgres|db.z1.large"], Offer::No);
    assert_eq!(got["mysql|db.z1.large"], Offer::Unknown);
    let yes =
        mock!(Client::describe_orderable_db_instance_options).then_output(move || offer(false));
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&yes]);
    let got =
        crate::aws::orderable::read(&client, &[("sqlserver-ex".into(), "db.t3.small".into())])
            .await
            .unwrap();
    assert_eq!(
        got["sqlserver-ex|db.t3.small"],
        Offer::Yes { multi_az: false }
    );
}

/// Oracle takes master passwords of 8 to 30 characters and no `&`; the others get 32.
#[test]
fn generated_passwords_fit_the_engine() {
    let (n, ex) = crate::kinds::secret::password_rules("oracle-ee");
    assert!((8..=30).contains(&n) && ex.contains('&'), "{n} {ex}");
    let (n, ex) = crate::kinds::secret::password_rules("postgres");
    assert_eq!(n, 32);
    assert!(ex.contains('/') && ex.contains('@') && ex.contains('"') && ex.contains(' '));
}

/// An option group a snapshot still references (AWS says InvalidOptionGroupStateFault) is
/// released, not a failed step: its ownership tags go, `rdsplan:released` marks it.
#[tokio::test]
async fn an_option_group_in_use_by_snapshots_is_released_not_failed() {
    use aws_sdk_rds::operation::add_tags_to_resource::AddTagsToResourceOutput;
    use aws_sdk_rds::operation::delete_option_group::DeleteOptionGroupError;
    use aws_sdk_rds::operation::remove_tags_from_resource::RemoveTagsFromResourceOutput;
    use aws_sdk_rds::types::error::InvalidOptionGroupStateFault;
    let refused = mock!(Client::delete_option_group).then_error(|| {
        DeleteOptionGroupError::InvalidOptionGroupStateFault(
            InvalidOptionGroupStateFault::builder()
                .message("The option group cannot be deleted because it is in use.")
                .meta(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code("InvalidOptionGroupStateFault")
                        .message("The option group cannot be deleted because it is in use.")
                        .build(),
                )
                .build(),
        )
    });
    let untag = mock!(Client::remove_tags_from_resource)
        .match_requests(|r| r.tag_keys().iter().any(|k| k == "rdsplan:environment"))
        .then_output(|| RemoveTagsFromResourceOutput::builder().build());
    let mark = mock!(Client::add_tags_to_resource)
        .match_requests(|r| r.tags().iter().any(|t| t.key() == Some("rdsplan:released")))
        .then_output(|| AddTagsToResourceOutput::builder().build());
    let c = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&refused, &untag, &mark]);
    let r =
        crate::kinds::option_group::delete(&c, "option_group.o", "t-o-mysql-8-0", Some("arn:og"))
            .await
            .unwrap();
    assert!(r.is_some_and(|m| m.contains("released")));
    assert_eq!((untag.num_calls(), mark.num_calls()), (1, 1));
}

/// A reboot AWS refuses with "in-progress management operation" right after a replica is made
/// (the instance reads available) is retried until it is taken, not failed.
#[tokio::test(start_paused = true)]
async fn a_reboot_refused_while_a_management_operation_runs_is_waited_out() {
    use aws_sdk_rds::operation::reboot_db_instance::{
        RebootDBInstanceError, RebootDbInstanceOutput,
    };
    use aws_sdk_rds::types::error::InvalidDbInstanceStateFault;
    let describe = mock!(Client::describe_db_instances).then_output(|| instance("available"));
    let reboot = mock!(Client::reboot_db_instance)
        .sequence()
        .error(|| {
            RebootDBInstanceError::InvalidDbInstanceStateFault(
                InvalidDbInstanceStateFault::builder()
                    .message("Instance t-ro cannot be rebooted because of an in-progress management operation.")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("InvalidDBInstanceState")
                            .build(),
                    )
                    .build(),
            )
        })
        .times(2)
        .output(|| RebootDbInstanceOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe, &reboot]);
    rds::reboot(&client, "replica.ro", "t-ro", Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(reboot.num_calls(), 3);
}
