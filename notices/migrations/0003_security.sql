-- loaxa schema, version 3: the admin site behind a real proxy (issue 13).

-- Sign-in throttling counts (user name, address) pairs and addresses with
-- growing waits, and user names only to report attacks (throttle.go). The
-- old rows locked a user name from everywhere: they are dropped.
DELETE FROM login_failures;
ALTER TABLE login_failures ADD COLUMN last_at TEXT;
ALTER TABLE login_failures ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';

-- A Zalo OAuth flow belongs to the session and the admin who started it.
-- Flows started before this version are bound to nobody: dropped.
DELETE FROM oauth_states;
ALTER TABLE oauth_states ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN session_id TEXT NOT NULL DEFAULT '';

-- refers_to must name a notice that went out: one approved (still
-- approved, done, or cancelled or expired after its approval). An update
-- or a cancel of a notice that was never published would quote a title
-- residents never saw. Checked on every path: loaxa's own writes
-- (CreateNotice gives a plain-language error first) and other programs'.
CREATE TRIGGER notices_refers_to_published BEFORE INSERT ON notices
WHEN NEW.refers_to IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'notices.refers_to names a notice that was never approved')
    WHERE EXISTS (SELECT 1 FROM notices WHERE id = NEW.refers_to)
      AND NOT EXISTS (SELECT 1 FROM notices WHERE id = NEW.refers_to
        AND status IN ('approved', 'done', 'cancelled', 'expired') AND approved_at IS NOT NULL);
END;

-- Who wrote a row. loaxa's own CreateNotice inserts a row in site_writes
-- and deletes it again inside the same transaction, so the row is never
-- committed and no other connection ever sees it (SQLite has one writer at
-- a time). Any INSERT into notices made without it came from another
-- program: whatever source it claims, it is recorded as source 'sql',
-- and the audit log gets an entry with the author as given, marked as not
-- verified. This guards against a program or a person claiming to be the
-- site; whoever can write the database file can of course forge anything,
-- which is why the file is readable by loaxa's user only.
CREATE TABLE site_writes (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);

DROP TRIGGER notices_sql_audit;

CREATE TRIGGER notices_sql_audit AFTER INSERT ON notices
WHEN NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    UPDATE notices SET source = 'sql' WHERE id = NEW.id AND source <> 'sql';
    INSERT INTO audit_log (actor, action, notice_id, detail)
    VALUES ('sql', 'notice.create', NEW.id, NEW.status
        || CASE WHEN NEW.source <> 'sql' THEN '; ghi là nguồn «' || NEW.source || '» nhưng chèn thẳng vào cơ sở dữ liệu'
           ELSE '' END
        || CASE WHEN NEW.author <> '' THEN '; tác giả «' || NEW.author || '» (chưa xác minh)' ELSE '' END);
END;
