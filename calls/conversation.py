"""The live conversation of one answered call: hear (VAD, ASR), understand (NLP), decide (scenario
engine), speak (prompts/TTS), with barge-in, answering-machine detection, recording and turn logging.

Three tasks cooperate: the *listener* reads caller frames in real time (VAD, AMD, barge-in
decisions); the *transcriber* decodes speech chunks (partials feed barge-in, finals become caller
turns); both post events to an inbox, and the *dialogue loop* takes them one at a time, steps the
pure scenario engine and performs its actions. Decoding runs in the ASR executor, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from calls.admission import report_asr_lag
from calls.booking import BookingDialog, Reply, SlotSource
from calls.controller import LiveCall
from calls.outcomes import ConversationResult
from calls.store import CallStore, LeadRecord, TurnRecord
from calls.transfer import TransferResult
from campaigns import compliance
from scenarios import engine as eng
from scenarios.engine import Engine
from scenarios.schema import Scenario
from services import amd
from services.asr import AsrResult
from services.media.frames import FRAME_MS
from services.media.leg import MediaLeg
from services.metrics import (
    AMD_DECISION,
    AMD_VERDICTS,
    ASR_LAG,
    BARGE_INS,
    NLP_DECISIONS,
    TURN_LATENCY,
    count_answered_call,
)
from services.nlp.analysis import Turn, analyze_call, do_not_call_request
from services.nlp.llm import NluService, overall_source
from services.prompts import PromptCache, PromptPart, splice
from services.recording import CallRecorder
from services.tts import DEFAULT_CHOICE, CachedTts, VoiceChoice
from services.vad import BargeInDetector, SpeechEnd, SpeechStart, VadStream, WebRtcVad

log = logging.getLogger("minibot.conversation")

OPENING_SILENCE_MS = 800  # nobody said "Allô ?" this long after the answer: the bot speaks first
OPENING_MAX_MS = 4000  # the callee still talks this long after the answer: the bot starts anyway
ASR_CHUNK_FRAMES = 5  # decode caller audio 100 ms at a time
PREROLL_FRAMES = 15  # audio kept before the speech onset so ASR hears the first syllable
BOOKING_INTERRUPTIONS = ("do_not_call", "insult", "wrong_person", "who_are_you")  # the engine answers these


class Recognizer(Protocol):
    """One call's streaming speech recognizer (``services.asr.CallRecognizer``)."""

    async def accept(self, pcm: bytes) -> AsrResult:
        """Decode caller audio; the partial transcript of the turn so far."""
        ...

    async def finish(self, tail: bytes = b"") -> AsrResult:
        """End of speech: decode the turn's last audio ``tail``; the final transcript of the turn."""
        ...

    async def close(self) -> None:
        """The call is over (the engine may reuse the recognizer for another call)."""
        ...


class SpeechRecognition(Protocol):
    """Makes one recognizer per call (``services.asr.AsrEngine``)."""

    async def recognizer(self) -> Recognizer:
        """A recognizer for one call (closed by the conversation when the call ends)."""
        ...


@dataclass
class ConversationDeps:
    """Process-wide parts shared by every call."""

    asr: SpeechRecognition
    nlu: NluService
    tts: CachedTts
    store: CallStore
    engines: Callable[[str], Engine]
    vad_aggressiveness: int = 2
    recordings_dir: Path | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    slots: Callable[[LiveCall], SlotSource] | None = None  # advisers' diary for book steps (None: none)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    prompts: PromptCache = field(default_factory=PromptCache)

    def speech(
        self, text: str, audio: Path | None, choice: VoiceChoice, parts: tuple[PromptPart, ...] = ()
    ) -> AsyncIterator[bytes]:
        """The prompt's audio (16 kHz LE PCM) as it becomes ready: its recording, its recorded and
        synthesized parts spliced, or the text synthesized piece by piece (cached)."""
        if audio is not None:
            return self.prompts.stream(audio)
        if parts:
            return splice(self.tts, self.prompts, parts, choice)
        return self.tts.stream(text, choice)

    async def warm_up(self, texts: list[str], choice: VoiceChoice = DEFAULT_CHOICE) -> None:
        """Synthesize ``texts`` one after the other (at low priority) so later turns hit the TTS cache."""
        for text in texts:
            try:
                await self.tts.warm(text, choice)
            except Exception as exc:  # a failed warm-up only costs latency later
                log.warning("TTS warm-up failed for %r: %s", text[:40], exc)


def scenario_texts(scenario: Scenario, variables: Mapping[str, str]) -> list[str]:
    """Every synthesized text the scenario may say to this caller (prompts without a recording, strings)."""
    texts: list[str] = []
    for step in scenario.steps.values():
        for prompt in (step.say, step.reprompt):
            if prompt is not None and prompt.parts:
                texts.extend(part.text for part in prompt.parts if part.audio is None)
            elif prompt is not None and prompt.text and prompt.audio is None:
                texts.append(prompt.text)
    texts.extend(scenario.strings.values())
    filled = [text.format_map(_Blank(variables)) for text in texts if text]
    return list(dict.fromkeys(filled))


class _Blank(dict[str, str]):
    """Template variables; unknown names render empty, as in the scenario engine."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class _CallerTurn:
    text: str
    start_ms: int
    end_ms: int
    asr_latency_ms: int
    decided_at: float  # monotonic time of the end-of-speech decision


@dataclass(frozen=True)
class _EndOfSpeech:
    start_ms: int
    end_ms: int
    decided_at: float  # monotonic time of the end-of-speech decision


@dataclass(frozen=True)
class _Signal:
    kind: str  # "barge_in" | "silence" | "max_duration" | "media_end" | "amd" | "booking"
    verdict: amd.AmdDecision | None = None
    booking: Reply | None = None  # "booking": how the booking dialogue ended


_Inbox = asyncio.Queue[_CallerTurn | _Signal]


class ScenarioConversation:
    """The `Conversation` the robot runs on every answered call."""

    def __init__(self, deps: ConversationDeps) -> None:
        self.deps = deps

    async def __call__(self, live: LiveCall, leg: MediaLeg) -> ConversationResult:
        return await _Dialogue(self.deps, live, leg).run()


class _Dialogue:
    """One call's conversation state (not shared)."""

    def __init__(self, deps: ConversationDeps, live: LiveCall, leg: MediaLeg) -> None:
        self.deps = deps
        self.live = live
        self.leg = leg
        self.engine = deps.engines(live.claimed.scenario)
        self.choice = self.engine.scenario.tts
        self.inbox: _Inbox = asyncio.Queue()
        self.vad = VadStream(WebRtcVad(deps.vad_aggressiveness, FRAME_MS))
        self.barge = BargeInDetector()
        self.asr_queue: asyncio.Queue[bytes | _EndOfSpeech] = asyncio.Queue()
        self.ends_queued = 0  # ends of speech in asr_queue, not yet transcribed
        self.partial = ""  # the ASR partial of the caller's current speech
        self.amd: amd.AmdDetector | None = None
        if live.claimed.amd_mode != "off":
            self.amd = amd.AmdDetector(live.claimed.amd_bias, *live.asterisk_amd)
        # words count as AMD evidence only from a model of the callee's language (not the Korean test model)
        self.amd_words = getattr(deps.asr, "language", "") in amd.WORD_LANGUAGES
        self.voicemail_cue = amd.VoicemailCue()
        self.voicemail_ready = asyncio.Event()  # a voicemail message may start (beep over, or silence)
        self.voicemail_started = False
        path = None
        if live.claimed.record_calls and deps.recordings_dir is not None:
            path = deps.recordings_dir / f"{live.call_id}.wav"
        self.recorder = CallRecorder(path)
        self.seq = 0
        self.stream_ms = 0
        self.bot_speaking = False
        self.bot_turn: TurnRecord | None = None
        self.bot_started_ms = 0
        self.last_mark: Awaitable[bool] | None = None
        self.silence_timer: asyncio.TimerHandle | None = None
        self.pending_latency_from: float | None = None
        self.transcript: list[Turn] = []
        self.nlu_sources: list[str] = []  # who understood each caller turn (fast, llm, fallback)
        live.result = ConversationResult()
        self.finished = False
        self.booking: BookingDialog | None = None  # the booking dialogue of a book step, while it runs
        self.media_ended = False
        self.opening = asyncio.Event()  # the callee's greeting is over (or never came): the bot may speak
        self.opening_end_ms = 0

    def _local_now(self) -> datetime:
        """Now in the contact's time zone: "demain vers 14h" means 14:00 where the contact lives."""
        return self.deps.clock().astimezone(compliance.zone(self.live.claimed.timezone))

    @property
    def result(self) -> ConversationResult:
        """What the call concluded so far; kept on the LiveCall so a hangup mid-call still sees it."""
        return self.live.result

    @result.setter
    def result(self, value: ConversationResult) -> None:
        self.live.result = value

    # ------------------------------------------------------------------ main loop

    async def run(self) -> ConversationResult:
        recognizer = await self.deps.asr.recognizer()
        listener = asyncio.create_task(self._listen(), name=f"listen-{self.live.call_id}")
        listener.add_done_callback(lambda _: self._open())  # media over (or failed): stop waiting
        listener.add_done_callback(lambda _: self.voicemail_ready.set())
        transcriber = asyncio.create_task(self._transcribe(recognizer), name=f"asr-{self.live.call_id}")
        warm_up: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        max_timer = loop.call_later(
            self.engine.scenario.max_duration_s, self.inbox.put_nowait, _Signal("max_duration")
        )
        try:
            vars_ = {
                "first_name": self.live.claimed.first_name,
                "last_name": self.live.claimed.last_name,
                **{k: str(v) for k, v in self.live.claimed.extra.items()},
            }
            state, actions = self.engine.start(vars_, self._local_now())
            texts = scenario_texts(self.engine.scenario, state.variables)
            warm_up = asyncio.create_task(
                self.deps.warm_up(texts, self.choice), name=f"tts-warm-{self.live.call_id}"
            )
            await self.opening.wait()  # let the callee say "Allô ?" first, as a person calling would
            state = await self._perform(state, actions)
            while not self.finished:
                item = await self.inbox.get()
                event = await self._to_event(state, item)
                if event is None:
                    continue
                state, actions = self.engine.step(state, event)
                state = await self._perform(state, actions)
            if self.last_mark is not None:
                await self.last_mark  # let the goodbye play to the end
        finally:
            if warm_up is not None:
                warm_up.cancel()
            max_timer.cancel()
            self._cancel_silence_timer()
            listener.cancel()
            transcriber.cancel()
            await asyncio.gather(listener, transcriber, return_exceptions=True)
            await recognizer.close()
            if self.booking is not None:  # hung up before confirming: the held slot is free again
                await self.booking.release(self.deps.clock())
            count_answered_call(
                self.live.claimed.campaign_name,
                heard_bot=self.bot_turn is not None,
                machine=self.result.machine,
            )
            path = self.recorder.close()
            if path is not None:
                await self.deps.store.set_recording(self.live.call_id, str(path))
        return self.result

    async def _to_event(self, state: eng.CallState, item: _CallerTurn | _Signal) -> eng.Event | None:
        if isinstance(item, _CallerTurn):
            return await self._understand(state, item)
        if item.kind == "barge_in":
            await self._barge_in()
            return eng.BargeIn()
        if item.kind == "silence":
            if self.booking is not None:
                return await self._booking_turn(state, "")
            return eng.Silence()
        if item.kind == "booking":
            assert item.booking is not None and item.booking.outcome in ("booked", "no_slot")
            return eng.BookingResult(item.booking.outcome, item.booking.summary)  # type: ignore[arg-type]
        if item.kind == "max_duration":
            return eng.Timeout(kind="max_duration")
        if item.kind == "media_end":
            self.finished = True
            return eng.Hangup()
        assert item.verdict is not None
        AMD_VERDICTS.labels(verdict=item.verdict.verdict.value).inc()
        AMD_DECISION.observe(self.stream_ms / 1000)
        await self.deps.store.set_amd(self.live.call_id, item.verdict.verdict.value, item.verdict.reason)
        return eng.AmdVerdict(verdict=item.verdict.verdict.value)

    async def _understand(self, state: eng.CallState, turn: _CallerTurn) -> eng.Event | None:
        if turn.start_ms < self.opening_end_ms:
            await self._log_caller(state, turn, None)  # the greeting ("Allô ?") answers no question
            return None
        if not turn.text.strip():
            await self._log_caller(state, turn, None)
            return eng.NoMatch()
        context = self.engine.nlu_context(state)
        filler = self.engine.scenario.strings.get("filler", "").strip()
        said_filler = False

        async def say_filler() -> None:  # the model is slow: let the caller hear we are listening
            nonlocal said_filler
            said_filler = True
            self.pending_latency_from = turn.decided_at
            await self._speak(filler, None, state.step, 0)

        nlu = await self.deps.nlu.classify(
            turn.text,
            context.allowed,
            context.keywords,
            context.question,
            say_filler if filler else None,
            objections=context.objections,
        )
        intent = eng.Intent(
            name=nlu.intent,
            confidence=nlu.confidence,
            text=turn.text,
            sentiment=nlu.sentiment,
            now=self._local_now(),
        )
        NLP_DECISIONS.labels(source=nlu.source).inc()
        await self._log_caller(state, turn, intent, nlu.source)
        if not said_filler:
            self.pending_latency_from = turn.decided_at
        if self.booking is not None and intent.name not in BOOKING_INTERRUPTIONS:
            return await self._booking_turn(state, turn.text)
        return intent

    # ------------------------------------------------------------------ booking

    async def _start_booking(self, state: eng.CallState, action: eng.Book) -> None:
        """Open the booking dialogue of a book step and make the first offer."""
        if self.deps.slots is None:
            self.inbox.put_nowait(_Signal("booking", booking=Reply("", outcome="no_slot")))
            return
        strings = dict(self.engine.scenario.strings)
        self.booking = BookingDialog(
            self.deps.slots(self.live), action.skill, self.live.claimed.timezone, strings
        )
        reply = await self.booking.start(self.deps.clock())
        await self._booking_reply(state, reply, action.timeout_s)

    async def _booking_turn(self, state: eng.CallState, text: str) -> eng.Event | None:
        """The caller answered an offer or a confirmation (``""``: silence)."""
        assert self.booking is not None
        reply = await self.booking.hear(text, self.deps.clock())
        return await self._booking_reply(state, reply, self.engine.scenario.steps[state.step].timeout_s)

    async def _booking_reply(self, state: eng.CallState, reply: Reply, timeout_s: float) -> eng.Event | None:
        if reply.say:
            await self._speak(reply.say, None, state.step, 0.0 if reply.outcome else timeout_s)
        if reply.outcome is None:
            return None
        self.booking = None
        self.inbox.put_nowait(_Signal("booking", booking=reply))
        return None

    # ------------------------------------------------------------------ actions

    async def _perform(self, state: eng.CallState, actions: list[eng.Action]) -> eng.CallState:
        for action in actions:
            match action:
                case eng.LeaveVoicemail():
                    await self._stop_speaking()  # the opening never talks over the greeting
                    await self._await_voicemail_cue()
                    if not self.media_ended:  # the machine may hang up before its beep
                        audio = Path(action.audio) if action.audio else None
                        await self._speak(action.text, audio, "voicemail", 0.0)
                        await self.deps.store.set_step(self.live.call_id, "voicemail")
                case eng.Say():
                    audio = Path(action.audio) if action.audio else None
                    parts = action.parts
                    await self._speak(action.text, audio, action.step, action.timeout_s, parts)
                    await self.deps.store.set_step(self.live.call_id, action.step)
                case eng.StopSpeaking():
                    await self._stop_speaking()
                case eng.EndCall():
                    self.finished = True
                case eng.Transfer():
                    await self._transfer(action.endpoint)
                case eng.Book():
                    await self._start_booking(state, action)
                case eng.ScheduleCallback():
                    self.result = ConversationResult(
                        machine=self.result.machine, callback_at=action.at, dnc=self.result.dnc
                    )
                case eng.AddDnc():
                    await self.deps.store.add_dnc(
                        self.live.claimed.phone, action.text, self.live.claimed.contact_id, self.deps.clock()
                    )
                    self.result = ConversationResult(machine=self.result.machine, dnc=True)
                case eng.Finish():
                    await self._save_lead(action)
                    self.finished = True
        if self.finished and state.step == "voicemail":
            self.result = ConversationResult(machine=True)
        return state

    async def _await_voicemail_cue(self) -> None:
        """Wait for the end of the beep (or of the greeting); the cue is recorded with the AMD reason."""
        with contextlib.suppress(TimeoutError):  # the cue is bounded on the frame clock; this, on the wall
            await asyncio.wait_for(self.voicemail_ready.wait(), amd.VOICEMAIL_MAX_WAIT_MS / 1000)
        self.voicemail_started = True
        decision = self.amd.decision if self.amd is not None else None
        cue = self.voicemail_cue
        if decision is not None and cue.reason:
            reason = f"{decision.reason}; message at {cue.elapsed_ms} ms, {cue.reason}"
            await self.deps.store.set_amd(self.live.call_id, decision.verdict.value, reason)

    async def _transfer(self, endpoint: str) -> None:
        """Once the hand-off prompt has played, ring a human at ``endpoint``; the bot leaves the call
        when they answer, else it apologises and ends the call (the lead stays as qualified)."""
        if self.last_mark is not None:
            await self.last_mark
        connect = self.live.transfer
        outcome = TransferResult(False, "no transfer desk") if connect is None else await connect(endpoint)
        status = "connected" if outcome.connected else outcome.reason
        await self.deps.store.set_transfer(self.live.call_id, endpoint, status)
        self.finished = True
        if outcome.connected:
            self.result = replace(self.result, transferred_to=endpoint)
        elif not self.media_ended:
            log.info("transfer failed: %s", outcome.reason, extra={"call_id": self.live.call_id})
            await self._speak(self.engine.scenario.strings["transfer_failed"], None, "transfer_failed", 0.0)

    async def _speak(
        self, text: str, audio: Path | None, step: str, timeout_s: float, parts: tuple[PromptPart, ...] = ()
    ) -> None:
        """Send the prompt's audio as it is synthesized (the first piece leaves while the rest is made)."""
        self._cancel_silence_timer()
        sent = 0
        latency_ms = None
        async for pcm in self.deps.speech(text, audio, self.choice, parts):
            if sent == 0:
                if self.pending_latency_from is not None:
                    latency_s = time.monotonic() - self.pending_latency_from
                    latency_ms = round(latency_s * 1000)
                    TURN_LATENCY.observe(latency_s)
                    self.pending_latency_from = None
                self.bot_speaking = True
                self.barge.set_bot_speaking(True)
                self.bot_started_ms = self.stream_ms
            await self.leg.send(pcm)
            self.recorder.bot_audio(pcm)
            sent += len(pcm)
        self.seq += 1
        self.bot_turn = TurnRecord(
            call_id=self.live.call_id,
            seq=self.seq,
            speaker="bot",
            text=text,
            step=step,
            start_ms=self.bot_started_ms,
            end_ms=self.bot_started_ms + sent // 32,
            response_latency_ms=latency_ms,
        )
        await self.deps.store.add_turn(self.bot_turn)
        self.transcript.append(Turn("bot", text, step))
        mark = await self.leg.mark(f"{self.live.channel_id}-{self.seq}")
        self.last_mark = mark
        asyncio.create_task(self._after_prompt(mark, timeout_s))  # noqa: RUF006 - ends with the mark

    async def _after_prompt(self, mark: Awaitable[bool], timeout_s: float) -> None:
        played = await mark
        if mark is not self.last_mark:
            return  # another prompt was queued after this one
        self.bot_speaking = False
        self.barge.set_bot_speaking(False)
        if played and timeout_s > 0 and not self.finished:
            loop = asyncio.get_running_loop()
            self.silence_timer = loop.call_later(timeout_s, self.inbox.put_nowait, _Signal("silence"))

    async def _barge_in(self) -> None:
        BARGE_INS.inc()
        await self._stop_speaking()
        if self.bot_turn is not None:
            cut = self.stream_ms - self.bot_started_ms
            await self.deps.store.mark_interrupted(self.live.call_id, self.bot_turn.seq, cut)

    async def _stop_speaking(self) -> None:
        if self.bot_speaking:
            await self.leg.flush()
            self.recorder.bot_flushed()
            self.bot_speaking = False
            self.barge.set_bot_speaking(False)

    def _cancel_silence_timer(self) -> None:
        if self.silence_timer is not None:
            self.silence_timer.cancel()
            self.silence_timer = None

    # ------------------------------------------------------------------ listening

    async def _listen(self) -> None:
        """Per frame: recording, VAD, AMD and barge-in decisions, in real time. Speech goes to the
        ASR task through a queue, so a slow decode never delays hearing the caller."""
        preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        pending: list[bytes] = []
        speaking = False
        heard_greeting = False
        start_ms = 0
        async for frame in self.leg.frames():
            self.stream_ms += FRAME_MS
            self.recorder.tick(frame)
            for is_speech, event in self.vad.process(frame):
                if not self.opening.is_set():
                    heard_greeting = heard_greeting or isinstance(event, SpeechStart)
                    quiet = not heard_greeting and self.stream_ms >= OPENING_SILENCE_MS
                    if quiet or isinstance(event, SpeechEnd) or self.stream_ms >= OPENING_MAX_MS:
                        self._open()
                self._track_amd(frame, is_speech, self.partial if self.amd_words else "")
                if self.barge.on_frame(FRAME_MS, is_speech) and self.bot_speaking:
                    self.inbox.put_nowait(_Signal("barge_in"))
                if isinstance(event, SpeechStart):
                    speaking, start_ms, self.partial = True, event.at_ms, ""
                    self._cancel_silence_timer()
                    pending = list(preroll)
                elif isinstance(event, SpeechEnd) and speaking:
                    speaking = False
                    self.asr_queue.put_nowait(b"".join(pending))
                    self.asr_queue.put_nowait(_EndOfSpeech(start_ms, event.at_ms, time.monotonic()))
                    self.ends_queued += 1
                    pending = []
            preroll.append(frame)
            if speaking:
                pending.append(frame)
                if len(pending) >= ASR_CHUNK_FRAMES:
                    self.asr_queue.put_nowait(b"".join(pending))
                    pending = []
        self.media_ended = True
        self.inbox.put_nowait(_Signal("media_end"))

    def _open(self) -> None:
        """The opening is over: the bot's first prompt may start; caller speech before now was a greeting."""
        if not self.opening.is_set():
            self.opening_end_ms = self.stream_ms
            self.opening.set()

    async def _transcribe(self, recognizer: Recognizer) -> None:
        """The call's ASR task: decodes speech chunks in order (off the loop), feeds partials to
        the barge-in detector and posts each final transcript as a caller turn."""
        while True:
            item = await self.asr_queue.get()
            if isinstance(item, _EndOfSpeech) or self.ends_queued:
                # the caller has stopped talking: the rest of the turn goes with its final (on the
                # finals pool), not behind other calls' streaming chunks
                tail = bytearray()
                while not isinstance(item, _EndOfSpeech):
                    tail += item
                    item = self.asr_queue.get_nowait()
                self.ends_queued -= 1
                result = await recognizer.finish(bytes(tail))
                asr_ms = round((time.monotonic() - item.decided_at) * 1000)
                ASR_LAG.observe(asr_ms / 1000)
                report_asr_lag(asr_ms / 1000)
                self.inbox.put_nowait(
                    _CallerTurn(result.text, item.start_ms, item.end_ms, asr_ms, item.decided_at)
                )
            elif item:
                self.partial = (await recognizer.accept(item)).text
                if self.barge.on_partial(self.partial) and self.bot_speaking:
                    self.inbox.put_nowait(_Signal("barge_in"))

    def _track_amd(self, frame: bytes, is_speech: bool, transcript: str) -> None:
        """AMD while it listens, and the voicemail cue (beep over, or silence) until a message starts."""
        detector = self.amd
        if detector is None or self.voicemail_started:
            return
        decision = detector.decision
        if not detector.listening and (decision is None or decision.verdict is not amd.AmdVerdict.MACHINE):
            return  # a person: no voicemail will be left, spare the tone analysis
        tone = amd.tone_frequency(frame)
        if self.voicemail_cue.observe(is_speech, tone):
            self.voicemail_ready.set()
        elif not self.media_ended:
            self.voicemail_ready.clear()
        decision = detector.observe(is_speech, tone, transcript)
        if decision is not None:
            self.result = ConversationResult(machine=decision.verdict is amd.AmdVerdict.MACHINE)
            self.inbox.put_nowait(_Signal("amd", decision))

    # ------------------------------------------------------------------ records

    async def _log_caller(
        self, state: eng.CallState, turn: _CallerTurn, intent: eng.Intent | None, source: str | None = None
    ) -> None:
        self.seq += 1
        if source:
            self.nlu_sources.append(source)
        await self.deps.store.add_turn(
            TurnRecord(
                call_id=self.live.call_id,
                seq=self.seq,
                speaker="caller",
                text=turn.text,
                step=state.step,
                intent=intent.name if intent else None,
                confidence=intent.confidence if intent else None,
                sentiment=intent.sentiment if intent else None,
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
                asr_latency_ms=turn.asr_latency_ms,
                nlu_source=source,
                objection=intent.name if intent and intent.name in self.engine.scenario.objections else None,
            )
        )
        self.transcript.append(
            Turn(
                "caller",
                turn.text,
                state.step,
                intent.name if intent else "",
                intent.sentiment if intent else "",
            )
        )

    async def _save_lead(self, finish: eng.Finish) -> None:
        claimed = self.live.claimed
        status = finish.status
        request = "" if self.result.dnc else do_not_call_request(self.transcript)
        if request:  # asked during the greeting, or understood otherwise live: the DNC list still wins
            await self.deps.store.add_dnc(claimed.phone, request, claimed.contact_id, self.deps.clock())
            self.result = replace(self.result, dnc=True)
            status = "do_not_call"
        lead = LeadRecord(
            call_id=self.live.call_id,
            contact_id=claimed.contact_id,
            campaign_id=claimed.campaign_id,
            status=status,
            score=finish.score,
            answers={k: dict(v) for k, v in finish.answers.items()},
            sentiment=finish.sentiment,
            rationale=finish.reason,
            callback_at=finish.callback_at,
            objections=list(finish.objections),
            nlu_source=overall_source(self.nlu_sources),
        )
        await self.deps.store.save_lead(lead)
        task = asyncio.create_task(self._analyze(lead))
        self.deps.background.add(task)
        task.add_done_callback(self.deps.background.discard)

    async def _analyze(self, lead: LeadRecord) -> None:
        """Post-call analysis off the call path: summary, sentiment timeline, rationale."""
        with contextlib.suppress(asyncio.CancelledError):
            analysis = await analyze_call(
                self.transcript,
                status=lead.status,
                score=lead.score,
                answers=lead.answers,
                min_score=self.engine.scenario.qualify.min_score,
                service=self.deps.nlu,
            )
            await self.deps.store.save_lead(
                LeadRecord(
                    **{
                        **lead.__dict__,
                        "summary": analysis.summary,
                        "sentiment": analysis.sentiment,
                        "sentiment_timeline": [list(point) for point in analysis.timeline],
                        "rationale": analysis.rationale,
                        "summary_source": analysis.source,
                    }
                )
            )
