//! A cap on the calls in flight per AWS service and region, shared by every client of the
//! process: a drift run over thirty environments starts each environment's reads at once, and
//! without a cap would put some two hundred describes on the wire together, which AWS throttles
//! (its limits are per account and region, whoever calls). A call waits for a free slot before
//! it is sent and frees it when its answer (or error) is back.
//!
//! The caps sit under AWS's published burst limits, so that one run never drains a bucket that
//! the account's other tools share: RDS allows a burst of 300 and 12 calls a second sustained,
//! EC2 a bucket of 100 non-mutating calls refilled at 20 a second; the tagging API, IAM and STS
//! allow far fewer. A cap of calls in flight is not a rate, but at the round trips AWS answers
//! in (tens to hundreds of milliseconds) these keep well below those rates.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;

/// Calls in flight at once per service (and region), at most.
pub fn cap(service: &str) -> usize {
    match service {
        "rds" | "ec2" | "secretsmanager" | "kms" => 20,
        "iam" => 10,
        "tagging" | "sts" | "cloudformation" => 5,
        _ => 10,
    }
}

/// Slots by (service, region).
type Slots = Mutex<HashMap<(String, String), Arc<Semaphore>>>;

/// The slots of `service` in `region`, one set per process.
fn slots(service: &str, region: &str) -> Arc<Semaphore> {
    static ALL: OnceLock<Slots> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    all.entry((service.to_string(), region.to_string()))
        .or_insert_with(|| Arc::new(Semaphore::new(cap(service))))
        .clone()
}

/// The HTTPS client the SDK would make by default (rustls with aws-lc, HTTP(S)_PROXY and
/// NO_PROXY from the environment), shared by all clients of a process.
fn default_client() -> SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            Builder::new().build_with_connector_fn(|settings, components| {
                let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ));
                b.set_connector_settings(settings.cloned());
                if let Some(c) = components {
                    b.set_sleep_impl(c.sleep_impl());
                }
                b.set_proxy_config(Some(ProxyConfig::from_env()));
                b.build()
            })
        })
        .clone()
}

/// The HTTP client for `service` in `region`: the default one, capped.
pub fn client(service: &str, region: &str) -> SharedHttpClient {
    SharedHttpClient::new(Capped {
        inner: default_client(),
        slots: slots(service, region),
    })
}

#[derive(Debug)]
struct Capped {
    inner: SharedHttpClient,
    slots: Arc<Semaphore>,
}

impl HttpClient for Capped {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CappedConnector {
            inner: self.inner.http_connector(settings, components),
            slots: self.slots.clone(),
        })
    }
}

#[derive(Debug)]
struct CappedConnector {
    inner: SharedHttpConnector,
    slots: Arc<Semaphore>,
}

impl HttpConnector for CappedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, slots) = (self.inner.clone(), self.slots.clone());
        HttpConnectorFuture::new(async move {
            // The semaphore is never closed, so a slot always comes.
            let _slot = slots.acquire_owned().await.ok();
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_of_one_service_and_region_share_their_slots() {
        let a = slots("rds", "eu-west-1");
        let b = slots("rds", "eu-west-1");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &slots("rds", "us-east-1")));
        assert!(!Arc::ptr_eq(&a, &slots("ec2", "eu-west-1")));
        assert_eq!(a.available_permits(), cap("rds"));
    }

    #[tokio::test]
    async fn a_call_waits_for_a_free_slot() {
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use std::sync::atomic::{AtomicUsize, Ordering};
        #[derive(Debug, Default)]
        struct Slow {
            now: AtomicUsize,
            most: AtomicUsize,
        }
        #[derive(Debug, Clone)]
        struct Conn(Arc<Slow>);
        impl HttpConnector for Conn {
            fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
                let s = self.0.clone();
                HttpConnectorFuture::new(async move {
                    let n = s.now.fetch_add(1, Ordering::SeqCst) + 1;
                    s.most.fetch_max(n, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    tokio::task::yield_now().await;
                    s.now.fetch_sub(1, Ordering::SeqCst);
                    Ok(HttpResponse::new(
                        200.try_into().unwrap(),
                        aws_smithy_types::body::SdkBody::empty(),
                    ))
                })
            }
        }
        let slow = Arc::new(Slow::default());
        let capped = CappedConnector {
            inner: SharedHttpConnector::new(Conn(slow.clone())),
            slots: Arc::new(Semaphore::new(3)),
        };
        let calls = (0..12).map(|_| capped.call(HttpRequest::empty()));
        for r in futures::future::join_all(calls).await {
            assert!(r.is_ok());
        }
        assert_eq!(slow.most.load(Ordering::SeqCst), 3);
    }
}
