"""The ARI HTTP surface of the simulated PBX: REST under /ari (Basic auth or api_key) and /ari/events."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import platform
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from services.simulator.pbx import PbxEngine, SimError
from services.simulator.shapes import HANGUP_REASONS, ari_time

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ENGINE: web.AppKey[PbxEngine] = web.AppKey("engine", PbxEngine)
CREDENTIALS: web.AppKey[tuple[str, str]] = web.AppKey("credentials", tuple)
EventSockets = set[web.WebSocketResponse]
EVENT_SOCKETS: web.AppKey[EventSockets] = web.AppKey("event_sockets", set)


def _credentials(request: web.Request) -> tuple[str, str] | None:
    api_key = request.query.get("api_key")
    if api_key is not None:
        user, _, password = api_key.partition(":")
        return user, password
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password
    return None


@web.middleware
async def ari_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate /ari requests and turn SimError into ARI's ``{"message": ...}`` error responses."""
    if request.path.startswith("/ari") and _credentials(request) != request.app[CREDENTIALS]:
        return web.json_response({"message": "Authentication required"}, status=401)
    try:
        return await handler(request)
    except SimError as exc:
        return web.json_response({"message": exc.message}, status=exc.status)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query parameters merged with a JSON body (ARI accepts parameters in either)."""
    params: dict[str, Any] = dict(request.query)
    params.pop("api_key", None)
    if request.can_read_body:
        try:
            body = json.loads(await request.text() or "{}")
        except json.JSONDecodeError as exc:
            raise SimError(400, f"body is not JSON: {exc}") from exc
        if isinstance(body, dict):
            params.update(body)
    return params


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise SimError(400, f"{name} is required")
    return str(value)


def _engine(request: web.Request) -> PbxEngine:
    return request.app[ENGINE]


async def asterisk_info(request: web.Request) -> web.Response:
    """GET /asterisk/info."""
    now = ari_time()
    return web.json_response({
        "build": {"os": platform.system(), "kernel": platform.release(), "options": "",
                  "machine": platform.machine(), "user": "minibot",
                  "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")},
        "system": {"version": "22.10.1-minibot-sim", "entity_id": _engine(request).asterisk_id},
        "config": {"name": "minibot-sim", "default_language": "fr", "setid": {"user": "", "group": ""}},
        "status": {"startup_time": now, "last_reload_time": now},
    })  # fmt: skip


async def asterisk_ping(request: web.Request) -> web.Response:
    """GET /asterisk/ping."""
    engine = _engine(request)
    return web.json_response({"asterisk_id": engine.asterisk_id, "ping": "pong", "timestamp": ari_time()})


async def channels_list(request: web.Request) -> web.Response:
    """GET /channels."""
    return web.json_response([c.to_json() for c in _engine(request).channels.values()])


async def channel_originate(request: web.Request) -> web.Response:
    """POST /channels and POST /channels/{channelId}."""
    params = await _params(request)
    if "channelId" in request.match_info:
        params["channelId"] = request.match_info["channelId"]
    return web.json_response(_engine(request).originate(params).to_json())


async def channel_get(request: web.Request) -> web.Response:
    """GET /channels/{channelId}."""
    return web.json_response(_engine(request).channel(request.match_info["channelId"]).to_json())


async def channel_hangup(request: web.Request) -> web.Response:
    """DELETE /channels/{channelId}?reason=...|reason_code=..."""
    engine = _engine(request)
    channel = engine.channel(request.match_info["channelId"])
    params = await _params(request)
    if params.get("reason_code"):
        cause = int(params["reason_code"])
    else:
        reason = str(params.get("reason") or "normal")
        if reason not in HANGUP_REASONS:
            raise SimError(400, "Invalid reason for hangup provided")
        cause = HANGUP_REASONS[reason]
    engine.spawn(engine.hangup(channel.id, cause))
    return web.Response(status=204)


async def channel_answer(request: web.Request) -> web.Response:
    """POST /channels/{channelId}/answer (channels in Stasis are already answered)."""
    _engine(request).channel(request.match_info["channelId"])
    return web.Response(status=204)


async def channel_variable(request: web.Request) -> web.Response:
    """GET/POST /channels/{channelId}/variable."""
    engine, params = _engine(request), await _params(request)
    channel_id, name = request.match_info["channelId"], _required(params, "variable")
    if request.method == "GET":
        return web.json_response({"value": engine.get_variable(channel_id, name)})
    engine.set_variable(channel_id, name, str(params.get("value") or ""))
    return web.Response(status=204)


async def channel_play(request: web.Request) -> web.Response:
    """POST /channels/{channelId}/play[/{playbackId}]."""
    params = await _params(request)
    playback_id = request.match_info.get("playbackId") or params.get("playbackId")
    playback = _engine(request).play(
        request.match_info["channelId"], _required(params, "media"), playback_id, params.get("lang")
    )
    return web.json_response(playback.to_json(), status=201)


async def channel_external_media(request: web.Request) -> web.Response:
    """POST /channels/externalMedia."""
    channel = await _engine(request).external_media(await _params(request))
    return web.json_response(channel.to_json())


async def bridges_create(request: web.Request) -> web.Response:
    """POST /bridges[/{bridgeId}]."""
    params = await _params(request)
    bridge_id = request.match_info.get("bridgeId") or params.get("bridgeId")
    return web.json_response(_engine(request).create_bridge(bridge_id, params.get("type")).to_json())


async def bridge_get(request: web.Request) -> web.Response:
    """GET /bridges/{bridgeId}."""
    return web.json_response(_engine(request).bridge(request.match_info["bridgeId"]).to_json())


async def bridge_destroy(request: web.Request) -> web.Response:
    """DELETE /bridges/{bridgeId}."""
    _engine(request).destroy_bridge(request.match_info["bridgeId"])
    return web.Response(status=204)


async def bridge_channel(request: web.Request) -> web.Response:
    """POST /bridges/{bridgeId}/addChannel|removeChannel."""
    engine, params = _engine(request), await _params(request)
    bridge_id, action = request.match_info["bridgeId"], request.match_info["action"]
    for channel_id in _required(params, "channel").split(","):
        if action == "addChannel":
            engine.add_channel(bridge_id, channel_id)
        else:
            engine.remove_channel(bridge_id, channel_id)
    return web.Response(status=204)


async def playback_get(request: web.Request) -> web.Response:
    """GET /playbacks/{playbackId}."""
    playback = _engine(request).playbacks.get(request.match_info["playbackId"])
    if playback is None:
        raise SimError(404, "Playback not found")
    return web.json_response(playback.to_json())


async def playback_stop(request: web.Request) -> web.Response:
    """DELETE /playbacks/{playbackId}."""
    _engine(request).stop_playback(request.match_info["playbackId"])
    return web.Response(status=204)


async def events_socket(request: web.Request) -> web.StreamResponse:
    """GET /ari/events?app=a[,b]: every event for those apps as JSON text messages."""
    apps = [a for a in request.query.get("app", "").split(",") if a]
    if not apps:
        raise SimError(400, "app parameter is required")
    engine = _engine(request)
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    queue = engine.subscribe(apps)
    request.app[EVENT_SOCKETS].add(ws)
    sender = engine.spawn(_pump(queue, ws))
    try:
        async for _message in ws:
            pass  # ARI clients send nothing we need
    finally:
        engine.unsubscribe(queue)
        request.app[EVENT_SOCKETS].discard(ws)
        sender.cancel()
    return ws


async def _pump(queue: Any, ws: web.WebSocketResponse) -> None:
    while not ws.closed:
        text = await queue.get()
        with contextlib.suppress(ConnectionResetError):
            await ws.send_str(text)


def build_app(engine: PbxEngine, user: str, password: str) -> web.Application:
    """The aiohttp application of the simulated Asterisk."""
    app = web.Application(middlewares=[ari_middleware])
    app[ENGINE] = engine
    app[CREDENTIALS] = (user, password)
    app[EVENT_SOCKETS] = set()
    add = app.router
    add.add_get("/ari/events", events_socket)
    add.add_get("/ari/asterisk/info", asterisk_info)
    add.add_get("/ari/asterisk/ping", asterisk_ping)
    add.add_get("/ari/channels", channels_list)
    add.add_post("/ari/channels", channel_originate)
    add.add_post("/ari/channels/externalMedia", channel_external_media)
    add.add_get("/ari/channels/{channelId}", channel_get)
    add.add_post("/ari/channels/{channelId}", channel_originate)
    add.add_delete("/ari/channels/{channelId}", channel_hangup)
    add.add_post("/ari/channels/{channelId}/answer", channel_answer)
    add.add_route("*", "/ari/channels/{channelId}/variable", channel_variable)
    add.add_post("/ari/channels/{channelId}/play", channel_play)
    add.add_post("/ari/channels/{channelId}/play/{playbackId}", channel_play)
    add.add_post("/ari/bridges", bridges_create)
    add.add_post("/ari/bridges/{bridgeId}", bridges_create)
    add.add_get("/ari/bridges/{bridgeId}", bridge_get)
    add.add_delete("/ari/bridges/{bridgeId}", bridge_destroy)
    add.add_post("/ari/bridges/{bridgeId}/{action:addChannel|removeChannel}", bridge_channel)
    add.add_get("/ari/playbacks/{playbackId}", playback_get)
    add.add_delete("/ari/playbacks/{playbackId}", playback_stop)
    for transport in engine.transports.values():
        transport.add_routes(app)
    return app
