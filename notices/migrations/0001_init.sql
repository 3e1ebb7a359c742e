-- loaxa schema, version 1.
--
-- Times are TEXT in UTC, in SQLite's own format 'YYYY-MM-DD HH:MM:SS', so that
-- datetime('now') comparisons work in plain SQL. Columns that other programs
-- may write (see docs/schema.md) also accept ISO 8601 with an offset, e.g.
-- '2026-11-27T08:00:00+07:00'; triggers below rewrite them into that form.

CREATE TABLE hamlets (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE
                CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9-]*'),
    name        TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
    group_id    TEXT    NOT NULL UNIQUE CHECK (length(trim(group_id)) BETWEEN 1 AND 64),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at  TEXT    NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE COLLATE NOCASE
                   CHECK (length(username) BETWEEN 2 AND 40 AND username NOT GLOB '*[^A-Za-z0-9._-]*'),
    display_name   TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL CHECK (role IN ('editor', 'approver', 'admin')),
    password_hash  TEXT    NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at     TEXT    NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 200),
    body        TEXT    NOT NULL CHECK (length(body) <= 20000),
    category    TEXT    NOT NULL DEFAULT 'chung' CHECK (length(category) BETWEEN 1 AND 40),
    priority    TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent', 'normal', 'low')),
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('draft', 'pending', 'approved', 'done', 'rejected', 'cancelled', 'expired')),
    -- 'all' (every active hamlet) or a comma-separated list of hamlet codes.
    targets     TEXT    NOT NULL DEFAULT 'all' CHECK (length(trim(targets)) > 0),
    publish_at  TEXT    CHECK (publish_at IS NULL OR datetime(publish_at) IS NOT NULL),
    recurrence  TEXT    CHECK (recurrence IS NULL OR length(trim(recurrence)) > 0),
    expires_at  TEXT    CHECK (expires_at IS NULL OR datetime(expires_at) IS NOT NULL),
    kind        TEXT    NOT NULL DEFAULT 'notice' CHECK (kind IN ('notice', 'update', 'cancel')),
    refers_to   INTEGER REFERENCES notices (id),
    image       BLOB    CHECK (image IS NULL OR length(image) BETWEEN 1 AND 1048576),
    image_type  TEXT    CHECK (image_type IS NULL OR image_type IN ('image/jpeg', 'image/png')),
    author      TEXT    NOT NULL DEFAULT '',
    approver    TEXT    NOT NULL DEFAULT '',
    approved_at TEXT,
    reason      TEXT    NOT NULL DEFAULT '', -- why it was rejected, cancelled or expired
    source      TEXT    NOT NULL DEFAULT 'sql' CHECK (source IN ('web', 'cli', 'sql')),
    -- Kept by the daemon: the due time of the newest occurrence materialised.
    last_due_at TEXT,
    created_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    CHECK ((kind = 'notice') = (refers_to IS NULL)),
    CHECK ((image IS NULL) = (image_type IS NULL)),
    CHECK (expires_at IS NULL OR publish_at IS NULL OR datetime(expires_at) > datetime(publish_at))
);

CREATE INDEX notices_live ON notices (status) WHERE status IN ('pending', 'approved');
CREATE INDEX notices_created ON notices (created_at);
CREATE INDEX notices_refers_to ON notices (refers_to) WHERE refers_to IS NOT NULL;

-- Normalise times written by other programs to UTC 'YYYY-MM-DD HH:MM:SS'.
CREATE TRIGGER notices_times_insert AFTER INSERT ON notices
WHEN NEW.publish_at IS NOT datetime(NEW.publish_at) OR NEW.expires_at IS NOT datetime(NEW.expires_at)
BEGIN
    UPDATE notices SET publish_at = datetime(publish_at), expires_at = datetime(expires_at) WHERE id = NEW.id;
END;

CREATE TRIGGER notices_times_update AFTER UPDATE OF publish_at, expires_at ON notices
WHEN NEW.publish_at IS NOT datetime(NEW.publish_at) OR NEW.expires_at IS NOT datetime(NEW.expires_at)
BEGIN
    UPDATE notices SET publish_at = datetime(publish_at), expires_at = datetime(expires_at) WHERE id = NEW.id;
END;

-- An INSERT with status 'approved' (another program approving its own notice)
-- counts as approved at insert time, so "as soon as approved" has a moment.
CREATE TRIGGER notices_approved_insert AFTER INSERT ON notices
WHEN NEW.status = 'approved' AND NEW.approved_at IS NULL
BEGIN
    UPDATE notices SET approved_at = datetime('now') WHERE id = NEW.id;
END;

-- An update or cancel for 'all' goes to the hamlets of the notice it refers
-- to, as loaxa's own CreateNotice does.
CREATE TRIGGER notices_refers_to_targets AFTER INSERT ON notices
WHEN NEW.refers_to IS NOT NULL AND NEW.targets = 'all'
BEGIN
    UPDATE notices SET targets = (SELECT targets FROM notices WHERE id = NEW.refers_to)
    WHERE id = NEW.id AND (SELECT targets FROM notices WHERE id = NEW.refers_to) IS NOT NULL;
END;

-- Rows written by other programs leave a trace in the audit log.
CREATE TRIGGER notices_sql_audit AFTER INSERT ON notices
WHEN NEW.source = 'sql'
BEGIN
    INSERT INTO audit_log (actor, action, notice_id, detail)
    VALUES ('sql', 'notice.create', NEW.id, NEW.status);
END;

-- refers_to must name an existing notice even on a connection without
-- PRAGMA foreign_keys (the sqlite3 shell's default).
CREATE TRIGGER notices_refers_to_insert BEFORE INSERT ON notices
WHEN NEW.refers_to IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'notices.refers_to names no existing notice')
    WHERE NOT EXISTS (SELECT 1 FROM notices WHERE id = NEW.refers_to);
END;

-- Refuse target lists that name a hamlet code we do not know, or none at all.
CREATE TRIGGER notices_targets_insert BEFORE INSERT ON notices
WHEN NEW.targets <> 'all'
BEGIN
    SELECT RAISE(ABORT, 'notices.targets names no hamlet code')
    WHERE trim(replace(NEW.targets, ',', '')) = '';
    SELECT RAISE(ABORT, 'notices.targets names an unknown hamlet code')
    WHERE EXISTS (
        WITH RECURSIVE split (code, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE code <> '' AND code NOT IN (SELECT code FROM hamlets)
    );
END;

CREATE TRIGGER notices_targets_update BEFORE UPDATE OF targets ON notices
WHEN NEW.targets <> 'all'
BEGIN
    SELECT RAISE(ABORT, 'notices.targets names no hamlet code')
    WHERE trim(replace(NEW.targets, ',', '')) = '';
    SELECT RAISE(ABORT, 'notices.targets names an unknown hamlet code')
    WHERE EXISTS (
        WITH RECURSIVE split (code, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE code <> '' AND code NOT IN (SELECT code FROM hamlets)
    );
END;

-- One due moment of a notice: once for a one-off, each cron time for a
-- recurring one. Materialising it twice does nothing (UNIQUE).
CREATE TABLE occurrences (
    id            INTEGER PRIMARY KEY,
    notice_id     INTEGER NOT NULL REFERENCES notices (id),
    due_at        TEXT    NOT NULL,
    -- queued: deliveries made; held: low priority, waits for a bulletin;
    -- bulletined: gathered into the bulletins of all its hamlets;
    -- skipped: late past LOAXA_MAX_LATENESS, expired or cancelled.
    status        TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'held', 'bulletined', 'skipped')),
    reason        TEXT    NOT NULL DEFAULT '',
    attachment_id TEXT,   -- Zalo attachment of the uploaded image, one per occurrence
    uploaded_at   TEXT,
    created_at    TEXT    NOT NULL DEFAULT (datetime('now')),
    UNIQUE (notice_id, due_at)
);

CREATE INDEX occurrences_held ON occurrences (due_at) WHERE status = 'held';

-- One "📰 BẢN TIN" message per hamlet and bulletin slot.
CREATE TABLE bulletins (
    id         INTEGER PRIMARY KEY,
    slot_at    TEXT    NOT NULL,
    hamlet_id  INTEGER NOT NULL REFERENCES hamlets (id),
    created_at TEXT    NOT NULL DEFAULT (datetime('now')),
    UNIQUE (slot_at, hamlet_id)
);

-- Which held occurrences went into which hamlet's bulletin.
CREATE TABLE bulletin_items (
    bulletin_id   INTEGER NOT NULL REFERENCES bulletins (id),
    occurrence_id INTEGER NOT NULL REFERENCES occurrences (id),
    hamlet_id     INTEGER NOT NULL REFERENCES hamlets (id),
    PRIMARY KEY (occurrence_id, hamlet_id)
);

-- One message part to one hamlet group. Exactly one of occurrence_id and
-- bulletin_id is set; the UNIQUE indexes make materialising idempotent.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    notice_id       INTEGER REFERENCES notices (id),
    occurrence_id   INTEGER REFERENCES occurrences (id),
    bulletin_id     INTEGER REFERENCES bulletins (id),
    hamlet_id       INTEGER NOT NULL REFERENCES hamlets (id),
    group_id        TEXT    NOT NULL,   -- the hamlet's group when materialised
    part            INTEGER NOT NULL DEFAULT 1 CHECK (part >= 1),
    parts           INTEGER NOT NULL DEFAULT 1 CHECK (parts >= part),
    body            TEXT    NOT NULL,   -- the exact text sent for this part
    with_image      INTEGER NOT NULL DEFAULT 0 CHECK (with_image IN (0, 1)),
    priority        INTEGER NOT NULL DEFAULT 1 CHECK (priority IN (0, 1, 2)), -- 0 urgent, 1 normal, 2 low
    status          TEXT    NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sending', 'sent', 'retry', 'failed', 'skipped')),
    due_at          TEXT    NOT NULL,
    next_attempt_at TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_at      TEXT,
    sent_at         TEXT,
    message_id      TEXT,
    error_code      INTEGER,
    error           TEXT    NOT NULL DEFAULT '', -- plain-language reason, Vietnamese
    created_at      TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at      TEXT    NOT NULL DEFAULT (datetime('now')),
    CHECK ((occurrence_id IS NULL) <> (bulletin_id IS NULL)),
    CHECK ((occurrence_id IS NULL) = (notice_id IS NULL))
);

CREATE UNIQUE INDEX deliveries_occurrence_part ON deliveries (occurrence_id, hamlet_id, part)
    WHERE occurrence_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_bulletin_part ON deliveries (bulletin_id, part)
    WHERE bulletin_id IS NOT NULL;
-- The dispatcher's queue: only rows still to send, so its cost does not grow with history.
CREATE INDEX deliveries_due ON deliveries (priority, next_attempt_at, id)
    WHERE status IN ('queued', 'retry');
CREATE INDEX deliveries_sending ON deliveries (id) WHERE status = 'sending';
CREATE INDEX deliveries_notice ON deliveries (notice_id, hamlet_id, part);
CREATE INDEX deliveries_hamlet_sent ON deliveries (hamlet_id, sent_at) WHERE status = 'sent';
-- Reconciliation: is this Zalo message already recorded on a delivery?
CREATE INDEX deliveries_message ON deliveries (message_id) WHERE message_id IS NOT NULL;

-- The Zalo OA token pair. The refresh token is single-use and rotates, so the
-- new pair is committed here before it is used.
CREATE TABLE zalo_tokens (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    access_token      TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    access_expires_at TEXT,
    updated_at        TEXT NOT NULL DEFAULT (datetime('now'))
);

-- PKCE verifiers of OAuth flows in progress, keyed by their state nonce.
CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,
    code_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,  -- SHA-256 of the cookie value, hex
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (datetime('now')),
    last_seen_at TEXT    NOT NULL DEFAULT (datetime('now')),
    expires_at   TEXT    NOT NULL
);

CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed sign-ins per key (user name or address), for throttling.
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    first_at     TEXT    NOT NULL DEFAULT (datetime('now')),
    locked_until TEXT
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL DEFAULT (datetime('now')),
    actor     TEXT    NOT NULL,  -- user name, 'cli', 'daemon' or 'sql'
    action    TEXT    NOT NULL,  -- e.g. notice.create, notice.approve, hamlet.add
    notice_id INTEGER REFERENCES notices (id),
    hamlet_id INTEGER REFERENCES hamlets (id),
    detail    TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_notice ON audit_log (notice_id) WHERE notice_id IS NOT NULL;

-- Small daemon state that must survive restarts, e.g. the last bulletin slot.
CREATE TABLE daemon_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
