//! How to reach a database: endpoints (`output`) and connection details (`creds`, `connect`),
//! assembled from live state and the credentials' secret.

use crate::kinds::secret::Password;
use crate::model::{Address, Fact, Kind, Live, Resource};
use serde::Serialize;

/// One endpoint row of `rdsplan output`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Endpoint {
    pub address: String,
    pub kind: String,
    pub identifier: String,
    /// `writer`, `reader` (Aurora), or `instance`.
    pub role: String,
    pub host: Option<String>,
    pub port: Option<i64>,
}

/// The endpoints of every instance, replica and cluster (writer and reader) in live state.
pub fn endpoints(live: &Live) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for r in &live.resources {
        let row = |role: &str, host_attr: &str| Endpoint {
            address: r.address.0.clone(),
            kind: r.kind.to_string(),
            identifier: r.name.clone(),
            role: role.to_string(),
            host: r.str(host_attr).map(str::to_string),
            port: r.int("port"),
        };
        if r.kind.has(Fact::Endpoint) {
            out.push(row("instance", "endpoint"));
        }
        if r.kind.has(Fact::WriterAndReaderEndpoints) {
            out.push(row("writer", "endpoint"));
            out.push(row("reader", "reader_endpoint"));
        }
    }
    out
}

/// Where a database's login is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginSource {
    /// rdsplan's generated secret (a name).
    Generated(String),
    /// RDS's managed secret (an ARN).
    Managed(String),
}

/// What `creds` needs before the secret is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub address: Address,
    pub engine: String,
    pub host: String,
    pub port: i64,
    pub dbname: Option<String>,
    pub login: LoginSource,
    /// For rotation: the RDS identifier and whether it is a cluster.
    pub identifier: String,
    pub cluster: bool,
}

/// Finds the database at `address` and where its login is. A replica's login is its source's.
pub fn connection(live: &Live, address: &str) -> Result<Connection, String> {
    let r = live
        .find(&Address(address.to_string()))
        .ok_or_else(|| format!("{address} does not exist in AWS (has it been applied?)"))?;
    if !(r.kind.has(Fact::Endpoint) || r.kind.has(Fact::WriterAndReaderEndpoints)) {
        return Err(format!(
            "{address} is {}; give an instance, replica or cluster",
            r.kind.describe()
        ));
    }
    let owner: &Resource = if r.kind == Kind::Replica {
        let src = r.str("source").unwrap_or_default();
        live.find(&Address(src.to_string()))
            .ok_or_else(|| format!("the source of {address} ({src}) does not exist"))?
    } else {
        r
    };
    let login = match owner.str("managed_secret_arn") {
        Some(arn) => LoginSource::Managed(arn.to_string()),
        None => {
            let secret = live.find(&owner.address.child("secret")).ok_or_else(|| {
                format!("the generated secret of {} does not exist", owner.address)
            })?;
            LoginSource::Generated(secret.name.clone())
        }
    };
    let host = r
        .str("endpoint")
        .ok_or_else(|| format!("{address} has no endpoint yet"))?
        .to_string();
    Ok(Connection {
        address: r.address.clone(),
        engine: r.str("engine").unwrap_or_default().to_string(),
        host,
        port: r.int("port").unwrap_or(0),
        dbname: owner
            .str("db_name")
            .or(owner.str("database_name"))
            .map(str::to_string),
        login,
        identifier: r.name.clone(),
        cluster: r.kind == Kind::Cluster,
    })
}

/// Connection details with their password.
pub struct Creds {
    pub target: Connection,
    pub username: String,
    pub password: Password,
}

pub fn is_postgres(engine: &str) -> bool {
    engine.contains("postgres")
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Creds {
    fn shown(&self, show: bool) -> String {
        if show {
            self.password.expose().to_string()
        } else {
            "********".to_string()
        }
    }

    /// `KEY=value` lines, ready for `export` or a `.env` file.
    pub fn env(&self, show: bool) -> String {
        let t = &self.target;
        let mut s = format!(
            "DB_ENGINE={}\nDB_HOST={}\nDB_PORT={}\nDB_USER={}\nDB_PASSWORD={}\n",
            t.engine,
            t.host,
            t.port,
            self.username,
            self.shown(show)
        );
        if let Some(db) = &t.dbname {
            s.push_str(&format!("DB_NAME={db}\n"));
        }
        s
    }

    pub fn url(&self, show: bool) -> String {
        let t = &self.target;
        let scheme = if is_postgres(&t.engine) {
            "postgresql"
        } else {
            "mysql"
        };
        let pw = if show {
            url_escape(self.password.expose())
        } else {
            "********".into()
        };
        format!(
            "{scheme}://{}:{pw}@{}:{}/{}\n",
            url_escape(&self.username),
            t.host,
            t.port,
            t.dbname.as_deref().unwrap_or("")
        )
    }

    pub fn json(&self, show: bool) -> String {
        let t = &self.target;
        let v = serde_json::json!({
            "address": t.address,
            "engine": t.engine,
            "host": t.host,
            "port": t.port,
            "dbname": t.dbname,
            "username": self.username,
            "password": self.shown(show),
        });
        format!("{}\n", serde_json::to_string_pretty(&v).expect("json"))
    }
}

/// The caller's environment variables `connect` passes on to psql or mysql: the terminal's
/// (PATH, HOME, TERM, locale, ...) and the clients' own settings (`PG*`, `PSQL_*`, `MYSQL_*`),
/// but no password variable of the caller's (rdsplan sets the one it fetched).
pub fn passed_to_client(name: &str) -> bool {
    const TERMINAL: &[&str] = &[
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "TERM",
        "COLORTERM",
        "LANG",
        "LANGUAGE",
        "TZ",
        "SHELL",
        "PAGER",
        "EDITOR",
        "VISUAL",
        "TMPDIR",
        "XDG_CONFIG_HOME",
        "XDG_RUNTIME_DIR",
    ];
    TERMINAL.contains(&name)
        || name.starts_with("LC_")
        || ((name.starts_with("PG") || name.starts_with("PSQL_")) && name != "PGPASSWORD")
        || (name.starts_with("MYSQL_") && name != "MYSQL_PWD")
}

#[cfg(test)]
mod client_env_tests {
    use super::passed_to_client;

    #[test]
    fn the_client_gets_its_settings_but_no_aws_credentials() {
        for kept in [
            "PATH",
            "HOME",
            "LC_ALL",
            "PGSSLMODE",
            "PSQL_HISTORY",
            "MYSQL_HOST",
        ] {
            assert!(passed_to_client(kept), "{kept}");
        }
        for dropped in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "PGPASSWORD",
            "MYSQL_PWD",
            "GITHUB_TOKEN",
        ] {
            assert!(!passed_to_client(dropped), "{dropped}");
        }
    }
}
