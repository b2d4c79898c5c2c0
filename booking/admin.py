from django.contrib import admin

from booking.models import Booking


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "status", "attendance", "late_cancellation", "created_at"]
    list_filter = [
        "status",
        "attendance",
        "late_cancellation",
        "source",
        "session__event__programme",
    ]
    list_select_related = ["person", "session__event"]
    search_fields = ["person__email", "person__full_name", "session__event__title"]
    raw_id_fields = ["session", "person"]
    readonly_fields = [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request) -> bool:
        # Bookings are made through the booking rules (website, API), never typed in here.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
