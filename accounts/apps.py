from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from accounts.messages import fill_sign_in_token
        from accounts.roles import ensure_coordinator_group
        from notifications.delivery import register_finisher
        from notifications.kinds import Kind

        # Sign-in links get their token only as they are sent (accounts/messages.py).
        register_finisher(Kind.SIGN_IN_LINK, fill_sign_in_token)

        # Permissions only exist after migrate, so the group is kept in step there.
        post_migrate.connect(ensure_coordinator_group, sender=self)
