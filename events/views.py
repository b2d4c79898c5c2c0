from django.shortcuts import get_object_or_404, render

from booking.queries import sessions_with_availability
from events.models import Programme, Session


def _catalogue():
    return sessions_with_availability(
        Session.objects.published().select_related("event__programme", "venue")
    )


def home(request):
    programmes = Programme.objects.published()
    sessions = _catalogue().scheduled().not_ended()[:10]
    return render(request, "events/home.html", {"programmes": programmes, "sessions": sessions})


def session_list(request):
    sessions = _catalogue().not_ended()
    return render(request, "events/session_list.html", {"sessions": sessions})


def session_detail(request, pk: int):
    session = get_object_or_404(_catalogue(), pk=pk)
    return render(request, "events/session_detail.html", {"session": session})
