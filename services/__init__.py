"""Reusable building blocks: config, database, ARI, media, VAD, ASR, NLP, AMD, metrics, simulator."""
