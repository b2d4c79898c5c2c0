from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which record, and when: queryable by coordinators, free of free text."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Copied when the event is written, so who acted is still known after the account is
    # deleted (the foreign key above then becomes null). An anonymised person's label is
    # replaced with their anonymous address (privacy.services.anonymise_person).
    actor_ref = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The acting account's id, kept."
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="The acting account's address when it acted."
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    @property
    def actor_display(self) -> str:
        if self.actor_ref is None:
            return "system"
        return f"{self.actor_label or 'account'} (#{self.actor_ref})"
