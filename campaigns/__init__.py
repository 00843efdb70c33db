"""Campaign domain: models, contact import, call queue, pacing, compliance, scheduling."""
