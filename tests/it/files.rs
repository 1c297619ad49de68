//! No file is silently skipped: every `*.toml` entry of an environment folder is read or
//! reported with its path, and apply refuses to run without it.

use super::support::*;
use std::os::unix::fs::symlink;

/// `validate` and `apply --allow-destroy` both exit 1 naming the entry, without AWS.
fn refused(env: &Env, needle: &str) {
    for args in [
        vec!["validate", "--env", "t"],
        vec!["apply", "--env", "t", "--auto-approve", "--allow-destroy"],
    ] {
        let r = rdsplan(None, &env.dir(), &args);
        assert_eq!(r.code, 1, "{args:?}:\n{}", r.all());
        assert_shows(&r.stderr, needle);
        assert!(!r.stdout.contains("Applying"), "{}", r.stdout);
    }
}

fn env() -> Env {
    Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
    ])
}

#[test]
fn a_dangling_or_looping_symlink_is_an_error_with_its_path() {
    let e = env();
    let dir = e.dir().join("t");
    symlink(dir.join("nowhere.toml"), dir.join("databases.toml")).unwrap();
    refused(&e, "databases.toml: it is a symbolic link to");
    std::fs::remove_file(dir.join("databases.toml")).unwrap();
    symlink(dir.join("b.toml"), dir.join("a.toml")).unwrap();
    symlink(dir.join("a.toml"), dir.join("b.toml")).unwrap();
    refused(&e, "a.toml: it is a symbolic link to");
}

#[test]
fn a_directory_or_a_fifo_named_toml_is_an_error_with_its_path() {
    let e = env();
    let dir = e.dir().join("t");
    std::fs::create_dir(dir.join("x.toml")).unwrap();
    refused(&e, "x.toml: it is a directory, not a file");
    std::fs::remove_dir(dir.join("x.toml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.toml"))
        .status()
        .expect("mkfifo (coreutils) is needed for this test");
    assert!(made.success());
    refused(&e, "pipe.toml: it is not a regular file");
}

#[test]
fn an_unreadable_file_is_an_error_with_its_path() {
    use std::os::unix::fs::PermissionsExt;
    let e = env();
    let file = e.dir().join("t").join("secret.toml");
    std::fs::write(&file, "[vpc.other]\ncidr = \"10.1.0.0/16\"\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        // Running as root, which reads any file: rdsplan reads it too, and it is valid.
        let r = rdsplan(None, &e.dir(), &["validate", "--env", "t"]);
        assert_eq!(r.code, 0, "{}", r.all());
        assert_shows(&r.stdout, "2 vpc");
    } else {
        refused(&e, "secret.toml: Permission denied");
    }
}

#[test]
fn non_utf8_is_reported_once_with_its_line_and_column() {
    let e = env();
    std::fs::write(
        e.dir().join("t").join("databases.toml"),
        b"[instance.db]\nengine = \"postgres\"\nvpc = \"ma\xffin\"\nsecurity_groups = [\"nope\"]\n",
    )
    .unwrap();
    refused(&e, "databases.toml:3:10: not valid UTF-8 (byte 0xff)");
    let r = rdsplan(None, &e.dir(), &["validate", "--env", "t"]);
    assert_shows(&r.stderr, "1 problem found.");
}

#[test]
fn control_characters_are_never_echoed_raw() {
    let e = env();
    e.write(
        "bad.toml",
        "[vpc.\"ma\u{1b}[31min\"]\ncidr = \"10.2.0.0/16\"\n",
    );
    let r = rdsplan(None, &e.dir(), &["validate", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!r.all().contains('\u{1b}'), "{:?}", r.all());
    assert_shows(&r.stderr, "[vpc.\"ma?[31min\"]");
}
