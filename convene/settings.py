"""Settings for Convene, driven by environment variables (12-factor).

The local default needs no variables at all: SQLite under var/, mail written to var/mail/, a
loopback SITE_URL. DEBUG is off unless asked for (`make run` sets DEBUG=true for the local demo),
and a public SITE_URL is refused with DEBUG on or with the development key: a server that is
reachable fails closed. A deployment sets at least SECRET_KEY, SITE_URL and DATABASE_URL; an
https SITE_URL switches on the HTTPS protections. Every variable is listed in README.md.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# The key a fresh checkout runs with; refused below for anything but a loopback run.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-convene-local-development-only"  # noqa: S105
# Host names that only this machine can reach: the only ones DEBUG and the development key
# are allowed with.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SITE_DOMAIN = _site.hostname or "localhost"


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.endswith(".localhost")


PUBLIC_SITE = not _is_loopback(SITE_DOMAIN)
if DEBUG and PUBLIC_SITE:
    raise ImproperlyConfigured(
        f"DEBUG is on with a public SITE_URL ({SITE_URL}): DEBUG shows tracebacks and local "
        "shortcuts to anyone. Set DEBUG=false (the default) for a server others can reach."
    )
SITE_NAME = env.str("SITE_NAME", default="Convene")
PARTNERSHIP_NAME = env.str("PARTNERSHIP_NAME", default="Durham Safeguarding Children Partnership")
PARTNERSHIP_EMAIL = env.str("PARTNERSHIP_EMAIL", default="training@example.org")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[SITE_DOMAIN] if PUBLIC_SITE else [SITE_DOMAIN, "127.0.0.1", "localhost", "[::1]"],
)
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY and (
    PUBLIC_SITE or not all(_is_loopback(host) for host in ALLOWED_HOSTS)
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value for a server others can reach "
        "(a public SITE_URL or ALLOWED_HOSTS)."
    )
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

HTTPS = _site.scheme == "https"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole registrable domain (often a council's) to HTTPS for
        # years, so it is the domain owner's decision (SECURE_HSTS_PRELOAD=true), not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# How many reverse proxies (nginx, a load balancer) stand in front of gunicorn and append the
# client's address to X-Forwarded-For; rate limits then see people, not the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Content Security Policy (django-csp 4): scripts, styles, fonts and images from our own origin
# only; no inline scripts or styles, no eval, no plugins, no framing. Templates load their
# JavaScript and CSS as files (see docs/deployment.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}
# Browser features Convene never uses, switched off for it and anything it embeds
# (convene.middleware.PermissionsPolicyMiddleware writes the header).
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ],
    "()",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    # Permission predicates (<app>/rules.py), imported at start-up so every perm is registered.
    "rules.apps.AutodiscoverRulesConfig",
    "accounts",
    "events",
    "booking",
    "privacy",
    "notifications",
    "audit",
    "webhooks",
    "api",
    "web",
    "backoffice",
    "csp",
]

MIDDLEWARE = [
    "convene.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "convene.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "convene.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "convene.middleware.ContentSecurityPolicyMiddleware",
    "convene.middleware.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "convene.urls"
WSGI_APPLICATION = "convene.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'convene.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two bookings cannot both read a free
    # place and both write: SQLite's stand-in for select_for_update.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # Off: a health check is a hidden "SELECT 1" round trip at the start of every request
    # (Django runs it on the driver's cursor, outside the queries it counts), a seventh
    # statement per booking. Without it, the first request on a connection the database has
    # dropped answers 503 with Retry-After (DatabaseUnavailableMiddleware; nothing was
    # changed, so clients retry) and the next one reconnects (docs/performance.md).
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False)
    )
    # The booking path prepares its statements on the server (common.sql.planned_cursor), so
    # PostgreSQL plans them once per connection; psycopg prepares only with a threshold set.
    # Django's own queries bind in the client and are never prepared, whatever this says.
    # DATABASE_PREPARED_STATEMENTS=false behind a pooler in transaction mode that cannot keep
    # prepared statements (PgBouncer before 1.21).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 1_000_000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "booking:my_bookings"

# Passwordless sign-in (django-sesame): a link is good for a short while and for one sign-in
# (signing in changes last_login, which the token is bound to). See docs/accessibility.md and
# web/views/accounts.py for the rate limits.
SESAME_MAX_AGE = timedelta(minutes=env.int("SIGN_IN_LINK_MINUTES", default=15))
SESAME_ONE_TIME = True
SIGN_IN_LINKS_PER_ADDRESS = env.int("SIGN_IN_LINKS_PER_ADDRESS", default=5)
SIGN_IN_LINKS_PER_IP = env.int("SIGN_IN_LINKS_PER_IP", default=30)
SIGN_IN_RATE_WINDOW = timedelta(minutes=15)
# Booking attempts on the website per person (the API has THROTTLE_BOOKING); counted in the
# cache, so a shared CACHE_URL counts across web nodes.
WEB_BOOKINGS_PER_PERSON = env.int("WEB_BOOKINGS_PER_PERSON", default=30)
WEB_BOOKING_RATE_WINDOW = timedelta(minutes=10)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [d for d in [BASE_DIR / "static_build"] if d.exists()]

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Email: SMTP or the file backend locally, any anymail provider in production.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="notifications.backends.EmlFileBackend")
# Seconds before a silent mail server counts as a failed attempt (Django's default waits forever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"{PARTNERSHIP_NAME} <{PARTNERSHIP_EMAIL}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_REPLY_TO = env.list("EMAIL_REPLY_TO", default=[PARTNERSHIP_EMAIL])
# Most anymail providers refuse a text/calendar alternative part; false keeps only invite.ics.
EMAIL_CALENDAR_ALTERNATIVE = env.bool("EMAIL_CALENDAR_ALTERNATIVE", default=True)
# Outbox (docs/email.md): retries back off 1, 2, 4 ... minutes; 8 attempts span about 2 hours.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_DELAY = timedelta(seconds=env.int("NOTIFICATION_RETRY_SECONDS", default=60))
NOTIFICATION_STALE_AFTER = timedelta(minutes=env.int("NOTIFICATION_STALE_MINUTES", default=10))
# A line manager's approve/decline link works for this many days after the request.
APPROVAL_LINK_DAYS = env.int("APPROVAL_LINK_DAYS", default=14)
# Outbound webhooks (docs/integrations.md): a failed delivery is tried again after each of these
# delays in seconds (Standard Webhooks' schedule: 9 attempts over about 27 hours).
WEBHOOK_RETRY_SCHEDULE = [
    int(seconds)
    for seconds in env.list(
        "WEBHOOK_RETRY_SECONDS", default=["5", "300", "1800", "7200", "18000", "36000", "36000"]
    )
]
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# Private and loopback receivers are refused unless this is true (development, tests).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# An endpoint with no successful delivery for this long is switched off.
WEBHOOK_DISABLE_AFTER = timedelta(days=env.int("WEBHOOK_DISABLE_AFTER_DAYS", default=3))
# A delivery left "sending" this long (its worker died) is sent again.
WEBHOOK_STUCK_AFTER = timedelta(minutes=5)
REMINDER_LEAD_TIME = timedelta(hours=env.int("REMINDER_LEAD_HOURS", default=48))
# After the session (docs/after-the-session.md).
CHECK_IN_OPENS_BEFORE = timedelta(minutes=env.int("CHECK_IN_OPENS_MINUTES", default=30))
EVALUATION_REMINDER_AFTER = timedelta(days=env.int("EVALUATION_REMINDER_DAYS", default=3))
# Sessions that ended longer ago than this get no evaluation email from a (late) worker round.
EVALUATION_REQUEST_WITHIN = timedelta(days=14)
REFRESHER_REMINDER_LEAD = timedelta(weeks=env.int("REFRESHER_REMINDER_WEEKS", default=6))
# Seconds between the worker's rounds of periodic jobs (`manage.py worker`).
PERIODIC_JOBS_INTERVAL = env.float("PERIODIC_JOBS_INTERVAL", default=60.0)
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}

# Background tasks (docs/scaling.md): the database backend and `manage.py db_worker` by default;
# TASKS_BACKEND=django_tasks_rq.RQBackend puts the queue on Redis (RQ_URL), worked by
# `manage.py rqworker default --job-class django_tasks_rq.backend.Job --with-scheduler`.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
TASKS = {
    "default": {
        "BACKEND": TASKS_BACKEND,
        # Task ids in time order, so the task table's primary key grows at one edge
        # (common.ids; docs/performance.md). Other backends ignore the option.
        "OPTIONS": {"id_function": "common.ids.time_ordered_uuid"},
    }
}
RQ_BACKEND = "django_tasks_rq.RQBackend"
if TASKS_BACKEND == RQ_BACKEND:
    INSTALLED_APPS.append("django_rq")
RQ_QUEUES = {
    "default": {
        "URL": env.str(
            "RQ_URL",
            default=CACHES["default"]["LOCATION"]
            if CACHES["default"]["BACKEND"].endswith("RedisCache")
            else "redis://127.0.0.1:6379/0",
        ),
        # A job that runs longer than this is stopped and counts as failed.
        "DEFAULT_TIMEOUT": env.int("RQ_JOB_TIMEOUT", default=300),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed by default: a view open to everyone says so (permission_classes = [AllowAny]).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JsonFirstNegotiation",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="300/minute"),
        "user": env.str("THROTTLE_USER", default="600/minute"),
        "booking": env.str("THROTTLE_BOOKING", default="30/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles key on REMOTE_ADDR, which ClientAddressMiddleware sets from trusted proxies;
    # DRF's own default would trust a client-supplied X-Forwarded-For.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Convene API",
    "DESCRIPTION": "Book multi-agency training and awareness sessions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "booking.models.Booking.Status",
        "SessionStatusEnum": "events.models.Session.Status",
    },
}

# Booking rules.
LATE_CANCELLATION_PERIOD = timedelta(hours=env.int("LATE_CANCELLATION_HOURS", default=48))
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=365))

# Data protection (docs/data-protection.md): how long personal data is kept; see
# `manage.py apply_retention`.
RETENTION_ACCESS_NEEDS = timedelta(days=env.int("RETENTION_ACCESS_NEEDS_DAYS", default=30))
RETENTION_INACTIVE = timedelta(days=env.int("RETENTION_INACTIVE_DAYS", default=3 * 365))
RETENTION_UNUSED_ACCOUNT = timedelta(days=env.int("RETENTION_UNUSED_ACCOUNT_DAYS", default=183))
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)

# Logs go to stderr: plain text locally, one JSON object a line in production (LOG_FORMAT).
# Convene's own loggers (audit, notifications, privacy) carry ids and codes only, never names,
# emails or notes.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # Every line passes RedactPersonalData (common/logfilters.py): no addresses, tokens,
    # libraries' argument text or exception messages reach the logs.
    "filters": {"redact": {"()": "common.logfilters.RedactPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
