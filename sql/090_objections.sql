-- Objections (#15): the one a caller turn raised ("already_adviser", "price"...), and every
-- objection of the call on its lead, in the order they were raised.
ALTER TABLE turns ADD COLUMN IF NOT EXISTS objection text;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS objections text[] NOT NULL DEFAULT '{}';
