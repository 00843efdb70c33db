"""The simulated PBX: an in-process ARI server with personas and ExternalMedia over WebSocket."""

from services.simulator.media_leg import FRAME_BYTES, SILENCE, CalleeAudio
from services.simulator.personas import BUILTIN, Persona, PersonaBook, load_persona_book
from services.simulator.server import SimulatedPbx

__all__ = [
    "BUILTIN",
    "FRAME_BYTES",
    "SILENCE",
    "CalleeAudio",
    "Persona",
    "PersonaBook",
    "SimulatedPbx",
    "load_persona_book",
]
