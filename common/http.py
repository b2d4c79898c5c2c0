"""Small HTTP helpers that every interface app uses the same way."""

from django.http import HttpResponse, JsonResponse
from django.utils.http import content_disposition_header


def download(content, *, content_type: str, filename: str) -> HttpResponse:
    """A file download of personal data: an attachment that no cache may keep."""
    response = HttpResponse(content, content_type=content_type)
    return _as_private_attachment(response, filename)


def json_download(data, *, filename: str) -> JsonResponse:
    """A JSON export as a file download that no cache keeps."""
    response = JsonResponse(data, safe=False, json_dumps_params={"indent": 2})
    return _as_private_attachment(response, filename)


def _as_private_attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
