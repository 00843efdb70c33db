"""How rude the simulated PBX is: the habits of a real Asterisk that a polite simulator would hide.

On by default, as Asterisk 22 behaves with Local-channel callees:

- ``late_stasis_ms``: an ExternalMedia channel's ``StasisStart`` comes this long *after* its media
  connection is up (``MEDIA_START``, the AudioSocket connect, the first RTP packet); ``addChannel``
  answers 422 "Channel not in Stasis application" until then. The delay of each call is drawn from the
  range with a generator seeded by ``seed``, so a run can be replayed.
- ``local_causes``: busy and congested callees end with ``ChannelDestroyed`` cause 0 "Unknown"; only
  the last ``Dial`` event's status (BUSY, CONGESTION) says what happened.
- ``silent_gaps``: no audio frame goes to the bot while the callee produces none (Asterisk's
  ``transmit_silence = no``); after the callee hangs up, the media leg stays open and goes quiet.

Always on, because Asterisk always does it: channels in Stasis are not hung up when the app's event
WebSocket goes away; ``TIMEOUT(absolute)`` set through the originate's variables hangs the channel up
(cause 0) when it expires. Per persona, ``originate_stall_s`` makes ``POST /channels`` answer that late
and create the channel then (an originate whose HTTP request timed out rings anyway). At run time,
`PbxEngine.shutting_down` makes ``POST /channels`` answer 503 "Shutdown in progress".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Rudeness:
    """The real server's habits the simulated PBX shows (see the module docstring)."""

    late_stasis_ms: tuple[float, float] = (2.0, 30.0)
    local_causes: bool = True
    silent_gaps: bool = True
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        low, high = self.late_stasis_ms
        if not 0 <= low <= high:
            raise ValueError(f"late_stasis_ms must be a range 0 <= low <= high, not {self.late_stasis_ms}")
        self._rng = random.Random(self.seed)

    @classmethod
    def polite(cls) -> Rudeness:
        """Everything in order, every frame sent, SIP-like causes: the simulator of old."""
        return cls(late_stasis_ms=(0.0, 0.0), local_causes=False, silent_gaps=False)

    def stasis_delay_s(self) -> float:
        """How long the next media channel's StasisStart lags behind its connection."""
        low, high = self.late_stasis_ms
        return self._rng.uniform(low, high) / 1000 if high > 0 else 0.0
