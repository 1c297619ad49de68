//! `scripts/install.sh` against a loopback HTTP server laid out as a GitHub release: it
//! installs the archive for this machine after checking it against SHA256SUMS, and refuses a
//! corrupted archive (or one SHA256SUMS does not list) without installing anything.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The release target this machine's archive is named after, as the script works it out.
fn target() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "macos" => format!("{arch}-apple-darwin"),
        _ => format!("{arch}-unknown-linux-musl"),
    }
}

/// A folder served over HTTP on 127.0.0.1 (a free port), until dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join(".venv/bin/python3");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-moto.sh (or scripts/test.sh)",
            python.display()
        );
        let mut child = Command::new(&python)
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python's http.server starts");
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        let port: u16 = line
            .split("port ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in http.server's first line: {line:?}"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "http.server never answered"
            );
            std::thread::yield_now();
        }
        // Keep reading its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A release folder `at` (relative to the served root) holding this machine's archive (the
/// rdsplan the tests built, in a folder as the release workflow packs it) and SHA256SUMS.
fn release(root: &Path, at: &str) -> PathBuf {
    let dir = root.join(at);
    let name = format!("rdsplan-{}", target());
    let pack = dir.join(&name);
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_rdsplan"), pack.join("rdsplan")).unwrap();
    let archive = format!("{name}.tar.gz");
    let ok = Command::new("tar")
        .args(["-czf", &archive, &name])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::remove_dir_all(&pack).unwrap();
    let sums = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(sums.status.success());
    std::fs::write(dir.join("SHA256SUMS"), sums.stdout).unwrap();
    dir.join(archive)
}

fn install(server: &Server, args: &[&str]) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    Command::new("sh")
        .arg(script)
        .args(args)
        .env("RDSPLAN_RELEASE_URL", &server.url)
        .output()
        .unwrap()
}

#[test]
fn the_install_script_checks_the_checksum_and_installs_a_release() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("releases");
    release(&served, "download/v0.1.0");
    release(&served, "latest/download");
    let server = Server::start(&served);

    // A version, into --to.
    let bin = tmp.path().join("bin");
    let out = install(&server, &["0.1.0", "--to", bin.to_str().unwrap()]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "install failed:\n{all}");
    let version = Command::new(bin.join("rdsplan"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout).to_string();
    assert!(
        version.starts_with(&format!("rdsplan {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(version.contains(", built "), "{version}");

    // The latest release, `v` prefix or none.
    let latest = tmp.path().join("latest-bin");
    let out = install(&server, &["--to", latest.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(latest.join("rdsplan").exists());
}

#[test]
fn a_corrupted_or_unlisted_archive_is_refused_and_nothing_is_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("releases");
    let corrupted = release(&served, "download/v0.2.0");
    let mut bytes = std::fs::read(&corrupted).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&corrupted, bytes).unwrap();
    release(&served, "download/v0.3.0");
    std::fs::write(
        served.join("download/v0.3.0/SHA256SUMS"),
        "0000  rdsplan-some-other-target.tar.gz\n",
    )
    .unwrap();
    let server = Server::start(&served);

    for (version, says) in [("0.2.0", "checksum mismatch"), ("0.3.0", "no checksum for")] {
        let bin = tmp.path().join(format!("bin-{version}"));
        let out = install(&server, &[version, "--to", bin.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{version}: {err}");
        assert!(err.contains(says), "{version}: {err}");
        assert!(err.contains("nothing installed"), "{version}: {err}");
        assert!(
            !bin.join("rdsplan").exists(),
            "{version}: nothing is installed"
        );
    }

    // A release that does not exist is an error naming the URL.
    let out = install(
        &server,
        &["9.9.9", "--to", tmp.path().join("none").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not download"));
}
