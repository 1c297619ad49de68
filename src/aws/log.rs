//! Every AWS call at debug level (`-v` shows info, `-vv` debug, or `RUST_LOG`): service,
//! operation, the resource it names, its duration, its attempts (each retry is logged too) and
//! its HTTP status. Only identifiers and names are read from the request (by their parameter
//! names), never values such as passwords or secret strings: request and response bodies are
//! never logged.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::time::Instant;

#[derive(Debug)]
pub struct LogCalls;

#[derive(Debug, Clone)]
struct Call {
    started: Instant,
    attempts: u32,
    resource: Option<String>,
}

impl Call {
    fn new() -> Call {
        Call {
            started: Instant::now(),
            attempts: 0,
            resource: None,
        }
    }
}

impl Storable for Call {
    type Storer = StoreReplace<Self>;
}

/// The request parameters that name what a call is about, first found wins. Never a value
/// that could be secret.
const NAMES: &[&str] = &[
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "TargetDBInstanceIdentifier",
    "DBParameterGroupName",
    "DBClusterParameterGroupName",
    "OptionGroupName",
    "DBSubnetGroupName",
    "ResourceName",
    "VpcId",
    "SubnetId",
    "GroupId",
    "GroupName",
    "InternetGatewayId",
    "RouteTableId",
    "RoleName",
    "SecretId",
    "KeyId",
];

/// The resource a request names: a form parameter (`Name=value&...`, the Query protocol of
/// RDS, EC2 and IAM) or a top-level JSON string (`"SecretId":"..."`, Secrets Manager, KMS).
pub fn resource(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    for name in NAMES {
        let form = text
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")));
        if let Some(v) = form {
            return Some(v.replace("%2F", "/").replace("%3A", ":"));
        }
        let key = format!("\"{name}\":\"");
        if let Some(at) = text.find(&key) {
            let rest = &text[at + key.len()..];
            return rest.split('"').next().map(str::to_string);
        }
    }
    None
}

impl Intercept for LogCalls {
    fn name(&self) -> &'static str {
        "rdsplan::LogCalls"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Call::new());
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut call = cfg.load::<Call>().cloned().unwrap_or_else(Call::new);
        call.attempts += 1;
        if call.resource.is_none() {
            call.resource = context.request().body().bytes().and_then(resource);
        }
        if call.attempts > 1 {
            let (service, operation) = names(cfg);
            tracing::debug!(
                service,
                operation,
                resource = call.resource.as_deref().unwrap_or("-"),
                attempt = call.attempts,
                "retrying AWS call"
            );
        }
        cfg.interceptor_state().store_put(call);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(call) = cfg.load::<Call>().cloned() else {
            return Ok(());
        };
        let (service, operation) = names(cfg);
        let status = context
            .response()
            .map(|r| r.status().as_u16().to_string())
            .unwrap_or_else(|| "no response".into());
        let ok = matches!(context.output_or_error(), Some(Ok(_)));
        tracing::debug!(
            service,
            operation,
            resource = call.resource.as_deref().unwrap_or("-"),
            ms = call.started.elapsed().as_millis() as u64,
            attempts = call.attempts,
            status = status.as_str(),
            ok,
            "AWS call"
        );
        Ok(())
    }
}

fn names(cfg: &ConfigBag) -> (String, String) {
    match cfg.load::<Metadata>() {
        Some(m) => (m.service().to_string(), m.name().to_string()),
        None => ("?".into(), "?".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::resource;

    #[test]
    fn the_resource_is_an_identifier_never_a_secret() {
        assert_eq!(
            resource(b"Action=CreateDBInstance&MasterUserPassword=hunter2&DBInstanceIdentifier=prod-orders")
                .as_deref(),
            Some("prod-orders")
        );
        assert_eq!(
            resource(br#"{"SecretString":"hunter2","SecretId":"rdsplan/prod/orders"}"#).as_deref(),
            Some("rdsplan/prod/orders")
        );
        assert_eq!(resource(b"Action=ListRoles&PathPrefix=%2Frdsplan%2F"), None);
    }
}
