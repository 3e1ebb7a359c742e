-- loaxa schema, version 16: a Zalo OAuth flow started on the site records
-- the commune whose OA it connects, and each commune's pair the OA it was
-- issued for (issue 14, province mode).
--
-- The callback names no commune (Zalo sends back only code, state and
-- oa_id), so the state row says whose token store the new pair goes to.
-- NULL: the only commune, as every flow started before this version was;
-- with several communes such a flow is refused (TakeOAuthStateFor). A flow
-- lives ten minutes, so nothing is deleted here.
ALTER TABLE oauth_states ADD COLUMN commune_id INTEGER REFERENCES communes (id) ON DELETE CASCADE;

-- The OA (the callback's oa_id) of the pair a site connection stored; NULL
-- when unknown (a pair from `loaxa zalo connect`, or from before this
-- version). The site refuses to connect a commune to an OA recorded as
-- another commune's: its sends to the commune's groups would all be -403.
ALTER TABLE zalo_tokens ADD COLUMN oa_id TEXT;
