-- loaxa schema, version 20: a message under way in a group is finished
-- before another starts there.
--
-- A long message goes as parts, each claimed only once the part before it
-- reached the group. Between two parts another message could start in the
-- same group, so that residents read the first third of a flood warning,
-- three unrelated notices, then the rest (probe6). The claim now starts no
-- message (a part 1) in a group where a later part of another message is
-- still to go: queued or retrying with the part before it sent, or being
-- sent (readySQL in queue.go). This index holds only those later parts,
-- rare (most messages are one part), so it costs the send path nothing
-- for one-part messages and the check one search of a small index.
CREATE INDEX deliveries_group_later_parts ON deliveries (group_id)
    WHERE part > 1 AND status IN ('queued', 'retry', 'sending');
