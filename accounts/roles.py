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


def remove_coordinator(user) -> None:
    """Take the coordinator role away (a superuser keeps their own access)."""
    user.groups.remove(*user.groups.filter(name=COORDINATORS_GROUP))
    if user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


def access_of(user) -> dict:
    """What a person may do beyond practising, as ids and codes, for the audit trail."""
    if user.pk is None:
        return {"is_staff": False, "is_superuser": False, "groups": [], "permissions": 0}
    return {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": user.user_permissions.count(),
    }
