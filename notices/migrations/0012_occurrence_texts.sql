-- loaxa schema, version 12: the rendered text of an occurrence's message
-- is kept once per part, not once per delivery row. Every hamlet of an
-- occurrence is sent the same parts (Materialise renders them once), so a
-- 1,800-group alert wrote the same 1.2 kB body 1,800 times, and every
-- state change of a delivery (claimed, then sent) rewrote it with the row.
--
-- From this version a delivery of an occurrence is inserted with body ''
-- and its text is in occurrence_texts, found by (occurrence_id, part).
-- Rows made before keep their body and have no occurrence_texts row (their
-- history is not rewritten); bulletin deliveries, one row per (bulletin,
-- part) already, keep theirs in the row. delivery_bodies answers "what
-- text did this delivery send" for every row, old and new.
CREATE TABLE occurrence_texts (
    occurrence_id INTEGER NOT NULL REFERENCES occurrences (id),
    part          INTEGER NOT NULL CHECK (part >= 1),
    body          TEXT    NOT NULL,   -- the exact text sent for this part
    PRIMARY KEY (occurrence_id, part)
) WITHOUT ROWID;

CREATE VIEW delivery_bodies (delivery_id, body) AS
    SELECT d.id, coalesce(t.body, d.body)
    FROM deliveries d
    LEFT JOIN occurrence_texts t ON t.occurrence_id = d.occurrence_id AND t.part = d.part;
