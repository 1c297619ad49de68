//! A real PostgreSQL server on loopback whose role has the password rdsplan generated: the
//! application's view of credentials, end to end.

use super::support::*;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn pg_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    dirs.sort();
    dirs.reverse();
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("PostgreSQL's {name} is not installed: run `apt-get install postgresql` (scripts/test.sh does it)")
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL program as the `postgres` user when we are root (initdb refuses root).
fn pg(name: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_bin(name));
        c
    } else {
        Command::new(pg_bin(name))
    }
}

/// A throwaway server on 127.0.0.1, stopped when dropped.
struct Postgres {
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Postgres {
    fn start() -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown to postgres failed");
        }
        let out = pg("initdb")
            .args([
                "-A",
                "scram-sha-256",
                "--auth-local=trust",
                "-U",
                "postgres",
                "-D",
            ])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            dir.path().display()
        );
        // -w polls until the server accepts connections (with pg_ctl's own deadline).
        let out = pg("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-l"])
            .arg(dir.path().join("log"))
            .args(["-o", &opts, "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Postgres { dir, port }
    }

    /// Runs SQL as the superuser over the Unix socket, SQL on stdin (never in arguments).
    fn sql(&self, sql: &str) {
        let mut child = pg("psql")
            .args([
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-h",
            ])
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sql.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "psql setup failed");
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .output();
    }
}

fn psql_dir() -> PathBuf {
    pg_bin("psql").parent().map(Path::to_path_buf).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_uses_the_generated_password_with_a_real_postgres() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            r#"
[instance.pg]
engine = "postgres"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
master_username = "app"
db_name = "appdb"
"#,
        ),
    ]);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let v = sdk
        .secrets
        .get_secret_value()
        .version_stage("AWSCURRENT")
        .secret_id("rdsplan/t/pg")
        .send()
        .await
        .unwrap();
    let secret: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    let password = secret["password"].as_str().unwrap().to_string();

    // The local stand-in for the RDS instance: a role with the generated password.
    let server = Postgres::start();
    server.sql(&format!(
        "CREATE ROLE app LOGIN PASSWORD '{password}';\nCREATE DATABASE appdb OWNER app;\n"
    ));
    let port = server.port.to_string();
    let psql = psql_dir().join("psql");
    let psql = psql.to_str().unwrap();
    let args = [
        "connect",
        "--env",
        "t",
        "instance.pg",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--client",
        psql,
        "--",
        "-tA",
        "-c",
        "select current_user || '@' || current_database()",
    ];
    let r = rdsplan(Some(&moto), &env.dir(), &args);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), "app@appdb");

    // After a rotation the database (here, the local server) no longer matches: connect fails,
    // which shows the password really came from the secret.
    let rot = rdsplan(
        Some(&moto),
        &env.dir(),
        &["rotate", "--env", "t", "instance.pg"],
    );
    assert_eq!(rot.code, 0, "{}", rot.all());
    let r = rdsplan(Some(&moto), &env.dir(), &args);
    assert_ne!(r.code, 0, "{}", r.all());
    assert_shows(&r.stderr, "password authentication failed");
}
