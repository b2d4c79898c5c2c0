"""Point queued message tasks at their new home (they moved from notifications to booking).

A task waiting in the database backend names its function by path; without this, tasks queued
before the upgrade would fail to import in the worker and their messages would never be
written. Only the path changes: the arguments are the same.
"""

from django.db import migrations

MOVED = {
    "notifications.tasks.queue_booking_made_message": "booking.tasks.write_new_booking_message",
    "notifications.tasks.queue_booking_messages": "booking.tasks.write_booking_messages",
}


def forwards(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)


def backwards(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        DBTaskResult.objects.filter(task_path=new).update(task_path=old)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
