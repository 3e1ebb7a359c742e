-- loaxa schema, version 17: a Zalo message id is looked up among its
-- group's deliveries, not in an index of every message id.
--
-- deliveries_message was keyed by Zalo's message ids, which are random:
-- each outcome recorded 'sent' put its key on a page of its own, so a
-- batch of 64 outcomes dirtied some 64 pages of that index, most of what
-- its commit wrote (docs/PERFORMANCE.md). Every question the daemon asks
-- about a message id is about a message seen in one group's conversation
-- (the reconciler reads a group's history, Zalo's echo names its group),
-- and a message in group G's conversation can only be recorded on a
-- delivery to G: the id is Zalo's answer to the send to the row's
-- group_id, or was found in that group's history or echo, and a row's
-- group_id never changes. So the lookup (Store.KnownMessageIDs) reads the
-- group's deliveries, found by deliveries_group. That index is written
-- when a row is inserted (materialised: one transaction for a whole
-- fan-out), never by the send path, whose claims and outcomes change no
-- group_id.
DROP INDEX deliveries_message;
CREATE INDEX deliveries_group ON deliveries (group_id);
