"""Entry point of the controller process (`python robot_ari.py`); the wiring lives in `calls.controller`."""
