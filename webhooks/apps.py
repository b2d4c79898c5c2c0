from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from common.periodic import register
        from webhooks.tasks import sweep

        # Every worker round: hand due retries to the worker, resend what a dead worker left,
        # switch off endpoints failing for 3 days. No request is sent in the round itself.
        register("webhook_sweep", sweep)
