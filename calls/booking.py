"""The booking dialogue of a ``book`` step: offer two slots, understand the answer, hold the slot
chosen, confirm it in one sentence, and fall back (``no_slot``) after two rounds with nothing.

The slots come from a :class:`SlotSource`: the database in calls (advisers, atomic holds), or an
in-memory diary for the chat simulator. Times are spoken in the caller's time zone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from psycopg_pool import AsyncConnectionPool

from campaigns import appointments
from campaigns.appointments import BookingFor, SlotTaken
from campaigns.schedule import parse_window
from campaigns.slots import Availability, Slot, free_slots
from scenarios import booking as fr
from scenarios.booking import Counter, Pick, Preference, Refuse
from services.errors import MiniBotError

MAX_ROUNDS = 2  # offers (the first and one more) before falling back to a callback
MAX_UNCLEAR = 1  # answers not understood before the offer counts as refused
OFFER_SIZE = 2


class SlotSource(Protocol):
    """Where slots come from and how one is taken."""

    async def find(self, skill: str, now: datetime) -> list[Slot]:
        """Free slots, earliest first."""

    async def hold(self, slot: Slot, now: datetime) -> int:
        """Hold ``slot`` while the caller confirms (SlotTaken when it is gone)."""

    async def confirm(self, hold_id: int, now: datetime) -> dict[str, Any]:
        """Confirm a hold; return the appointment."""

    async def release(self, hold_id: int, now: datetime) -> None:
        """Give a hold back."""


@dataclass
class DatabaseSlots:
    """Slots of the advisers in the database, held and confirmed atomically for one call."""

    pool: AsyncConnectionPool
    who: BookingFor
    on_confirmed: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    async def find(self, skill: str, now: datetime) -> list[Slot]:
        return await appointments.find_slots(self.pool, skill, now)

    async def hold(self, slot: Slot, now: datetime) -> int:
        return await appointments.hold(self.pool, slot, self.who, now)

    async def confirm(self, hold_id: int, now: datetime) -> dict[str, Any]:
        row = await appointments.confirm(self.pool, hold_id, now)
        if self.on_confirmed is not None:
            await self.on_confirmed(row)
        return row

    async def release(self, hold_id: int, now: datetime) -> None:
        await appointments.release(self.pool, hold_id, now)


@dataclass
class MemorySlots:
    """An in-memory diary (the chat simulator's): one adviser, weekday hours, no database."""

    adviser: Availability = field(
        default_factory=lambda: Availability(
            adviser_id=1,
            adviser_name="Claire Martin",
            timezone="Europe/Paris",
            hours=(parse_window("mon-fri 09:00-12:30"), parse_window("mon-fri 14:00-18:00")),
            length=timedelta(minutes=45),
            buffer=timedelta(minutes=15),
            title="conseillère patrimoniale",
        )
    )
    taken: dict[int, Slot] = field(default_factory=dict)
    confirmed: set[int] = field(default_factory=set)

    async def find(self, skill: str, now: datetime) -> list[Slot]:
        blocked = tuple((s.starts_at, s.blocked_until) for s in self.taken.values())
        return free_slots([replace(self.adviser, blocked=self.adviser.blocked + blocked)], now)

    async def hold(self, slot: Slot, now: datetime) -> int:
        if any(
            s.starts_at < slot.blocked_until and slot.starts_at < s.blocked_until for s in self.taken.values()
        ):
            raise SlotTaken("the slot was just booked")
        hold_id = len(self.taken) + 1
        self.taken[hold_id] = slot
        return hold_id

    async def confirm(self, hold_id: int, now: datetime) -> dict[str, Any]:
        self.confirmed.add(hold_id)
        slot = self.taken[hold_id]
        return {
            "id": hold_id,
            "adviser": slot.adviser_name,
            "adviser_title": slot.title,
            "starts_at": slot.starts_at,
        }

    async def release(self, hold_id: int, now: datetime) -> None:
        self.taken.pop(hold_id, None)


@dataclass(frozen=True)
class Reply:
    """What the bot says next, and the dialogue's end (``booked`` / ``no_slot``) when it is over."""

    say: str
    outcome: str | None = None
    summary: str = ""


@dataclass
class BookingDialog:
    """One caller's booking dialogue."""

    source: SlotSource
    skill: str
    timezone: str
    strings: dict[str, str]
    offered: list[Slot] = field(default_factory=list)
    seen: set[tuple[int, datetime]] = field(default_factory=set)
    rounds: int = 0
    unclear: int = 0
    held: tuple[int, Slot] | None = None

    def _local(self, slot: Slot) -> datetime:
        return slot.starts_at.astimezone(ZoneInfo(self.timezone))

    async def start(self, now: datetime) -> Reply:
        """The first offer (or ``no_slot`` when no adviser is free)."""
        return await self._offer(now, Preference(), lead="")

    async def _offer(self, now: datetime, pref: Preference, lead: str) -> Reply:
        slots = [
            s for s in await self.source.find(self.skill, now) if (s.adviser_id, s.starts_at) not in self.seen
        ]
        fitting = [s for s in slots if pref.matches(self._local(s))]
        if pref.is_empty() or not fitting:
            if not pref.is_empty():
                lead = f"{lead}{self.strings['booking_nothing_then']} "
            self.offered = _spread(slots)
        else:
            self.offered = fitting[:OFFER_SIZE]  # what the caller asked for: the nearest ones
        if not self.offered:
            return Reply(lead.strip(), outcome="no_slot")
        self.seen.update((s.adviser_id, s.starts_at) for s in self.offered)
        return Reply(f"{lead}{fr.offer_text([self._local(s) for s in self.offered])}".strip())

    async def hear(self, text: str, now: datetime) -> Reply:
        """The caller's answer (empty on silence)."""
        if self.held is not None:
            return await self._confirmation(text, now)
        answer = fr.understand(
            text, [self._local(s) for s in self.offered], now.astimezone(ZoneInfo(self.timezone)).date()
        )
        if isinstance(answer, Pick):
            return await self._take(self.offered[answer.index], now)
        if isinstance(answer, Counter):
            return await self._next_round(now, answer.preference, "")
        if isinstance(answer, Refuse):
            return await self._next_round(now, Preference(), self.strings["booking_other"] + " ")
        self.unclear += 1
        if self.unclear > MAX_UNCLEAR:
            return await self._next_round(now, Preference(), "")
        return Reply(
            f"{self.strings['booking_which']} {fr.offer_text([self._local(s) for s in self.offered])}"
        )

    async def _next_round(self, now: datetime, pref: Preference, lead: str) -> Reply:
        self.rounds += 1
        self.unclear = 0
        if self.rounds >= MAX_ROUNDS:
            return Reply("", outcome="no_slot")
        return await self._offer(now, pref, lead)

    async def _take(self, slot: Slot, now: datetime) -> Reply:
        try:
            hold_id = await self.source.hold(slot, now)
        except SlotTaken:
            return await self._offer(now, Preference(), self.strings["booking_taken"] + " ")
        self.held = (hold_id, slot)
        return Reply(fr.confirm_text(self._local(slot), slot.adviser_name, slot.title))

    async def _confirmation(self, text: str, now: datetime) -> Reply:
        assert self.held is not None
        hold_id, slot = self.held
        if fr.is_yes(text):
            self.held = None
            try:
                await self.source.confirm(hold_id, now)
            except (SlotTaken, MiniBotError):
                return await self._offer(now, Preference(), self.strings["booking_taken"] + " ")
            summary = f"{fr.spoken_slot(self._local(slot))} avec {slot.adviser_name}"
            return Reply(self.strings["booking_confirmed"].replace("{when}", summary), "booked", summary)
        await self.release(now)
        answer = fr.understand(
            text, [self._local(s) for s in self.offered], now.astimezone(ZoneInfo(self.timezone)).date()
        )
        if isinstance(answer, (Pick, Counter)):
            return await self.hear(text, now)
        return await self._next_round(now, Preference(), self.strings["booking_other"] + " ")

    async def release(self, now: datetime) -> None:
        """The caller hung up (or declined) while a slot was held: give it back."""
        if self.held is not None:
            hold_id, _ = self.held
            self.held = None
            await self.source.release(hold_id, now)


def _spread(slots: list[Slot]) -> list[Slot]:
    """The nearest slot, and the nearest one on another half-day (a real choice), else the next."""
    if not slots:
        return []
    first = slots[0]
    half = (first.starts_at.date(), first.starts_at.hour < 12)
    other = next((s for s in slots[1:] if (s.starts_at.date(), s.starts_at.hour < 12) != half), None)
    second = other or (slots[1] if len(slots) > 1 else None)
    return [first] if second is None else [first, second]
