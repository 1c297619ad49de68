//! Parameter groups at the SDK level, where moto cannot show AWS's behaviour: batches of 20,
//! apply methods, resets (moto has no ResetDBParameterGroup), apply types from the engine
//! defaults (moto has no DescribeEngineDefaultParameters).

use crate::kinds::parameter_group::{self as parameters, Flavor, ParameterPlan};
use crate::model::{Address, Kind, Resource};
use aws_sdk_rds::operation::describe_engine_default_parameters::{
    DescribeEngineDefaultParametersError, DescribeEngineDefaultParametersOutput,
};
use aws_sdk_rds::operation::modify_db_parameter_group::{
    ModifyDbParameterGroupInput, ModifyDbParameterGroupOutput,
};
use aws_sdk_rds::operation::reset_db_parameter_group::{
    ResetDbParameterGroupInput, ResetDbParameterGroupOutput,
};
use aws_sdk_rds::types::{ApplyMethod, EngineDefaults, Parameter};
use aws_sdk_rds::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use std::sync::{Arc, Mutex};

fn group() -> Resource {
    Resource::new(
        Address::new("parameter_group", "pg"),
        Kind::ParameterGroup,
        "t-pg-postgres16",
    )
}

#[tokio::test]
async fn parameters_go_in_batches_of_twenty_with_their_apply_methods_and_resets_too() {
    let modified: Arc<Mutex<Vec<ModifyDbParameterGroupInput>>> = Arc::default();
    let reset: Arc<Mutex<Vec<ResetDbParameterGroupInput>>> = Arc::default();
    let (m, r) = (modified.clone(), reset.clone());
    let modify = mock!(Client::modify_db_parameter_group)
        .match_requests(move |i| {
            m.lock().unwrap().push(i.clone());
            true
        })
        .then_output(|| ModifyDbParameterGroupOutput::builder().build());
    let resets = mock!(Client::reset_db_parameter_group)
        .match_requests(move |i| {
            r.lock().unwrap().push(i.clone());
            true
        })
        .then_output(|| ResetDbParameterGroupOutput::builder().build());
    let client = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&modify, &resets]);
    let plan = ParameterPlan {
        set: (0..25)
            .map(|i| (format!("p{i:02}"), i.to_string(), i % 2 == 0))
            .collect(),
        reset: vec![("work_mem".into(), true), ("shared_buffers".into(), false)],
    };
    let calls = parameters::converge(&client, &group(), &plan)
        .await
        .unwrap();
    assert_eq!(calls, 3);
    let modified = modified.lock().unwrap();
    assert_eq!(modified.len(), 2);
    assert_eq!(modified[0].parameters().len(), 20);
    assert_eq!(modified[1].parameters().len(), 5);
    let p0 = &modified[0].parameters()[0];
    assert_eq!(p0.parameter_name(), Some("p00"));
    assert_eq!(p0.apply_method(), Some(&ApplyMethod::Immediate));
    assert_eq!(
        modified[0].parameters()[1].apply_method(),
        Some(&ApplyMethod::PendingReboot)
    );
    let reset = reset.lock().unwrap();
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].reset_all_parameters(), Some(false));
    let names: Vec<_> = reset[0]
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_name().unwrap(),
                p.apply_method().unwrap().clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("work_mem", ApplyMethod::Immediate),
            ("shared_buffers", ApplyMethod::PendingReboot)
        ]
    );
}

#[tokio::test]
async fn apply_types_come_from_the_engine_defaults_once_and_an_error_means_unknown() {
    let param = |n: &str, t: &str| Parameter::builder().parameter_name(n).apply_type(t).build();
    let pages = mock!(Client::describe_engine_default_parameters)
        .sequence()
        .output(move || {
            DescribeEngineDefaultParametersOutput::builder()
                .engine_defaults(
                    EngineDefaults::builder()
                        .parameters(param("work_mem", "dynamic"))
                        .marker("next")
                        .build(),
                )
                .build()
        })
        .output(move || {
            DescribeEngineDefaultParametersOutput::builder()
                .engine_defaults(
                    EngineDefaults::builder()
                        .parameters(param("shared_buffers", "static"))
                        .build(),
                )
                .build()
        })
        .build();
    let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&pages]);
    let types = parameters::apply_types(
        &parameters::engine_defaults(&client, Flavor::Db, "postgres16").await,
    );
    assert_eq!(types.get("work_mem").map(String::as_str), Some("dynamic"));
    assert_eq!(
        types.get("shared_buffers").map(String::as_str),
        Some("static")
    );
    assert_eq!(pages.num_calls(), 2);

    // Not implemented (moto), throttled, or denied: one attempt, and every change is then
    // planned as waiting for a reboot, never as immediate.
    let failing = mock!(Client::describe_engine_default_parameters)
        .then_error(|| DescribeEngineDefaultParametersError::unhandled("not implemented"));
    let client = mock_client!(aws_sdk_rds, [&failing]);
    let types = parameters::apply_types(
        &parameters::engine_defaults(&client, Flavor::Db, "postgres16").await,
    );
    assert!(types.is_empty());
    assert_eq!(failing.num_calls(), 1);
}
