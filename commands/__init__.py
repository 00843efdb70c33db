"""The `minibot` command groups. Each module owns one group; `cli.py` assembles them."""
