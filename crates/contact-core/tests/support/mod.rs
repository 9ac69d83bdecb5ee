//! A SQLite database behind the endpoint's `Database` trait, as D1 runs it: each
//! batch is one transaction, constraint failures are conflicts. Plus a fixture
//! with two organizations, their members and keys.

#![allow(dead_code)]

use contact_core::endpoint::{self, Call, Database, DbError, Outcome, Rows};
use contact_core::secrets;
use contact_core::store::Statement;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::Connection;
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Something another request does to the database.
pub type Hook = Box<dyn Fn(&Connection)>;

pub struct Sqlite {
    pub conn: RefCell<Connection>,
    /// Batches run so far.
    pub batches: Cell<u32>,
    /// Runs before the nth batch (1-based): lets a test change rows between a
    /// request's read and its write, as a concurrent request would.
    pub before_batch: RefCell<Option<(u32, Hook)>>,
    /// Answers the contacts read with no rows, as a read that misses a stored
    /// contact would.
    pub hide_contacts: Cell<bool>,
    /// More hooks like `before_batch`, for a test that needs several.
    pub hooks: RefCell<Vec<(u32, Hook)>>,
    /// Every batch run so far, its statements as sent.
    pub log: RefCell<Vec<Vec<Statement>>>,
    /// A rate limit: how many more requests each api key (by id) is admitted; keys
    /// not listed are admitted without limit. Every admission asked is recorded.
    pub quota: RefCell<Vec<(String, u32)>>,
    pub admitted: RefCell<Vec<String>>,
}

impl Database for Sqlite {
    async fn admit(&self, api_key_id: &str) -> Option<contact_core::Failure> {
        self.admitted.borrow_mut().push(api_key_id.to_string());
        let mut quota = self.quota.borrow_mut();
        let left = quota.iter_mut().find(|(id, _)| id == api_key_id)?;
        if left.1 == 0 {
            return Some(contact_core::Failure::new(
                contact_core::Code::RateLimited,
                "Too many requests for this api key",
            ));
        }
        left.1 -= 1;
        None
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, DbError> {
        self.batches.set(self.batches.get() + 1);
        self.log.borrow_mut().push(statements.to_vec());
        for (n, hook) in self.hooks.borrow().iter() {
            if *n == self.batches.get() {
                hook(&self.conn.borrow());
            }
        }
        if let Some((n, hook)) = &*self.before_batch.borrow() {
            if *n == self.batches.get() {
                hook(&self.conn.borrow());
            }
        }
        let mut conn = self.conn.borrow_mut();
        let tx = conn.transaction().map_err(other)?;
        let mut results = Vec::new();
        for statement in statements {
            if self.hide_contacts.get() && statement.sql.starts_with("SELECT c.id") {
                results.push(Rows::new());
                continue;
            }
            results.push(run(&tx, statement).map_err(|e| {
                let text = e.to_string();
                if text.contains("constraint failed") {
                    DbError::Conflict(text)
                } else {
                    DbError::Other(text)
                }
            })?);
        }
        tx.commit().map_err(other)?;
        Ok(results)
    }
}

fn other(e: rusqlite::Error) -> DbError {
    DbError::Other(e.to_string())
}

struct Param<'a>(&'a Value);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(SqlValue::Null),
            Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
            Value::Number(n) => match n.as_i64() {
                Some(i) => ToSqlOutput::Owned(SqlValue::Integer(i)),
                None => ToSqlOutput::Owned(SqlValue::Real(n.as_f64().unwrap_or_default())),
            },
            Value::String(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            other => ToSqlOutput::Owned(SqlValue::Text(other.to_string())),
        })
    }
}

fn run(conn: &Connection, statement: &Statement) -> rusqlite::Result<Rows> {
    let mut prepared = conn.prepare(&statement.sql)?;
    let names: Vec<String> = prepared
        .column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let params: Vec<Param> = statement.params.iter().map(Param).collect();
    let mut rows = prepared.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut map = Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(f) => json!(f),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Value::Null,
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    Ok(out)
}

/// Polls a future that never waits: every `Database` call here completes at once.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

pub const ORG_A: &str = "0a000000-0000-4000-8000-00000000000a";
pub const ORG_B: &str = "0b000000-0000-4000-8000-00000000000b";
pub const MEMBER_A: &str = "1a000000-0000-4000-8000-00000000000a";
pub const MEMBER_A_INACTIVE: &str = "1a000000-0000-4000-8000-0000000000ff";
pub const MEMBER_B: &str = "1b000000-0000-4000-8000-00000000000b";

/// A body with the caller's credentials in every place it does not set itself.
fn with_credentials(caller: &Caller, mut body: Value) -> Value {
    let map = body.as_object_mut().unwrap();
    for (key, value) in [
        ("api_key", caller.api_key.as_str()),
        ("developer_secret", caller.developer_secret.as_str()),
        ("org_id", caller.org_id),
        ("member_id", caller.member_id),
    ] {
        map.entry(key).or_insert_with(|| value.into());
    }
    body
}

/// Credentials of one organization's caller.
#[derive(Clone)]
pub struct Caller {
    pub api_key: String,
    pub developer_secret: String,
    pub org_id: &'static str,
    pub member_id: &'static str,
}

pub struct Fixture {
    pub db: Sqlite,
    /// Organization A, B2B, allowed from 127.0.0.1, ::1 and 10.0.0.0/8.
    pub a: Caller,
    /// Organization B, B2C, allowed from 127.0.0.1.
    pub b: Caller,
    /// An api key of A that was revoked (with a working developer secret).
    pub a_revoked: Caller,
    ids: Cell<u32>,
    /// The clock every call sees (RFC 3339 UTC).
    pub now: RefCell<String>,
    /// The `Idempotency-Key` header every call sends.
    pub idempotency_key: RefCell<Option<String>>,
}

fn secret(kind: secrets::SecretKind, n: u8) -> String {
    secrets::from_random(kind, &[n; secrets::SECRET_BYTES])
}

impl Fixture {
    pub fn new() -> Fixture {
        let conn = Connection::open_in_memory().unwrap();
        // Every migration, in order, as `wrangler d1 migrations apply` runs them.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        let mut migrations: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        migrations.sort();
        for migration in migrations {
            conn.execute_batch(&std::fs::read_to_string(migration).unwrap())
                .unwrap();
        }
        let now = "2026-01-01T00:00:00Z";
        let keys = [
            (
                ORG_A,
                MEMBER_A,
                1,
                1u8,
                1,
                r#"["127.0.0.1","::1","10.0.0.0/8"]"#,
            ),
            (ORG_B, MEMBER_B, 1, 2u8, 1, r#"["127.0.0.1"]"#),
            (ORG_A, MEMBER_A, 0, 3u8, 1, r#"["127.0.0.1"]"#),
        ];
        conn.execute_batch(&format!(
            "INSERT INTO organizations VALUES ('{ORG_A}', 'A', 'B2B', '{now}'), ('{ORG_B}', 'B', 'B2C', '{now}');
             INSERT INTO members VALUES ('{MEMBER_A}', '{ORG_A}', 'Ann', 'ann@a.test', 1, '{now}'),
               ('{MEMBER_A_INACTIVE}', '{ORG_A}', 'Old', 'old@a.test', 0, '{now}'),
               ('{MEMBER_B}', '{ORG_B}', 'Bob', 'bob@b.test', 1, '{now}');"
        ))
        .unwrap();
        for (org, member, active, n, dev_active, ips) in keys {
            let key_id = format!("2{n}000000-0000-4000-8000-000000000000");
            conn.execute(
                "INSERT INTO api_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    key_id,
                    org,
                    member,
                    secrets::digest(&secret(secrets::SecretKind::ApiKey, n)),
                    active,
                    now
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO developer_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    format!("3{n}000000-0000-4000-8000-000000000000"),
                    key_id,
                    secrets::digest(&secret(secrets::SecretKind::DeveloperSecret, n)),
                    ips,
                    dev_active,
                    now
                ],
            )
            .unwrap();
        }
        for (tag, definition) in [
            (
                "industry",
                r#"{"tag":"industry","type":"select","options":["Technology","Finance","Healthcare"]}"#,
            ),
            (
                "company_size",
                r#"{"tag":"company_size","type":"select","options":["1-10","11-50","50-200","201-1000"]}"#,
            ),
            (
                "score",
                r#"{"tag":"score","type":"number","min":0,"max":100}"#,
            ),
        ] {
            conn.execute(
                "INSERT INTO custom_fields VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![ORG_A, tag, definition, now],
            )
            .unwrap();
        }
        let caller = |org, member, n| Caller {
            api_key: secret(secrets::SecretKind::ApiKey, n),
            developer_secret: secret(secrets::SecretKind::DeveloperSecret, n),
            org_id: org,
            member_id: member,
        };
        Fixture {
            db: Sqlite {
                conn: RefCell::new(conn),
                batches: Cell::new(0),
                before_batch: RefCell::new(None),
                hide_contacts: Cell::new(false),
                quota: RefCell::new(Vec::new()),
                admitted: RefCell::new(Vec::new()),
                hooks: RefCell::new(Vec::new()),
                log: RefCell::new(Vec::new()),
            },
            a: caller(ORG_A, MEMBER_A, 1),
            b: caller(ORG_B, MEMBER_B, 2),
            a_revoked: caller(ORG_A, MEMBER_A, 3),
            ids: Cell::new(0),
            now: RefCell::new("2026-06-01T12:00:00Z".into()),
            idempotency_key: RefCell::new(None),
        }
    }

    /// Sends a body (credentials added) from 127.0.0.1.
    pub fn send(&self, caller: &Caller, body: Value) -> Outcome {
        self.send_from(caller, body, Some("127.0.0.1"))
    }

    pub fn send_from(&self, caller: &Caller, body: Value, ip: Option<&str>) -> Outcome {
        self.send_text(&with_credentials(caller, body).to_string(), ip)
    }

    /// Sends a batch body (credentials added) from 127.0.0.1.
    pub fn send_batch(&self, caller: &Caller, body: Value) -> Outcome {
        self.send_batch_text(
            &with_credentials(caller, body).to_string(),
            Some("127.0.0.1"),
        )
    }

    pub fn send_batch_text(&self, text: &str, ip: Option<&str>) -> Outcome {
        self.call(text, ip, |db, call, new_id| {
            block_on(contact_core::batch::handle(db, call, &mut &mut *new_id))
        })
    }

    pub fn send_text(&self, text: &str, ip: Option<&str>) -> Outcome {
        self.call(text, ip, |db, call, new_id| {
            block_on(endpoint::handle(db, call, &mut &mut *new_id))
        })
    }

    /// Runs one endpoint on a text with the fixture's clock, idempotency key and ids.
    fn call(
        &self,
        text: &str,
        ip: Option<&str>,
        handle: impl FnOnce(&Sqlite, Call<'_>, &mut dyn FnMut() -> String) -> Outcome,
    ) -> Outcome {
        let now = self.now.borrow().clone();
        let key = self.idempotency_key.borrow().clone();
        let call = Call {
            body: text,
            client_ip: ip,
            request_id: "req-test",
            now: &now,
            idempotency_key: key.as_deref(),
        };
        let ids = &self.ids;
        let mut new_id = || {
            ids.set(ids.get() + 1);
            format!("{:08x}-0000-4000-8000-000000000000", ids.get())
        };
        handle(&self.db, call, &mut new_id)
    }

    /// Every row of every table, as text: equal dumps mean an unchanged database.
    pub fn dump(&self) -> String {
        let conn = self.db.conn.borrow();
        let mut out = String::new();
        for table in [
            "organizations",
            "members",
            "api_keys",
            "developer_keys",
            "custom_fields",
            "entities",
            "contacts",
            "write_guards",
            "idempotency_keys",
        ] {
            let rows = run(
                &conn,
                &Statement {
                    sql: format!("SELECT * FROM {table} ORDER BY rowid"),
                    params: vec![],
                },
            )
            .unwrap();
            out += &format!("{table}: {}\n", serde_json::to_string(&rows).unwrap());
        }
        out
    }

    /// One query's rows.
    pub fn rows(&self, sql: &str) -> Rows {
        run(
            &self.db.conn.borrow(),
            &Statement {
                sql: sql.into(),
                params: vec![],
            },
        )
        .unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        self.rows(&format!("SELECT COUNT(*) AS n FROM {table}"))[0]["n"]
            .as_i64()
            .unwrap()
    }
}
