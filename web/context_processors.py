from django.conf import settings


def site(request):
    """Expose the partnership's name and contact to every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME,
        "PARTNERSHIP_EMAIL": settings.PARTNERSHIP_EMAIL,
    }
