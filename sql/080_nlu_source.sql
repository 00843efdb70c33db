-- Who understood each caller turn: 'fast' (keywords were sure), 'llm' (the language model's checked
-- answer) or 'fallback' (keywords, because the model failed or was not trusted); and who wrote the
-- lead's summary: 'llm', 'fallback' (the model was asked, its text not used) or 'heuristic'.
ALTER TABLE turns ADD COLUMN IF NOT EXISTS nlu_source text;
ALTER TABLE leads ADD COLUMN IF NOT EXISTS summary_source text;
