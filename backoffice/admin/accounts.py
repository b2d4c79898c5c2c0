from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from accounts.models import ApiToken, Organisation, User
from accounts.rules import is_coordinator
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
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        # A token's secret is shown once, by `manage.py create_api_token` or the API.
        return False
