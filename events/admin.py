from django.contrib import admin
from django.db import models
from django.utils import timezone

from events.models import Event, Programme, Session, Theme, Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode"]
    search_fields = ["name", "address", "postcode"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_on", "ends_on", "published"]
    list_filter = ["published"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["starts_at", "ends_at", "delivery", "venue", "capacity", "waitlist_enabled", "status"]
    readonly_fields = ["status"]
    extra = 0
    show_change_link = True


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "programme"]
    list_filter = ["programme", "themes"]
    list_select_related = ["programme"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes"]
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["event", "local_start", "delivery", "capacity", "status"]
    list_filter = ["status", "delivery", "event__programme", "event__themes", "starts_at"]
    list_select_related = ["event"]
    search_fields = ["event__title", "venue__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["venue", "trainers"]
    readonly_fields = ["uid", "sequence", "status", "cancellation_reason"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="Starts (UK time)", ordering="starts_at")
    def local_start(self, session: Session) -> str:
        return f"{timezone.localtime(session.starts_at):%a %d %b %Y %H:%M}"
