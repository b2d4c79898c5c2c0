"""Reads about people."""

from django.db.models import Q, QuerySet

from accounts.models import User


def find_people(text: str, *, limit: int = 20) -> QuerySet:
    """Active people whose name or email address contains every word of ``text``."""
    people = User.objects.filter(is_active=True, anonymised_at__isnull=True)
    words = text.split()
    if not words:
        return people.none()
    for word in words:
        people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    return people.select_related("organisation").order_by("full_name", "email")[:limit]
