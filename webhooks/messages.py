"""What webhooks tell people: the coordinators, when an endpoint is switched off."""

from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from accounts.roles import COORDINATORS_GROUP
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import absolute_url, queue, render_message
from webhooks.models import Endpoint


def coordinators():
    return (
        User.objects.filter(Q(groups__name=COORDINATORS_GROUP) | Q(is_superuser=True))
        .filter(is_active=True)
        .distinct()
        .order_by("pk")
    )


def tell_coordinators_disabled(endpoint: Endpoint) -> list[Notification]:
    """One email to each coordinator saying which endpoint was switched off and why."""
    endpoint.refresh_from_db()
    pending = []
    for user in coordinators():
        notification = Notification(
            kind=Kind.WEBHOOK_DISABLED,
            dedupe_key=f"{Kind.WEBHOOK_DISABLED}:endpoint-{endpoint.pk}:"
            f"{endpoint.disabled_at:%Y%m%d%H%M%S}:user-{user.pk}",
            recipient=user.email,
            recipient_name=user.full_name,
            user=user,
        )
        pending.append((notification, lambda user=user: disabled_content(endpoint, user)))
    return queue(pending)


def disabled_content(endpoint: Endpoint, user):
    context = {
        "kind": Kind.WEBHOOK_DISABLED,
        "name": user.full_name or "there",
        "endpoint": endpoint,
        "manage_url": absolute_url(reverse("manage:webhooks")),
    }
    subject = f"Webhook endpoint switched off: {endpoint.url}"
    return render_message(Kind.WEBHOOK_DISABLED, context, subject=subject)
