from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"

    def ready(self):
        from api import schema  # noqa: F401 - registers the bearer scheme with drf-spectacular
        from api.idempotency import purge_expired
        from common.periodic import register
        from privacy.retention import register_purge

        # Idempotency records (a fingerprint of each request body) go after 24 hours: in the
        # worker's periodic round (every minute, no cron) and in every retention run.
        register("idempotency_purge", purge_expired)
        register_purge("idempotency records older than 24 hours", purge_expired)
