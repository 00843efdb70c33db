-- Lead review in the dashboard: the supervisor's decision, its reason and a free note.
ALTER TABLE leads ADD COLUMN IF NOT EXISTS review_decision text
    CHECK (review_decision IN ('qualified', 'disqualified'));
ALTER TABLE leads ADD COLUMN IF NOT EXISTS review_reason text NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN IF NOT EXISTS review_note text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS leads_to_review ON leads (score DESC, created_at DESC) WHERE reviewed_at IS NULL;
