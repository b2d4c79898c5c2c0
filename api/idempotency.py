"""``Idempotency-Key``: a retried request gets the first response again and changes nothing.

The first response (success or refusal, never a server error) is stored per person and key
for ``KEY_LIFETIME``; a retry with the same key, method, path and body gets its status and body
back with ``Idempotent-Replayed: true``. The same key with a different request is refused with
422 ``idempotency_key_reused``. Costs one read per request with a key and one write per
first response.
"""

import contextlib
import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


def idempotent(handler):
    """Decorate an APIView method so that requests carrying an Idempotency-Key replay."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise exceptions.ValidationError(
                {HEADER: ["Use 1 to 255 visible ASCII characters, for example a UUID."]}
            )
        fingerprint = _fingerprint(request)
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is not None and stored.created_at < timezone.now() - KEY_LIFETIME:
            stored.delete()
            stored = None
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return Response(
                stored.body, status=stored.status_code, headers={"Idempotent-Replayed": "true"}
            )
        stored = False
        try:
            # A success is stored in the same transaction as the change it describes: if the
            # connection drops before COMMIT, neither exists and the retry books afresh; after
            # it, the retry replays. Storing it later could lose the record but keep the booking.
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if response.status_code < 300:
                    _store(request, key, fingerprint, response)
                    stored = True
        except Exception as exc:
            # The error response is the result to store; handle_exception re-raises the
            # unexpected ones (a server error is never stored).
            response = view.handle_exception(exc)
        if not stored and response.status_code < 500:
            # A refusal changed nothing, so a plain INSERT will do. A conflict means a
            # concurrent retry stored its result first, and both describe one outcome.
            with contextlib.suppress(IntegrityError):
                _store(request, key, fingerprint, response)
        return response

    return wrapper


def purge_expired(now, dry_run: bool = False) -> int:
    """Delete records older than ``KEY_LIFETIME`` (run by retention, registered in ApiConfig):
    a replay after that is a new request anyway, and a record holds a fingerprint of a body."""
    expired = IdempotencyKey.objects.filter(created_at__lt=now - KEY_LIFETIME)
    if dry_run:
        return expired.count()
    deleted, _ = expired.delete()
    return deleted


def _store(request, key: str, fingerprint: str, response) -> None:
    IdempotencyKey.objects.create(
        user=request.user,
        key=key,
        fingerprint=fingerprint,
        status_code=response.status_code,
        body=response.data,
    )


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()
