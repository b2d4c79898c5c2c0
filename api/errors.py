"""One place that turns errors into the API's ``{"code", "detail"}`` bodies."""

from rest_framework.views import exception_handler as drf_exception_handler

from booking.exceptions import BookingError


def exception_handler(exc, context):
    from rest_framework.response import Response

    if isinstance(exc, BookingError):
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(response.data["detail"], "code", "error")
        response.data = {"code": code, "detail": str(response.data["detail"])}
    return response
