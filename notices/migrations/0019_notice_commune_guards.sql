-- loaxa schema, version 19: a notice stays in the commune it was written
-- for, and one row with a commune that does not exist can no longer stop
-- the daemon (found by an outside probe: probe 6, F4 and F6).
--
-- 0013 checks notices.commune on INSERT only. An UPDATE from another
-- program could set commune to a code of no commune (the notice was then
-- sent to its old commune, but hidden from that commune's staff), or
-- commune_id to the id of no commune (every poll cycle then failed on it:
-- the daemon's audit entry for setting it aside copied the bad id and was
-- refused by the foreign key).

-- commune_id is loaxa's, kept from commune: it is only ever filled in
-- where it is missing, with the id of the commune its code names (0013's
-- notices_commune_fill, right after an INSERT). commune is only ever filled
-- in where it is missing, or follows its commune's new code (loaxa commune
-- edit --code renames the commune first, then its notices). Nothing else.
-- loaxa's own writes may mark themselves (site_writes, 0003) to be exempt,
-- as with the insert guards of 0011.
CREATE TRIGGER notices_commune_update BEFORE UPDATE OF commune, commune_id ON notices
WHEN NOT EXISTS (SELECT 1 FROM site_writes)
BEGIN
    SELECT RAISE(ABORT, 'notices.commune_id is kept by loaxa; a notice stays in the commune it was written for: cancel it (loaxa notice cancel ID) and write it again in the other commune')
    WHERE NEW.commune_id IS NOT OLD.commune_id
      AND NOT (OLD.commune_id IS NULL AND NEW.commune IS OLD.commune
               AND NEW.commune_id IS (SELECT id FROM communes WHERE code = NEW.commune));
    SELECT RAISE(ABORT, 'notices.commune must be text: a commune code such as ''xa-an-phu'', or ''*'' for the whole province')
    WHERE NEW.commune IS NOT OLD.commune AND (NEW.commune IS NULL OR typeof(NEW.commune) <> 'text');
    SELECT RAISE(ABORT, 'notices.commune names no commune; write a code from loaxa commune list, or ''*'' for the whole province')
    WHERE NEW.commune IS NOT OLD.commune AND NEW.commune <> '*'
      AND NOT EXISTS (SELECT 1 FROM communes WHERE code = NEW.commune);
    SELECT RAISE(ABORT, 'notices.commune cannot move a notice to another commune: cancel it (loaxa notice cancel ID) and write it again there')
    WHERE NEW.commune IS NOT OLD.commune AND OLD.commune IS NOT NULL
      AND NEW.commune IS NOT coalesce((SELECT code FROM communes WHERE id = NEW.commune_id), '*');
END;

-- An audit entry that names a hamlet or a notice belongs to its commune:
-- only to a commune that exists. A row whose commune_id names none (written
-- before this version, or around it) gets the commune its code names, else
-- none (the province's), instead of a foreign key the database refuses.
DROP TRIGGER audit_log_commune;
CREATE TRIGGER audit_log_commune AFTER INSERT ON audit_log
WHEN NEW.commune_id IS NULL AND (NEW.hamlet_id IS NOT NULL OR NEW.notice_id IS NOT NULL)
BEGIN
    UPDATE audit_log SET commune_id = coalesce(
        (SELECT c.id FROM hamlets h JOIN communes c ON c.id = h.commune_id WHERE h.id = NEW.hamlet_id),
        (SELECT c.id FROM notices n JOIN communes c ON c.id = n.commune_id WHERE n.id = NEW.notice_id),
        (SELECT c.id FROM notices n JOIN communes c ON c.code = n.commune WHERE n.id = NEW.notice_id))
    WHERE id = NEW.id;
END;
