"""Domain errors of the booking rules; each has a stable code that the API and web UI show."""


class BookingError(Exception):
    code = "booking_error"
    status = 409
    default_detail = "The booking could not be made."

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class SessionNotFound(BookingError):
    """No such session, or one that is not published (which the person may not know of)."""

    code = "not_found"
    status = 404
    default_detail = "No Session matches the given query."


class AlreadyBooked(BookingError):
    code = "already_booked"
    default_detail = "You already have a place or a waitlist place at this session."


class SessionFull(BookingError):
    code = "session_full"
    default_detail = "This session is full and its waitlist is closed."


class BookingClosed(BookingError):
    code = "booking_closed"
    default_detail = "Booking is not open for this session."


class SessionCancelled(BookingError):
    code = "session_cancelled"
    default_detail = "This session has been cancelled."


class SessionStarted(BookingError):
    code = "session_started"
    default_detail = "This session has already started."


class CapacityBelowConfirmed(BookingError):
    code = "capacity_below_confirmed"
    default_detail = "Capacity cannot be lower than the number of confirmed places."


class AlreadyCancelled(BookingError):
    code = "already_cancelled"
    default_detail = "This booking is already cancelled."


class NotConfirmed(BookingError):
    code = "not_confirmed"
    default_detail = "Attendance can only be marked for confirmed places."


class AttendanceTooEarly(BookingError):
    code = "attendance_too_early"
    default_detail = "Attendance can be marked from the day of the session."


class NotAllowed(BookingError):
    code = "permission_denied"
    status = 403
    default_detail = "You do not have permission to do this."


class InvalidValue(BookingError):
    code = "validation_error"
    status = 400
    default_detail = "The value is not valid."

    def __init__(self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        # Per-field messages when the value came from a form or an API body.
        self.errors = errors or {}
