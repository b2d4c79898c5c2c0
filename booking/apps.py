from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self) -> None:
        from booking import messages
        from notifications.services import register_renderer

        # The outbox knows no booking: booking says how to render its messages again when
        # one failed to render and a coordinator retries it.
        register_renderer(messages.BOOKING_KINDS, messages.render_again)
