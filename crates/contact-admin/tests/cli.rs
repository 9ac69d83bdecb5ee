//! The CLI end to end: the built binary against a migrated local D1 database. Each
//! test has its own database, so the three run in parallel; each wrangler call
//! takes a second or two, so the scenarios are few and long.

mod common;

use common::{is_v4, text, Db};
use contact_core::allowlist::AllowList;
use contact_core::secrets::{digest, has_format, SecretKind};
use serde_json::{json, Value};

#[test]
fn provisioning_stores_only_digests_and_refuses_inactive_owners() {
    let Some(db) = Db::migrated("flow") else {
        return;
    };

    // A name full of SQL and quoting hazards must be stored exactly as given.
    let tricky = "O'Brien; DROP TABLE members; -- \"Ü\" \\ /* x */";
    let org = db.ok(
        &["org", "create", "--name", tricky, "--mode", "B2C"],
        &["org_id"],
    );
    let org_id = text(&org, "org_id");
    assert!(is_v4(org_id));

    let member = db.ok(
        &[
            "member",
            "add",
            "--org",
            org_id,
            "--name",
            "Jane Smith",
            "--email",
            "jane@acme.com",
        ],
        &["member_id"],
    );
    let member_id = text(&member, "member_id");
    assert!(is_v4(member_id));

    let key = db.ok(
        &["api-key", "issue", "--org", org_id, "--member", member_id],
        &["api_key_id", "api_key"],
    );
    let (api_key_id, api_key) = (text(&key, "api_key_id"), text(&key, "api_key"));
    assert!(has_format(SecretKind::ApiKey, api_key));

    // The same address in two spellings is listed once, as first typed.
    let dev = db.ok(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "203.0.113.0/24",
            "--allow-ip",
            "::1",
            "--allow-ip",
            "0:0:0:0:0:0:0:1",
        ],
        &["developer_key_id", "developer_secret"],
    );
    let (dev_id, secret) = (
        text(&dev, "developer_key_id"),
        text(&dev, "developer_secret"),
    );
    assert!(has_format(SecretKind::DeveloperSecret, secret));

    let same = db.ok(
        &[
            "developer-key",
            "allow-ip",
            "--id",
            dev_id,
            "--ip",
            "::1/128",
        ],
        &["developer_key_id", "allowed_ips"],
    );
    assert_eq!(same["allowed_ips"], json!(["203.0.113.0/24", "::1"]));
    let more = db.ok(
        &[
            "developer-key",
            "allow-ip",
            "--id",
            dev_id,
            "--ip",
            "10.0.0.0/8",
        ],
        &["developer_key_id", "allowed_ips"],
    );
    assert_eq!(more["developer_key_id"], json!(dev_id));
    assert_eq!(
        more["allowed_ips"],
        json!(["203.0.113.0/24", "::1", "10.0.0.0/8"])
    );

    db.ok(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "tier",
            "--type",
            "select",
            "--option",
            "Gold",
            "--option",
            "Silver",
        ],
        &["tag"],
    );
    db.ok(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "code",
            "--type",
            "text",
            "--pattern",
            "[A-Z]{3}'s",
            "--max-length",
            "5",
        ],
        &["tag"],
    );
    db.ok(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "score",
            "--type",
            "number",
            "--min",
            "-5",
            "--max",
            "10.5",
        ],
        &["tag"],
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "tier",
            "--type",
            "boolean",
        ],
        2,
        "custom field tier already exists",
    );
    let list = db.ok(
        &["custom-field", "list", "--org", org_id],
        &["org_id", "custom_fields"],
    );
    assert_eq!(list["org_id"], json!(org_id));
    assert_eq!(
        list["custom_fields"],
        json!([
            {"tag": "code", "type": "text", "pattern": "[A-Z]{3}'s", "maxLength": 5},
            {"tag": "score", "type": "number", "min": -5.0, "max": 10.5},
            {"tag": "tier", "type": "select", "options": ["Gold", "Silver"]},
        ])
    );

    let deactivated = db.ok(
        &["member", "deactivate", "--id", member_id],
        &["member_id", "active"],
    );
    assert_eq!(deactivated["active"], json!(false));
    db.fails(
        &["api-key", "issue", "--org", org_id, "--member", member_id],
        2,
        "is deactivated",
    );
    let revoked = db.ok(
        &["api-key", "revoke", "--id", api_key_id],
        &["api_key_id", "active"],
    );
    assert_eq!(
        revoked,
        json!({"api_key_id": api_key_id, "active": false})
            .as_object()
            .unwrap()
            .clone()
    );
    db.fails(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "::1",
        ],
        2,
        "is revoked",
    );
    let revoked = db.ok(
        &["developer-key", "revoke", "--id", dev_id],
        &["developer_key_id", "active"],
    );
    assert_eq!(revoked["active"], json!(false));

    let rows = db.query(&format!(
        "SELECT name, crm_mode, created_at FROM organizations WHERE id = '{org_id}'; \
         SELECT org_id, member_id, key_digest, active FROM api_keys WHERE id = '{api_key_id}'; \
         SELECT api_key_id, secret_digest, allowed_ips, active FROM developer_keys WHERE id = '{dev_id}'; \
         SELECT active FROM members WHERE id = '{member_id}'; \
         SELECT COUNT(*) AS n FROM custom_fields WHERE definition LIKE '%''s%'"
    ));
    let org_row = &rows[0][0];
    assert_eq!(org_row["name"], json!(tricky));
    assert_eq!(org_row["crm_mode"], json!("B2C"));
    let created = org_row["created_at"].as_str().unwrap();
    assert!(created.len() == 24 && created.ends_with('Z') && &created[10..11] == "T");

    let key_row = &rows[1][0];
    assert_eq!(key_row["org_id"], json!(org_id));
    assert_eq!(key_row["member_id"], json!(member_id));
    assert_eq!(key_row["key_digest"], json!(digest(api_key)));
    assert_eq!(key_row["active"], json!(0));

    let dev_row = &rows[2][0];
    assert_eq!(dev_row["api_key_id"], json!(api_key_id));
    assert_eq!(dev_row["secret_digest"], json!(digest(secret)));
    assert_eq!(dev_row["active"], json!(0));
    let allowed = dev_row["allowed_ips"].as_str().unwrap();
    assert_eq!(allowed, r#"["203.0.113.0/24","::1","10.0.0.0/8"]"#);
    assert!(AllowList::from_json(allowed).unwrap().allows("10.1.2.3"));

    assert_eq!(rows[3][0]["active"], json!(0));
    assert_eq!(rows[4][0]["n"], json!(1));
}

#[test]
fn bad_input_is_refused_with_one_line_and_changes_nothing() {
    let Some(db) = Db::migrated("refusals") else {
        return;
    };
    let org = db.ok(
        &["org", "create", "--name", "Acme", "--mode", "B2B"],
        &["org_id"],
    );
    let org_id = text(&org, "org_id");
    let other = db.ok(
        &["org", "create", "--name", "Other", "--mode", "B2C"],
        &["org_id"],
    );
    let other_id = text(&other, "org_id");
    let outsider = db.ok(
        &[
            "member",
            "add",
            "--org",
            other_id,
            "--name",
            "Olga",
            "--email",
            "olga@other.example",
        ],
        &["member_id"],
    );
    let outsider_id = text(&outsider, "member_id");
    let before = db.snapshot();

    let unknown = "0b9a6a3c-3f5e-4c1e-9d1a-7f0e6d7c8b9a";
    // Refused by the database's answer: the id names nothing, or the wrong thing.
    db.fails(
        &[
            "member",
            "add",
            "--org",
            unknown,
            "--name",
            "A",
            "--email",
            "a@b.example",
        ],
        2,
        &format!("no organization {unknown}"),
    );
    db.fails(
        &["api-key", "issue", "--org", org_id, "--member", outsider_id],
        2,
        &format!("member {outsider_id} is not a member of organization {org_id}"),
    );
    db.fails(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            unknown,
            "--allow-ip",
            "10.0.0.0/8",
        ],
        2,
        &format!("no api key {unknown}"),
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            unknown,
            "--tag",
            "industry",
            "--type",
            "boolean",
        ],
        2,
        &format!("no organization {unknown}"),
    );
    db.fails(
        &["member", "deactivate", "--id", unknown],
        2,
        &format!("no member {unknown}"),
    );

    // Refused before the database is asked.
    db.fails(
        &[
            "member",
            "add",
            "--org",
            "acme",
            "--name",
            "A",
            "--email",
            "a@b.example",
        ],
        2,
        "no organization \"acme\"",
    );
    db.fails(
        &[
            "member", "add", "--org", org_id, "--name", "A", "--email", "a@@b",
        ],
        2,
        "not a valid e-mail address",
    );
    db.fails(
        &["org", "create", "--name", "X", "--mode", "B2X"],
        2,
        "'B2X'",
    );
    db.fails(
        &["org", "create", "--name", " ", "--mode", "B2B"],
        2,
        "--name must not be empty",
    );
    db.fails(&["org"], 2, "requires a subcommand");
    db.fails(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            unknown,
            "--allow-ip",
            "10.0.0.1/8",
        ],
        2,
        "\"10.0.0.1/8\" is not an IPv4 or IPv6 address or a CIDR range",
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "Industry",
            "--type",
            "text",
        ],
        2,
        "custom field \"Industry\": a tag is a lower-case letter",
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "industry",
            "--type",
            "select",
        ],
        2,
        "a select needs options",
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "code",
            "--type",
            "text",
            "--pattern",
            "(",
        ],
        2,
        "pattern does not compile",
    );
    // A pattern the Worker could not afford to compile on a request is refused here.
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "code",
            "--type",
            "text",
            "--pattern",
            r"\w{100}",
        ],
        2,
        "pattern is too large once compiled (the limit is 256 KiB)",
    );
    // Patterns must read alike on the server's engine and the browser module's: what
    // the two would read differently is refused, naming the construct (and nothing
    // is stored: the snapshot below).
    for (pattern, construct) in [
        (r"\p{L}+", r"a Unicode class (\p{..}, \P{..})"),
        (r"[A-Z]+\b", r"a word boundary (\b, \B, \<, \>)"),
        ("(?m)^[A-Z]+$", "the flag m"),
    ] {
        db.fails_with(
            &[
                "custom-field",
                "add",
                "--org",
                org_id,
                "--tag",
                "code",
                "--type",
                "text",
                "--pattern",
                pattern,
            ],
            2,
            &format!(
                "custom field \"code\": pattern uses {construct}, \
                 which custom field patterns do not support"
            ),
        );
    }
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "n",
            "--type",
            "number",
            "--min",
            "NaN",
        ],
        2,
        "not a finite number",
    );
    db.fails(
        &[
            "custom-field",
            "add",
            "--org",
            org_id,
            "--tag",
            "n",
            "--type",
            "number",
            "--min",
            "2",
            "--max",
            "1",
        ],
        2,
        "min 2 is greater than max 1",
    );
    let remote_and_local = std::process::Command::new(env!("CARGO_BIN_EXE_contact-admin"))
        .args(["--remote", "--persist-to", "/tmp/x", "demo"])
        .output()
        .unwrap();
    assert_eq!(remote_and_local.status.code(), Some(2));
    assert!(remote_and_local.stdout.is_empty());

    assert_eq!(db.snapshot(), before);
}

#[test]
fn demo_creates_a_ready_b2b_organization_in_one_call() {
    let Some(db) = Db::migrated("demo") else {
        return;
    };
    let demo = db.ok(
        &["demo"],
        &["org_id", "member_id", "api_key", "developer_secret"],
    );
    let (org_id, member_id) = (text(&demo, "org_id"), text(&demo, "member_id"));
    assert!(is_v4(org_id) && is_v4(member_id));
    let api_key = text(&demo, "api_key");
    let secret = text(&demo, "developer_secret");
    assert!(has_format(SecretKind::ApiKey, api_key));
    assert!(has_format(SecretKind::DeveloperSecret, secret));

    let rows = db.query(&format!(
        "SELECT name, crm_mode FROM organizations; \
         SELECT id, org_id, name, email, active FROM members; \
         SELECT id, org_id, member_id, key_digest, active FROM api_keys; \
         SELECT api_key_id, secret_digest, allowed_ips, active FROM developer_keys; \
         SELECT tag, definition FROM custom_fields WHERE org_id = '{org_id}' ORDER BY tag"
    ));
    assert_eq!(rows[0].len(), 1);
    assert_eq!(
        Value::Object(rows[0][0].clone()),
        json!({"name": "Demo Company", "crm_mode": "B2B"})
    );
    assert_eq!(
        Value::Object(rows[1][0].clone()),
        json!({"id": member_id, "org_id": org_id, "name": "Demo Member", "email": "demo@example.com", "active": 1})
    );
    let key = &rows[2][0];
    assert_eq!(key["org_id"], json!(org_id));
    assert_eq!(key["member_id"], json!(member_id));
    assert_eq!(key["key_digest"], json!(digest(api_key)));
    assert_eq!(key["active"], json!(1));
    let dev = &rows[3][0];
    assert_eq!(dev["api_key_id"], key["id"]);
    assert_eq!(dev["secret_digest"], json!(digest(secret)));
    assert_eq!(dev["active"], json!(1));
    let allowed = AllowList::from_json(dev["allowed_ips"].as_str().unwrap()).unwrap();
    assert!(allowed.allows("127.0.0.1") && allowed.allows("::1"));
    assert!(!allowed.allows("10.0.0.1"));
    assert_eq!(dev["allowed_ips"], json!(r#"["127.0.0.1","::1"]"#));

    let fields: Vec<Value> = rows[4]
        .iter()
        .map(|row| serde_json::from_str(row["definition"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            json!({"tag": "company_size", "type": "select", "options": ["1-10", "11-50", "50-200", "201-1000", "1000+"]}),
            json!({"tag": "industry", "type": "select", "options": ["Technology", "Finance", "Healthcare", "Retail", "Manufacturing", "Education", "Other"]}),
        ]
    );
}

#[test]
fn allow_lists_refuse_any_address_unless_asked_and_remove_entries() {
    let Some(db) = Db::migrated("allowlist") else {
        return;
    };
    let org = db.ok(
        &["org", "create", "--name", "Acme", "--mode", "B2B"],
        &["org_id"],
    );
    let org_id = text(&org, "org_id");
    let member = db.ok(
        &[
            "member",
            "add",
            "--org",
            org_id,
            "--name",
            "Jane",
            "--email",
            "jane@acme.com",
        ],
        &["member_id"],
    );
    let key = db.ok(
        &[
            "api-key",
            "issue",
            "--org",
            org_id,
            "--member",
            text(&member, "member_id"),
        ],
        &["api_key_id", "api_key"],
    );
    let api_key_id = text(&key, "api_key_id");
    let before = db.snapshot();
    let flag = "pass --allow-any-address to store it anyway";

    // A whole family, alone or put together, is refused: nothing is stored.
    db.fails_with(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "10.0.0.0/8",
            "--allow-ip",
            "0.0.0.0/0",
        ],
        2,
        &format!("allow-list entry \"0.0.0.0/0\" admits every IPv4 address, so the developer key would work from anywhere; {flag}"),
    );
    db.fails_with(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            " ::/0 ",
        ],
        2,
        &format!("allow-list entry \"::/0\" admits every IPv6 address, so the developer key would work from anywhere; {flag}"),
    );
    db.fails_with(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "0.0.0.0/1",
            "--allow-ip",
            "128.0.0.0/1",
        ],
        2,
        &format!("allow-list entry \"128.0.0.0/1\" together with the other entries admits every IPv4 address, so the developer key would work from anywhere; {flag}"),
    );
    // A prefix length 0 on another address has host bits set: not a range at all.
    db.fails_with(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "10.1.2.3/0",
        ],
        2,
        "\"10.1.2.3/0\" is not an IPv4 or IPv6 address or a CIDR range such as 203.0.113.0/24 (with no host bits set)",
    );
    assert_eq!(db.snapshot(), before);

    // With the flag the entry is stored, and stderr says what that means.
    let open = db.ok_and_stderr(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "0.0.0.0/0",
            "--allow-any-address",
        ],
        &["developer_key_id", "developer_secret"],
    );
    let open_id = text(&open.0, "developer_key_id");
    assert_eq!(
        open.1,
        format!("warning: every IPv4 address can use developer key {open_id}: its allow-list admits them all\n")
    );
    let stored = db.allowed_ips(open_id);
    assert_eq!(stored, r#"["0.0.0.0/0"]"#);
    assert!(AllowList::from_json(&stored)
        .unwrap()
        .allows("198.51.100.1"));

    let dev = db.ok_warns(
        &[
            "developer-key",
            "issue",
            "--api-key-id",
            api_key_id,
            "--allow-ip",
            "10.0.0.1",
            "--allow-ip",
            "::1",
        ],
        &["developer_key_id", "developer_secret"],
        "",
    );
    let dev_id = text(&dev, "developer_key_id");
    let list_keys = ["developer_key_id", "allowed_ips"];

    let issued = db.snapshot();
    db.fails_with(
        &allow_ip(dev_id, "0.0.0.0/0", false),
        2,
        &format!("allow-list entry \"0.0.0.0/0\" admits every IPv4 address, so the developer key would work from anywhere; {flag}"),
    );
    assert_eq!(db.snapshot(), issued);
    let half = db.ok_warns(&allow_ip(dev_id, "0.0.0.0/1", false), &list_keys, "");
    assert_eq!(half["allowed_ips"], json!(["10.0.0.1", "::1", "0.0.0.0/1"]));
    let refused_half = db.snapshot();
    db.fails_with(
        &allow_ip(dev_id, "128.0.0.0/1", false),
        2,
        &format!("allow-list entry \"128.0.0.0/1\" together with the other entries admits every IPv4 address, so the developer key would work from anywhere; {flag}"),
    );
    assert_eq!(db.snapshot(), refused_half);
    assert_eq!(db.allowed_ips(dev_id), r#"["10.0.0.1","::1","0.0.0.0/1"]"#);

    let warn_v4 = format!(
        "warning: every IPv4 address can use developer key {dev_id}: its allow-list admits them all\n"
    );
    let warn_both = format!(
        "warning: every IPv4 and IPv6 address can use developer key {dev_id}: its allow-list admits them all\n"
    );
    let other_half = db.ok_warns(&allow_ip(dev_id, "128.0.0.0/1", true), &list_keys, &warn_v4);
    assert_eq!(
        other_half["allowed_ips"],
        json!(["10.0.0.1", "::1", "0.0.0.0/1", "128.0.0.0/1"])
    );
    db.ok_warns(&allow_ip(dev_id, "::/0", true), &list_keys, &warn_both);
    assert_eq!(
        db.allowed_ips(dev_id),
        r#"["10.0.0.1","::1","0.0.0.0/1","128.0.0.0/1","::/0"]"#
    );

    // Removal matches the entry as parsed: 10.0.0.1/32 is the stored 10.0.0.1.
    let removed = db.ok_warns(&remove_ip(dev_id, "10.0.0.1/32"), &list_keys, &warn_both);
    assert_eq!(
        Value::Object(removed),
        json!({"developer_key_id": dev_id, "allowed_ips": ["::1", "0.0.0.0/1", "128.0.0.0/1", "::/0"]})
    );
    let after_removal = db.snapshot();
    db.fails_with(
        &remove_ip(dev_id, "10.0.0.1"),
        2,
        &format!("\"10.0.0.1\" is not in the allow-list of developer key {dev_id}"),
    );
    db.fails_with(
        &remove_ip(dev_id, "10.0.0.0/8"),
        2,
        &format!("\"10.0.0.0/8\" is not in the allow-list of developer key {dev_id}"),
    );
    db.fails_with(
        &remove_ip(dev_id, "10.0.0.1/8"),
        2,
        "\"10.0.0.1/8\" is not an IPv4 or IPv6 address or a CIDR range such as 203.0.113.0/24 (with no host bits set)",
    );
    assert_eq!(db.snapshot(), after_removal);
    db.ok_warns(
        &remove_ip(dev_id, "0:0:0:0:0:0:0:1/128"),
        &list_keys,
        &warn_both,
    );
    db.ok_warns(&remove_ip(dev_id, "::/0"), &list_keys, &warn_v4);
    db.ok_warns(&remove_ip(dev_id, "128.0.0.0/1"), &list_keys, "");
    assert_eq!(db.allowed_ips(dev_id), r#"["0.0.0.0/1"]"#);
    let emptied = db.ok_warns(
        &remove_ip(dev_id, "0.0.0.0/1"),
        &list_keys,
        "warning: the allow-list is empty, so no one can use this developer key until `developer-key allow-ip` adds an address\n",
    );
    assert_eq!(emptied["allowed_ips"], json!([]));
    assert_eq!(db.allowed_ips(dev_id), "[]");

    let unknown = "0b9a6a3c-3f5e-4c1e-9d1a-7f0e6d7c8b9a";
    db.fails_with(
        &["developer-key", "remove-ip", "--id", unknown, "--ip", "::1"],
        2,
        &format!("no developer key {unknown}"),
    );
    db.ok(
        &["developer-key", "revoke", "--id", open_id],
        &["developer_key_id", "active"],
    );
    let revoked = db.snapshot();
    db.fails_with(
        &[
            "developer-key",
            "remove-ip",
            "--id",
            open_id,
            "--ip",
            "0.0.0.0/0",
        ],
        2,
        &format!("developer key {open_id} is revoked; its allow-list can no longer change"),
    );
    assert_eq!(db.snapshot(), revoked);
    assert_eq!(db.allowed_ips(open_id), r#"["0.0.0.0/0"]"#);
}

/// `developer-key allow-ip --id ID --ip IP`, with `--allow-any-address` if `any`.
fn allow_ip<'a>(id: &'a str, ip: &'a str, any: bool) -> Vec<&'a str> {
    let mut args = vec!["developer-key", "allow-ip", "--id", id, "--ip", ip];
    if any {
        args.push("--allow-any-address");
    }
    args
}

/// `developer-key remove-ip --id ID --ip IP`.
fn remove_ip<'a>(id: &'a str, ip: &'a str) -> Vec<&'a str> {
    vec!["developer-key", "remove-ip", "--id", id, "--ip", ip]
}

#[test]
fn demo_is_refused_with_remote_before_wrangler_runs() {
    // A repository root of its own whose wrangler only records that it ran, so
    // that nothing can reach a network whatever the CLI does.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let root = std::env::temp_dir().join(format!(
        "contact-admin-remote-demo-{}-{nanos}",
        std::process::id()
    ));
    let bin = root.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(root.join("wrangler.toml"), "name = \"fake\"\n").unwrap();
    let marker = root.join("wrangler-ran");
    let wrangler = bin.join("wrangler");
    std::fs::write(
        &wrangler,
        "#!/bin/sh\necho \"$*\" > \"$(dirname \"$0\")/../../wrangler-ran\"\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrangler, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_contact-admin"))
            .current_dir(&root)
            .args(args)
            .output()
            .unwrap()
    };

    for args in [["--remote", "demo"], ["demo", "--remote"]] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            "error: demo is for local development only (it prints the credentials it creates) and does not run with --remote\n",
            "{args:?}"
        );
        assert!(!marker.exists(), "{args:?}: wrangler ran");
    }

    // The stand-in does run for other commands with --remote, so its silence
    // above means the refusal came first.
    let out = run(&["--remote", "org", "create", "--name", "X", "--mode", "B2B"]);
    assert_eq!(out.status.code(), Some(1));
    let ran = std::fs::read_to_string(&marker).unwrap();
    assert!(ran.starts_with("d1 execute DB --json --remote --command INSERT INTO organizations"));
    let _ = std::fs::remove_dir_all(&root);
}
