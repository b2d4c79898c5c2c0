"""``/healthz``: a liveness and readiness probe for load balancers and process managers.

It answers without authentication, never redirects to HTTPS (see ``SECURE_REDIRECT_EXEMPT``) and
never caches, and says only whether the database answers: no versions, hosts or counts.
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """Return 200 when a query round-trips to the database, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz database check failed", exc_info=True)
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
