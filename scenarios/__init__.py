"""Scenario engine, schema and the scenario library (French by default)."""
