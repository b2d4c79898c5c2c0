from django.contrib import admin, messages
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: coordinators see what was sent and retry what failed."""

    list_display = [
        "created_at",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["recipient", "recipient_name", "subject", "dedupe_key", "message_id"]
    date_hierarchy = "created_at"
    list_select_related = False
    actions = ["retry"]
    fieldsets = [
        (
            None,
            {"fields": ["kind", "recipient", "recipient_name", "subject", "session", "booking"]},
        ),
        (
            "Delivery",
            {
                "fields": [
                    "status",
                    "attempts",
                    "last_error",
                    "created_at",
                    "last_attempt_at",
                    "next_attempt_at",
                    "sent_at",
                    "message_id",
                    "provider_message_id",
                    "dedupe_key",
                ]
            },
        ),
        ("Content", {"fields": ["body_text", "calendar_method", "calendar_sequence", "calendar"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed messages", permissions=["change"])
    def retry(self, request, queryset):
        count = services.retry_notifications(queryset)
        if count:
            self.message_user(
                request,
                ngettext(
                    "%d failed message is queued again.",
                    "%d failed messages are queued again.",
                    count,
                )
                % count,
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, "Only failed messages can be retried; none were selected.", messages.INFO
            )
