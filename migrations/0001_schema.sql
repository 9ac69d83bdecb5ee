-- The contact upsert API's tables. Every row of a tenant carries org_id, and every
-- read and write of the Worker is scoped to the organization of the api key used.

CREATE TABLE organizations (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  crm_mode    TEXT NOT NULL CHECK (crm_mode IN ('B2B', 'B2C')),
  created_at  TEXT NOT NULL
);

CREATE TABLE members (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations (id),
  name        TEXT NOT NULL,
  email       TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at  TEXT NOT NULL
);
CREATE INDEX members_by_org ON members (org_id, id);

-- Secrets are stored only as lower-case hex SHA-256 digests.
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations (id),
  member_id   TEXT NOT NULL REFERENCES members (id),
  key_digest  TEXT NOT NULL UNIQUE,
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at  TEXT NOT NULL
);

CREATE TABLE developer_keys (
  id             TEXT PRIMARY KEY,
  api_key_id     TEXT NOT NULL REFERENCES api_keys (id),
  secret_digest  TEXT NOT NULL UNIQUE,
  -- JSON array of IPv4/IPv6 addresses and CIDR ranges; empty lets no one in.
  allowed_ips    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_ips)),
  active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at     TEXT NOT NULL
);
CREATE INDEX developer_keys_by_api_key ON developer_keys (api_key_id);

CREATE TABLE custom_fields (
  org_id      TEXT NOT NULL REFERENCES organizations (id),
  tag         TEXT NOT NULL,
  -- The definition as JSON: {"tag", "type", "options"?, "pattern"?, "maxLength"?, "min"?, "max"?}
  definition  TEXT NOT NULL CHECK (json_valid(definition)),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (org_id, tag)
);

CREATE TABLE entities (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL REFERENCES organizations (id),
  name           TEXT NOT NULL,
  name_key       TEXT NOT NULL,
  label          TEXT,
  status         TEXT,
  website        TEXT,
  industry       TEXT,
  primary_email  TEXT,
  primary_phone  TEXT,
  city           TEXT,
  country        TEXT,
  created_by     TEXT NOT NULL,
  updated_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  version        INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX entities_by_name ON entities (org_id, name_key);

CREATE TABLE contacts (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL REFERENCES organizations (id),
  entity_id        TEXT REFERENCES entities (id),
  first_name       TEXT NOT NULL,
  last_name        TEXT,
  primary_email    TEXT NOT NULL,
  email_key        TEXT NOT NULL,
  secondary_email  TEXT,
  primary_phone    TEXT,
  phone_key        TEXT,
  secondary_phone  TEXT,
  role_label       TEXT,
  job_title        TEXT,
  source           TEXT,
  status           TEXT,
  website          TEXT,
  linkedin_url     TEXT,
  address_line1    TEXT,
  address_line2    TEXT,
  city             TEXT,
  region           TEXT,
  postal_code      TEXT,
  country          TEXT,
  notes            TEXT,
  tags             TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  custom_fields    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom_fields)),
  created_by       TEXT NOT NULL,
  updated_by       TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  version          INTEGER NOT NULL DEFAULT 1
);
-- E-mail is unique per organization: this index is what makes concurrent upserts of
-- one address end in one contact.
CREATE UNIQUE INDEX contacts_by_email ON contacts (org_id, email_key);
CREATE INDEX contacts_by_phone ON contacts (org_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX contacts_by_entity ON contacts (entity_id) WHERE entity_id IS NOT NULL;

-- A write checks that what it planned from is still current by inserting a row here:
-- a stale plan inserts 0 and fails the CHECK, which rolls back the whole D1 batch.
-- Every batch deletes its row again, so the table is always empty between writes.
CREATE TABLE write_guards (
  ok INTEGER NOT NULL CHECK (ok = 1)
);
