"""Who may call what. Object visibility (whose booking, which session's list) lives in the
views' querysets, so that something a caller may not see is a 404, not a 403."""

from rest_framework import permissions

from accounts.rules import is_coordinator


class IsCoordinator(permissions.BasePermission):
    message = "Only coordinators can do this."

    def has_permission(self, request, view) -> bool:
        return is_coordinator(request.user)


class ReadAnyoneWriteCoordinator(permissions.BasePermission):
    """Catalogue reads for everyone; writes (session management) for coordinators."""

    message = IsCoordinator.message

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_coordinator(request.user)
