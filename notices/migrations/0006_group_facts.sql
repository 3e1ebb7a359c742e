-- loaxa schema, version 6: what Zalo says of each hamlet's group (issue 11).

-- One row per Zalo group, written by each getgroup check (on add, daily,
-- at sends), and kept current between checks by the webhook (members) and
-- by sends that fail for the group (-403, -237). A hamlet finds its row by
-- its group_id; a hamlet without a row, or whose checked_at is NULL, has
-- not been checked ("chưa kiểm tra").
CREATE TABLE group_facts (
    group_id      TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',
    total_member  INTEGER,                     -- NULL: not known
    max_member    INTEGER,                     -- the package's ceiling; NULL: not known
    status        TEXT    NOT NULL DEFAULT '', -- Zalo's: enabled, disabled; '' not known
    lock_send_msg INTEGER NOT NULL DEFAULT 0 CHECK (lock_send_msg IN (0, 1)),
    asset_id      TEXT    NOT NULL DEFAULT '',
    valid_through TEXT,                        -- UTC; the start of the package's last day, or Zalo's instant
    auto_renew    INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    checked_at    TEXT,                        -- the last check Zalo answered
    tried_at      TEXT,                        -- the last check tried
    check_error   TEXT    NOT NULL DEFAULT '', -- why the last try got no answer; '' when it did
    gone_at       TEXT,                        -- when the OA was found out of the group, or it was disbanded
    gone_reason   TEXT    NOT NULL DEFAULT '', -- plain-language, Vietnamese
    updated_at    TEXT    NOT NULL
);

-- The group's member count when Zalo accepted a delivery (NULL: not
-- known), for "đã đến N nhóm, khoảng M thành viên".
ALTER TABLE deliveries ADD COLUMN members INTEGER;
