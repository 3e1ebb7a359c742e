-- loaxa schema, version 2: refuse rows that cannot be read, and record the notices the daemon sets aside.
--
-- SQLite cannot add a CHECK to an existing table without rebuilding it, so
-- the rules are BEFORE triggers whose RAISE(ABORT, …) is the error the
-- inserting program sees (docs/schema.md lists each with an example):
--   - a target list naming a hamlet code twice (0001 already refuses
--     unknown codes);
--   - a time column holding something that is not a time, or a date that
--     does not exist ('2026-02-30', hour 24: newer SQLite turns them into
--     the next days, older ones keep them unreadable; both are refused);
--   - a NUL character in any text column: SQLite's length() stops at the
--     first NUL, so once NUL is refused the length CHECKs count every
--     character; a BLOB where text belongs; over-long free-text columns.
-- On UPDATE a rule looks only at a column whose value changes, so that a
-- row that got in before this migration can still be cancelled or set aside.
--
-- Every time column now accepts what publish_at and expires_at accepted in
-- version 1 (anything datetime() reads as a real time: UTC without an
-- offset, or ISO 8601 with one) and stores it in UTC 'YYYY-MM-DD HH:MM:SS'.

-- A notice the daemon could not read, plan or materialise is set aside:
-- damaged_reason says why in plain Vietnamese, damaged_at is when. It stays
-- in its status (approved) so that staff can still cancel it.
ALTER TABLE notices ADD COLUMN damaged_reason TEXT;
ALTER TABLE notices ADD COLUMN damaged_at TEXT;
CREATE INDEX notices_damaged ON notices (id) WHERE damaged_at IS NOT NULL;

-- Times that datetime() reads but that are not in the stored form (an
-- offset, a 'T'), written before this version into columns 0001 did not
-- normalise: store them in UTC like the rest.
UPDATE notices SET approved_at = datetime(approved_at)
WHERE typeof(approved_at) = 'text' AND approved_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
  AND datetime(approved_at) IS NOT NULL AND datetime(approved_at) = datetime(datetime(approved_at), '+0 days')
  AND date(substr(approved_at, 1, 10), '+0 days') = substr(approved_at, 1, 10) AND substr(approved_at, 12, 2) <> '24'
  AND approved_at IS NOT datetime(approved_at);
UPDATE notices SET last_due_at = datetime(last_due_at)
WHERE typeof(last_due_at) = 'text' AND last_due_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
  AND datetime(last_due_at) IS NOT NULL AND datetime(last_due_at) = datetime(datetime(last_due_at), '+0 days')
  AND date(substr(last_due_at, 1, 10), '+0 days') = substr(last_due_at, 1, 10) AND substr(last_due_at, 12, 2) <> '24'
  AND last_due_at IS NOT datetime(last_due_at);
UPDATE notices SET created_at = datetime(created_at)
WHERE typeof(created_at) = 'text' AND created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
  AND datetime(created_at) IS NOT NULL AND datetime(created_at) = datetime(datetime(created_at), '+0 days')
  AND date(substr(created_at, 1, 10), '+0 days') = substr(created_at, 1, 10) AND substr(created_at, 12, 2) <> '24'
  AND created_at IS NOT datetime(created_at);
UPDATE notices SET updated_at = datetime(updated_at)
WHERE typeof(updated_at) = 'text' AND updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
  AND datetime(updated_at) IS NOT NULL AND datetime(updated_at) = datetime(datetime(updated_at), '+0 days')
  AND date(substr(updated_at, 1, 10), '+0 days') = substr(updated_at, 1, 10) AND substr(updated_at, 12, 2) <> '24'
  AND updated_at IS NOT datetime(updated_at);

CREATE TRIGGER notices_refuse_insert BEFORE INSERT ON notices
BEGIN
    SELECT RAISE(ABORT, 'notices.targets names the same hamlet code twice; list each hamlet once, e.g. ''khom-1,khom-2''')
    WHERE NEW.targets <> 'all' AND EXISTS (
        WITH RECURSIVE split (code, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE code <> '' GROUP BY code HAVING count(*) > 1
    );
    SELECT RAISE(ABORT, 'notices.publish_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.publish_at IS NOT NULL AND NOT (typeof(NEW.publish_at) = 'text'
        AND NEW.publish_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.publish_at) IS NOT NULL AND datetime(NEW.publish_at) = datetime(datetime(NEW.publish_at), '+0 days')
        AND date(substr(NEW.publish_at, 1, 10), '+0 days') = substr(NEW.publish_at, 1, 10) AND substr(NEW.publish_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.expires_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.expires_at IS NOT NULL AND NOT (typeof(NEW.expires_at) = 'text'
        AND NEW.expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.expires_at) IS NOT NULL AND datetime(NEW.expires_at) = datetime(datetime(NEW.expires_at), '+0 days')
        AND date(substr(NEW.expires_at, 1, 10), '+0 days') = substr(NEW.expires_at, 1, 10) AND substr(NEW.expires_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.approved_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.approved_at IS NOT NULL AND NOT (typeof(NEW.approved_at) = 'text'
        AND NEW.approved_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.approved_at) IS NOT NULL AND datetime(NEW.approved_at) = datetime(datetime(NEW.approved_at), '+0 days')
        AND date(substr(NEW.approved_at, 1, 10), '+0 days') = substr(NEW.approved_at, 1, 10) AND substr(NEW.approved_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.last_due_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.last_due_at IS NOT NULL AND NOT (typeof(NEW.last_due_at) = 'text'
        AND NEW.last_due_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.last_due_at) IS NOT NULL AND datetime(NEW.last_due_at) = datetime(datetime(NEW.last_due_at), '+0 days')
        AND date(substr(NEW.last_due_at, 1, 10), '+0 days') = substr(NEW.last_due_at, 1, 10) AND substr(NEW.last_due_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.created_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.created_at IS NOT NULL AND NOT (typeof(NEW.created_at) = 'text'
        AND NEW.created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.created_at) IS NOT NULL AND datetime(NEW.created_at) = datetime(datetime(NEW.created_at), '+0 days')
        AND date(substr(NEW.created_at, 1, 10), '+0 days') = substr(NEW.created_at, 1, 10) AND substr(NEW.created_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.updated_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.updated_at IS NOT NULL AND NOT (typeof(NEW.updated_at) = 'text'
        AND NEW.updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.updated_at) IS NOT NULL AND datetime(NEW.updated_at) = datetime(datetime(NEW.updated_at), '+0 days')
        AND date(substr(NEW.updated_at, 1, 10), '+0 days') = substr(NEW.updated_at, 1, 10) AND substr(NEW.updated_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.damaged_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.damaged_at IS NOT NULL AND NOT (typeof(NEW.damaged_at) = 'text'
        AND NEW.damaged_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.damaged_at) IS NOT NULL AND datetime(NEW.damaged_at) = datetime(datetime(NEW.damaged_at), '+0 days')
        AND date(substr(NEW.damaged_at, 1, 10), '+0 days') = substr(NEW.damaged_at, 1, 10) AND substr(NEW.damaged_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.title must be text, not a BLOB')
    WHERE typeof(NEW.title) = 'blob';
    SELECT RAISE(ABORT, 'notices.title contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.title AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.body must be text, not a BLOB')
    WHERE typeof(NEW.body) = 'blob';
    SELECT RAISE(ABORT, 'notices.body contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.body AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.category must be text, not a BLOB')
    WHERE typeof(NEW.category) = 'blob';
    SELECT RAISE(ABORT, 'notices.category contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.category AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.targets must be text, not a BLOB')
    WHERE typeof(NEW.targets) = 'blob';
    SELECT RAISE(ABORT, 'notices.targets contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.targets AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.recurrence must be text, not a BLOB')
    WHERE typeof(NEW.recurrence) = 'blob';
    SELECT RAISE(ABORT, 'notices.recurrence contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.recurrence AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.recurrence is longer than 100 characters')
    WHERE length(NEW.recurrence) > 100;
    SELECT RAISE(ABORT, 'notices.author must be text, not a BLOB')
    WHERE typeof(NEW.author) = 'blob';
    SELECT RAISE(ABORT, 'notices.author contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.author AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.author is longer than 200 characters')
    WHERE length(NEW.author) > 200;
    SELECT RAISE(ABORT, 'notices.approver must be text, not a BLOB')
    WHERE typeof(NEW.approver) = 'blob';
    SELECT RAISE(ABORT, 'notices.approver contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.approver AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.approver is longer than 200 characters')
    WHERE length(NEW.approver) > 200;
    SELECT RAISE(ABORT, 'notices.reason must be text, not a BLOB')
    WHERE typeof(NEW.reason) = 'blob';
    SELECT RAISE(ABORT, 'notices.reason contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.reason AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.reason is longer than 4,000 characters')
    WHERE length(NEW.reason) > 4000;
    SELECT RAISE(ABORT, 'notices.damaged_reason must be text, not a BLOB')
    WHERE typeof(NEW.damaged_reason) = 'blob';
    SELECT RAISE(ABORT, 'notices.damaged_reason contains a NUL character (char(0)); text may not contain NUL')
    WHERE instr(CAST(NEW.damaged_reason AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.damaged_reason is longer than 4,000 characters')
    WHERE length(NEW.damaged_reason) > 4000;
END;

CREATE TRIGGER notices_refuse_update BEFORE UPDATE ON notices
BEGIN
    SELECT RAISE(ABORT, 'notices.targets names the same hamlet code twice; list each hamlet once, e.g. ''khom-1,khom-2''')
    WHERE NEW.targets IS NOT OLD.targets AND NEW.targets <> 'all' AND EXISTS (
        WITH RECURSIVE split (code, rest) AS (
            SELECT '', NEW.targets || ','
            UNION ALL
            SELECT trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM split WHERE rest <> ''
        )
        SELECT 1 FROM split WHERE code <> '' GROUP BY code HAVING count(*) > 1
    );
    SELECT RAISE(ABORT, 'notices.publish_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.publish_at IS NOT OLD.publish_at AND NEW.publish_at IS NOT NULL AND NOT (typeof(NEW.publish_at) = 'text'
        AND NEW.publish_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.publish_at) IS NOT NULL AND datetime(NEW.publish_at) = datetime(datetime(NEW.publish_at), '+0 days')
        AND date(substr(NEW.publish_at, 1, 10), '+0 days') = substr(NEW.publish_at, 1, 10) AND substr(NEW.publish_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.expires_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.expires_at IS NOT OLD.expires_at AND NEW.expires_at IS NOT NULL AND NOT (typeof(NEW.expires_at) = 'text'
        AND NEW.expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.expires_at) IS NOT NULL AND datetime(NEW.expires_at) = datetime(datetime(NEW.expires_at), '+0 days')
        AND date(substr(NEW.expires_at, 1, 10), '+0 days') = substr(NEW.expires_at, 1, 10) AND substr(NEW.expires_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.approved_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.approved_at IS NOT OLD.approved_at AND NEW.approved_at IS NOT NULL AND NOT (typeof(NEW.approved_at) = 'text'
        AND NEW.approved_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.approved_at) IS NOT NULL AND datetime(NEW.approved_at) = datetime(datetime(NEW.approved_at), '+0 days')
        AND date(substr(NEW.approved_at, 1, 10), '+0 days') = substr(NEW.approved_at, 1, 10) AND substr(NEW.approved_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.last_due_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.last_due_at IS NOT OLD.last_due_at AND NEW.last_due_at IS NOT NULL AND NOT (typeof(NEW.last_due_at) = 'text'
        AND NEW.last_due_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.last_due_at) IS NOT NULL AND datetime(NEW.last_due_at) = datetime(datetime(NEW.last_due_at), '+0 days')
        AND date(substr(NEW.last_due_at, 1, 10), '+0 days') = substr(NEW.last_due_at, 1, 10) AND substr(NEW.last_due_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.created_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.created_at IS NOT OLD.created_at AND NEW.created_at IS NOT NULL AND NOT (typeof(NEW.created_at) = 'text'
        AND NEW.created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.created_at) IS NOT NULL AND datetime(NEW.created_at) = datetime(datetime(NEW.created_at), '+0 days')
        AND date(substr(NEW.created_at, 1, 10), '+0 days') = substr(NEW.created_at, 1, 10) AND substr(NEW.created_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.updated_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.updated_at IS NOT OLD.updated_at AND NEW.updated_at IS NOT NULL AND NOT (typeof(NEW.updated_at) = 'text'
        AND NEW.updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.updated_at) IS NOT NULL AND datetime(NEW.updated_at) = datetime(datetime(NEW.updated_at), '+0 days')
        AND date(substr(NEW.updated_at, 1, 10), '+0 days') = substr(NEW.updated_at, 1, 10) AND substr(NEW.updated_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.damaged_at is not a time: write ''YYYY-MM-DD HH:MM:SS'' in UTC, or ISO 8601 with an offset such as ''2026-12-01T07:30:00+07:00''')
    WHERE NEW.damaged_at IS NOT OLD.damaged_at AND NEW.damaged_at IS NOT NULL AND NOT (typeof(NEW.damaged_at) = 'text'
        AND NEW.damaged_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
        AND datetime(NEW.damaged_at) IS NOT NULL AND datetime(NEW.damaged_at) = datetime(datetime(NEW.damaged_at), '+0 days')
        AND date(substr(NEW.damaged_at, 1, 10), '+0 days') = substr(NEW.damaged_at, 1, 10) AND substr(NEW.damaged_at, 12, 2) <> '24');
    SELECT RAISE(ABORT, 'notices.title must be text, not a BLOB')
    WHERE NEW.title IS NOT OLD.title AND typeof(NEW.title) = 'blob';
    SELECT RAISE(ABORT, 'notices.title contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.title IS NOT OLD.title AND instr(CAST(NEW.title AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.body must be text, not a BLOB')
    WHERE NEW.body IS NOT OLD.body AND typeof(NEW.body) = 'blob';
    SELECT RAISE(ABORT, 'notices.body contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.body IS NOT OLD.body AND instr(CAST(NEW.body AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.category must be text, not a BLOB')
    WHERE NEW.category IS NOT OLD.category AND typeof(NEW.category) = 'blob';
    SELECT RAISE(ABORT, 'notices.category contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.category IS NOT OLD.category AND instr(CAST(NEW.category AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.targets must be text, not a BLOB')
    WHERE NEW.targets IS NOT OLD.targets AND typeof(NEW.targets) = 'blob';
    SELECT RAISE(ABORT, 'notices.targets contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.targets IS NOT OLD.targets AND instr(CAST(NEW.targets AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.recurrence must be text, not a BLOB')
    WHERE NEW.recurrence IS NOT OLD.recurrence AND typeof(NEW.recurrence) = 'blob';
    SELECT RAISE(ABORT, 'notices.recurrence contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.recurrence IS NOT OLD.recurrence AND instr(CAST(NEW.recurrence AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.recurrence is longer than 100 characters')
    WHERE NEW.recurrence IS NOT OLD.recurrence AND length(NEW.recurrence) > 100;
    SELECT RAISE(ABORT, 'notices.author must be text, not a BLOB')
    WHERE NEW.author IS NOT OLD.author AND typeof(NEW.author) = 'blob';
    SELECT RAISE(ABORT, 'notices.author contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.author IS NOT OLD.author AND instr(CAST(NEW.author AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.author is longer than 200 characters')
    WHERE NEW.author IS NOT OLD.author AND length(NEW.author) > 200;
    SELECT RAISE(ABORT, 'notices.approver must be text, not a BLOB')
    WHERE NEW.approver IS NOT OLD.approver AND typeof(NEW.approver) = 'blob';
    SELECT RAISE(ABORT, 'notices.approver contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.approver IS NOT OLD.approver AND instr(CAST(NEW.approver AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.approver is longer than 200 characters')
    WHERE NEW.approver IS NOT OLD.approver AND length(NEW.approver) > 200;
    SELECT RAISE(ABORT, 'notices.reason must be text, not a BLOB')
    WHERE NEW.reason IS NOT OLD.reason AND typeof(NEW.reason) = 'blob';
    SELECT RAISE(ABORT, 'notices.reason contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.reason IS NOT OLD.reason AND instr(CAST(NEW.reason AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.reason is longer than 4,000 characters')
    WHERE NEW.reason IS NOT OLD.reason AND length(NEW.reason) > 4000;
    SELECT RAISE(ABORT, 'notices.damaged_reason must be text, not a BLOB')
    WHERE NEW.damaged_reason IS NOT OLD.damaged_reason AND typeof(NEW.damaged_reason) = 'blob';
    SELECT RAISE(ABORT, 'notices.damaged_reason contains a NUL character (char(0)); text may not contain NUL')
    WHERE NEW.damaged_reason IS NOT OLD.damaged_reason AND instr(CAST(NEW.damaged_reason AS BLOB), x'00') > 0;
    SELECT RAISE(ABORT, 'notices.damaged_reason is longer than 4,000 characters')
    WHERE NEW.damaged_reason IS NOT OLD.damaged_reason AND length(NEW.damaged_reason) > 4000;
END;

-- Store every time column in UTC 'YYYY-MM-DD HH:MM:SS', as 0001 does for
-- publish_at and expires_at. On UPDATE only a column that changes is
-- rewritten: a value that got in before this version is left for the
-- daemon to set the notice aside, never silently turned into NULL.
CREATE TRIGGER notices_more_times_insert AFTER INSERT ON notices
WHEN NEW.approved_at IS NOT datetime(NEW.approved_at) OR NEW.last_due_at IS NOT datetime(NEW.last_due_at)
  OR NEW.created_at IS NOT datetime(NEW.created_at) OR NEW.updated_at IS NOT datetime(NEW.updated_at)
  OR NEW.damaged_at IS NOT datetime(NEW.damaged_at)
BEGIN
    UPDATE notices SET approved_at = datetime(approved_at), last_due_at = datetime(last_due_at),
        created_at = datetime(created_at), updated_at = datetime(updated_at), damaged_at = datetime(damaged_at)
    WHERE id = NEW.id;
END;

CREATE TRIGGER notices_more_times_update AFTER UPDATE OF approved_at, last_due_at, created_at, updated_at, damaged_at ON notices
WHEN (NEW.approved_at IS NOT OLD.approved_at AND NEW.approved_at IS NOT datetime(NEW.approved_at))
  OR (NEW.last_due_at IS NOT OLD.last_due_at AND NEW.last_due_at IS NOT datetime(NEW.last_due_at))
  OR (NEW.created_at IS NOT OLD.created_at AND NEW.created_at IS NOT datetime(NEW.created_at))
  OR (NEW.updated_at IS NOT OLD.updated_at AND NEW.updated_at IS NOT datetime(NEW.updated_at))
  OR (NEW.damaged_at IS NOT OLD.damaged_at AND NEW.damaged_at IS NOT datetime(NEW.damaged_at))
BEGIN
    UPDATE notices SET approved_at = datetime(approved_at)
    WHERE id = NEW.id AND NEW.approved_at IS NOT OLD.approved_at AND approved_at IS NOT datetime(approved_at);
    UPDATE notices SET last_due_at = datetime(last_due_at)
    WHERE id = NEW.id AND NEW.last_due_at IS NOT OLD.last_due_at AND last_due_at IS NOT datetime(last_due_at);
    UPDATE notices SET created_at = datetime(created_at)
    WHERE id = NEW.id AND NEW.created_at IS NOT OLD.created_at AND created_at IS NOT datetime(created_at);
    UPDATE notices SET updated_at = datetime(updated_at)
    WHERE id = NEW.id AND NEW.updated_at IS NOT OLD.updated_at AND updated_at IS NOT datetime(updated_at);
    UPDATE notices SET damaged_at = datetime(damaged_at)
    WHERE id = NEW.id AND NEW.damaged_at IS NOT OLD.damaged_at AND damaged_at IS NOT datetime(damaged_at);
END;
