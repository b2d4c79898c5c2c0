"""Domain errors of the booking rules; each has a stable code that the API and web UI show."""

from common.errors import DomainError, NotFound


class BookingError(DomainError):
    code = "booking_error"
    default_detail = "The booking could not be made."


class SessionNotFound(NotFound):
    """No such session, or one that is not published (which the person may not know of)."""

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


class NotLateCancellation(BookingError):
    code = "not_late_cancellation"
    default_detail = "Only a late cancellation can be excused."


class SamePerson(BookingError):
    code = "same_person"
    default_detail = "The place already belongs to this person."


# After the session: check-in, evaluation, certificates.


class CheckInClosed(BookingError):
    code = "check_in_closed"
    default_detail = "Check-in is open from 30 minutes before the session starts until it ends."


class InvalidCode(BookingError):
    code = "invalid_code"
    status = 400
    default_detail = "That is not this session's check-in code. Check it and try again."


class NotAttended(BookingError):
    code = "not_attended"
    default_detail = "This is only available once you have been marked as attended."


class AlreadySubmitted(BookingError):
    code = "already_submitted"
    default_detail = "You have already sent your evaluation of this session."


class EvaluationRequired(BookingError):
    code = "evaluation_required"
    default_detail = "Your certificate is ready once you have sent your evaluation."


class OfferExpired(BookingError):
    code = "offer_expired"
    default_detail = "This offer has expired, so the place has gone to the next person."


class NotOffered(BookingError):
    code = "not_offered"
    default_detail = "There is no open offer of a place for this booking."


class NotTransferable(BookingError):
    code = "not_transferable"
    default_detail = (
        "An offered place is the person's own to accept or decline; it cannot be passed on."
    )


class ScheduleConflict(BookingError):
    code = "schedule_conflict"
    default_detail = (
        "You already have a place or a waitlist place at another session at the same time. "
        "Book again with allow_conflict to book anyway."
    )

    def __init__(self, detail: str | None = None, *, conflicting=None):
        super().__init__(detail)
        # The person's booking at the same time (with its session and event), for the web.
        self.conflicting = conflicting


class ApprovalDecided(BookingError):
    code = "approval_decided"
    default_detail = "This request has already been decided."


class ApprovalLinkExpired(BookingError):
    code = "approval_link_expired"
    status = 410
    default_detail = (
        "This approval link has expired. Ask the training team, who can still approve the booking."
    )
