"""Errors as users see them: a French (or English) HTML page, or RFC 9457 problem details for the API.

Handlers raise :class:`Problem` with a message key of :mod:`dashboard.i18n`; bad values that only the
database notices (out of range, wrong type) and broken references answer 400/409 instead of 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
import psycopg
from aiohttp import web

from dashboard import i18n
from dashboard.jsonutil import dumps
from dashboard.keys import SETTINGS

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_GENERIC = {
    400: "error_bad_request",
    401: "error_unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "error_method",
    409: "error_conflict",
    413: "error_too_large",
    422: "error_unprocessable",
    429: "too_many",
    500: "error_internal",
}


class Problem(Exception):
    """An error answer: HTTP ``status`` and the i18n ``key`` of its message (formatted with ``params``)."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


def language(request: web.Request) -> str:
    """The language of the answer: ``?lang=``, the cookie, Accept-Language, then the setting."""
    return i18n.pick_language(
        request.query.get("lang"),
        request.cookies.get(i18n.LANG_COOKIE),
        request.headers.get("Accept-Language"),
        request.app[SETTINGS].language,
    )


def is_api(request: web.Request) -> bool:
    """API requests get JSON answers."""
    return request.path.startswith("/api/")


async def render(request: web.Request, problem: Problem) -> web.StreamResponse:
    """The answer to ``problem``: problem+json for the API, the error page otherwise."""
    lang = language(request)
    title = i18n.translate(lang, _GENERIC.get(problem.status, "error_bad_request"))
    detail = i18n.translate(lang, problem.key).format(**problem.params)
    if is_api(request):
        body = {"type": "about:blank", "title": title, "status": problem.status, "detail": detail}
        return web.Response(status=problem.status, text=dumps(body), content_type="application/problem+json")
    if aiohttp_jinja2.REQUEST_CONTEXT_KEY not in request:  # the error came before the page context was built
        shared: dict[str, object] = {}
        for processor in request.config_dict[aiohttp_jinja2.APP_CONTEXT_PROCESSORS_KEY]:
            shared.update(await processor(request))
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = shared
    context = {"title": title, "detail": detail, "status": problem.status}
    return aiohttp_jinja2.render_template("error.html", request, context, status=problem.status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a clear answer; log the unexpected ones."""
    try:
        return await handler(request)
    except Problem as problem:
        return await render(request, problem)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return await render(request, Problem(exc.status, _GENERIC.get(exc.status, "error_bad_request")))
    except psycopg.errors.DataError:
        return await render(request, Problem(400, "error_bad_value"))
    except psycopg.errors.IntegrityError:
        return await render(request, Problem(409, "error_conflict_reference"))
    except Exception:
        log.exception("dashboard request %s %s failed", request.method, request.path)
        return await render(request, Problem(500, "error_internal"))
