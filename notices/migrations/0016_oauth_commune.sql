-- loaxa schema, version 16: a Zalo OAuth flow started on the site records
-- the commune whose OA it connects (issue 14, province mode).
--
-- The callback names no commune (Zalo sends back only code, state and
-- oa_id), so the state row says whose token store the new pair goes to.
-- NULL: the only commune, as every flow started before this version was;
-- with several communes such a flow is refused (TakeOAuthStateFor). A flow
-- lives ten minutes, so nothing is deleted here.
ALTER TABLE oauth_states ADD COLUMN commune_id INTEGER REFERENCES communes (id) ON DELETE CASCADE;
