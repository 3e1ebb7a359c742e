-- loaxa schema, version 18: the due index is keyed by commune first.
--
-- deliveries_due was (priority, next_attempt_at, id) over the rows still to
-- send. A province's claim in turns takes each commune's first due rows
-- (Store.RecordAndClaim with Claim.Fair); with that key it had to read and
-- number every due row of every commune to find them, 1,800 rows for an
-- alert to 1,800 groups, to claim 64 (docs/PERFORMANCE.md, "Province: poll
-- and claim"). Keyed (commune_id, priority, next_attempt_at, id), each
-- commune's first rows are one search of the index. One commune's claim by
-- due time reads the same rows in the same order as before (its commune is
-- the first key). The index replaces the old one rather than joining it, so
-- a claim or an outcome writes no more index entries than before.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (commune_id, priority, next_attempt_at, id)
    WHERE status IN ('queued', 'retry');
