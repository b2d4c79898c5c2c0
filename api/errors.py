"""One place that turns errors into the API's ``{"code", "detail"}`` bodies.

Domain errors (``common.errors.DomainError``) carry their own code and status. DRF's exceptions keep
theirs (``parse_error``, ``permission_denied``, ``not_found``, ``throttled``, ...), except that
every 401 is ``not_authenticated`` and every validation failure is ``validation_error`` with
the per-field messages under ``errors``. Views hold no try/except for any of these.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError, InvalidValue


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.detail}
        if isinstance(exc, InvalidValue):
            body["errors"] = exc.errors
        return Response(body, status=exc.status)
    if isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(response.data)
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = {"code": "not_authenticated", "detail": str(exc.detail)}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {
            "code": getattr(detail, "code", None) or exc.default_code,
            "detail": str(detail),
        }
    return response


def validation_body(data) -> dict:
    """``{"code": "validation_error", "detail", "errors": {field: [messages]}}``."""
    if isinstance(data, dict):
        errors = {field: _messages(value) for field, value in data.items()}
    else:
        errors = {"non_field_errors": _messages(data)}
    first = next((f"{field}: {msgs[0]}" for field, msgs in errors.items() if msgs), "")
    detail = "The request is not valid." + (f" {first}" if first else "")
    return {"code": "validation_error", "detail": detail, "errors": errors}


def _messages(value) -> list[str]:
    """Flatten DRF's nested error structures into a list of strings."""
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


@csrf_exempt  # a 404 whatever the method; a CSRF refusal would be an HTML page
def not_found(request, *args, **kwargs):
    """JSON 404 for any path under /api/ that matches no endpoint (never an HTML page)."""
    return JsonResponse(
        {"code": "not_found", "detail": "There is no API endpoint at this address."},
        status=status.HTTP_404_NOT_FOUND,
    )


def server_error(request, *args, **kwargs):
    """handler500: JSON under /api/, the site's HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "detail": "Something went wrong on our side."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request, *args, **kwargs)
