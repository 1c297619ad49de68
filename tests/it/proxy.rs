//! A fault-injecting HTTP proxy between rdsplan and moto: throttling, 5xx and dropped
//! connections, each either before the call reaches moto or after moto acted (the response is
//! lost). Faults are scripted per action (the next N calls of `CreateVpc`, say) or drawn at
//! random from a seed. It runs on its own thread, like moto itself, for one test.
//!
//! It also gives what moto lacks and rdsplan depends on: creations that take time. With
//! `creation_delay`, an instance reads `creating` for the first half of the delay after its
//! CreateDBInstance and `backing-up` for the second, as on AWS, where moto says `available` at
//! once.

use super::proxy_rules::{self, Rules};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// A throttling error (RequestLimitExceeded, Throttling, ThrottlingException).
    Throttle,
    /// HTTP 500 InternalError / InternalFailure.
    ServerError,
    /// The connection closes without a response.
    Drop,
    /// No fault: a placeholder in a script, so that a later call of the action gets one.
    Pass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum When {
    /// Before the call reaches moto: nothing happened.
    Before,
    /// After moto acted: the response is lost or replaced.
    After,
}

/// Random faults: rates per call, drawn from a seed.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub seed: u64,
    pub throttle: f64,
    pub server_error: f64,
    pub drop: f64,
}

#[derive(Default)]
struct State {
    scripted: HashMap<String, VecDeque<(Fault, When)>>,
    random: Option<(Rates, u64)>,
    /// Calls seen per action, and faults injected per (fault, when).
    calls: BTreeMap<String, usize>,
    injected: BTreeMap<(Fault, When), usize>,
    /// How long a new instance takes to become available, and when each was created.
    creation_delay: Option<Duration>,
    created: HashMap<String, Instant>,
    /// Deferred modifications: an instance class changed without ApplyImmediately is held
    /// back and shown as pending, as AWS does until the maintenance window.
    defer: bool,
    /// Answer DescribeEngineDefaultParameters and DescribeDBEngineVersions from the
    /// catalogue, as AWS does (moto answers both with HTTP 500).
    catalogue: bool,
    pending: HashMap<String, String>,
    /// After an immediate ModifyDBInstance, `available` for the lag, then `modifying` for the
    /// busy time (AWS takes a while to start a modification).
    modify_lag: Option<(Duration, Duration)>,
    modified: HashMap<String, Instant>,
    served_modifying: usize,
    /// The rules of AWS the proxy enforces (see `proxy_rules`).
    rules: Rules,
    /// Added to every call: the round trip to a real AWS endpoint.
    latency: Option<Duration>,
    /// moto's time per action, summed.
    spent: BTreeMap<String, Duration>,
    /// Every call: when it arrived, its action, and how long moto took.
    timeline: Vec<(Instant, String, Duration)>,
    /// Ends the rdsplan process (SIGKILL) right after moto acted on a mutating call.
    kill: Option<Kill>,
    /// Calls in flight per service (from arrival to answer), and the most seen at once.
    in_flight: BTreeMap<String, usize>,
    most_in_flight: BTreeMap<String, usize>,
    /// The master password AWS was last given, by DB instance or cluster identifier (from the
    /// create and modify calls; a rename carries it to the new identifier).
    passwords: HashMap<String, String>,
    /// Databases left out of tag:GetResources and secrets left out of ListSecrets, as AWS's
    /// eventually consistent lists may do.
    omitted: Vec<String>,
    /// The parameters of every Query call moto answered, in order (passwords left out).
    requests: Vec<(String, BTreeMap<String, String>)>,
}

/// A kill of the process `pid` after the `nth` call (1-based) of `action`.
struct Kill {
    action: String,
    nth: usize,
    seen: usize,
    pid: Option<u32>,
    done: bool,
}

/// Calls that change nothing: describes, lists and gets.
pub fn mutating(action: &str) -> bool {
    !["Describe", "List", "Get", "BatchGet"]
        .iter()
        .any(|p| action.starts_with(p))
}

impl State {
    fn next_random(&mut self) -> Option<f64> {
        let (_, s) = self.random.as_mut()?;
        // xorshift64*: small, seedable, good enough to spread faults.
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        let v = s.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Some((v >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn decide(&mut self, action: &str) -> Option<(Fault, When)> {
        *self.calls.entry(action.to_string()).or_default() += 1;
        if let Some(f) = self.scripted.get_mut(action).and_then(VecDeque::pop_front) {
            if f.0 == Fault::Pass {
                return None;
            }
            *self.injected.entry(f).or_default() += 1;
            return Some(f);
        }
        let rates = self.random.map(|(r, _)| r)?;
        let x = self.next_random()?;
        let when = if self.next_random()? < 0.5 {
            When::Before
        } else {
            When::After
        };
        let fault = if x < rates.throttle {
            Fault::Throttle
        } else if x < rates.throttle + rates.server_error {
            Fault::ServerError
        } else if x < rates.throttle + rates.server_error + rates.drop {
            Fault::Drop
        } else {
            return None;
        };
        *self.injected.entry((fault, when)).or_default() += 1;
        Some((fault, when))
    }
}

pub struct Proxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts a proxy in front of the server at `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("moto's address");
        let state = Arc::new(Mutex::new(State::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(serve(client, upstream, shared.clone()));
                }
            });
        });
        Proxy { url, state }
    }

    /// The next `faults` calls of `action` get these faults, in order.
    pub fn script(&self, action: &str, faults: &[(Fault, When)]) {
        self.state
            .lock()
            .unwrap()
            .scripted
            .entry(action.to_string())
            .or_default()
            .extend(faults.iter().copied());
    }

    /// New instances read `creating`, then `backing-up`, for `delay` after their creation.
    pub fn creation_delay(&self, delay: Duration) {
        self.state.lock().unwrap().creation_delay = Some(delay);
    }

    /// Holds back instance class changes made without ApplyImmediately, shown as pending.
    pub fn engine_catalogue(&self) {
        self.state.lock().unwrap().catalogue = true;
    }

    pub fn defer_modifications(&self) {
        self.state.lock().unwrap().defer = true;
    }

    /// The class changes held back, by identifier.
    pub fn pending(&self) -> HashMap<String, String> {
        self.state.lock().unwrap().pending.clone()
    }

    /// The maintenance window came (the test applied the held-back changes to moto).
    pub fn clear_pending(&self) {
        self.state.lock().unwrap().pending.clear();
    }

    /// After an immediate modification: `available` for `lag`, then `modifying` for `busy`.
    pub fn modify_lag(&self, lag: Duration, busy: Duration) {
        self.state.lock().unwrap().modify_lag = Some((lag, busy));
    }

    /// How many calls were refused as AWS would (moto accepts them).
    pub fn refused(&self) -> usize {
        self.state.lock().unwrap().rules.refused.values().sum()
    }

    /// Adds `latency` to every call (an AWS endpoint's round trip).
    pub fn latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = Some(latency);
    }

    /// Calls by action since the last reset.
    pub fn calls_by_action(&self) -> BTreeMap<String, usize> {
        self.state.lock().unwrap().calls.clone()
    }

    /// moto's time per action since the last reset, summed over its calls.
    pub fn spent_by_action(&self) -> BTreeMap<String, Duration> {
        self.state.lock().unwrap().spent.clone()
    }

    /// Every call so far: when it arrived, its action, and how long moto took.
    pub fn timeline(&self) -> Vec<(Instant, String, Duration)> {
        self.state.lock().unwrap().timeline.clone()
    }

    /// Forgets the calls counted so far.
    /// The most calls that were in flight at once, per service (`rds`, `ec2`, `tagging`, ...).
    pub fn most_in_flight(&self) -> BTreeMap<String, usize> {
        self.state.lock().unwrap().most_in_flight.clone()
    }
    pub fn reset_calls(&self) {
        let mut s = self.state.lock().unwrap();
        s.calls.clear();
        s.spent.clear();
        s.most_in_flight.clear();
    }

    /// How many calls were refused with this AWS error code.
    pub fn refused_with(&self, code: &str) -> usize {
        let s = self.state.lock().unwrap();
        s.rules.refused.get(code).copied().unwrap_or(0)
    }

    /// How many instance readings said `modifying`.
    pub fn served_modifying(&self) -> usize {
        self.state.lock().unwrap().served_modifying
    }

    /// When the create call of this instance reached the proxy.
    pub fn created(&self, ident: &str) -> Option<Instant> {
        self.state.lock().unwrap().created.get(ident).copied()
    }

    /// When each instance's CreateDBInstance reached the proxy.
    pub fn created_at(&self) -> Vec<Instant> {
        let mut v: Vec<Instant> = self
            .state
            .lock()
            .unwrap()
            .created
            .values()
            .copied()
            .collect();
        v.sort();
        v
    }

    pub fn random(&self, rates: Rates) {
        // A zero state would stay zero.
        self.state.lock().unwrap().random = Some((rates, rates.seed | 1));
    }

    pub fn calls(&self, action: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .calls
            .get(action)
            .copied()
            .unwrap_or(0)
    }

    pub fn total_calls(&self) -> usize {
        self.state.lock().unwrap().calls.values().sum()
    }

    pub fn injected(&self) -> BTreeMap<(Fault, When), usize> {
        self.state.lock().unwrap().injected.clone()
    }

    /// The next process started with [`Proxy::run`] is killed (SIGKILL) right after moto acted
    /// on its `nth` call of `action`, whose answer is then lost.
    pub fn kill_after(&self, action: &str, nth: usize) {
        self.state.lock().unwrap().kill = Some(Kill {
            action: action.to_string(),
            nth,
            seen: 0,
            pid: None,
            done: false,
        });
    }

    /// The mutating calls moto answered so far, in order, each with its occurrence (1-based):
    /// the points a kill campaign can end a run at.
    pub fn mutating_sequence(&self) -> Vec<(String, usize)> {
        let s = self.state.lock().unwrap();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        s.timeline
            .iter()
            .filter(|(_, a, _)| mutating(a))
            .map(|(_, a, _)| {
                let n = seen.entry(a).or_default();
                *n += 1;
                (a.clone(), *n)
            })
            .collect()
    }

    /// Whether the kill set by [`Proxy::kill_after`] happened.
    pub fn killed(&self) -> bool {
        self.state
            .lock()
            .unwrap()
            .kill
            .as_ref()
            .is_some_and(|k| k.done)
    }

    /// Runs `cmd` (its AWS endpoint set to this proxy) to the end, telling the proxy its pid
    /// so that a [`Proxy::kill_after`] can end it.
    pub fn run(&self, mut cmd: std::process::Command) -> std::process::Output {
        cmd.env("AWS_ENDPOINT_URL", &self.url)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd.spawn().unwrap();
        if let Some(k) = self.state.lock().unwrap().kill.as_mut() {
            k.pid = Some(child.id());
        }
        child.wait_with_output().unwrap()
    }

    /// The master password AWS was last given for this DB instance or cluster identifier.
    pub fn password(&self, ident: &str) -> Option<String> {
        self.state.lock().unwrap().passwords.get(ident).cloned()
    }

    /// The form parameters of each answered call of `action`, in order (MasterUserPassword
    /// left out).
    pub fn requests(&self, action: &str) -> Vec<BTreeMap<String, String>> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(a, _)| a == action)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Leaves this database identifier (or secret name) out of tag:GetResources (ListSecrets).
    pub fn omit(&self, name: &str) {
        self.state.lock().unwrap().omitted.push(name.to_string());
    }
}

/// Ends the process being killed at its `nth` call of the action, once; true when it did.
fn kill_now(state: &Mutex<State>, action: &str) -> bool {
    let pid = {
        let mut s = state.lock().unwrap();
        let Some(k) = s.kill.as_mut().filter(|k| !k.done && k.action == action) else {
            return false;
        };
        k.seen += 1;
        if k.seen != k.nth {
            return false;
        }
        k.done = true;
        k.pid
    };
    // The pid is set right after the spawn; a call can hardly come sooner, but never kill blind.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut pid = pid;
    while pid.is_none() && Instant::now() < deadline {
        std::thread::yield_now();
        pid = state.lock().unwrap().kill.as_ref().and_then(|k| k.pid);
    }
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    true
}

/// Full percent-decoding of a form value (passwords hold any character).
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(x) => {
                        out.push(x);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Records the master password a create or modify call gives AWS, and moves the record along
/// with a rename.
fn record_password(req: &Request, action: &str, s: &mut State) {
    let raw = |name: &str| {
        String::from_utf8_lossy(&req.body)
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(percent_decode))
    };
    let ident = match action {
        "CreateDBInstance" | "ModifyDBInstance" => raw("DBInstanceIdentifier"),
        "CreateDBCluster" | "ModifyDBCluster" => raw("DBClusterIdentifier"),
        _ => return,
    };
    let Some(ident) = ident else { return };
    let renamed = raw("NewDBInstanceIdentifier").or_else(|| raw("NewDBClusterIdentifier"));
    if let Some(to) = renamed {
        if let Some(p) = s.passwords.remove(&ident) {
            s.passwords.insert(to.clone(), p);
        }
    }
    if let Some(p) = raw("MasterUserPassword") {
        s.passwords.insert(ident, p);
    }
}

/// tag:GetResources without the omitted databases; ListSecrets without the omitted secrets.
fn omit_from_lists(action: &str, resp: &[u8], omitted: &[String]) -> Vec<u8> {
    let (list, key) = match action {
        "GetResources" => ("ResourceTagMappingList", "ResourceARN"),
        "ListSecrets" => ("SecretList", "Name"),
        _ => return resp.to_vec(),
    };
    // A database by the end of its ARN, a secret by its name.
    let gone = |v: &str| {
        omitted.iter().any(|o| {
            v == o || v.ends_with(&format!(":db:{o}")) || v.ends_with(&format!(":cluster:{o}"))
        })
    };
    rewrite_body(resp, |body| {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&body) else {
            return body;
        };
        if let Some(items) = v.get_mut(list).and_then(|l| l.as_array_mut()) {
            items.retain(|i| !i[key].as_str().is_some_and(gone));
        }
        v.to_string()
    })
}

struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
    /// `CreateVpc` from a Query body (`Action=CreateVpc&...`) or a JSON target
    /// (`secretsmanager.CreateSecret`).
    fn action(&self) -> String {
        if let Some(t) = self.header("x-amz-target") {
            return t.rsplit('.').next().unwrap_or(t).to_string();
        }
        String::from_utf8_lossy(&self.body)
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("unknown")
            .to_string()
    }
    /// A form parameter of a Query request, URL-decoded enough for identifiers.
    fn param(&self, name: &str) -> Option<String> {
        String::from_utf8_lossy(&self.body)
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .map(|v| v.replace("%2D", "-").replace("%2d", "-"))
    }
    fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    /// The service the request is signed for (`.../REGION/SERVICE/aws4_request`).
    fn service(&self) -> String {
        let a = self.header("authorization").unwrap_or_default();
        a.split('/').rev().nth(1).unwrap_or("unknown").to_string()
    }
    fn ec2(&self) -> bool {
        self.header("authorization")
            .is_some_and(|a| a.contains("/ec2/aws4_request"))
    }
}

async fn read_request(c: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = c.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut req = Request {
        head,
        body: buf[end..].to_vec(),
    };
    assert!(
        req.header("transfer-encoding").is_none(),
        "the proxy reads Content-Length bodies only"
    );
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while req.body.len() < len {
        let n = c.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        req.body.extend_from_slice(&chunk[..n]);
    }
    Some(req)
}

/// The head with its `Connection` header replaced by `Connection: close`.
fn closing(head: &str) -> String {
    let mut lines: Vec<&str> = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        })
        .collect();
    lines.push("Connection: close");
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

async fn forward(upstream: SocketAddr, req: &Request) -> Option<Vec<u8>> {
    let mut m = TcpStream::connect(upstream).await.ok()?;
    m.write_all(closing(&req.head).as_bytes()).await.ok()?;
    m.write_all(&req.body).await.ok()?;
    let mut out = Vec::new();
    m.read_to_end(&mut out).await.ok()?;
    let end = out.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = closing(&String::from_utf8_lossy(&out[..end]));
    let mut resp = head.into_bytes();
    resp.extend_from_slice(&out[end..]);
    Some(resp)
}

fn error_response(req: &Request, fault: Fault) -> Vec<u8> {
    let json = req.header("x-amz-target").is_some();
    let ec2 = req.ec2();
    let (status, code) = match fault {
        Fault::Throttle if ec2 => (503, "RequestLimitExceeded"),
        Fault::Throttle if json => (400, "ThrottlingException"),
        Fault::Throttle => (400, "Throttling"),
        _ if ec2 => (500, "InternalError"),
        _ => (500, "InternalFailure"),
    };
    let (ctype, body) = if json {
        (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","message":"injected by the test proxy"}}"#),
        )
    } else if ec2 {
        ("text/xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"))
    } else {
        ("text/xml", format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"))
    };
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A 400 answer in the RDS Query format.
fn refusal(code: &str, message: &str) -> Vec<u8> {
    let body = format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>");
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One request per connection: the response says `Connection: close`.
async fn serve(mut client: TcpStream, upstream: SocketAddr, state: Arc<Mutex<State>>) {
    let Some(req) = read_request(&mut client).await else {
        return;
    };
    let action = req.action();
    let _flight = Flight::new(&state, req.service());
    let (fault, latency) = {
        let mut s = state.lock().unwrap();
        (s.decide(&action), s.latency)
    };
    if let Some(l) = latency {
        // A simulated network round trip, not a synchronisation.
        tokio::time::sleep(l).await;
    }
    if let Some((f, When::Before)) = fault {
        if f != Fault::Drop {
            let _ = client.write_all(&error_response(&req, f)).await;
        }
        return;
    }
    if let Some((code, message)) = aws_refusal(&action, &req, upstream, &state).await {
        {
            let mut s = state.lock().unwrap();
            *s.rules.refused.entry(code.to_string()).or_default() += 1;
        }
        let _ = client.write_all(&refusal(code, &message)).await;
        return;
    }
    if state.lock().unwrap().catalogue {
        if let Some(resp) = super::proxy_catalogue::answer(&action, |p| req.param(p)) {
            let _ = client.write_all(&resp).await;
            return;
        }
    }
    let mut req = req;
    if action == "ModifyDBInstance" {
        let mut s = state.lock().unwrap();
        let ident = req.param("DBInstanceIdentifier").unwrap_or_default();
        let now = req.param("ApplyImmediately").as_deref() == Some("true");
        if let (true, false, Some(class)) = (s.defer, now, req.param("DBInstanceClass")) {
            s.pending.insert(ident.clone(), class);
            req = without_param(&req, "DBInstanceClass");
        }
        if now && s.modify_lag.is_some() {
            s.modified.insert(ident, Instant::now());
        }
    }
    let started = Instant::now();
    let Some(mut resp) = forward(upstream, &req).await else {
        return;
    };
    {
        let mut s = state.lock().unwrap();
        *s.spent.entry(action.clone()).or_default() += started.elapsed();
        s.timeline
            .push((started, action.clone(), started.elapsed()));
    }
    {
        let mut s = state.lock().unwrap();
        if s.creation_delay.is_some() {
            if matches!(
                action.as_str(),
                "CreateDBInstance" | "CreateDBInstanceReadReplica"
            ) {
                if let Some(id) = req.param("DBInstanceIdentifier") {
                    s.created.entry(id).or_insert_with(Instant::now);
                }
            }
            if action == "DescribeDBInstances" {
                resp = still_creating(&resp, &s);
            }
        }
        if action == "DescribeDBInstances" && (!s.pending.is_empty() || s.modify_lag.is_some()) {
            resp = modifications(&resp, &mut s);
        }
        if resp.starts_with(b"HTTP/1.1 200") {
            accepted(&action, &req, &mut s.rules);
        }
        if action == "DescribeDBInstances" {
            resp = rewrite_instances(&resp, |ident, block| s.rules.instance_block(ident, block));
        }
        if action == "DescribeEvents" {
            resp = s.rules.events(&resp);
        }
        if resp.starts_with(b"HTTP/1.1 200") {
            record_password(&req, &action, &mut s);
            if mutating(&action) && req.header("x-amz-target").is_none() {
                let params: BTreeMap<String, String> = String::from_utf8_lossy(&req.body)
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .filter(|(k, _)| *k != "MasterUserPassword")
                    .map(|(k, v)| (k.to_string(), percent_decode(v)))
                    .collect();
                s.requests.push((action.clone(), params));
            }
        }
        if !s.omitted.is_empty() {
            resp = omit_from_lists(&action, &resp, &s.omitted);
        }
    }
    if kill_now(&state, &action) {
        // The process is gone; its answer with it.
        return;
    }
    let out = match fault {
        Some((Fault::Drop, _)) => return,
        Some((f, _)) => error_response(&req, f),
        None => resp,
    };
    let _ = client.write_all(&out).await;
    let _ = client.shutdown().await;
}

/// One call in flight for its service, from arrival until the answer is written (or dropped).
struct Flight {
    state: Arc<Mutex<State>>,
    service: String,
}

impl Flight {
    fn new(state: &Arc<Mutex<State>>, service: String) -> Flight {
        let mut s = state.lock().unwrap();
        let now = s.in_flight.entry(service.clone()).or_default();
        *now += 1;
        let now = *now;
        let most = s.most_in_flight.entry(service.clone()).or_default();
        *most = (*most).max(now);
        Flight {
            state: state.clone(),
            service,
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(n) = s.in_flight.get_mut(&self.service) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// Why AWS would refuse this call where moto accepts it: a delete that makes no final-snapshot
/// choice, a create onto a taken identifier (asked of moto first), a storage change within the
/// cooldown.
async fn aws_refusal(
    action: &str,
    req: &Request,
    upstream: SocketAddr,
    state: &Mutex<State>,
) -> Option<(&'static str, String)> {
    let no_choice = matches!(action, "DeleteDBInstance" | "DeleteDBCluster")
        && req.param("SkipFinalSnapshot").as_deref() != Some("true")
        && req.param("FinalDBSnapshotIdentifier").is_none();
    if no_choice {
        return Some((
            "InvalidParameterCombination",
            "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.".into(),
        ));
    }
    if let Some((param, cluster)) = proxy_rules::creates(action) {
        let ident = req.param(param)?;
        let probe = with_body(req, proxy_rules::probe_body(&ident, cluster).into_bytes());
        let resp = forward(upstream, &probe).await?;
        if proxy_rules::lists(&resp, &ident, cluster) {
            let (code, message) = proxy_rules::already_exists(cluster);
            return Some((code, message.to_string()));
        }
    }
    // AWS refuses to delete a DB parameter group a database uses (moto deletes it and then
    // fails every DescribeDBInstances).
    if action == "DeleteDBParameterGroup" {
        let name = req.param("DBParameterGroupName")?;
        let probe = with_body(
            req,
            "Action=DescribeDBInstances&Version=2014-10-31"
                .as_bytes()
                .to_vec(),
        );
        let resp = forward(upstream, &probe).await?;
        let body = String::from_utf8_lossy(&resp);
        if body.contains(&format!(
            "<DBParameterGroupName>{name}</DBParameterGroupName>"
        )) {
            return Some((
                "InvalidDBParameterGroupState",
                format!("One or more database instances are still members of this parameter group {name}, so the group cannot be deleted"),
            ));
        }
    }
    if action == "ModifyDBInstance" && proxy_rules::changes_storage(&req.body_text()) {
        let ident = req.param("DBInstanceIdentifier")?;
        let why = state.lock().unwrap().rules.storage_refusal(&ident)?;
        return Some(("InvalidParameterCombination", why));
    }
    None
}

/// Records what an accepted call changes of the rules' state.
fn accepted(action: &str, req: &Request, r: &mut Rules) {
    let now = Instant::now();
    if let Some((param, false)) = proxy_rules::creates(action) {
        if let Some(ident) = req.param(param) {
            r.synced.insert(ident, now);
        }
    }
    match action {
        "ModifyDBInstance" => {
            let Some(ident) = req.param("DBInstanceIdentifier") else {
                return;
            };
            if proxy_rules::changes_storage(&req.body_text()) {
                r.storage_changed
                    .insert(ident.clone(), std::time::SystemTime::now());
            }
            if req.param("DBParameterGroupName").is_some() {
                r.new_group.insert(ident);
            }
        }
        "ModifyDBParameterGroup" if req.body_text().contains("=pending-reboot") => {
            if let Some(g) = req.param("DBParameterGroupName") {
                r.group_modified.insert(g, now);
            }
        }
        "RebootDBInstance" => {
            if let Some(ident) = req.param("DBInstanceIdentifier") {
                r.new_group.remove(&ident);
                r.synced.insert(ident, now);
            }
        }
        _ => {}
    }
}

/// The request with another body (moto does not check signatures).
fn with_body(req: &Request, body: Vec<u8>) -> Request {
    let head = req
        .head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .map(|l| match l.split_once(':') {
            Some((k, _)) if k.trim().eq_ignore_ascii_case("content-length") => {
                format!("Content-Length: {}", body.len())
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    Request {
        head: format!("{head}\r\n\r\n"),
        body,
    }
}

/// The request without one form parameter (moto does not check signatures).
fn without_param(req: &Request, name: &str) -> Request {
    let body = String::from_utf8_lossy(&req.body);
    let kept: Vec<&str> = body
        .split('&')
        .filter(|kv| !kv.starts_with(&format!("{name}=")))
        .collect();
    with_body(req, kept.join("&").into_bytes())
}

/// Rewrites each `<DBInstance>` block of a DescribeDBInstances response with `f(ident, block)`,
/// and the response's Content-Length to match.
fn rewrite_instances(resp: &[u8], mut f: impl FnMut(&str, String) -> String) -> Vec<u8> {
    rewrite_body(resp, |body| {
        let mut parts = body.split("<DBInstance>");
        let mut out = parts.next().unwrap_or_default().to_string();
        for part in parts {
            let ident = part
                .split("<DBInstanceIdentifier>")
                .nth(1)
                .and_then(|r| r.split('<').next())
                .unwrap_or_default()
                .to_string();
            out.push_str("<DBInstance>");
            out.push_str(&f(&ident, part.to_string()));
        }
        out
    })
}

/// Rewrites a response's body with `f`, and its Content-Length to match.
pub fn rewrite_body(resp: &[u8], f: impl FnOnce(String) -> String) -> Vec<u8> {
    let Some(end) = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
    else {
        return resp.to_vec();
    };
    let out = f(String::from_utf8_lossy(&resp[end..]).to_string());
    let head = String::from_utf8_lossy(&resp[..end]);
    let mut lines: Vec<String> = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        })
        .map(str::to_string)
        .collect();
    lines.push(format!("Content-Length: {}", out.len()));
    let mut v = format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes();
    v.extend_from_slice(out.as_bytes());
    v
}

/// Pending class changes shown in PendingModifiedValues; instances modified immediately shown
/// `available` for the lag, then `modifying`.
fn modifications(resp: &[u8], s: &mut State) -> Vec<u8> {
    let mut served = 0;
    let out = rewrite_instances(resp, |ident, mut block| {
        if let Some(class) = s.pending.get(ident) {
            if let (Some(a), Some(b)) = (
                block.find("<PendingModifiedValues>"),
                block.find("</PendingModifiedValues>"),
            ) {
                block.replace_range(a..b + "</PendingModifiedValues>".len(), "");
            }
            block = block.replacen(
                "</DBInstance>",
                &format!("<PendingModifiedValues><DBInstanceClass>{class}</DBInstanceClass></PendingModifiedValues></DBInstance>"),
                1,
            );
        }
        if let (Some((lag, busy)), Some(t)) = (s.modify_lag, s.modified.get(ident)) {
            let age = t.elapsed();
            if age >= lag && age < lag + busy {
                served += 1;
                block = block.replacen(
                    "<DBInstanceStatus>available</DBInstanceStatus>",
                    "<DBInstanceStatus>modifying</DBInstanceStatus>",
                    1,
                );
            }
        }
        block
    });
    s.served_modifying += served;
    out
}

/// The response with each instance created less than the delay ago shown `creating` (first
/// half) or `backing-up` (second half) instead of moto's `available`.
fn still_creating(resp: &[u8], s: &State) -> Vec<u8> {
    let Some(delay) = s.creation_delay else {
        return resp.to_vec();
    };
    rewrite_instances(resp, |ident, block| {
        let status = s.created.get(ident).and_then(|t| {
            let age = t.elapsed();
            (age < delay).then_some(if age < delay / 2 {
                "creating"
            } else {
                "backing-up"
            })
        });
        match status {
            Some(st) => block.replacen(
                "<DBInstanceStatus>available</DBInstanceStatus>",
                &format!("<DBInstanceStatus>{st}</DBInstanceStatus>"),
                1,
            ),
            None => block,
        }
    })
}
