"""Domain errors. Services raise these; core.web.errors maps them to pages and JSON.

Messages are user-facing Chinese; `errors` maps a field (or "第3行") to its messages.
"""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class PermissionDenied(DomainError):
    """A visible object the caller's role may not change (never for another tenant's object)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Missing, or belonging to a tenant the caller may not see: the two are indistinguishable."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "对象不存在或无权访问", errors=None):
        super().__init__(message, errors)


class Conflict(DomainError):
    """Stale version or a transition not allowed from the current state."""

    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]], message: str | None = None):
        if message is None:
            # Messages name their field in Chinese ("预案名称为必填项"); the key is for machines.
            first = next(iter(errors.values()), None)
            message = first[0] if first else "输入有误"
        super().__init__(message, errors)


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


class Unavailable(DomainError):
    """Something the server itself lacks (e.g. a font for PDFs): not the caller's fault."""

    status = 503
    code = "unavailable"


def refuse(refusal: "DomainError | None") -> None:
    """Raise a rule's refusal (see ServiceContext.refusal): the action raises what the page
    shows as a missing button, so the two never disagree."""
    if refusal is not None:
        raise refusal
