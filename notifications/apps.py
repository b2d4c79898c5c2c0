from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        from common.periodic import register
        from notifications.services import requeue_stale

        # Recover messages whose task was lost, every round of the worker's periodic jobs.
        register("outbox_sweep", requeue_stale)
