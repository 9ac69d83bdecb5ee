//! `scripts/dev-credentials.sh`, which `scripts/dev.sh` runs to write the local
//! credential files `.wrangler/demo.json` and `.dev.vars`: run in a temporary
//! directory with a stand-in for the demo command, so neither wrangler nor cargo
//! is needed. Both files hold secrets and must be the owner's alone (mode 0600).

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

const DEMO: &str = r#"{"org_id":"5f1c9a52-6a7b-4c1d-8e2f-0a1b2c3d4e5f","member_id":"0b9a6a3c-3f5e-4c1e-9d1a-7f0e6d7c8b9a","api_key":"zak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","developer_secret":"zdk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"}"#;

/// A temporary directory standing for the repository root, removed on drop.
struct Root(PathBuf);

impl Root {
    fn new(name: &str) -> Root {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "contact-admin-dev-credentials-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Root(dir)
    }

    fn demo(&self) -> PathBuf {
        self.0.join(".wrangler/demo.json")
    }

    fn vars(&self) -> PathBuf {
        self.0.join(".dev.vars")
    }

    /// Runs the script on this directory with `command` as the demo command, under
    /// umask 022 so that only the script's own care keeps the files private.
    fn run(&self, command: &[&str]) -> Output {
        let script = common::repo_root().join("scripts/dev-credentials.sh");
        Command::new("sh")
            .arg("-c")
            .arg("umask 022 && exec bash \"$0\" \"$@\"")
            .arg(script)
            .arg(&self.0)
            .args(command)
            .current_dir(&self.0)
            .output()
            .unwrap()
    }

    /// Writes `path` with `contents` and mode 0644.
    fn put(&self, path: &Path, contents: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(mode(path), 0o644);
    }

    /// The names in `.wrangler`, sorted: no temporary file may be left behind.
    fn wrangler_dir(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join(".wrangler"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// The names in the root, sorted.
    fn root_dir(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn succeeded_silently(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn new_credential_files_are_the_owners_alone() {
    let root = Root::new("new");
    let out = root.run(&["printf", "%s\\n", DEMO]);
    succeeded_silently(&out);
    assert_eq!(
        std::fs::read_to_string(root.demo()).unwrap(),
        format!("{DEMO}\n")
    );
    assert_eq!(
        std::fs::read_to_string(root.vars()).unwrap(),
        format!("DEMO_CREDENTIALS={DEMO}\n")
    );
    assert_eq!(mode(&root.demo()), 0o600);
    assert_eq!(mode(&root.vars()), 0o600);
    assert_eq!(mode(&root.0.join(".wrangler")), 0o700);
    assert_eq!(root.wrangler_dir(), vec!["demo.json"]);
    assert_eq!(root.root_dir(), vec![".dev.vars", ".wrangler"]);
}

#[test]
fn the_demo_command_writes_into_a_file_only_its_owner_can_read() {
    // The stand-in reports the mode of the file its output goes to, while it is
    // writing: the credentials never sit in a file others may read.
    let root = Root::new("window");
    let out = root.run(&[
        "sh",
        "-c",
        "printf '{\"mode\":\"%s\"}\\n' \"$(stat -L -c %a /dev/stdout)\"",
    ]);
    succeeded_silently(&out);
    assert_eq!(
        std::fs::read_to_string(root.demo()).unwrap(),
        "{\"mode\":\"600\"}\n"
    );
    assert_eq!(mode(&root.demo()), 0o600);
}

#[test]
fn existing_credential_files_are_narrowed_to_the_owner() {
    let root = Root::new("existing");
    root.put(&root.demo(), &format!("{DEMO}\n"));
    root.put(&root.vars(), "DEMO_CREDENTIALS=stale\n");
    // The demo exists, so the command must not run (`false` would fail).
    let out = root.run(&["false"]);
    succeeded_silently(&out);
    assert_eq!(
        std::fs::read_to_string(root.demo()).unwrap(),
        format!("{DEMO}\n")
    );
    assert_eq!(
        std::fs::read_to_string(root.vars()).unwrap(),
        format!("DEMO_CREDENTIALS={DEMO}\n")
    );
    assert_eq!(mode(&root.demo()), 0o600);
    assert_eq!(mode(&root.vars()), 0o600);
    assert_eq!(root.wrangler_dir(), vec!["demo.json"]);
    assert_eq!(root.root_dir(), vec![".dev.vars", ".wrangler"]);
}

#[test]
fn an_empty_demo_file_is_made_again_owner_only() {
    let root = Root::new("empty");
    root.put(&root.demo(), "");
    root.put(&root.vars(), "DEMO_CREDENTIALS=\n");
    let out = root.run(&["printf", "%s\\n", DEMO]);
    succeeded_silently(&out);
    assert_eq!(
        std::fs::read_to_string(root.demo()).unwrap(),
        format!("{DEMO}\n")
    );
    assert_eq!(
        std::fs::read_to_string(root.vars()).unwrap(),
        format!("DEMO_CREDENTIALS={DEMO}\n")
    );
    assert_eq!(mode(&root.demo()), 0o600);
    assert_eq!(mode(&root.vars()), 0o600);
    assert_eq!(root.wrangler_dir(), vec!["demo.json"]);
}

#[test]
fn a_failed_demo_command_leaves_no_credential_file() {
    let root = Root::new("failed");
    let out = root.run(&["sh", "-c", "printf zak_partial; exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("zak_partial"));
    assert_eq!(root.wrangler_dir(), Vec::<String>::new());
    assert_eq!(root.root_dir(), vec![".wrangler"]);

    let out = root.run(&["true"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: true printed no demo credentials; {}/.wrangler/demo.json was not written\n",
            root.0.display()
        )
    );
    assert_eq!(root.wrangler_dir(), Vec::<String>::new());
    assert_eq!(root.root_dir(), vec![".wrangler"]);

    let out = root.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: "));
}
