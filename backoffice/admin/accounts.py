from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from accounts.models import ApiToken, Organisation, User
from accounts.roles import access_of
from accounts.rules import is_coordinator
from accounts.services import record_access_change, set_coordinator
from common.http import json_download
from privacy import services as privacy


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector"]
    list_filter = ["sector"]
    search_fields = ["name"]


class UserCreationForm(forms.ModelForm):
    """Add a person without a password: people sign in by emailed link."""

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title", "organisation"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = User.objects.normalize_email(user.email)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class CoordinatorsUserForm(forms.ModelForm):
    """What a coordinator may change about a person: who they are, whether their account works,
    and the coordinator role. Never a password, superuser or staff status, other groups or
    permissions: those are a superuser's (least privilege, docs/security.md)."""

    coordinator = forms.BooleanField(
        required=False,
        label="Coordinator",
        help_text="Manages sessions and bookings, and opens this admin.",
    )

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title", "organisation", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["coordinator"].initial = self.instance.is_coordinator


COORDINATORS_FIELDSETS = [
    (None, {"fields": ["email"]}),
    ("Person", {"fields": ["full_name", "job_title", "organisation"]}),
    ("Access", {"fields": ["is_active", "coordinator"]}),
    ("Dates", {"fields": ["date_joined", "last_login", "verified_at", "anonymised_at"]}),
]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "job_title", "organisation", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "groups", "organisation__sector"]
    search_fields = ["email", "full_name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["date_joined", "last_login", "verified_at", "anonymised_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "job_title", "organisation"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["date_joined", "last_login", "verified_at", "anonymised_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "full_name", "job_title", "organisation"]},
        ),
    ]
    actions = ["export_personal_data", "erase_people"]

    # Least privilege: a coordinator edits people through CoordinatorsUserForm; only a
    # superuser sees passwords, superuser and staff status, groups and permissions, and only a
    # superuser may change or delete a superuser. Every change of roles is audited.

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return COORDINATORS_FIELDSETS
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not request.user.is_superuser:
            kwargs["form"] = CoordinatorsUserForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._access_before = access_of(stored) if stored else access_of(User())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        if "coordinator" in form.cleaned_data:
            set_coordinator(user, coordinator=form.cleaned_data["coordinator"], by=request.user)
        else:
            record_access_change(user, before=request._access_before, by=request.user)

    @admin.action(description="Export personal data (subject access, JSON)")
    def export_personal_data(self, request, queryset):
        if not is_coordinator(request.user):
            raise PermissionDenied
        exports = [privacy.export_personal_data(person, by=request.user) for person in queryset]
        if len(exports) == 1:
            (export,) = exports
            return json_download(export, filename=f"person-{export['person']['id']}-data.json")
        return json_download({"people": exports}, filename="people-data.json")

    @admin.action(description="Erase selected people (cancel future bookings, anonymise)")
    def erase_people(self, request, queryset):
        if not is_coordinator(request.user):
            raise PermissionDenied
        people = list(queryset.filter(anonymised_at__isnull=True))
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/user/erase_confirmation.html",
                {**self.admin_site.each_context(request), "people": people, "title": "Erase"},
            )
        cancelled = 0
        for person in people:
            cancelled += len(privacy.erase_person(person, by=request.user).cancelled)
        self.message_user(
            request,
            f"Erased {len(people)} {'person' if len(people) == 1 else 'people'}; "
            f"{cancelled} future bookings cancelled.",
            messages.SUCCESS,
        )
        return None


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "prefix"]
    # A token's owner never changes: moving a token would let someone act as another person.
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        # A token's secret is shown once, by `manage.py create_api_token` or the API.
        return False
