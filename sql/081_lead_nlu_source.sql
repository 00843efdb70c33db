-- Who understood the caller on this lead: 'llm' when the language model decided one answer at least,
-- else 'fallback' when it was wanted but failed or was not trusted, else 'fast' (keywords only).
ALTER TABLE leads ADD COLUMN IF NOT EXISTS nlu_source text;
