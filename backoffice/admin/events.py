"""The coordinators' workspace for the catalogue.

Every change to a session goes through the services: the change form saves through
``booking.services.update_session`` (attendees told, calendars updated), new sessions through
``events.services.create_session``, and the buttons on a session (cancel, duplicate, message
attendees) through their own services. docs/coordinators.md explains the layout.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from booking.models import Booking
from booking.queries import sessions_with_availability
from booking.services import EDITABLE_FIELDS, cancel_session, message_attendees, update_session
from common.errors import DomainError
from events.models import Event, Programme, Session, Theme, Venue
from events.services import create_session, duplicate_session


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
    list_display = ["title", "starts_on", "ends_on", "published", "report_link"]
    list_filter = ["published"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]

    @admin.display(description="Board report")
    def report_link(self, programme: Programme) -> str:
        url = f"{reverse('staff:reports')}?programme={programme.slug}"
        return format_html('<a href="{}">Figures</a>', url)


class SessionInline(admin.TabularInline):
    """Sessions listed on their event, read-only: changes go through the session's own form."""

    model = Session
    fields = ["starts_at", "ends_at", "delivery", "venue", "capacity", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "programme"]
    list_filter = ["programme", "themes"]
    list_select_related = ["programme"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes"]
    inlines = [SessionInline]


class SessionAdminForm(forms.ModelForm):
    """Validates a change by running the real rule in a transaction that is then rolled back.

    ``update_session`` is the one place that knows whether a change is allowed (capacity not
    below the confirmed places, no edits to a cancelled session); trying it here turns its
    refusal into a form error instead of copying the rule.
    """

    user = None  # set by SessionAdmin.get_form
    join_url = forms.URLField(
        label="Join URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=Session._meta.get_field("join_url").help_text,
    )

    class Meta:
        model = Session
        fields = [
            "event",
            "starts_at",
            "ends_at",
            "delivery",
            "venue",
            "join_url",
            "capacity",
            "waitlist_enabled",
            "waitlist_limit",
            "booking_opens_at",
            "booking_closes_at",
            "trainers",
            "notes",
            "promotion",
            "offer_hours",
            "sector_quotas",
            "quota_release_at",
        ]

    # Fair allocation fields left out of a post (an older form, a script) keep their values.
    KEEP_WHEN_MISSING = ("promotion", "offer_hours", "sector_quotas")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEEP_WHEN_MISSING:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.KEEP_WHEN_MISSING:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    def session_changes(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name in EDITABLE_FIELDS
        }

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk is None or self.errors or not self.session_changes():
            return
        try:
            with transaction.atomic():
                update_session(
                    Session.objects.get(pk=self.instance.pk), by=self.user, **self.session_changes()
                )
                transaction.set_rollback(True)
        except DomainError as error:
            self.add_error(None, ValidationError(error.detail, code=error.code))


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Sent to everyone booked or waiting, and shown on the session page.",
    )


class DuplicateSessionForm(forms.Form):
    starts_at = forms.SplitDateTimeField(label="Starts (UK time)", widget=AdminSplitDateTime)
    ends_at = forms.SplitDateTimeField(label="Ends (UK time)", widget=AdminSplitDateTime)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The session must end after it starts.")
        return cleaned


class MessageAttendeesForm(forms.Form):
    subject = forms.CharField(max_length=150)
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text="Plain text. People see it as an email from the partnership.",
    )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    form = SessionAdminForm
    list_display = [
        "event",
        "local_start",
        "delivery",
        "booked",
        "waitlist",
        "status",
        "register_link",
    ]
    list_filter = ["status", "delivery", "event__programme", "event__themes", "starts_at"]
    list_select_related = ["event"]
    search_fields = ["event__title", "venue__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["venue", "trainers"]
    readonly_fields = ["uid", "sequence", "status", "cancellation_reason", "register_link"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "event",
                    "starts_at",
                    "ends_at",
                    "delivery",
                    "venue",
                    "join_url",
                    "capacity",
                    "waitlist_enabled",
                    "waitlist_limit",
                    "booking_opens_at",
                    "booking_closes_at",
                    "trainers",
                    "notes",
                ]
            },
        ),
        (
            "Fair allocation",
            {
                "description": "How freed places are given out, and places held back for "
                "sectors until the release (docs/fair-allocation.md).",
                "fields": ["promotion", "offer_hours", "sector_quotas", "quota_release_at"],
            },
        ),
        (
            "Calendar and status",
            {"fields": ["uid", "sequence", "status", "cancellation_reason", "register_link"]},
        ),
    ]
    actions = ["duplicate_one_week_later"]

    def get_queryset(self, request):
        return sessions_with_availability(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def has_delete_permission(self, request, obj=None) -> bool:
        # Cancel instead: a deleted session would vanish from calendars without a CANCEL.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changes = form.session_changes()
            if changes:
                update_session(obj, by=request.user, **changes)
        else:
            fields = {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in ("event", "trainers")
            }
            created = create_session(
                event=form.cleaned_data["event"],
                by=request.user,
                trainers=form.cleaned_data.get("trainers", ()),
                **fields,
            )
            obj.pk = created.pk
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # Someone booked between validation and saving; nothing was written.
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(request.path)

    @admin.display(description="Starts (UK time)", ordering="starts_at")
    def local_start(self, session: Session) -> str:
        return f"{timezone.localtime(session.starts_at):%a %d %b %Y %H:%M}"

    @admin.display(description="Booked", ordering="confirmed_count")
    def booked(self, session: Session) -> str:
        return f"{session.confirmed_count} of {session.capacity}"

    @admin.display(description="Waitlist", ordering="waitlist_length")
    def waitlist(self, session: Session) -> int:
        return session.waitlist_length

    @admin.display(description="Register")
    def register_link(self, session: Session) -> str:
        if session.pk is None:
            return "-"
        return format_html(
            '<a href="{}">Open register</a>', reverse("staff:register", args=[session.pk])
        )

    @admin.action(description="Duplicate selected sessions one week later")
    def duplicate_one_week_later(self, request, queryset):
        created = 0
        for session in queryset.order_by("starts_at"):
            try:
                duplicate_session(
                    session,
                    starts_at=session.starts_at + timedelta(weeks=1),
                    ends_at=session.ends_at + timedelta(weeks=1),
                    by=request.user,
                )
            except DomainError as error:
                self.message_user(request, f"{session}: {error.detail}", messages.ERROR)
            else:
                created += 1
        self.message_user(request, f"{created} sessions created.", messages.SUCCESS)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<path:object_id>/cancel/", wrap(self.cancel_view), name="events_session_cancel"),
            path(
                "<path:object_id>/duplicate/",
                wrap(self.duplicate_view),
                name="events_session_duplicate",
            ),
            path(
                "<path:object_id>/message/", wrap(self.message_view), name="events_session_message"
            ),
            *super().get_urls(),
        ]

    def _session_for_tool(self, request, object_id) -> Session:
        session = self.get_object(request, object_id)
        if session is None:
            raise Http404
        if not self.has_change_permission(request, session):
            raise PermissionDenied
        return session

    def _tool_page(self, request, session, *, form, title, intro, submit, danger=False):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": session,
            "title": title,
            "intro": intro,
            "form": form,
            "submit": submit,
            "danger": danger,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/events/session/tool_form.html", context)

    def cancel_view(self, request, object_id):
        session = self._session_for_tool(request, object_id)
        if session.is_cancelled:
            self.message_user(request, "This session is already cancelled.", messages.WARNING)
            return redirect("admin:events_session_change", session.pk)
        form = CancelSessionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            cancel_session(session, by=request.user, reason=form.cleaned_data["reason"])
            self.message_user(
                request,
                f"{session} is cancelled; everyone booked or waiting is being told.",
                messages.SUCCESS,
            )
            return redirect("admin:events_session_change", session.pk)
        active = Booking.objects.active().filter(session=session).count()
        return self._tool_page(
            request,
            session,
            form=form,
            title=f"Cancel {session}",
            intro=f"{active} people are booked or waiting. Each gets an email with the reason, "
            "and calendar invitations are withdrawn. This cannot be undone.",
            submit="Cancel the session",
            danger=True,
        )

    def duplicate_view(self, request, object_id):
        session = self._session_for_tool(request, object_id)
        week = timedelta(weeks=1)
        form = DuplicateSessionForm(
            request.POST or None,
            initial={"starts_at": session.starts_at + week, "ends_at": session.ends_at + week},
        )
        if request.method == "POST" and form.is_valid():
            try:
                copy = duplicate_session(
                    session,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                self.message_user(request, f"Created {copy}.", messages.SUCCESS)
                return redirect("admin:events_session_change", copy.pk)
        return self._tool_page(
            request,
            session,
            form=form,
            title=f"Duplicate {session}",
            intro="The copy keeps the event, trainers, place, capacity and waitlist settings. "
            "It starts with no bookings.",
            submit="Create the copy",
        )

    def message_view(self, request, object_id):
        session = self._session_for_tool(request, object_id)
        form = MessageAttendeesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            sent_to = message_attendees(session, by=request.user, **form.cleaned_data)
            self.message_user(
                request, f"Your message is being sent to {sent_to} people.", messages.SUCCESS
            )
            return redirect("admin:events_session_change", session.pk)
        confirmed = Booking.objects.confirmed().filter(session=session).count()
        return self._tool_page(
            request,
            session,
            form=form,
            title=f"Message attendees of {session}",
            intro=f"The message goes to the {confirmed} people with a confirmed place "
            "(not to people on the waitlist).",
            submit="Send the message",
        )
