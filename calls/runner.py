"""Wire a robot process: settings → database pool, ARI client and events, controller, health endpoints."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import signal
import socket
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from calls.admission import AdmissionControl, AdmissionSettings, report_loop_lag
from calls.appointment_notice import notify
from calls.ari_health import AriHealth
from calls.booking import DatabaseSlots
from calls.controller import Controller, ControllerOptions, LiveCall, Preflight
from calls.conversation import ConversationDeps, ScenarioConversation
from calls.jobs import robot_jobs
from calls.nlp_health import nlp_check
from calls.preflight import CampaignPreflight, check_robot
from calls.robots import RobotRegistration, default_robot_id
from calls.scheduler import JobRunner
from calls.session import Conversation, MediaCallSession, MediaTransportConfig
from calls.startup import log_components
from calls.store import CallStore
from campaigns.appointments import BookingFor
from scenarios import library
from scenarios.engine import Engine
from scenarios.strings import DEFAULT_STRINGS
from services import db
from services.ari.client import AriClient
from services.asr import AsrEngine
from services.config import Settings
from services.errors import AriError, ConfigError
from services.looplag import LoopLagMonitor
from services.media.audiosocket import AudioSocketServer
from services.media.rtp import PortAllocator
from services.metrics import ARI_RECONNECTS, ARI_UP, LOOP_LAG, HealthCheck, health_app
from services.nlp.keywords import classify
from services.nlp.llm import NluService
from services.tts import TtsStatus
from services.tts_voices import build_tts

log = logging.getLogger("minibot.robot")
LOOP_LAG_INTERVAL_S = 0.25  # minibot_event_loop_lag_seconds: one sample every 250 ms

# ~15 s of the bot's voice: enough to warm a recognizer's graph cache (~4 s of CPU each)
WARM_UP_STRINGS = ("reprompt_no_match", "reprompt_silence", "callback_ask", "dnc")

_NOTICES: set[asyncio.Task[None]] = set()  # advisers' appointment notices being sent

ConversationFactory = Callable[[AsyncConnectionPool], Conversation]


class ScenarioConversationFactory:
    """Builds the production conversation for a pool; ``nlu`` is shared with the ``/health/nlp`` check."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.asr = AsrEngine.from_settings(
            settings.vosk_model, settings.data_dir, settings.asr_max_idle_recognizers
        )
        self.nlu = NluService.from_settings(settings)
        self.tts = build_tts(settings)
        self.engines = functools.cache(lambda name: Engine(library.resolve(name)))

    async def warm_up_asr(self, count: int) -> None:
        """Give the ASR pool ``count`` warm recognizers, decoding the bot's own voice (its built-in
        sentences through the TTS), so the first calls after start-up decode at full speed."""
        if count <= 0:
            return
        started = time.monotonic()
        try:
            text = " ".join(DEFAULT_STRINGS[key] for key in WARM_UP_STRINGS)
            speech = await self.tts.render(text)
            await self.asr.warm_up(count, speech)
        except Exception as exc:  # a failed warm-up only costs speed on the first calls
            log.warning("speech recognizer warm-up failed: %s", exc)
            return
        log.info("%d speech recognizers warmed in %.1f s", count, time.monotonic() - started)

    def warm_up_understanding(self) -> None:
        """Train the fast path's models (the n-gram model, each library scenario's objections) now
        rather than on the first caller's turn (~0.5 s each), then freeze what start-up built so
        the garbage collector's full passes stay short during calls."""
        started = time.monotonic()
        for entry in library.list_library():
            if not entry.error:
                scenario = self.engines(entry.name).scenario
                step = scenario.start
                objections = scenario.objection_examples()
                classify("allô", scenario.keywords_for(step), scenario.allowed_intents(step), objections)
        gc.freeze()
        log.info("language understanding ready in %.1f s", time.monotonic() - started)

    def deps(self, pool: AsyncConnectionPool) -> ConversationDeps:
        """The process-wide conversation parts, storing into ``pool``."""
        return ConversationDeps(
            asr=self.asr,
            nlu=self.nlu,
            tts=self.tts,
            store=CallStore(pool),
            engines=self.engines,
            vad_aggressiveness=self.settings.vad_aggressiveness,
            recordings_dir=self.settings.recordings_dir,
            slots=functools.partial(diary, pool, self.settings),
        )

    def __call__(self, pool: AsyncConnectionPool) -> Conversation:
        return ScenarioConversation(self.deps(pool))


def diary(pool: AsyncConnectionPool, settings: Settings, live: LiveCall) -> DatabaseSlots:
    """The advisers' diary for one call's book step; the adviser is told of each booking."""
    claimed = live.claimed
    who = BookingFor(live.call_id, claimed.contact_id, claimed.campaign_id)

    async def tell_adviser(row: dict[str, Any]) -> None:
        task = asyncio.create_task(notify(settings, row), name=f"appointment-{row['id']}")
        _NOTICES.add(task)  # referenced until done: the notice never blocks the call, nor is lost
        task.add_done_callback(_NOTICES.discard)

    return DatabaseSlots(pool, who, tell_adviser)


def scenario_conversation(settings: Settings) -> ScenarioConversationFactory:
    """The production conversation: Vosk, webrtcvad, keyword NLP + Ollama, Piper TTS (espeak-ng as
    the fallback), the library."""
    return ScenarioConversationFactory(settings)


def build_controller(
    pool: AsyncConnectionPool,
    ari: AriClient,
    ari_url: str,
    talk: Conversation,
    options: ControllerOptions,
    *,
    media: MediaTransportConfig | None = None,
    preflight: Preflight | None = None,
    admission: AdmissionControl | None = None,
) -> Controller:
    """A controller whose answered calls get a media session running ``talk``; it reconciles
    with ``GET /channels`` whenever the event WebSocket reconnects."""

    def session(live: LiveCall) -> MediaCallSession:
        return MediaCallSession(live, ari, ari_url, talk, media)

    stream = ari.events()
    controller = Controller(
        pool=pool,
        ari=ari,
        events=stream,
        events_ready=stream.wait_connected,
        events_connected=stream.connected,
        preflight=preflight,
        options=options,
        session_factory=session,
        admission=admission,
    )

    async def reconnected() -> None:
        ARI_RECONNECTS.inc()
        await controller.reconcile()

    stream.on_reconnect = reconnected
    ARI_UP.set_function(lambda: 0.0 if controller.ari_health.problem() else 1.0)
    return controller


def admission_control(settings: Settings) -> AdmissionControl:
    """The robot's admission control from ``MINIBOT_GLOBAL_MAX_CALLS`` and ``MINIBOT_ADMISSION_*``."""
    limits = AdmissionSettings(
        asr_lag_ms=settings.admission_asr_lag_ms, loop_lag_ms=settings.admission_loop_lag_ms
    )
    return AdmissionControl(settings.global_max_calls, limits)


def observe_loop_lag(seconds: float) -> None:
    """One loop-lag sample: to the metrics and to admission control."""
    LOOP_LAG.observe(seconds)
    report_loop_lag(seconds)


async def media_transport(stack: AsyncExitStack, settings: Settings) -> MediaTransportConfig:
    """The ExternalMedia transport of ``MINIBOT_MEDIA_TRANSPORT``, with the bot-side listener it needs:
    an AudioSocket server on ``MINIBOT_MEDIA_HOST:PORT``, or the RTP port range."""
    transport = settings.media_transport
    if transport == "audiosocket":
        server = AudioSocketServer(settings.media_host, settings.media_port)
        try:
            await server.start()
        except OSError as exc:
            raise ConfigError(
                f"preflight: cannot listen for AudioSocket on {settings.media_host}:{settings.media_port} "
                f"({exc.strerror}); free the port or set MINIBOT_MEDIA_HOST/MINIBOT_MEDIA_PORT"
            ) from exc
        stack.push_async_callback(server.stop)
        return MediaTransportConfig(transport, audiosocket=server, advertise_host=settings.media_host)
    if transport == "rtp":
        ports = PortAllocator(settings.rtp_port_min, settings.rtp_port_max)
        _check_udp_bind(settings.media_host, settings.rtp_port_min, settings.rtp_port_max)
        return MediaTransportConfig(transport, rtp_ports=ports, advertise_host=settings.media_host)
    return MediaTransportConfig(transport)


async def robot_pool(url: str, robot: str) -> AsyncConnectionPool:
    """The robot's database pool: a connection wait bounded to a few seconds (an outage is then
    noticed quickly and retried, see docs/robot.md), named ``minibot-robot <id>`` in pg_stat_activity."""
    return await db.open_pool(url, max_size=10, timeout_s=5.0, application_name=f"minibot-robot {robot}")


def _check_udp_bind(host: str, port_min: int, port_max: int) -> None:
    """Preflight of the RTP transport: at least one port of the range can be bound on ``host``."""
    for port in range(port_min, port_max + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return
    raise ConfigError(
        f"preflight: no UDP port of {port_min}-{port_max} can be bound on {host} for RTP; "
        "set MINIBOT_MEDIA_HOST or MINIBOT_RTP_PORT_MIN/MAX"
    )


def robot_id(settings: Settings) -> str:
    """This robot's lease owner name (see :func:`calls.robots.default_robot_id`)."""
    return default_robot_id(settings)


async def run_robot(
    settings: Settings, conversation: ConversationFactory, *, install_signals: bool = True
) -> None:
    """Run the robot until SIGTERM/SIGINT, then drain live calls and exit."""
    url = db.database_url(settings)
    async with AsyncExitStack() as stack:
        pool = await robot_pool(url, robot_id(settings))
        stack.push_async_callback(pool.close)
        registration = RobotRegistration(pool, robot_id(settings))
        await registration.register()  # refuses to start beside a live robot with the same id
        stack.push_async_callback(registration.release)
        ari = AriClient(settings.ari_url, settings.ari_user, settings.ari_password, settings.ari_app)
        stack.push_async_callback(ari.close)
        info = await ari.info()
        log.info("connected to Asterisk %s", info.get("system", {}).get("version", "?"))
        media = await media_transport(stack, settings)
        preflight = None
        if isinstance(conversation, ScenarioConversationFactory):
            await log_components(
                settings, conversation.asr.model_path, conversation.asr.language, conversation.tts.status
            )
            await check_robot(conversation.tts, settings.tts_voice)
            preflight = CampaignPreflight(conversation.tts, settings.tts_voice, conversation.asr.language)
        controller = build_controller(
            pool,
            ari,
            settings.ari_url,
            conversation(pool),
            ControllerOptions(
                robot_id=robot_id(settings),
                app=settings.ari_app,
                global_max_calls=settings.global_max_calls,
                lease_seconds=settings.lease_seconds,
                drain_timeout_s=settings.drain_timeout_s,
            ),
            media=media,
            preflight=preflight,
            admission=admission_control(settings),
        )
        nlu = (
            conversation.nlu
            if isinstance(conversation, ScenarioConversationFactory)
            else NluService.from_settings(settings)
        )
        checks = robot_checks(pool, ari, nlu, controller.ari_health)
        if isinstance(conversation, ScenarioConversationFactory):
            checks["tts"] = tts_check(conversation.tts.status)
        await _serve_health(stack, settings, checks)
        lag = LoopLagMonitor(LOOP_LAG_INTERVAL_S, observe_loop_lag)
        lag.start()
        stack.push_async_callback(lag.stop)
        if settings.scheduler_enabled:
            jobs = JobRunner(pool, url, settings, robot_id(settings), robot_jobs(settings))
            await jobs.start()
            stack.push_async_callback(jobs.stop)
        if isinstance(conversation, ScenarioConversationFactory):
            warm = asyncio.create_task(conversation.warm_up_asr(settings.asr_warm_recognizers))
            stack.callback(warm.cancel)
            warm_llm = asyncio.create_task(nlu.warm_up())  # load the model, cache the prompt
            stack.callback(warm_llm.cancel)
            await asyncio.to_thread(conversation.warm_up_understanding)
        beats = asyncio.create_task(registration.heartbeats(controller.stop), name="robot-heartbeat")
        stack.callback(beats.cancel)
        if install_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, controller.stop)
        log.info(
            "robot %s dialling (global cap %d calls)", controller.options.robot_id, settings.global_max_calls
        )
        await controller.run()
        log.info("robot stopped: %d calls settled", controller.stats.settled)


# Parts whose failure does not stop calls (they go on with a fallback): /health reports them as
# degraded and keeps answering 200 while the required parts (db, ari) are ok.
OPTIONAL_CHECKS = frozenset({"nlp", "tts"})


def robot_checks(
    pool: AsyncConnectionPool, ari: AriClient, nlu: NluService, dialer: AriHealth | None = None
) -> dict[str, HealthCheck]:
    """The robot's health checks: ``db``, ``ari`` and ``nlp`` (served as ``/health/<name>``).

    ``ari`` fails when ``GET /asterisk/ping`` fails, and when the dialer's view of ARI (``dialer``:
    event stream down, an originate refused by Asterisk) keeps it from dialling.
    """

    async def check_db() -> dict[str, object]:
        try:
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")
        except Exception as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True}

    async def check_ari() -> dict[str, object]:
        try:
            await ari.ping()
        except AriError as exc:
            return {"ok": False, "error": str(exc)}
        return dialer.report() if dialer is not None else {"ok": True}

    return {"db": check_db, "ari": check_ari, "nlp": nlp_check(nlu)}


def tts_check(status: TtsStatus) -> HealthCheck:
    """``/health/tts``: the engine and voice in use; ok, with a warning when it is the espeak-ng fallback."""

    async def check() -> dict[str, object]:
        return status.health()

    return check


async def _serve_health(stack: AsyncExitStack, settings: Settings, checks: dict[str, HealthCheck]) -> None:
    runner = web.AppRunner(health_app(checks, optional=OPTIONAL_CHECKS), handle_signals=False)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    try:
        await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
    except OSError as exc:
        log.warning("metrics/health port %d unavailable: %s", settings.metrics_port, exc)
