from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from accounts.roles import ensure_coordinator_group

        # Permissions only exist after migrate, so the group is kept in step there.
        post_migrate.connect(ensure_coordinator_group, sender=self)
