"""Pure scenario engine: events in, actions out (filled in by the scenario work)."""
