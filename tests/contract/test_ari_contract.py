"""Contract tests: the ARI client and the simulated PBX both held to the Asterisk 22 ARI spec."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import pytest

from services.ari import ChannelDestroyed, PlaybackFinished, StasisStart, parse_event
from services.ari.client import AriClient
from services.ari.operations import OPERATIONS
from services.simulator import Persona, PersonaBook
from services.simulator.personas import Rule
from tests.conftest import ARI_SPEC_DIR
from tests.contract.ari_helpers import of_type, running_pbx
from tests.contract.swagger import load_spec

pytestmark = pytest.mark.unit

SPEC = load_spec(ARI_SPEC_DIR)
MODELLED = {"StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDestroyed", "ChannelHangupRequest",
            "Dial", "PlaybackStarted", "PlaybackFinished", "ChannelVarset"}  # fmt: skip


# -- the checker itself -------------------------------------------------------------------------------
def test_checker_catches_missing_fields_wrong_types_and_bad_enums() -> None:
    good = {"id": "p", "media_uri": "sound:x", "target_uri": "channel:c", "state": "done"}
    assert SPEC.validate(good, "Playback") == []
    assert SPEC.validate({**good, "state": "finished"}, "Playback")
    assert SPEC.validate({k: v for k, v in good.items() if k != "id"}, "Playback")
    assert SPEC.validate({**good, "id": 3}, "Playback")
    assert SPEC.validate({**good, "extra": 1}, "Playback")
    assert SPEC.validate([good, {"id": "x"}], "List[Playback]")
    assert SPEC.validate({"type": "ChannelDestroyed", "application": "a", "timestamp": "t"}, "Message")


# -- the client's operations ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_client_operation_exists_in_the_spec(name: str) -> None:
    op = OPERATIONS[name]
    spec_op = SPEC.operation(op.method, op.path)
    assert spec_op is not None, f"{op.method} {op.path} is not in the ARI spec"
    path_params = set(re.findall(r"{(\w+)}", op.path))
    assert path_params == {n for n, p in spec_op.params.items() if p["paramType"] == "path"}
    for param in op.params:
        assert param in spec_op.params, f"{name}: {param} unknown to the spec"
        assert spec_op.params[param]["paramType"] == "query", f"{name}: {param} is not a query parameter"
    for param in op.body:  # ARI reads every parameter from a JSON body too
        assert param in spec_op.params and spec_op.params[param]["paramType"] in {"query", "body"}
    required = {n for n, p in spec_op.params.items() if p.get("required") and p["paramType"] != "path"}
    assert required <= op.params | op.body, f"{name}: the spec requires {required - op.params - op.body}"


# -- event fields the code reads ----------------------------------------------------------------------
class _Recorder(dict[str, Any]):
    """A JSON object that records which fields of which spec model are read."""

    def __init__(self, data: Mapping[str, Any], model: str, reads: set[tuple[str, str]]) -> None:
        super().__init__(data)
        self.model, self.reads = model, reads

    def _wrap(self, key: str, value: Any) -> Any:
        prop = SPEC.properties(self.model).get(key)
        if isinstance(value, dict) and prop is not None and prop["type"] in SPEC.models:
            return _Recorder(value, str(prop["type"]), self.reads)
        return value

    def __getitem__(self, key: str) -> Any:
        self.reads.add((self.model, key))
        return self._wrap(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.reads.add((self.model, key))
        return self._wrap(key, super().get(key, default)) if key in self else default


class _RecordingClient(AriClient):
    """AriClient keeping every raw JSON response with its operation name."""

    responses: list[tuple[str, Any]]

    async def call(self, name: str, path_args: Mapping[str, str] | None = None, **params: Any) -> Any:
        result = await super().call(name, path_args, **params)
        self.responses.append((name, result))
        return result


async def _scenario() -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """Run answered, busy, congestion, invalid, no-answer, callee-hangup, playback, bridge, externalMedia."""
    book = PersonaBook(rules=(Rule(re.compile("^07"), Persona(answer_after_s=0.5, hangup_after_s=1)),))
    async with running_pbx(personas=book) as (pbx, _ari, log), aiohttp.ClientSession() as http:
        pbx.engine.keep_event_log = True
        ari = _RecordingClient(pbx.url, pbx.user, pbx.password, "minibot", session=http)
        ari.responses = []
        await ari.info()
        await ari.ping()
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1", app_args="7", variables={"X": "1"})
        for number in ("0612345601", "0612345602", "0612345603", "0612345604", "0700000000"):
            await ari.originate(f"PJSIP/{number}@trunk", channel_id=number, timeout_s=2)
        await log.expect(StasisStart, "c1")
        await ari.list_channels()
        await ari.get_channel("c1")
        await ari.set_variable("c1", "RESULT", "ok")
        await ari.get_variable("c1", "RESULT")
        await ari.answer("c1")
        await ari.play("c1", "sound:hello-world", playback_id="p1")
        await log.expect(PlaybackFinished, where=lambda e: e.playback.id == "p1")
        await ari.play("c1", "sound:tt-monkeys", playback_id="p2")
        await log.wait_for(of_type("PlaybackStarted"))
        await ari.stop_playback("p2")
        media = await ari.external_media()
        bridge = await ari.create_bridge()
        connection = media.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"]
        async with http.ws_connect(f"{pbx.url}/media/{connection}", protocols=("media",)) as ws:
            await ws.receive()
            await log.expect(StasisStart, media.id)
            await ari.add_channel(bridge.id, "c1")
            await ari.add_channel(bridge.id, media.id)
            await ari.call("bridge_create", bridgeId="b2")
            await ari.remove_channel(bridge.id, media.id)
            await ari.destroy_bridge(bridge.id)
            await ari.play("c1", "sound:tt-monkeys", playback_id="p3")
            await ari.hangup(media.id)
            await ari.hangup("c1")
        for channel_id in (
            "c1",
            media.id,
            "0612345601",
            "0612345602",
            "0612345603",
            "0612345604",
            "0700000000",
        ):
            await log.expect(ChannelDestroyed, channel_id)
        return list(pbx.engine.event_log), ari.responses


@pytest.fixture(scope="module")
def scenario() -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    import asyncio

    return asyncio.run(_scenario())


def test_the_scenario_covers_every_modelled_event(scenario: tuple[list[dict[str, Any]], Any]) -> None:
    events, _responses = scenario
    assert {e["type"] for e in events} >= MODELLED
    causes = {e["cause"] for e in events if e["type"] == "ChannelDestroyed"}
    assert {1, 16, 17, 19, 34} <= causes


def test_every_simulated_event_validates(scenario: tuple[list[dict[str, Any]], Any]) -> None:
    events, _responses = scenario
    errors = [err for event in events for err in SPEC.validate(event, "Message", event["type"])]
    assert errors == []


def test_every_simulated_rest_response_validates(scenario: tuple[Any, list[tuple[str, Any]]]) -> None:
    _events, responses = scenario
    assert {name for name, _ in responses} >= set(OPERATIONS) - {"channel_snoop"}
    for name, body in responses:
        op = OPERATIONS[name]
        spec_op = SPEC.operation(op.method, op.path)
        assert spec_op is not None
        if spec_op.response_class == "void":
            assert body is None, name
        else:
            assert SPEC.validate(body, spec_op.response_class, name) == []


def test_every_event_field_the_parser_reads_is_in_the_spec(
    scenario: tuple[list[dict[str, Any]], Any],
) -> None:
    events, _responses = scenario
    reads: set[tuple[str, str]] = set()
    for event in events:
        parse_event(_Recorder(event, event["type"], reads))
    assert {model for model, _ in reads} >= MODELLED | {"Channel", "CallerID", "Playback"}
    unknown = sorted((model, key) for model, key in reads if key not in SPEC.properties(model))
    assert unknown == []
