-- loaxa schema, version 13: communes (issue 14, province mode).
-- loaxa:foreign_keys=off
--
-- One loaxa may serve every commune of a province. Every hamlet, notice,
-- occurrence, delivery, audit entry and staff account belongs to one
-- commune; province-level notices, accounts and audit entries have none
-- (commune_id NULL). A database made by an older loaxa becomes a province
-- of one commune, id 1, holding every existing row: Migrate names it from
-- LOAXA_COMMUNE right after this file, in the same transaction
-- (communeStep in migrate.go). Nothing is deleted, and with one commune
-- every row means what it meant before.
--
-- The line "loaxa:foreign_keys=off" makes Migrate run this file with
-- foreign keys off: hamlets and zalo_tokens are rebuilt (SQLite cannot
-- drop the old UNIQUE (code) otherwise), keeping every id, so that the
-- rows referring to them still do.

CREATE TABLE communes (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE
                 CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9-]*'),
    name         TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100), -- the messages' footer, e.g. "UBND xã An Phú"
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- The commune's OA package limit, requests per minute; NULL: only the app's (ZALO_RATE_PER_MIN).
    rate_per_min INTEGER CHECK (rate_per_min IS NULL OR (typeof(rate_per_min) = 'integer' AND rate_per_min > 0)),
    created_at   TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at   TEXT    NOT NULL DEFAULT (datetime('now'))
);

-- Renamed by communeStep from LOAXA_COMMUNE.
INSERT INTO communes (id, code, name) VALUES (1, 'xa', 'UBND xã');

-- The triggers naming hamlets go before the table is rebuilt (SQLite
-- checks every trigger when a table is renamed); commune-aware ones
-- replace them below.
DROP TRIGGER notices_targets_insert;
DROP TRIGGER notices_targets_update;

-- Hamlet codes are unique within a commune; Zalo group ids stay unique
-- (a group belongs to one OA).
CREATE TABLE hamlets_new (
    id          INTEGER PRIMARY KEY,
    commune_id  INTEGER REFERENCES communes (id), -- never NULL: hamlets_commune_* below
    code        TEXT    NOT NULL
                CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9-]*'),
    name        TEXT    NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
    group_id    TEXT    NOT NULL UNIQUE CHECK (length(trim(group_id)) BETWEEN 1 AND 64),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    updated_at  TEXT    NOT NULL DEFAULT (datetime('now')),
    UNIQUE (commune_id, code)
);
INSERT INTO hamlets_new (id, commune_id, code, name, group_id, active, created_at, updated_at)
    SELECT id, 1, code, name, group_id, active, created_at, updated_at FROM hamlets;
DROP TABLE hamlets;
ALTER TABLE hamlets_new RENAME TO hamlets;

-- One token pair per commune's OA; the single pair so far is commune 1's.
CREATE TABLE zalo_tokens_new (
    commune_id        INTEGER PRIMARY KEY REFERENCES communes (id),
    access_token      TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    access_expires_at TEXT,
    updated_at        TEXT NOT NULL DEFAULT (datetime('now'))
);
INSERT INTO zalo_tokens_new (commune_id, access_token, refresh_token, access_expires_at, updated_at)
    SELECT 1, access_token, refresh_token, access_expires_at, updated_at FROM zalo_tokens WHERE id = 1;
DROP TABLE zalo_tokens;
ALTER TABLE zalo_tokens_new RENAME TO zalo_tokens;

-- Staff accounts: NULL is a province account.
ALTER TABLE users ADD COLUMN commune_id INTEGER REFERENCES communes (id);
UPDATE users SET commune_id = 1;

-- Notices: commune is the code other programs write (docs/schema.md), '*'
-- for a province-wide notice; commune_id is kept by loaxa from it (NULL
-- for a province-wide notice).
ALTER TABLE notices ADD COLUMN commune TEXT;
ALTER TABLE notices ADD COLUMN commune_id INTEGER REFERENCES communes (id);
UPDATE notices SET commune = 'xa', commune_id = 1;
CREATE INDEX notices_commune ON notices (commune_id, created_at);

-- Occurrences belong to their notice's commune (NULL: province-wide).
ALTER TABLE occurrences ADD COLUMN commune_id INTEGER REFERENCES communes (id);
UPDATE occurrences SET commune_id = 1;

-- Each delivery carries its hamlet's commune: whose OA sends it.
ALTER TABLE deliveries ADD COLUMN commune_id INTEGER REFERENCES communes (id);
UPDATE deliveries SET commune_id = 1;

-- Audit entries: the commune acted in; NULL for the province's own.
ALTER TABLE audit_log ADD COLUMN commune_id INTEGER REFERENCES communes (id);
UPDATE audit_log SET commune_id = 1;
CREATE INDEX audit_log_commune ON audit_log (commune_id, at);

-- The refresh mark of a commune other than 1 is 'zalo_refresh_started_at:<id>';
-- commune 1 keeps the key an older loaxa wrote, so that a mark it left is honoured.

-- A notice inserted by another program: its commune, checked before its
-- targets, so that each refusal names the real mistake. The commune in
-- effect is the one written, else that of the notice in refers_to, else
-- the only commune.
CREATE TRIGGER notices_commune_insert BEFORE INSERT ON notices
BEGIN
    SELECT RAISE(ABORT, 'notices.commune_id is kept by loaxa; write the commune''s code in notices.commune')
    WHERE NEW.commune_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM site_writes);
    SELECT RAISE(ABORT, 'notices.commune must be text: a commune code such as ''xa-an-phu'', or ''*'' for the whole province')
    WHERE NEW.commune IS NOT NULL AND typeof(NEW.commune) <> 'text';
    SELECT RAISE(ABORT, 'notices.commune is missing: this database serves several communes; write a commune code (loaxa commune list), or ''*'' for the whole province')
    WHERE NEW.commune IS NULL AND NEW.refers_to IS NULL AND (SELECT count(*) FROM communes) <> 1;
    SELECT RAISE(ABORT, 'notices.commune names no commune; write a code from loaxa commune list, or ''*'' for the whole province')
    WHERE NEW.commune IS NOT NULL AND NEW.commune <> '*' AND NOT EXISTS (SELECT 1 FROM communes WHERE code = NEW.commune);
    SELECT RAISE(ABORT, 'notices.commune names a disabled commune; enable it first (loaxa commune enable CODE)')
    WHERE NEW.refers_to IS NULL AND EXISTS (SELECT 1 FROM communes WHERE active = 0 AND code =
        coalesce(NEW.commune, (SELECT code FROM communes WHERE (SELECT count(*) FROM communes) = 1)));
    SELECT RAISE(ABORT, 'notices.commune differs from the commune of the notice in refers_to; leave commune out')
    WHERE NEW.commune IS NOT NULL AND NEW.refers_to IS NOT NULL
      AND EXISTS (SELECT 1 FROM notices WHERE id = NEW.refers_to AND commune IS NOT NEW.commune);
    SELECT RAISE(ABORT, 'notices.targets names no hamlet code')
    WHERE NEW.targets <> 'all' AND trim(replace(NEW.targets, ',', '')) = '';
    SELECT RAISE(ABORT, 'notices.targets names an unknown hamlet code')
    WHERE NEW.targets <> 'all' AND coalesce(NEW.commune,
        (SELECT commune FROM notices WHERE id = NEW.refers_to),
        (SELECT code FROM communes WHERE (SELECT count(*) FROM communes) = 1)) IS NOT '*'
      AND EXISTS (
        WITH RECURSIVE split (item, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE item <> '' AND item NOT IN (SELECT h.code FROM hamlets h JOIN communes c ON c.id = h.commune_id
            WHERE c.code = coalesce(NEW.commune, (SELECT commune FROM notices WHERE id = NEW.refers_to),
                (SELECT code FROM communes WHERE (SELECT count(*) FROM communes) = 1)))
    );
    SELECT RAISE(ABORT, 'notices.targets of a province-wide notice names an unknown commune or hamlet; write commune codes (''xa-an-phu'') or commune/hamlet (''xa-an-phu/ap-1'')')
    WHERE NEW.targets <> 'all' AND coalesce(NEW.commune, (SELECT commune FROM notices WHERE id = NEW.refers_to)) IS '*'
      AND EXISTS (
        WITH RECURSIVE split (item, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE item <> '' AND NOT (
            (instr(item, '/') = 0 AND item IN (SELECT code FROM communes))
            OR EXISTS (SELECT 1 FROM hamlets h JOIN communes c ON c.id = h.commune_id
                WHERE instr(item, '/') > 0 AND c.code = substr(item, 1, instr(item, '/') - 1)
                  AND h.code = substr(item, instr(item, '/') + 1)))
    );
END;

-- Fill in the commune in effect, and the commune of the notice's audit
-- entries (notices_sql_audit may have written its entry first).
CREATE TRIGGER notices_commune_fill AFTER INSERT ON notices
WHEN NEW.commune IS NULL OR NEW.commune_id IS NOT (SELECT id FROM communes WHERE code = NEW.commune)
BEGIN
    UPDATE notices SET commune = coalesce(NEW.commune, (SELECT commune FROM notices WHERE id = NEW.refers_to),
        (SELECT code FROM communes WHERE (SELECT count(*) FROM communes) = 1))
    WHERE id = NEW.id;
    UPDATE notices SET commune_id = (SELECT id FROM communes WHERE code = notices.commune) WHERE id = NEW.id;
    UPDATE audit_log SET commune_id = (SELECT commune_id FROM notices WHERE id = NEW.id)
    WHERE notice_id = NEW.id AND commune_id IS NULL;
END;

CREATE TRIGGER notices_targets_update BEFORE UPDATE OF targets ON notices
WHEN NEW.targets <> 'all'
BEGIN
    SELECT RAISE(ABORT, 'notices.targets names no hamlet code')
    WHERE trim(replace(NEW.targets, ',', '')) = '';
    SELECT RAISE(ABORT, 'notices.targets names an unknown hamlet code')
    WHERE NEW.commune IS NOT '*' AND EXISTS (
        WITH RECURSIVE split (item, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE item <> '' AND item NOT IN (SELECT code FROM hamlets WHERE commune_id = NEW.commune_id)
    );
    SELECT RAISE(ABORT, 'notices.targets of a province-wide notice names an unknown commune or hamlet; write commune codes (''xa-an-phu'') or commune/hamlet (''xa-an-phu/ap-1'')')
    WHERE NEW.commune IS '*' AND EXISTS (
        WITH RECURSIVE split (item, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE item <> '' AND NOT (
            (instr(item, '/') = 0 AND item IN (SELECT code FROM communes))
            OR EXISTS (SELECT 1 FROM hamlets h JOIN communes c ON c.id = h.commune_id
                WHERE instr(item, '/') > 0 AND c.code = substr(item, 1, instr(item, '/') - 1)
                  AND h.code = substr(item, instr(item, '/') + 1)))
    );
END;

-- A hamlet always belongs to a commune. A row written without one (by a
-- script; loaxa names it) belongs to the only commune; with several it is
-- refused. A NULL commune_id is never committed: the UPDATE below gives
-- it one in the same statement (and UNIQUE (commune_id, code) holds then).
CREATE TRIGGER hamlets_commune_insert BEFORE INSERT ON hamlets
WHEN NEW.commune_id IS NULL AND (SELECT count(*) FROM communes) <> 1
BEGIN
    SELECT RAISE(ABORT, 'hamlets.commune_id is missing: this database serves several communes; use loaxa hamlet add --commune CODE');
END;

CREATE TRIGGER hamlets_commune_fill AFTER INSERT ON hamlets
WHEN NEW.commune_id IS NULL
BEGIN
    UPDATE hamlets SET commune_id = (SELECT id FROM communes) WHERE id = NEW.id;
END;

CREATE TRIGGER hamlets_commune_update BEFORE UPDATE OF commune_id ON hamlets
WHEN NEW.commune_id IS NULL OR NOT EXISTS (SELECT 1 FROM communes WHERE id = NEW.commune_id)
BEGIN
    SELECT RAISE(ABORT, 'hamlets.commune_id must name a commune');
END;

-- Rows loaxa writes without naming the commune get it from their notice
-- or hamlet (loaxa's own inserts name it; these catch the rest).
CREATE TRIGGER occurrences_commune AFTER INSERT ON occurrences
WHEN NEW.commune_id IS NULL
BEGIN
    UPDATE occurrences SET commune_id = (SELECT commune_id FROM notices WHERE id = NEW.notice_id) WHERE id = NEW.id;
END;

CREATE TRIGGER deliveries_commune AFTER INSERT ON deliveries
WHEN NEW.commune_id IS NULL
BEGIN
    UPDATE deliveries SET commune_id = (SELECT commune_id FROM hamlets WHERE id = NEW.hamlet_id) WHERE id = NEW.id;
END;

CREATE TRIGGER audit_log_commune AFTER INSERT ON audit_log
WHEN NEW.commune_id IS NULL AND (NEW.hamlet_id IS NOT NULL OR NEW.notice_id IS NOT NULL)
BEGIN
    UPDATE audit_log SET commune_id = coalesce((SELECT commune_id FROM hamlets WHERE id = NEW.hamlet_id),
        (SELECT commune_id FROM notices WHERE id = NEW.notice_id)) WHERE id = NEW.id;
END;
