"""Logs carry ids and codes only: a filter on the log handler that makes sure of it.

Convene's own log lines are written with ids and codes (``audit``, ``notifications``, ...).
Libraries are not: Django logs request paths (a personal calendar feed's token, a sign-in
link), a task queue logs a failed job's arguments (a coordinator's message, a joining link),
and any exception's message may hold an email address (an SMTP refusal) or a database row.
``RedactPersonalData`` runs on every record before it is written and:

- replaces email addresses, secrets in query strings (``token=...``), calendar feed tokens and
  other long random strings with ``[redacted]``;
- in libraries' lines, also replaces quoted text (the repr of arguments) and drops their
  ``extra`` fields (a request object, job arguments), keeping only the standard attributes;
- writes exceptions as their type and stack frames only, never their message.

tests/security/test_log_redaction.py runs the failure paths through this filter.
"""

import logging
import re
import traceback
import weakref

REDACTED = "[redacted]"

# Loggers whose lines and extra fields are Convene's own (ids and codes by design).
OWN_LOGGERS = (
    "accounts",
    "api",
    "audit",
    "backoffice",
    "booking",
    "common",
    "convene",
    "events",
    "notifications",
    "privacy",
    "web",
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SECRET_PARAMETER = re.compile(
    r"((?:token|key|secret|code|signature|password|sesame)=)[^&\s'\"]+", re.IGNORECASE
)
FEED_TOKEN = re.compile(r"(/calendar/(?:me|trainer)/)[^/\s'\".?]+")
# Random secrets (feed tokens, API tokens, signed links): long URL-safe runs that mix digits,
# capitals and small letters. Names (function paths) and lower-case hex or UUIDs (task and
# job ids, hashes) are not secrets and stay.
LONG_RANDOM = re.compile(r"(?<![\w-])[A-Za-z0-9_:-]{22,}(?![\w-])")


def _looks_random(word: str) -> bool:
    return (
        sum(c.isdigit() for c in word) >= 2
        and sum(c.isupper() for c in word) >= 2
        and sum(c.islower() for c in word) >= 2
    )


QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")

STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact(text: str, *, quoted: bool = False) -> str:
    """The text without email addresses, secrets or (with ``quoted``) quoted strings."""
    if quoted:
        text = QUOTED.sub("'…'", text)
    text = EMAIL.sub(REDACTED, text)
    text = SECRET_PARAMETER.sub(rf"\1{REDACTED}", text)
    text = FEED_TOKEN.sub(rf"\1{REDACTED}", text)
    return LONG_RANDOM.sub(
        lambda match: REDACTED if _looks_random(match.group(0)) else match.group(0), text
    )


def exception_summary(exc_info) -> str:
    """A traceback with frames and exception types, without any exception's message."""
    _, error, _ = exc_info
    chain = []
    while error is not None and len(chain) < 5:
        chain.append(error)
        error = error.__cause__ or error.__context__
    lines = []
    for error in reversed(chain):
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(error.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        lines.append(f"{type(error).__module__}.{type(error).__qualname__}")
    return "\n".join(lines)


# Records already redacted (several handlers may carry the filter; it must run once).
_done: "weakref.WeakSet[logging.LogRecord]" = weakref.WeakSet()


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record in _done:
            return True
        _done.add(record)
        own = record.name.split(".")[0] in OWN_LOGGERS
        record.msg = redact(record.getMessage(), quoted=not own)
        record.args = ()
        if record.exc_info:
            record.exc_text = exception_summary(record.exc_info)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = REDACTED
        if not own:
            for name in [name for name in vars(record) if name not in STANDARD_ATTRIBUTES]:
                delattr(record, name)
        return True
