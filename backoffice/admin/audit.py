from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_display", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["actor_label", "=actor_ref", "target_id"]
    date_hierarchy = "at"

    @admin.display(description="actor")
    def actor_display(self, event: AuditEvent) -> str:
        return event.actor_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
