-- loaxa schema, version 9: a correction or a withdrawal names a notice
-- that residents have seen.
--
-- 0003's notices_refers_to_published let refers_to name any approved
-- notice, even one due next year: its title was then quoted to every
-- group months early. Now the notice referred to must have reached at
-- least one group: a delivery of it sent, directly or in a bulletin
-- (CreateNotice gives a plain-language error first; this holds for other
-- programs). A refers_to naming no notice is still refused by 0001's
-- notices_refers_to_insert.
DROP TRIGGER notices_refers_to_published;

CREATE TRIGGER notices_refers_to_sent BEFORE INSERT ON notices
WHEN NEW.refers_to IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'notices.refers_to names a notice that no group has received yet')
    WHERE EXISTS (SELECT 1 FROM notices WHERE id = NEW.refers_to)
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = NEW.refers_to AND d.status = 'sent')
      AND NOT EXISTS (SELECT 1 FROM occurrences o JOIN bulletin_items bi ON bi.occurrence_id = o.id
        JOIN deliveries d ON d.bulletin_id = bi.bulletin_id AND d.hamlet_id = bi.hamlet_id
        WHERE o.notice_id = NEW.refers_to AND d.status = 'sent');
END;
