"""The Django admin, for superusers' data repair and coordinators' remaining tools.

One module per domain app; ``admin.autodiscover`` imports this package, which registers them.
"""

from backoffice.admin import accounts, audit, booking, events, notifications

__all__ = ["accounts", "audit", "booking", "events", "notifications"]
