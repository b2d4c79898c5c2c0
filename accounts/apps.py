from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from accounts.messages import fill_sign_in_token
        from accounts.models import User
        from accounts.roles import ensure_coordinator_group
        from accounts.services import record_new_account_with_access
        from notifications.delivery import register_finisher
        from notifications.kinds import Kind

        # Sign-in links get their token only as they are sent (accounts/messages.py).
        register_finisher(Kind.SIGN_IN_LINK, fill_sign_in_token)

        # An account born with staff or superuser status is audited like any role change.
        post_save.connect(
            record_new_account_with_access, sender=User, dispatch_uid="audit-new-account-access"
        )

        # Permissions only exist after migrate, so the group is kept in step there.
        post_migrate.connect(ensure_coordinator_group, sender=self)
