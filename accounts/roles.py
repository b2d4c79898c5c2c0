"""Roles: everyone practises, trainers are assigned to sessions, coordinators are a group."""

from django.contrib.auth.models import Group, Permission

COORDINATORS_GROUP = "Coordinators"
COORDINATOR_APPS = ("accounts", "events", "booking", "notifications", "audit")


class Role:
    PRACTITIONER = "practitioner"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    CHOICES = (PRACTITIONER, TRAINER, COORDINATOR)


def ensure_coordinator_group(**kwargs) -> Group:
    """Create the coordinators' group with every permission on Convene's own apps."""
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=COORDINATOR_APPS))
    return group


def make_coordinator(user) -> None:
    """Give a user the coordinator role: the group plus access to the admin."""
    user.groups.add(ensure_coordinator_group())
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
