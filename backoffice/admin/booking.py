"""Bookings in the admin: searchable and filterable, changed only through the booking rules."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from booking import services
from booking.models import Booking
from common.errors import DomainError


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "organisation",
        "session_link",
        "status",
        "attendance",
        "late_cancellation",
        "created_at",
    ]
    list_filter = [
        "status",
        "attendance",
        "late_cancellation",
        "source",
        "person__organisation__sector",
        "session__event__programme",
        "session__starts_at",
    ]
    list_select_related = ["person__organisation", "session__event"]
    search_fields = ["person__email", "person__full_name", "session__event__title"]
    raw_id_fields = ["session", "person"]
    readonly_fields = [field.name for field in Booking._meta.fields]
    date_hierarchy = "session__starts_at"
    actions = ["mark_attended", "mark_absent", "cancel_bookings"]

    def has_add_permission(self, request) -> bool:
        # Bookings are made through the booking rules (website, API), never typed in here.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Organisation", ordering="person__organisation__name")
    def organisation(self, booking: Booking) -> str:
        return str(booking.person.organisation or "")

    @admin.display(description="Session", ordering="session__starts_at")
    def session_link(self, booking: Booking) -> str:
        starts = timezone.localtime(booking.session.starts_at)
        return format_html(
            '<a href="{}">{} — {}</a>',
            reverse("staff:register", args=[booking.session_id]),
            booking.session.event.title,
            f"{starts:%d %b %Y %H:%M}",
        )

    @admin.action(description="Mark selected bookings attended")
    def mark_attended(self, request, queryset):
        self._mark(request, queryset, Booking.Attendance.ATTENDED)

    @admin.action(description="Mark selected bookings absent")
    def mark_absent(self, request, queryset):
        self._mark(request, queryset, Booking.Attendance.ABSENT)

    @admin.action(description="Cancel selected bookings (places go to the waitlist)")
    def cancel_bookings(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda booking: services.cancel_booking(booking, by=request.user),
            done="cancelled",
        )

    def _mark(self, request, queryset, attendance: str) -> None:
        self._apply(
            request,
            queryset,
            lambda booking: services.mark_attendance(
                booking, attendance=attendance, by=request.user
            ),
            done=f"marked {Booking.Attendance(attendance).label.lower()}",
        )

    def _apply(self, request, queryset, change, *, done: str) -> None:
        """Run one booking service per selected booking; each keeps its own transaction."""
        changed, refused = 0, []
        for booking in queryset.select_related("person"):
            try:
                change(booking)
            except DomainError as error:
                refused.append(f"{booking.person}: {error.detail}")
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} bookings {done}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)
