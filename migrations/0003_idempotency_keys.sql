-- Idempotency keys (the Idempotency-Key header): the answer of the first request that
-- reached the write under a key, stored in the same D1 batch as that write, so that a
-- retry answers it again instead of writing twice. Scoped to the api key; the key itself
-- is kept only as a SHA-256 digest, and the request only as a digest of its body without
-- the secrets. Rows expire after 24 hours and are purged by later keyed writes.
CREATE TABLE idempotency_keys (
  api_key_id    TEXT NOT NULL REFERENCES api_keys (id),
  key_digest    TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  response      TEXT NOT NULL CHECK (json_valid(response)),
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  PRIMARY KEY (api_key_id, key_digest)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
