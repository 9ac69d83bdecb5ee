-- Any api key of an organization may write as any of its members, so the member in
-- created_by / updated_by is what the caller said. Every write also records the api
-- key that made it (api_keys.id). Rows written before this migration have NULL here.
ALTER TABLE contacts ADD COLUMN created_by_key TEXT REFERENCES api_keys (id);
ALTER TABLE contacts ADD COLUMN updated_by_key TEXT REFERENCES api_keys (id);
ALTER TABLE entities ADD COLUMN created_by_key TEXT REFERENCES api_keys (id);
ALTER TABLE entities ADD COLUMN updated_by_key TEXT REFERENCES api_keys (id);
