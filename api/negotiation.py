"""Content negotiation: DRF's, with the common case answered without parsing media types."""

from rest_framework.negotiation import DefaultContentNegotiation

_TAKES_JSON = frozenset({"*/*", "application/json"})


class JsonFirstNegotiation(DefaultContentNegotiation):
    """Nearly every API call goes to a JSON-only view, takes JSON and asks for nothing else:
    it gets the renderer DRF's negotiation would choose, without DRF parsing the media types
    (docs/performance.md). Anything else (another Accept, ``?format=``, a view with CSV) is
    DRF's to decide."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            format_suffix is None
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*") in _TAKES_JSON
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
