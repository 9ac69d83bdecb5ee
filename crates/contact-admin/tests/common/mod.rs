//! Runs the built `contact-admin` against a fresh, migrated local D1 database in a
//! temporary directory, and reads that database back through wrangler.

#![allow(dead_code)] // each test file uses its own part of this module

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

/// The repository root: the directory holding wrangler.toml.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("wrangler.toml").is_file())
        .expect("wrangler.toml above the crate")
        .to_path_buf()
}

fn wrangler() -> Command {
    let root = repo_root();
    let mut command = Command::new(root.join("node_modules/.bin/wrangler"));
    command
        .current_dir(&root)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false");
    command
}

/// A migrated local database in its own state directory, removed on drop.
pub struct Db {
    pub dir: PathBuf,
}

impl Db {
    /// Applies the project's migrations to a new state directory, or answers
    /// `None` (and says so on stderr) where wrangler is not installed, so that
    /// `cargo test` passes on a fresh clone. `scripts/test.sh` sets
    /// `ZYNTRO_REQUIRE_WRANGLER=1`, which turns the skip into a failure.
    pub fn migrated(name: &str) -> Option<Db> {
        let wrangler_bin = repo_root().join("node_modules/.bin/wrangler");
        if !wrangler_bin.is_file() {
            let required = std::env::var_os("ZYNTRO_REQUIRE_WRANGLER").is_some_and(|v| v == "1");
            assert!(
                !required,
                "{} is missing and ZYNTRO_REQUIRE_WRANGLER=1: run `npm ci` at the repository root",
                wrangler_bin.display()
            );
            eprintln!(
                "skipped {name}: needs wrangler for a local D1 (`npm ci` at the repository root; scripts/test.sh runs it)"
            );
            return None;
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "contact-admin-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db { dir };
        // A second try: a heavily loaded machine has once made workerd fail to
        // start in time for one of the three parallel migrations.
        let apply = || {
            wrangler()
                .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
                .arg(&db.dir)
                .output()
                .expect("wrangler runs (npm install at the repository root)")
        };
        let mut out = apply();
        if !out.status.success() {
            out = apply();
        }
        assert!(
            out.status.success(),
            "migrations failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(db)
    }

    /// Runs `contact-admin --persist-to DIR ARGS…` from inside the crate, so that
    /// the CLI has to find the repository root itself.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_contact-admin"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--persist-to")
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed and print one JSON object on one line;
    /// answers the object after checking its keys are exactly `keys`.
    pub fn ok(&self, args: &[&str], keys: &[&str]) -> Map<String, Value> {
        self.ok_and_stderr(args, keys).0
    }

    /// As `ok`, and checks that stderr is exactly `stderr` (`""` for nothing).
    pub fn ok_warns(&self, args: &[&str], keys: &[&str], stderr: &str) -> Map<String, Value> {
        let (object, got) = self.ok_and_stderr(args, keys);
        assert_eq!(got, stderr, "{args:?}: stderr");
        object
    }

    /// As `ok`, and answers what the command wrote on stderr.
    pub fn ok_and_stderr(&self, args: &[&str], keys: &[&str]) -> (Map<String, Value>, String) {
        let out = self.run(args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {stderr}",
            out.status
        );
        assert!(
            stdout.ends_with('\n') && stdout.lines().count() == 1,
            "{args:?}: not one line on stdout: {stdout:?}"
        );
        let object = match serde_json::from_str(&stdout) {
            Ok(Value::Object(object)) => object,
            other => panic!("{args:?}: not a JSON object: {stdout:?} ({other:?})"),
        };
        let mut got: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut want = keys.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{args:?}: keys of {stdout}");
        (object, stderr)
    }

    /// Runs a command that must fail with `code`, print nothing on stdout, and
    /// print one `error: …` line on stderr containing `needle`.
    pub fn fails(&self, args: &[&str], code: i32, needle: &str) {
        let out = self.run(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", out.stdout);
        assert!(
            stderr.starts_with("error: ") && stderr.lines().count() == 1,
            "{args:?}: not one error line: {stderr:?}"
        );
        assert!(
            stderr.contains(needle),
            "{args:?}: {stderr:?} does not mention {needle:?}"
        );
    }

    /// Runs a command that must fail with `code`, print nothing on stdout, and
    /// print exactly `error: {message}` and a newline on stderr.
    pub fn fails_with(&self, args: &[&str], code: i32, message: &str) {
        let out = self.run(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", out.stdout);
        assert_eq!(stderr, format!("error: {message}\n"), "{args:?}: stderr");
    }

    /// The stored `allowed_ips` text of a developer key.
    pub fn allowed_ips(&self, developer_key_id: &str) -> String {
        let rows = self.query(&format!(
            "SELECT allowed_ips FROM developer_keys WHERE id = '{developer_key_id}'"
        ));
        rows[0][0]["allowed_ips"]
            .as_str()
            .expect("allowed_ips is text")
            .to_string()
    }

    /// Runs SQL through wrangler and answers the rows of each statement.
    pub fn query(&self, sql: &str) -> Vec<Vec<Map<String, Value>>> {
        let out = wrangler()
            .args(["d1", "execute", "DB", "--local", "--json", "--persist-to"])
            .arg(&self.dir)
            .arg("--command")
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "query failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
        parsed
            .as_array()
            .unwrap()
            .iter()
            .map(|statement| {
                statement["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| row.as_object().unwrap().clone())
                    .collect()
            })
            .collect()
    }

    /// The number of rows in every table the CLI writes, plus a digest of their
    /// contents, so that "nothing changed" covers updates as well as inserts.
    pub fn snapshot(&self) -> Value {
        let rows = self.query(
            "SELECT (SELECT COUNT(*) FROM organizations) AS organizations, \
             (SELECT COUNT(*) FROM members) AS members, \
             (SELECT COUNT(*) FROM api_keys) AS api_keys, \
             (SELECT COUNT(*) FROM developer_keys) AS developer_keys, \
             (SELECT COUNT(*) FROM custom_fields) AS custom_fields, \
             (SELECT group_concat(id || active, ',') FROM members) AS member_states, \
             (SELECT group_concat(id || active, ',') FROM api_keys) AS api_key_states, \
             (SELECT group_concat(id || active || allowed_ips, ',') FROM developer_keys) AS developer_key_states",
        );
        Value::Object(rows[0][0].clone())
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A string field of a command's output.
pub fn text<'a>(object: &'a Map<String, Value>, key: &str) -> &'a str {
    object[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

/// True for a lower-case hyphenated version-4 UUID.
pub fn is_v4(id: &str) -> bool {
    contact_core::rules::uuid::is_uuid(id) && id == id.to_ascii_lowercase() && &id[14..15] == "4"
}
