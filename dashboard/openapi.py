"""The OpenAPI 3 document of the JSON API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

_TS = {"type": ["string", "null"], "format": "date-time"}
_STR = {"type": ["string", "null"]}
_INT = {"type": ["integer", "null"]}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": _obj(
        ["type", "title", "status", "detail"],
        type={"type": "string"},
        title={"type": "string"},
        status={"type": "integer"},
        detail={"type": "string"},
    ),
    "Campaign": _obj(
        ["id", "name", "status"],
        id={"type": "integer"},
        name={"type": "string"},
        status={"type": "string", "enum": ["draft", "running", "paused", "stopped", "finished"]},
        scenario={"type": "string"},
        contacts={"type": "integer"},
        dialled={"type": "integer"},
        answered={"type": "integer"},
        human={"type": "integer"},
        machine={"type": "integer"},
        avg_duration_s={"type": ["number", "null"]},
        leads={"type": "integer"},
        qualified={"type": "integer"},
        dnc_requests={"type": "integer"},
    ),
    "CampaignAction": _obj(
        ["id", "status", "queued"],
        id={"type": "integer"},
        name={"type": "string"},
        status={"type": "string"},
        queued={"type": "integer"},
        cancelled={"type": "integer"},
        warnings={"type": "array", "items": {"type": "string"}},
    ),
    "Call": _obj(
        ["id", "campaign_id", "status"],
        id={"type": "integer"},
        campaign_id={"type": "integer"},
        contact_id=_INT,
        attempt={"type": "integer"},
        status={"type": "string", "enum": ["originating", "ringing", "answered", "ended"]},
        current_step=_STR,
        outcome=_STR,
        amd_result=_STR,
        amd_reason=_STR,
        transfer_endpoint=_STR,
        transfer_result=_STR,
        phone=_STR,
        originated_at=_TS,
        answered_at=_TS,
        ended_at=_TS,
        created_at=_TS,
    ),
    "Turn": _obj(
        ["id", "seq", "speaker", "text"],
        id={"type": "integer"},
        seq={"type": "integer"},
        speaker={"type": "string", "enum": ["bot", "caller"]},
        step=_STR,
        text={"type": "string"},
        intent=_STR,
        confidence={"type": ["number", "null"]},
        sentiment=_STR,
        start_ms=_INT,
        end_ms=_INT,
        asr_latency_ms=_INT,
        response_latency_ms=_INT,
        barge_in={"type": "boolean"},
        interrupted_at_ms=_INT,
        objection=_STR,  # the scenario objection this caller turn raised
    ),
    "Lead": _obj(
        ["id", "call_id", "campaign_id", "status", "score", "created_at"],
        id={"type": "integer"},
        call_id={"type": "integer"},
        contact_id=_INT,
        campaign_id={"type": "integer"},
        campaign={"type": "string"},
        status={
            "type": "string",
            "enum": ["qualified", "not_interested", "callback", "do_not_call", "unreachable"],
        },
        score={"type": "integer"},
        summary={"type": "string"},
        phone=_STR,
        first_name=_STR,
        last_name=_STR,
        callback_at=_TS,
        created_at={"type": "string", "format": "date-time"},
        reviewed_at=_TS,
        assigned_email=_STR,
        objections={"type": "array", "items": {"type": "string"}},  # raised during the call, in order
    ),
    "Stats": _obj(
        ["running_campaigns", "live_calls", "calls_since", "leads_since", "qualified_since"],
        running_campaigns={"type": "integer"},
        live_calls={"type": "integer"},
        calls_since={"type": "integer"},
        leads_since={"type": "integer"},
        qualified_since={"type": "integer"},
        since={"type": "string", "format": "date-time"},
    ),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str, cursor: str) -> dict[str, Any]:
    return _obj(
        ["items", cursor],
        items={"type": "array", "items": _ref(item)},
        **{cursor: {"type": ["string", "null"]}},
    )


def _ok(schema: dict[str, Any], summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    errors = {
        code: {"description": text, "content": {"application/problem+json": {"schema": _ref("Problem")}}}
        for code, text in (
            ("400", "bad parameter"),
            ("401", "no, expired or revoked credentials"),
            ("403", "role too low, or a read-only token on a POST"),
            ("404", "not found"),
            ("409", "the move is not allowed now"),
        )
    }
    return {
        "summary": summary,
        "parameters": params or [],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            **errors,
        },
    }


def _q(name: str, schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema}


_ID = _q("id", {"type": "integer"}, "path")
_LEAD_FILTERS = [
    _q("campaign_id", {"type": "integer"}),
    _q("status", SCHEMAS["Lead"]["properties"]["status"]),
    _q("min_score", {"type": "integer"}),
    _q("since", {"type": "string", "format": "date"}),
    _q("until", {"type": "string", "format": "date"}),
    _q("sort", {"type": "string", "enum": ["recent", "score"]}),
    _q("cursor", {"type": "string"}),
    _q("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
]

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/campaigns": {
        "get": _ok(
            {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": _ref("Campaign")}},
            },
            "Campaigns with their KPIs",
        )
    },
    "/api/v1/campaigns/{id}/{action}": {
        "post": _ok(
            _ref("CampaignAction"),
            "Start, pause or stop a campaign (supervisor)",
            [_ID, _q("action", {"type": "string", "enum": ["start", "pause", "stop"]}, "path")],
        )
    },
    "/api/v1/calls": {
        "get": _ok(
            _page("Call", "next_before_id"),
            "Calls, newest first (keyset on id)",
            [
                _q("campaign_id", {"type": "integer"}),
                _q("status", {"type": "string"}),
                _q("before_id", {"type": "integer"}),
                _q("limit", {"type": "integer"}),
            ],
        )
    },
    "/api/v1/calls/{id}": {"get": _ok(_ref("Call"), "One call", [_ID])},
    "/api/v1/calls/{id}/turns": {
        "get": _ok(
            {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": _ref("Turn")}},
            },
            "Turns of a call in order",
            [_ID],
        )
    },
    "/api/v1/leads": {
        "get": _ok(_page("Lead", "next_cursor"), "Leads (filters, keyset pages)", _LEAD_FILTERS)
    },
    "/api/v1/stats": {"get": _ok(_ref("Stats"), "Totals for the last 24 hours")},
    "/api/v1/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}
    },
}


def document() -> dict[str, Any]:
    """The full OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "MiniBot dashboard API", "version": "1"},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "minibot_session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": PATHS,
    }
