"""OpenAPI pieces: the bearer scheme and the documented error responses with examples."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api.serializers import ErrorSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the auth scheme name, not a secret
        )


# status: (description, example codes with a sample detail)
ERRORS = {
    400: (
        "The request is not valid: `validation_error` (messages per field under `errors`) or "
        "`parse_error` (malformed JSON).",
        {
            "validation_error": {
                "code": "validation_error",
                "detail": "The request is not valid. capacity: Ensure this value is greater "
                "than or equal to 1.",
                "errors": {"capacity": ["Ensure this value is greater than or equal to 1."]},
            },
            "parse_error": {
                "code": "parse_error",
                "detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)",
            },
        },
    ),
    401: (
        "`not_authenticated`: no credentials, or an invalid or expired token. The response "
        "carries `WWW-Authenticate: Bearer`.",
        {
            "not_authenticated": {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
            }
        },
    ),
    403: (
        "`permission_denied`: signed in, but this is not yours to do.",
        {
            "permission_denied": {
                "code": "permission_denied",
                "detail": "You do not have permission to perform this action.",
            }
        },
    ),
    404: (
        "`not_found`: no such object, or one you may not see.",
        {"not_found": {"code": "not_found", "detail": "No Session matches the given query."}},
    ),
    409: (
        "A booking rule refused the request: `already_booked`, `session_full`, "
        "`booking_closed`, `session_cancelled`, `session_started`, `capacity_below_confirmed`, "
        "`already_cancelled`, `not_confirmed`, `attendance_too_early`, `schedule_conflict` (the "
        "person holds an overlapping booking; send `allow_conflict: true` to book anyway).",
        {
            "session_full": {
                "code": "session_full",
                "detail": "This session is full and its waitlist is closed.",
            },
            "already_booked": {
                "code": "already_booked",
                "detail": "You already have a place or a waitlist place at this session.",
            },
            "schedule_conflict": {
                "code": "schedule_conflict",
                "detail": "You are already booked on Voice of the Child at an overlapping time "
                "(Monday 12 July 2021, 12:00 to 14:30 (UK time)). Book again with "
                "allow_conflict to book anyway.",
            },
        },
    ),
    415: (
        "`unsupported_media_type`: send `application/json`.",
        {
            "unsupported_media_type": {
                "code": "unsupported_media_type",
                "detail": 'Unsupported media type "text/plain" in request.',
            }
        },
    ),
    422: (
        "`idempotency_key_reused`: the `Idempotency-Key` was used for a different request.",
        {
            "idempotency_key_reused": {
                "code": "idempotency_key_reused",
                "detail": "This Idempotency-Key was already used for a different request.",
            }
        },
    ),
    429: (
        "`throttled`: too many requests; retry after the `Retry-After` seconds.",
        {
            "throttled": {
                "code": "throttled",
                "detail": "Request was throttled. Expected available in 42 seconds.",
            }
        },
    ),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for the given statuses (401 and 429 are always possible)."""
    responses = {}
    for status in sorted({*statuses, 401, 429}):
        description, examples = ERRORS[status]
        responses[status] = OpenApiResponse(
            ErrorSerializer,
            description=description,
            examples=[
                OpenApiExample(code, value=body, response_only=True, status_codes=[status])
                for code, body in examples.items()
            ],
        )
    return responses


READ_LIST = (400, 404)
READ_ONE = (404,)
WRITE = (400, 403, 404, 409, 415)
