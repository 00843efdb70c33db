"""The live side of a call: dialer loop, call settlement and the per-call session."""
