-- loaxa schema, version 11: rows another program may INSERT but loaxa would
-- never send nor let anyone stop (found by an outside probe of issue 10).
--
-- Each rule holds for other programs only: loaxa's own CreateNotice marks
-- its inserts (site_writes, 0003). A value that is not a time at all is
-- left to 0002's rule, which says so.

-- A notice with an id of 0 or less is sent but cannot be shown or cancelled
-- (every page and command takes a positive number). AFTER, not BEFORE: in a
-- BEFORE trigger an id SQLite is about to choose reads as -1.
CREATE TRIGGER notices_id_positive AFTER INSERT ON notices
WHEN NEW.id <= 0
BEGIN
    SELECT RAISE(ABORT, 'notices.id must be a positive number, or left out');
END;

-- An inserted notice starts as a draft, pending or approved; done,
-- cancelled, expired and rejected are reached through loaxa.
CREATE TRIGGER notices_insert_status BEFORE INSERT ON notices
WHEN NEW.status IN ('done', 'cancelled', 'expired', 'rejected') AND NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    SELECT RAISE(ABORT, 'notices.status of an inserted notice must be draft, pending or approved');
END;

-- last_due_at is loaxa's bookkeeping (the last occurrence made): a one-off
-- notice inserted with it is taken as sent already and never goes out.
CREATE TRIGGER notices_insert_last_due BEFORE INSERT ON notices
WHEN NEW.last_due_at IS NOT NULL AND julianday(NEW.last_due_at) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    SELECT RAISE(ABORT, 'notices.last_due_at is kept by loaxa; leave it out of an INSERT');
END;

-- An approval time in the future leaves the notice waiting for a moment
-- nobody chose. A few minutes of clock difference are allowed.
CREATE TRIGGER notices_insert_approved_future BEFORE INSERT ON notices
WHEN NEW.approved_at IS NOT NULL AND julianday(NEW.approved_at) > julianday('now', '+5 minutes')
  AND NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    SELECT RAISE(ABORT, 'notices.approved_at is in the future; leave it out (loaxa sets it)');
END;
