from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self) -> None:
        # Registers how the outbox renders a "new dates" email again (its "Retry").
        from events import interest  # noqa: F401
