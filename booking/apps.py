import importlib

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"

    def ready(self) -> None:
        from booking import messages, services
        from common.periodic import register
        from notifications.services import register_renderer

        # The outbox knows no booking: booking says how to render its messages again when
        # one failed to render and a coordinator retries it.
        register_renderer(messages.BOOKING_KINDS, messages.render_again)
        # What the worker does every minute (`manage.py worker`); each is sent once per booking.
        register("reminders", messages.queue_reminders)
        register("lost_booking_messages", messages.queue_lost_new_booking_messages)
        register("evaluation_requests", messages.queue_evaluation_requests)
        register("evaluation_reminders", messages.queue_evaluation_reminders)
        register("refresher_reminders", messages.queue_refresher_reminders)
        # Offers that ran out pass on, quotas due are released (docs/fair-allocation.md).
        register("allocate_places", services.allocate_places)
        post_migrate.connect(restore_sqlite_waitlist_triggers, sender=self)


def restore_sqlite_waitlist_triggers(using, **kwargs) -> None:
    """Put back the waitlist-count triggers (migration 0003) if SQLite dropped them.

    SQLite cannot alter most columns in place, so Django rebuilds the table for a later
    migration of booking_booking, and the rebuilt table has no triggers. After every migrate
    this re-creates them and recounts the waitlists. PostgreSQL alters tables in place and
    keeps its triggers, so it is left alone (a recount there could race live bookings).
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
            "'booking_waitlist_%%'"
        )
        if cursor.fetchone()[0] == 3:
            return
        if "booking_sessionwaitlist" not in connection.introspection.table_names(cursor):
            return  # migrated backwards past 0003
        migration = importlib.import_module("booking.migrations.0003_lean_booking_writes")
        for statement in migration.SQLITE_REVERSE + migration.SQLITE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM booking_sessionwaitlist")
        cursor.execute(migration.BACKFILL)
