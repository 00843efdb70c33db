"""Scripted fakes of external systems for unit tests."""
