from django.db import models


class Kind(models.TextChoices):
    """What happened, for the message a person receives."""

    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    BOOKING_WAITLISTED = "booking_waitlisted", "Added to the waitlist"
    BOOKING_PROMOTED = "booking_promoted", "Promoted from the waitlist"
    BOOKING_OFFERED = "booking_offered", "Offered a place from the waitlist"
    OFFER_EXPIRED = "offer_expired", "Offer expired"
    OFFER_DECLINED = "offer_declined", "Offer declined"
    BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
    SESSION_CHANGED = "session_changed", "Session changed"
    SESSION_CANCELLED = "session_cancelled", "Session cancelled"
    REMINDER = "reminder", "Reminder"
    SIGN_IN_LINK = "sign_in_link", "Sign-in link"
    CERTIFICATE_AVAILABLE = "certificate_available", "Certificate available"
    ATTENDEE_MESSAGE = "attendee_message", "Message to attendees"
    EVALUATION_REQUEST = "evaluation_request", "Evaluation request"
    EVALUATION_REMINDER = "evaluation_reminder", "Evaluation reminder"
    EVALUATION_THANKS = "evaluation_thanks", "Thanks for the evaluation, with the certificate"
    REFRESHER_REMINDER = "refresher_reminder", "Refresher due"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint switched off"
    APPROVAL_REQUESTED = "approval_requested", "Approval asked of a manager"
    APPROVAL_DECLINED = "approval_declined", "Manager declined"
    NEW_DATES = "new_dates", "New dates for a course"
