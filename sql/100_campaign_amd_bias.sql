-- Per-campaign AMD sensitivity: 'human' never risks a person for a voicemail, 'machine' leaves more
-- voicemails, 'balanced' in between (thresholds in services/amd.py).
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS amd_bias text NOT NULL DEFAULT 'balanced';
DO $$
BEGIN
    ALTER TABLE campaigns ADD CONSTRAINT campaigns_amd_bias_check
        CHECK (amd_bias IN ('human', 'balanced', 'machine'));
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
