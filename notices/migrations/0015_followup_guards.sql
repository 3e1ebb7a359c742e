-- loaxa schema, version 15: a correction or withdrawal goes where its
-- original went, and is about an original (found by an outside probe of
-- issue 12).

-- A follow-up of a follow-up: the correction of a withdrawal, the
-- withdrawal of a withdrawal. Residents would read a notice about a notice
-- about a notice; correct or withdraw the original instead. This holds for
-- loaxa's own inserts too (CreateNotice refuses it first, in Vietnamese).
CREATE TRIGGER notices_refers_to_original BEFORE INSERT ON notices
WHEN NEW.refers_to IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'notices.refers_to names a correction or withdrawal; refer to the original notice')
    WHERE (SELECT kind FROM notices WHERE id = NEW.refers_to) <> 'notice';
END;

-- A follow-up's targets are 'all' (0001's notices_refers_to_targets then
-- copies the original's) or exactly the original's. loaxa's own inserts
-- are checked by CreateNotice, which compares the codes as a set.
CREATE TRIGGER notices_refers_to_same_targets BEFORE INSERT ON notices
WHEN NEW.refers_to IS NOT NULL AND NEW.targets <> 'all' AND NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    SELECT RAISE(ABORT, 'notices.targets of a correction or withdrawal must be ''all'' or the original''s targets')
    WHERE NEW.targets IS NOT (SELECT targets FROM notices WHERE id = NEW.refers_to);
END;
