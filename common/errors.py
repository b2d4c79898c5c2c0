"""The domain error base: every rule a service enforces fails with one of these.

Each error has a stable ``code`` and an HTTP-like ``status``. The API maps them to
``{"code", "detail"}`` in one exception handler (``api.errors``); the website shows ``detail``
as a message. Apps define their own subclasses (``booking.errors``) next to their rules.
"""


class DomainError(Exception):
    code = "domain_error"
    status = 409
    default_detail = "The change could not be made."

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class NotFound(DomainError):
    """No such thing, or one the person may not see (which they may not know of)."""

    code = "not_found"
    status = 404
    default_detail = "Not found."


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403
    default_detail = "You do not have permission to do this."


class InvalidValue(DomainError):
    code = "validation_error"
    status = 400
    default_detail = "The value is not valid."

    def __init__(self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        # Per-field messages when the value came from a form or an API body.
        self.errors = errors or {}
