"""A small typed async ARI REST client on aiohttp.

Every call goes through the :data:`OPERATIONS` registry so tests can hold each one to the spec.
HTTP errors become domain errors here: 404 → NoSuchChannel, 409 → AriError(status=409, not retryable),
401 → AriError about credentials, unreachable → AriError(retryable).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from services.ari.eventstream import AriEventStream, ReconnectHook
from services.ari.models import Bridge, Channel, Playback
from services.ari.operations import OPERATIONS
from services.errors import AriError, NoSuchChannel

_JSON = dict[str, Any]


class AriClient:
    """REST operations MiniBot uses. ``base_url`` is e.g. ``http://127.0.0.1:8088`` (``/ari`` is added)."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str,
        *,
        timeout_s: float = 10.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self.password = password
        self.app = app
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = session
        self._own_session = session is None
        self._auth = {"Authorization": aiohttp.encode_basic_auth(user, password)}

    async def __aenter__(self) -> AriClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if the client created it."""
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def call(self, name: str, path_args: Mapping[str, str] | None = None, **params: Any) -> Any:
        """Run the registered operation ``name``; returns decoded JSON (None for 204)."""
        op = OPERATIONS[name]
        unknown = set(params) - op.params - op.body
        if unknown:
            raise ValueError(f"{name}: parameters {sorted(unknown)} are not registered")
        path = op.path.format(**(path_args or {}))
        query = {k: _query_value(v) for k, v in params.items() if k in op.params and v is not None}
        body = {k: v for k, v in params.items() if k in op.body and v is not None}
        url = f"{self.base_url}/ari{path}"
        try:
            async with self._http().request(
                op.method, url, params=query, json=body if op.body else None, headers=self._auth
            ) as response:
                text = await response.text()
                if response.status >= 400:
                    raise _error(response.status, op.method, path, text, self.user)
                if response.status == 204 or not text:
                    return None
                return await response.json(content_type=None)
        except aiohttp.ClientConnectionError as exc:
            raise AriError(
                f"cannot reach Asterisk ARI at {self.base_url} ({exc}); is Asterisk running with http.conf "
                "enabled and MINIBOT_ARI_URL right?",
                retryable=True,
            ) from exc
        except TimeoutError as exc:
            raise AriError(f"ARI {op.method} {path} timed out", retryable=True) from exc

    def events(self, on_reconnect: ReconnectHook | None = None, **options: Any) -> AriEventStream:
        """The event stream for this client's app (``async for event in client.events(...)``)."""
        return AriEventStream(
            self.base_url, self.user, self.password, self.app, on_reconnect=on_reconnect, **options
        )

    # -- asterisk ---------------------------------------------------------------------------------
    async def info(self) -> _JSON:
        """GET /asterisk/info."""
        result: _JSON = await self.call("asterisk_info")
        return result

    async def ping(self) -> _JSON:
        """GET /asterisk/ping."""
        result: _JSON = await self.call("asterisk_ping")
        return result

    # -- channels ---------------------------------------------------------------------------------
    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        app_args: str = "",
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: Mapping[str, str] | None = None,
        context: str | None = None,
    ) -> Channel:
        """POST /channels into our app, or into dialplan ``context`` (extension ``s``, e.g. minibot-amd).

        An existing ``channel_id`` is refused with AriError(status=409).
        """
        data = await self.call(
            "channel_originate",
            endpoint=endpoint,
            app=None if context else self.app,
            appArgs=None if context else app_args,
            context=context,
            extension="s" if context else None,
            callerId=caller_id,
            timeout=timeout_s,
            channelId=channel_id,
            variables=dict(variables) if variables else None,
        )
        return Channel.from_json(data)

    async def list_channels(self) -> list[Channel]:
        """GET /channels."""
        return [Channel.from_json(c) for c in await self.call("channels_list")]

    async def get_channel(self, channel_id: str) -> Channel:
        """GET /channels/{id}; NoSuchChannel if gone."""
        return Channel.from_json(await self.call("channel_get", {"channelId": channel_id}))

    async def answer(self, channel_id: str) -> None:
        """POST /channels/{id}/answer."""
        await self.call("channel_answer", {"channelId": channel_id})

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """DELETE /channels/{id}?reason=..."""
        await self.call("channel_hangup", {"channelId": channel_id}, reason=reason)

    async def get_variable(self, channel_id: str, variable: str) -> str:
        """GET /channels/{id}/variable."""
        data = await self.call("channel_get_var", {"channelId": channel_id}, variable=variable)
        return str(data.get("value", ""))

    async def set_variable(self, channel_id: str, variable: str, value: str) -> None:
        """POST /channels/{id}/variable."""
        await self.call("channel_set_var", {"channelId": channel_id}, variable=variable, value=value)

    async def play(
        self, channel_id: str, media: str, *, lang: str | None = None, playback_id: str | None = None
    ) -> Playback:
        """POST /channels/{id}/play/{playbackId} (``media`` like ``sound:hello-world``)."""
        playback_id = playback_id or str(uuid.uuid4())
        data = await self.call(
            "channel_play", {"channelId": channel_id, "playbackId": playback_id}, media=media, lang=lang
        )
        return Playback.from_json(data)

    async def external_media(
        self,
        *,
        channel_id: str | None = None,
        transport: str = "websocket",
        encapsulation: str = "none",
        external_host: str | None = None,
        connection_type: str | None = "server",
        media_format: str = "slin16",
        direction: str | None = None,
        data: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """POST /channels/externalMedia. WebSocket server mode returns MEDIA_WEBSOCKET_CONNECTION_ID."""
        result = await self.call(
            "channel_external_media",
            channelId=channel_id,
            app=self.app,
            external_host=external_host,
            encapsulation=encapsulation,
            transport=transport,
            connection_type=connection_type if transport == "websocket" else None,
            format=media_format,
            direction=direction,
            data=data,
            variables=dict(variables) if variables else None,
        )
        return Channel.from_json(result)

    async def snoop(self, channel_id: str, *, spy: str = "in", snoop_id: str | None = None) -> Channel:
        """POST /channels/{id}/snoop into our app."""
        data = await self.call(
            "channel_snoop", {"channelId": channel_id}, app=self.app, spy=spy, snoopId=snoop_id
        )
        return Channel.from_json(data)

    # -- bridges / playbacks ----------------------------------------------------------------------
    async def create_bridge(self, bridge_id: str | None = None, bridge_type: str = "mixing") -> Bridge:
        """POST /bridges."""
        return Bridge.from_json(await self.call("bridge_create", type=bridge_type, bridgeId=bridge_id))

    async def add_channel(self, bridge_id: str, channel_id: str) -> None:
        """POST /bridges/{id}/addChannel."""
        await self.call("bridge_add_channel", {"bridgeId": bridge_id}, channel=channel_id)

    async def remove_channel(self, bridge_id: str, channel_id: str) -> None:
        """POST /bridges/{id}/removeChannel."""
        await self.call("bridge_remove_channel", {"bridgeId": bridge_id}, channel=channel_id)

    async def destroy_bridge(self, bridge_id: str) -> None:
        """DELETE /bridges/{id}."""
        await self.call("bridge_destroy", {"bridgeId": bridge_id})

    async def stop_playback(self, playback_id: str) -> None:
        """DELETE /playbacks/{id}."""
        await self.call("playback_stop", {"playbackId": playback_id})


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _error(status: int, method: str, path: str, text: str, user: str) -> AriError:
    detail = text.strip()[:200]
    if status == 404:
        return NoSuchChannel(f"ARI {method} {path}: not found ({detail})", status=404)
    if status == 401:
        return AriError(
            f"ARI refused the credentials of user {user!r}: check MINIBOT_ARI_USER/MINIBOT_ARI_PASSWORD "
            "against ari.conf",
            status=401,
            retryable=False,
        )
    if status == 409:
        return AriError(f"ARI {method} {path}: conflict ({detail})", status=409, retryable=False)
    return AriError(
        f"ARI {method} {path} failed with HTTP {status} ({detail})", status=status, retryable=status >= 500
    )
