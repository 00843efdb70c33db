"""The robot's call controller: claims calls, originates them over ARI, tracks their events and settles them.

One `Controller` per robot process. It owns the dialer loop (claim → compliance → pacing → originate),
the ARI event loop (dial progress, answer, hangup), the lease reaper and reconciliation with
``GET /channels`` after a restart or a reconnect. Answered calls are handed to a `CallSession`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool

from calls.admission import AdmissionControl, subscribe
from calls.ari_health import AriHealth, about_the_contact
from calls.outcomes import ConversationResult, Outcome, outcome_for
from calls.pacing import Pacer
from calls.store import CallStore
from calls.transfer import TransferDesk, TransferResult
from campaigns import compliance, queue
from campaigns.models import ClaimedCall
from services import db
from services.ari.events import AriEvent, ChannelDestroyed, ChannelStateChange, Dial, StasisStart
from services.ari.port import AriPort
from services.errors import AriError, ConfigError, DatabaseError, NoSuchChannel, QueueError
from services.metrics import ACTIVE_CALLS, CALL_OUTCOMES, CALLS_ORIGINATED

log = logging.getLogger("minibot.controller")

# asterisk_conf/extensions.conf: AMD() on the answered callee, then Stasis(app, call, AMDSTATUS, AMDCAUSE)
AMD_CONTEXT = "minibot-amd"
MIN_LEASE_S = 90.0  # a database outage of up to 60 s + the 30 s lease renewal interval
SESSION_WRAP_UP_S = 3.0  # after a hangup, time a session may take to store the lead before it is cancelled

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


@dataclass
class LiveCall:
    """A call this robot originated and has not settled yet."""

    claimed: ClaimedCall
    call_id: int
    channel_id: str
    answered: bool = False
    dialstatus: str | None = None
    result: ConversationResult = field(default_factory=ConversationResult)
    orphan: bool = False  # found alive after a restart: no session owns it
    originated: bool = False  # Asterisk accepted the originate (the channel exists or existed)
    session_task: asyncio.Task[None] | None = None
    settled: bool = False
    bridge_id: str | None = None  # the mixing bridge holding the callee (set by the session)
    failure: str | None = None  # the session failed on our side (settled `failed`, retried by policy)
    transfer: Callable[[str], Awaitable[TransferResult]] | None = None  # hand the callee to a human
    asterisk_amd: tuple[str, str] = ("", "")  # AMDSTATUS, AMDCAUSE when AMD() ran (amd mode asterisk)


class CallSession(Protocol):
    """Owns an answered call until it ends (media, conversation, lead)."""

    async def run(self) -> None:
        """Hold the conversation; return when the bot is done (the controller then hangs up)."""
        ...

    @property
    def result(self) -> ConversationResult:
        """What the conversation concluded (machine, callback, do-not-call)."""
        ...

    async def close(self) -> None:
        """Release media resources (called after hangup, also when the callee hung up first)."""
        ...


SessionFactory = Callable[[LiveCall], CallSession]
Preflight = Callable[[ClaimedCall], Awaitable[str | None]]
"""Checks a campaign before this robot first dials it: None, or why it cannot be dialled."""


@dataclass
class ControllerOptions:
    """Tunables of one robot process."""

    robot_id: str
    app: str = "minibot"
    global_max_calls: int = 50
    lease_seconds: float = 120.0
    claim_batch: int = 50
    poll_interval_s: float = 1.0
    reap_interval_s: float = 30.0
    drain_timeout_s: float = 60.0
    transfer_ring_timeout_s: int = 25

    def __post_init__(self) -> None:
        if self.lease_seconds < MIN_LEASE_S:
            raise ConfigError(
                f"MINIBOT_LEASE_SECONDS={self.lease_seconds:g} is below the safe minimum of "
                f"{MIN_LEASE_S:g} s: a lease must outlast a database outage (up to 60 s) plus one "
                "renewal round (30 s), or live calls could be claimed again"
            )


@dataclass
class ControllerStats:
    """Counters the tests and benchmarks read (peak concurrency is asserted from these)."""

    originated: int = 0
    settled: int = 0
    given_back: int = 0  # claimed rows returned undialled (ARI unavailable), attempt given back
    peak_live: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Controller:
    """Dial, track and settle calls for one robot process."""

    def __init__(
        self,
        *,
        pool: AsyncConnectionPool,
        ari: AriPort,
        events: AsyncIterable[AriEvent],
        options: ControllerOptions,
        session_factory: SessionFactory,
        events_ready: Callable[[], Awaitable[None]] | None = None,
        events_connected: asyncio.Event | None = None,
        preflight: Preflight | None = None,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        admission: AdmissionControl | None = None,
    ) -> None:
        self.pool = pool
        self.ari = ari
        self.events = events
        self.options = options
        self.session_factory = session_factory
        self.events_ready = events_ready
        self.clock = clock
        self.monotonic = monotonic
        self.store = CallStore(pool)
        self.writer = db.write_behind(pool)
        self.db_ok = True  # False from a failed claim until the next one gets through
        self.ari_health = AriHealth(events_connected, monotonic)
        self._not_dialling: str | None = None  # the ARI problem last logged
        self.preflight = preflight
        self._preflight_passed: set[tuple[int, str]] = set()  # (campaign id, scenario)
        self.pacer = Pacer(global_cap=options.global_max_calls)
        self.admission = admission or AdmissionControl(options.global_max_calls, monotonic=monotonic)
        self.transfers = TransferDesk(ari, ring_timeout_s=options.transfer_ring_timeout_s)
        self.calls: dict[str, LiveCall] = {}
        self.stats = ControllerStats()
        self.stopping = asyncio.Event()
        self.idle = asyncio.Event()  # set whenever no call is live
        self.idle.set()
        self._capacity = asyncio.Event()
        self._settled_waiters: list[tuple[int, asyncio.Future[None]]] = []

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Run until :meth:`stop` is called, then drain live calls (graceful stop)."""
        event_task = asyncio.create_task(self._event_loop(), name="ari-events")
        unsubscribe = subscribe(self.admission)
        try:
            if self.events_ready is not None:
                await self.events_ready()
            await self.reconcile(startup=True)
            reaper = asyncio.create_task(self._reaper_loop(), name="lease-reaper")
            try:
                await self._dialer_loop()
                await self._drain()
            finally:
                reaper.cancel()
                await asyncio.gather(reaper, return_exceptions=True)
                await self._flush_writes()
        finally:
            unsubscribe()
            event_task.cancel()
            await asyncio.gather(event_task, return_exceptions=True)

    def stop(self) -> None:
        """Stop claiming new calls; live calls may finish (up to the drain timeout)."""
        self.stopping.set()
        self._capacity.set()

    async def _drain(self) -> None:
        try:
            await asyncio.wait_for(self.idle.wait(), self.options.drain_timeout_s)
        except TimeoutError:
            log.warning("drain timeout: hanging up %d live calls", len(self.calls))
            for live in list(self.calls.values()):
                await self._hangup(live.channel_id)
            try:
                await asyncio.wait_for(self.idle.wait(), 10)
            except TimeoutError:
                for live in list(self.calls.values()):
                    await self._settle(live, cause=None, cause_text="robot stopped")

    async def _flush_writes(self) -> None:
        """Before exiting, give writes delayed by a database outage time to get through."""
        if self.writer.pending:
            log.warning("waiting for the database to write %d delayed results", self.writer.pending)
        if not await self.writer.flush(self.options.drain_timeout_s):
            await self.writer.close()

    async def wait_settled(self, count: int) -> None:
        """Wait until at least ``count`` calls have been settled (for tests and demos)."""
        if self.stats.settled >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settled_waiters.append((count, future))
        await future

    # ------------------------------------------------------------------ dialer

    async def _dialer_loop(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            if not self._ari_ready():
                await self._pause(0.2)
                continue
            slots = self.pacer.free_slots(self.admission.cap(self.pacer.total_live))
            claimed: list[ClaimedCall] = []
            if slots > 0:
                try:
                    claimed = await queue.claim(
                        self.pool,
                        min(slots, self.options.claim_batch),
                        self.options.robot_id,
                        self.options.lease_seconds,
                        now=self.clock(),
                    )
                except psycopg.OperationalError as exc:
                    failures += 1
                    self._database_lost(exc)
                    await self._pause(db.retry_delay(failures))
                    continue
                if failures:
                    failures = 0
                    await self._database_back()
            for call in claimed:
                await self._dial(call)
            if not claimed:
                await self._wait_for_capacity()

    def _ari_ready(self) -> bool:
        """May we dial? Logs when dialling stops for an ARI problem and when it resumes."""
        problem = self.ari_health.problem()
        if problem is not None and problem != self._not_dialling:
            log.warning("not dialling: %s", problem)
        elif problem is None and self._not_dialling is not None:
            log.info("ARI available again, dialling")
        self._not_dialling = problem
        return problem is None

    def _database_lost(self, exc: Exception) -> None:
        if self.db_ok:
            log.error("database unavailable, not dialling until it is back (live calls go on): %s", exc)
        self.db_ok = False

    async def _database_back(self) -> None:
        """A claim got through again: a claim whose answer was lost left rows leased to us with no
        call row; give them back now rather than after the lease."""
        log.info("database back, dialling again")
        self.db_ok = True
        with contextlib.suppress(DatabaseError):
            await self._release_unstarted_leases()

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by :meth:`stop`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _wait_for_capacity(self) -> None:
        self._capacity.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._capacity.wait(), self.options.poll_interval_s)

    async def _dial(self, call: ClaimedCall) -> None:
        now = self.clock()
        if not self._ari_ready():
            await self._give_back(call, None, f"not dialled: {self._not_dialling}")
            return
        if not await self._campaign_ready(call):
            return
        decision = compliance.check(call.compliance_profile, call.contact_context(), now)
        if not decision.allowed:
            await self._refuse(call, decision.reason, decision.next_allowed)
            return
        channel_id = f"mb-{call.queue_id}-{call.attempt}"
        try:
            call_id = await self.store.insert_call(
                queue_id=call.queue_id,
                campaign_id=call.campaign_id,
                contact_id=call.contact_id,
                attempt=call.attempt,
                channel_id=channel_id,
                robot_id=self.options.robot_id,
                queued_at=call.lease_expires - timedelta(seconds=self.options.lease_seconds),
                originated_at=now,
                give_up=self.stopping.is_set,
            )
        except DatabaseError:
            return  # stopping during an outage: not dialled, the lease is given back at the next start
        try:
            delay = await db.retrying(
                f"pacing campaign {call.campaign_name}",
                lambda: queue.reserve_dial_slot(self.pool, call.campaign_id, call.calls_per_second),
                give_up=self.stopping.is_set,
            )
        except DatabaseError:
            await self.store.forget_call(call_id)
            return
        if delay > 0:
            await asyncio.sleep(delay)  # the campaign's calls per second, across all robots
        live = LiveCall(claimed=call, call_id=call_id, channel_id=channel_id)
        self._track(live)
        variables = {"MINIBOT_CALL_ID": str(call_id), "MINIBOT_CAMPAIGN": call.campaign_name}
        asterisk_amd = call.amd_mode == "asterisk"  # AMD() in the dialplan, then Stasis with its result
        if asterisk_amd:
            variables["MINIBOT_CALL"] = str(call_id)
        try:
            await self.ari.originate(
                call.endpoint,
                channel_id=channel_id,
                app_args=str(call_id),
                caller_id=call.caller_id or None,
                timeout_s=call.ring_timeout_s,
                variables=variables,
                context=AMD_CONTEXT if asterisk_amd else None,
            )
        except AriError as exc:
            if exc.status == 409:
                # This attempt's channel already exists (an originate that got through before a crash
                # or a reconnect): never ring twice; hang the orphan up and retry the contact later.
                # Settle now: the orphan may already be gone (no ChannelDestroyed would reach us).
                log.warning("attempt already live, hanging it up", extra={"call_id": call_id})
                live.orphan = True
                await self._hangup(channel_id)
                await self._settle(live, cause=None, cause_text="attempt already live (409): hung up")
                return
            if not about_the_contact(exc):
                hold = self.ari_health.refused(exc)
                log.error(
                    "originate refused by Asterisk, attempt given back, not dialling for %.0f s: %s",
                    hold,
                    exc,
                    extra={"call_id": call_id, "campaign": call.campaign_name},
                )
                self._untrack(live)
                await self._give_back(call, call_id, f"ARI unavailable: {exc}")
                return
            log.error("originate failed: %s", exc, extra={"call_id": call_id, "campaign": call.campaign_name})
            await self._settle(live, cause=None, cause_text=f"originate failed: {exc}")
            return
        self.ari_health.accepted()
        live.originated = True
        self.stats.originated += 1
        CALLS_ORIGINATED.labels(campaign=call.campaign_name).inc()

    async def _campaign_ready(self, call: ClaimedCall) -> bool:
        """Run the preflight the first time this robot dials a campaign (and after its scenario
        changed); a campaign that fails is paused with the reason and its row given back."""
        key = (call.campaign_id, call.scenario)
        if self.preflight is None or key in self._preflight_passed:
            return True
        problem = await self.preflight(call)
        if problem is None:
            self._preflight_passed.add(key)
            return True
        reason = f"preflight failed: {problem}"
        try:
            paused = await db.retrying(
                f"pausing campaign {call.campaign_name}",
                lambda: queue.pause_campaign(self.pool, call.campaign_id, reason[:500], now=self.clock()),
                give_up=self.stopping.is_set,
            )
        except DatabaseError:
            paused = False
        if paused:
            log.error("campaign %s paused, nothing of it dialled: %s", call.campaign_name, reason)
        await self._give_back(call, None, f"campaign paused: {problem}")
        return False

    async def _give_back(self, call: ClaimedCall, call_id: int | None, reason: str) -> None:
        """Return a claimed row undialled: its call row (if written) goes, its attempt comes back."""
        if call_id is not None:
            await self.store.forget_call(call_id)
        owner, now = self.options.robot_id, self.clock()
        try:
            await self.writer.run(
                f"giving back row {call.queue_id}",
                lambda: queue.reschedule(self.pool, call.queue_id, owner, now, reason[:200], now=now),
            )
        except QueueError as exc:
            log.warning("queue row not given back: %s", exc)
        self.stats.given_back += 1

    async def _refuse(self, call: ClaimedCall, reason: str, next_allowed: datetime | None) -> None:
        extra = {"campaign": call.campaign_name, "reason": reason}
        owner, now = self.options.robot_id, self.clock()
        if next_allowed is not None:
            log.info("not allowed now, rescheduled", extra=extra | {"at": next_allowed.isoformat()})
            await self.writer.run(
                f"rescheduling row {call.queue_id}",
                lambda: queue.reschedule(self.pool, call.queue_id, owner, next_allowed, reason, now=now),
            )
        else:
            log.info("never allowed, closed", extra=extra)
            outcome = "dnc" if call.in_dnc else "rejected"
            await self.writer.run(
                f"closing row {call.queue_id}",
                lambda: queue.complete(self.pool, call.queue_id, owner, outcome, now=now, dialled=False),
            )

    def _track(self, live: LiveCall) -> None:
        live.transfer = functools.partial(self._transfer, live)
        self.calls[live.channel_id] = live
        self.pacer.started(live.claimed.campaign_id)
        self.idle.clear()
        ACTIVE_CALLS.set(len(self.calls))
        self.stats.peak_live = max(self.stats.peak_live, len(self.calls))

    def _untrack(self, live: LiveCall) -> None:
        self.calls.pop(live.channel_id, None)
        self.pacer.finished(live.claimed.campaign_id)
        ACTIVE_CALLS.set(len(self.calls))
        if not self.calls:
            self.idle.set()
        self._capacity.set()

    # ------------------------------------------------------------------ events

    async def _event_loop(self) -> None:
        """Handle ARI events; if the stream fails, stop dialling, say so and open it again."""
        failures = 0
        while True:
            try:
                async for event in self.events:
                    failures = 0
                    try:
                        await self.handle_event(event)
                    except Exception:
                        log.exception("error while handling %s", event.type)
            except Exception as exc:
                failures += 1
                self.ari_health.stream_error = f"{type(exc).__name__}: {exc}"
                log.error("ARI event stream failed, not dialling until it is back: %s", exc, exc_info=exc)
                await asyncio.sleep(db.retry_delay(failures + 3))  # 0.4 s doubling up to 5 s
                self.ari_health.stream_error = None  # reopening: the socket state gates dialling now
                continue
            self.ari_health.stream_error = "the event stream ended"
            log.error("ARI event stream ended, not dialling")
            return

    async def handle_event(self, event: AriEvent) -> None:
        """Apply one ARI event to the call it concerns."""
        if self.transfers.owns(event):
            ended_call = self.transfers.on_event(event)
            if ended_call is not None:
                await self._hangup(ended_call)  # the adviser hung up: the call is over
        elif isinstance(event, Dial):
            live = self.calls.get(event.peer.id)
            if live is not None and event.dialstatus:
                live.dialstatus = event.dialstatus
                if event.dialstatus == "RINGING":
                    await self.store.mark_ringing(live.call_id)
        elif isinstance(event, ChannelStateChange):
            live = self.calls.get(event.channel.id)
            if live is not None and event.channel.state == "Ringing":
                await self.store.mark_ringing(live.call_id)
        elif isinstance(event, StasisStart):
            live = self.calls.get(event.channel.id)
            if live is not None and not live.answered:
                if live.claimed.amd_mode == "asterisk":
                    live.asterisk_amd = await self._asterisk_amd(event)
                await self._answered(live)
        elif isinstance(event, ChannelDestroyed):
            live = self.calls.get(event.channel.id)
            if live is not None:
                await self._settle(live, cause=event.cause, cause_text=event.cause_txt)

    async def _asterisk_amd(self, event: StasisStart) -> tuple[str, str]:
        """AMDSTATUS and AMDCAUSE of a call that went through AMD() (Stasis args, else the variables)."""
        if len(event.args) >= 3 and event.args[1]:
            return event.args[1], event.args[2]
        values = []
        for name in ("AMDSTATUS", "AMDCAUSE"):
            try:
                values.append(await self.ari.get_variable(event.channel.id, name))
            except AriError:
                values.append("")
        return values[0], values[1]

    async def _answered(self, live: LiveCall) -> None:
        live.answered = True
        await self.store.mark_answered(live.call_id, self.clock())
        if live.orphan:
            return
        session = self.session_factory(live)
        live.session_task = asyncio.create_task(
            self._run_session(live, session), name=f"session-{live.call_id}"
        )

    async def _run_session(self, live: LiveCall, session: CallSession) -> None:
        try:
            await session.run()
            live.result = session.result
        except Exception as exc:
            log.exception("call session failed", extra={"call_id": live.call_id})
            if isinstance(exc, AriError) and not about_the_contact(exc):
                self.ari_health.refused(exc)  # REST failing: no new dial until it works again
            if not live.settled and await self._callee_still_there(live):  # our side failed, not the callee
                live.failure = f"call session failed: {type(exc).__name__}: {exc}"[:300]
        finally:
            await session.close()
            if live.result.transferred_to is None:
                await self._hang_up_until_gone(live)

    async def _hang_up_until_gone(self, live: LiveCall) -> None:
        """The bot is done with the call: hang it up, retrying through an ARI outage (backoff up to
        10 s) until it is gone or settled, so that no callee is left on dead air."""
        failures = 0
        while not live.settled and not await self._hangup(live.channel_id):
            failures += 1
            await asyncio.sleep(min(10.0, 0.5 * 2 ** (failures - 1)))

    async def _callee_still_there(self, live: LiveCall) -> bool:
        """After a session error: is the callee's channel still up (then the error is ours, not a
        hangup whose ChannelDestroyed has not been handled yet)? Unknown counts as yes."""
        try:
            channels = await self.ari.list_channels()
        except AriError:
            return True
        return any(channel.id == live.channel_id for channel in channels)

    async def _transfer(self, live: LiveCall, endpoint: str) -> TransferResult:
        """Ring a human at ``endpoint`` and bridge them with the callee (see calls/transfer.py)."""
        if live.bridge_id is None or live.settled:
            return TransferResult(False, "the call has no bridge")
        return await self.transfers.connect(
            call_channel_id=live.channel_id,
            call_id=live.call_id,
            caller_number=live.claimed.phone,
            bridge_id=live.bridge_id,
            endpoint=endpoint,
        )

    async def _let_session_wrap_up(self, live: LiveCall) -> None:
        """The callee hung up: the session sees its media end and closes the conversation (lead,
        last turn) on its own; give it a few seconds before cancelling it."""
        task = live.session_task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), SESSION_WRAP_UP_S)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        except Exception:
            log.debug("session ended with an error while wrapping up", extra={"call_id": live.call_id})

    async def _hangup(self, channel_id: str) -> bool:
        """Hang a channel up; False when ARI failed (the channel may still be up)."""
        try:
            await self.ari.hangup(channel_id, "normal")
        except NoSuchChannel:
            pass
        except AriError as exc:
            log.warning("hangup of %s failed: %s", channel_id, exc)
            if not about_the_contact(exc):
                self.ari_health.refused(exc)
            return False
        return True

    async def _settle(self, live: LiveCall, *, cause: int | None, cause_text: str) -> None:
        if live.settled:
            return
        live.settled = True
        await self.transfers.release(live.channel_id)
        await self._let_session_wrap_up(live)
        result = live.result
        if live.failure is not None:
            cause_text = live.failure
        outcome = (
            Outcome.FAILED
            if live.orphan or live.failure is not None
            else outcome_for(
                answered=live.answered, cause=cause, dialstatus=live.dialstatus, machine=result.machine
            )
        )
        call = live.claimed
        await self.store.end_call(
            live.call_id, at=self.clock(), cause=cause, cause_text=cause_text, outcome=outcome.value
        )
        try:
            now = self.clock()
            await self.writer.run(
                f"settling call {live.call_id}", lambda: self._settle_queue(call, outcome, result, now)
            )
        except QueueError as exc:
            log.warning("queue row not settled: %s", exc, extra={"call_id": live.call_id})
        self._untrack(live)
        CALL_OUTCOMES.labels(outcome=outcome.value).inc()
        self.stats.settled += 1
        self.stats.outcomes[outcome.value] = self.stats.outcomes.get(outcome.value, 0) + 1
        log.info(
            "call settled: %s", outcome.value, extra={"call_id": live.call_id, "campaign": call.campaign_name}
        )
        for count, future in list(self._settled_waiters):
            if self.stats.settled >= count and not future.done():
                future.set_result(None)
                self._settled_waiters.remove((count, future))

    async def _settle_queue(
        self, call: ClaimedCall, outcome: Outcome, result: ConversationResult, now: datetime | None = None
    ) -> None:
        """Close the queue row: a callback request reschedules it inside the calling windows."""
        owner, now = self.options.robot_id, now or self.clock()
        if result.dnc:
            await queue.complete(self.pool, call.queue_id, owner, "dnc", now=now)
        elif result.callback_at is not None:
            at = compliance.next_allowed(call.compliance_profile, call.timezone, result.callback_at)
            await queue.reschedule(self.pool, call.queue_id, owner, at, "callback requested", now=now)
        else:
            await queue.complete(self.pool, call.queue_id, owner, outcome.value, now=now)

    # ------------------------------------------------------------------ recovery

    async def reconcile(self, *, startup: bool = False) -> None:
        """Compare what we track with the channels Asterisk has (``GET /channels``).

        Calls whose channel vanished while we were not listening are settled; after a restart,
        calls left unfinished by this robot are settled (and hung up when still alive).
        """
        # Only calls whose originate had been accepted before the listing can be judged by it:
        # a dial in flight may create its channel after Asterisk answered GET /channels.
        known = [live for live in self.calls.values() if live.originated]
        alive = {channel.id for channel in await self.ari.list_channels()}
        for live in known:
            if live.channel_id not in alive:
                await self._settle(live, cause=None, cause_text="channel vanished during an ARI outage")
        for call_channel in self.transfers.vanished(alive):
            await self._hangup(call_channel)
        if not startup:
            return
        for row in await self.store.unfinished_calls(self.options.robot_id):
            channel_id = str(row["channel_id"])
            if channel_id in self.calls:
                continue
            for leftover in sorted(c for c in alive if c == channel_id or c.startswith(channel_id + "-")):
                await self._hangup(leftover)  # the call, its media channel, an adviser leg
            await self.store.end_call(
                int(row["id"]), at=self.clock(), cause=None, cause_text="robot restarted", outcome="failed"
            )
            if row["queue_status"] == "leased" and row["lease_owner"] == self.options.robot_id:
                queue_id = int(row["queue_id"])
                close = functools.partial(
                    queue.complete, self.pool, queue_id, self.options.robot_id, "failed", now=self.clock()
                )
                try:
                    await self.writer.run(f"closing row {queue_id}", close)
                except QueueError as exc:
                    log.warning("restart reconciliation: %s", exc)
        await self._release_unstarted_leases()

    async def _release_unstarted_leases(self) -> None:
        """Leased rows of this robot with no call row were never dialled: give them back now."""
        released = await self.store.release_unstarted_leases(
            self.options.robot_id, self.clock(), give_up=self.stopping.is_set
        )
        if released:
            log.info("released %d leases claimed but never dialled before a restart", released)

    async def _reaper_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.reap_interval_s)
            try:
                await self._reap_and_renew()
            except psycopg.OperationalError as exc:
                log.warning("lease renewal skipped, database unavailable: %s", str(exc).strip())

    async def _reap_and_renew(self) -> None:
        reaped = await queue.reap_expired(self.pool, now=self.clock())
        if reaped:
            log.info("returned %d expired leases to the queue", reaped)
        for live in list(self.calls.values()):
            try:
                await queue.extend_lease(
                    self.pool,
                    live.claimed.queue_id,
                    self.options.robot_id,
                    self.options.lease_seconds,
                    now=self.clock(),
                )
            except QueueError:
                log.warning("lost the lease of a live call", extra={"call_id": live.call_id})
