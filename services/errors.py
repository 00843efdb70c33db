"""One error tree for the whole product.

Every domain error carries a message a user can act on and a ``retryable`` flag.
Third-party exceptions are translated into these only at adapter boundaries.
"""

from __future__ import annotations


class MiniBotError(Exception):
    """Base of every error MiniBot raises on purpose."""

    retryable: bool = False
    code: str = "minibot_error"

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class ConfigError(MiniBotError):
    """A setting is missing or invalid."""

    code = "config_error"


class DatabaseError(MiniBotError):
    """The database cannot be reached or a migration failed."""

    code = "database_error"
    retryable = True


class NotFoundError(MiniBotError):
    """A named object (campaign, contact, user...) does not exist."""

    code = "not_found"


class ConflictError(MiniBotError):
    """The operation conflicts with the current state (duplicate name, wrong status...)."""

    code = "conflict"


class ImportError_(MiniBotError):  # trailing underscore: do not shadow the builtin
    """A file cannot be imported at all (unreadable, no phone column...)."""

    code = "import_error"


class QueueError(MiniBotError):
    """A call-queue operation was refused (e.g. completing a row twice)."""

    code = "queue_error"


class ComplianceError(MiniBotError):
    """A campaign or call breaks a compliance rule."""

    code = "compliance_error"


class AriError(MiniBotError):
    """Asterisk ARI answered with an error or could not be reached."""

    code = "ari_error"
    retryable = True

    def __init__(self, message: str, *, status: int | None = None, retryable: bool | None = None) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status


class NoSuchChannel(AriError):
    """ARI answered 404 for a channel, bridge or playback that is gone."""

    code = "no_such_channel"
    retryable = False


class MediaError(MiniBotError):
    """An ExternalMedia transport failed or sent malformed frames."""

    code = "media_error"


class AsrError(MiniBotError):
    """Speech recognition cannot run (model missing or broken)."""

    code = "asr_error"


class NlpError(MiniBotError):
    """The language model failed, timed out or answered malformed JSON."""

    code = "nlp_error"
    retryable = True


class ScenarioError(MiniBotError):
    """A scenario file is invalid; the message names the file, step and field."""

    code = "scenario_error"

    def __init__(self, message: str, *, file: str = "", step: str = "", field: str = "") -> None:
        location = ", ".join(part for part in (file, f"step {step!r}" if step else "", field) if part)
        super().__init__(f"{location}: {message}" if location else message)
        self.file = file
        self.step = step
        self.field = field


class AuthError(MiniBotError):
    """Login failed or the user lacks the role for an action."""

    code = "auth_error"
