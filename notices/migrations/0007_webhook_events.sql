-- loaxa schema, version 7: Zalo's webhook events (issue 11, the webhook half).

-- Every event whose signature was checked is stored here before Zalo gets
-- its 200, then processed after the answer (schedule/webhook.go). A row
-- with processed_at NULL is picked up again after a crash. dedupe_key is
-- "msg:<event_name>:<message.msg_id>", or "sha256:<hex of the raw body>"
-- for events without a msg_id: Zalo's retries and replays store nothing
-- new. raw_body holds the exact bytes that were signed.
CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY,
    received_at  TEXT NOT NULL,
    event_name   TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    group_id     TEXT NOT NULL DEFAULT '',
    raw_body     BLOB NOT NULL,
    processed_at TEXT,
    outcome      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX webhook_events_dedupe ON webhook_events (dedupe_key);
CREATE INDEX webhook_events_unprocessed ON webhook_events (id) WHERE processed_at IS NULL;

-- What the group events said about each group, by Zalo group id (a group
-- need not be a hamlet's yet). member_delta is joins minus leaves since it
-- was last set to 0: whoever reads total_member from getgroup sets it to
-- 0 in the same transaction, and shows total_member + member_delta.
-- gone_at: disperse_group / delete_group; revoked_at: permission_revoked;
-- info_updated_at: update_group_info.
CREATE TABLE webhook_groups (
    group_id        TEXT PRIMARY KEY,
    member_delta    INTEGER NOT NULL DEFAULT 0,
    joins           INTEGER NOT NULL DEFAULT 0,
    leaves          INTEGER NOT NULL DEFAULT 0,
    gone_at         TEXT,
    gone_event      TEXT NOT NULL DEFAULT '',
    revoked_at      TEXT,
    info_updated_at TEXT,
    last_event_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
