//! Every AWS call at debug level (`-v` shows info, `-vv` debug, or `RUST_LOG`): service,
//! operation, the resource it names, its duration, its attempts (each retry is logged too) and
//! its HTTP status. Only identifiers and names are read from the request (by their parameter
//! names), never values such as passwords or secret strings: request and response bodies are
//! never logged.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
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
    /// `scheme://host[:port]` the call went to.
    endpoint: Option<String>,
    /// Why the last attempt failed, when it did (an HTTP status, throttling, no connection).
    last_failure: Option<String>,
}

/// After how long a call still being retried is said at the default verbosity (a slow or
/// unreachable endpoint, throttling), so that the screen never looks the same for minutes.
const SAY_RETRIES_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

impl Call {
    fn new() -> Call {
        Call {
            started: Instant::now(),
            attempts: 0,
            resource: None,
            endpoint: None,
            last_failure: None,
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
        let uri = context.request().uri();
        call.endpoint = uri.split_once("://").and_then(|(scheme, rest)| {
            rest.split('/')
                .next()
                .map(|host| format!("{scheme}://{host}"))
        });
        if call.attempts > 1 {
            let (service, operation) = names(cfg);
            let resource = call.resource.as_deref().unwrap_or("-");
            let why = call.last_failure.as_deref().unwrap_or("failed");
            if call.started.elapsed() >= SAY_RETRIES_AFTER {
                tracing::warn!(
                    "still trying {service} {operation} ({resource}): attempt {} after {}s; the last {why}",
                    call.attempts,
                    call.started.elapsed().as_secs()
                );
            } else {
                tracing::debug!(
                    service,
                    operation,
                    resource,
                    attempt = call.attempts,
                    why,
                    "retrying AWS call"
                );
            }
        }
        cfg.interceptor_state().store_put(call);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Err(e)) = context.output_or_error() else {
            return Ok(());
        };
        let why = match context.response() {
            Some(r) => format!("answered HTTP {}", r.status().as_u16()),
            None if e.is_timeout_error() => "timed out".into(),
            None => "got no answer (no connection)".into(),
        };
        if let Some(mut call) = cfg.load::<Call>().cloned() {
            call.last_failure = Some(why);
            cfg.interceptor_state().store_put(call);
        }
        Ok(())
    }

    /// A failed call whose answer is no error document (an empty body, or an HTML page from a
    /// proxy, a load balancer or a wrong `AWS_ENDPOINT_URL`) fails saying so, with the
    /// endpoint and the HTTP status, instead of the SDK's "error parsing XML".
    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !matches!(context.output_or_error(), Some(Err(_))) {
            return Ok(());
        }
        let Some(r) = context.response() else {
            return Ok(());
        };
        let status = r.status();
        if status.is_success() || r.body().bytes().is_none_or(is_error_document) {
            return Ok(());
        }
        let endpoint = cfg
            .load::<Call>()
            .and_then(|c| c.endpoint.clone())
            .unwrap_or_else(|| "(unknown)".into());
        let msg = no_error_document(&endpoint, status.as_u16());
        if let Some(slot) = context.output_or_error_mut() {
            *slot = Err(OrchestratorError::response(msg.into()));
        }
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

/// An AWS error document: XML (the query and REST-XML protocols) or JSON (the JSON
/// protocols), as opposed to nothing or an HTML page.
pub fn is_error_document(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(256)]);
    let t = text.trim_start().to_ascii_lowercase();
    (t.starts_with('<') && !t.starts_with("<!doctype html") && !t.starts_with("<html"))
        || t.starts_with('{')
}

pub fn no_error_document(endpoint: &str, status: u16) -> String {
    format!("AWS endpoint {endpoint} answered HTTP {status} with no error document (is AWS_ENDPOINT_URL or a proxy in the way?)")
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

#[cfg(test)]
mod documents {
    #[test]
    fn error_documents_are_xml_or_json_never_html_or_nothing() {
        for doc in [
            "<?xml version=\"1.0\"?><ErrorResponse/>",
            "<Response><Errors/></Response>",
            "  {\"__type\":\"ThrottlingException\"}",
        ] {
            assert!(super::is_error_document(doc.as_bytes()), "{doc}");
        }
        for not in [
            "",
            "  ",
            "<!DOCTYPE html><html/>",
            "<HTML><body>502</body></HTML>",
            "Bad Gateway",
        ] {
            assert!(!super::is_error_document(not.as_bytes()), "{not}");
        }
    }
}
