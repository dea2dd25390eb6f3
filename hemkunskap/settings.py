"""The one settings module. Everything that differs between a laptop, CI and production comes from the
environment (see the table in README.md); nothing here is edited per machine.

With no environment at all the app runs on the embedded defaults: SQLite and a filesystem Celery broker
under var/, so `make run` needs no server. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from hemkunskap.env import ConfigurationError, env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
# The embedded database, queue, cache and collected static files live here; make it on first start.
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    # A production process must not start with a guessable key or answer for any host name.
    # Django's own deploy check asks for 50 characters, at least 5 of them different.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ConfigurationError("With DEBUG off, SECRET_KEY must be set to a random string of 50+ characters.")
    if not ALLOWED_HOSTS:
        raise ConfigurationError("With DEBUG off, ALLOWED_HOSTS must list the host names the app answers for.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Login and transport (accounts/): lockout after failed logins, two-factor codes, Content-Security-Policy.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "accounts",
    # History of every change to households, move-ins and visits, written by database triggers (PostgreSQL
    # only; on SQLite nothing is recorded): see tenants/audit.py.
    "pgtrigger",
    "pghistory",
    "languages",
    "tenants",
    "visits",
    "messaging",
    "portalen",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (policy below, under Security). It leaves out
    # Django's own debug pages (404 and 500 with DEBUG on), which use inline styles and scripts.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that fails because the database went away answers 503 with Retry-After, not a stack trace
    # (hemkunskap.errors; handler500 covers failures in the middleware below).
    "hemkunskap.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hemkunskap.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session entered a second-factor code (django-otp)? Then
    # TwoFactorMiddleware keeps a session that has not, but must, on the code or set-up page.
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    # Who (user) and where (URL) for the history triggers; does nothing on SQLite.
    "tenants.audit.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hemkunskap.urls"
WSGI_APPLICATION = "hemkunskap.wsgi.application"

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
                "django.template.context_processors.i18n",
                "hemkunskap.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the app's queries are short, and compiling cost the ten-year dashboard more
        # than it saved (docs/performance.md).
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "hemkunskap.sqlite3",
            "OPTIONS": {
                # The web server, the worker and beat share one file: wait for locks instead of failing,
                # take the write lock up front so two writers never deadlock, and let readers run beside
                # a writer (WAL).
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker, cache and Celery ----------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
CELERY_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Publishing happens in web requests: fail fast when Redis is away (the sweep re-sends later).
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "retry_on_timeout": False,
        # A message not acked within this many seconds is delivered again (acks_late + a dead worker).
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=30),
    }
    # The cache shares Redis with the broker: keys are prefixed, and nothing may call cache.clear(),
    # which would empty the task queues too.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hemkunskap",
        }
    }
else:
    # kombu's filesystem transport: a real broker in a folder, so the worker and beat run the real tasks
    # on a machine with no Redis. One machine only; production uses Redis.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
    # A file cache is shared by every process on the machine (the worker's heartbeat reaches the web).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Bounded publishing: a web request that enqueues while the broker is down gives up within about a
# second; the move-in stays marked as awaiting assignment and the periodic sweep sends it again.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
CELERY_TIMEZONE = "Europe/Stockholm"
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-unassigned-move-ins": {"task": "visits.sweep_unassigned_move_ins", "schedule": 60.0},
    "worker-heartbeat": {"task": "hemkunskap.heartbeat", "schedule": 30.0},
    "dispatch-due-messages": {"task": "messaging.dispatch_due", "schedule": 30.0},
    "send-alert-digests": {"task": "messaging.send_digests", "schedule": 300.0},
    "plan-daily-messages": {"task": "messaging.plan_daily", "schedule": 900.0},
    # Personal data past the retention period (RETENTION_MONTHS) is anonymised once a day, at night.
    "anonymise-expired-households": {"task": "tenants.anonymise_expired", "schedule": crontab(hour=3, minute=15)},
    # The dashboard's rollups (visits.dashboard_rollups): changed days every five minutes, everything nightly.
    "refresh-dashboard-rollups": {"task": "visits.refresh_dashboard_rollups", "schedule": 300.0},
    "rebuild-dashboard-rollups": {"task": "visits.rebuild_dashboard_rollups", "schedule": crontab(hour=3, minute=45)},
}

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Authentication --------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failed logins (django-axes): per user name *and* address together, never per address
# alone – an office shares one address, and one colleague's typos must not lock everyone else out; nor per
# user name alone, which would let anyone lock a coordinator out from anywhere. The lock lifts by itself
# after the cool-off; an administrator can lift it sooner (Administration → Axes → Access attempts).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True  # a successful login forgets earlier typos
# The lockout page (429), and the address of a login: behind a TLS proxy the one the proxy saw.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# No row per successful login (user name, address, browser): axes keeps only failed attempts, and those only
# until their cool-off has passed. Passwords are never stored or logged (axes masks them, and also the user
# name and address in its log lines); not verbose: no banner on every start, no browser in log lines.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Two-factor authentication (accounts/two_factor.py): an authenticator app (TOTP) with ten single-use
# recovery codes. Anyone may turn it on; when required (by default in production), everyone who can reach
# more than their own visits – coordinators, managers, staff and superusers – must set it up before any page.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "Hemkunskap"  # the name the authenticator app shows beside the code
# The admin lists and deletes authenticators (a lost phone) but never shows their secrets or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Security (production) -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
X_FRAME_OPTIONS = "DENY"
# Only what the app itself serves: no inline script (static/js/ instead; htmx's eval is off, see base.html),
# no inline style (static/css/), no plugins, no framing, forms post only here. Images may be data: URIs:
# Bootstrap's icons and the two-factor QR code are. The same policy in development and tests, so the browser
# tests (which fail on console errors) see any violation. /api/docs/ adds the hash of Swagger UI's one inline
# style block (hemkunskap/api_docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- The REST API (/api/v1/, hemkunskap/api_urls.py) ------------------------------------------------
# Integrations sign in with a token (`manage.py drf_create_token <username>`); staff trying the API in
# the browser docs use their session. Who may do what: hemkunskap/api_permissions.py.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is answered 401 with `WWW-Authenticate: Token`.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the docs page (/api/docs/) is where people read and try the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "hemkunskap.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "hemkunskap.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "hemkunskap.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hemkunskap API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Move-ins from the property system in, welcome visits out. Authenticate with "
        "`Authorization: Token <key>` (an administrator creates the key). Errors answer "
        "`{field: [messages]}` (400) or `{detail: message}`; messages are in Swedish."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's scripts come from the drf-spectacular-sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Messages: e-mail and SMS ----------------------------------------------------------------------
# The address of the site as households and visitors reach it, for links in messages.
SITE_URL = env_url("SITE_URL", schemes=("http", "https")) or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hemkunskap@localhost")
EMAIL_URL = env_url("EMAIL_URL", schemes=("smtp", "smtps", "submission"))
if EMAIL_URL:
    # smtp://user:password@host:port (STARTTLS on submission://, implicit TLS on smtps://).
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "submission"
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else "")
# With DEBUG off, nothing may print people's addresses, phone numbers and messages to the log by default:
# production names its e-mail and SMS channels (a file backend is an explicit choice, e.g. for a test).
if not DEBUG and EMAIL_BACKEND in ("", "django.core.mail.backends.console.EmailBackend"):
    raise ConfigurationError(
        "With DEBUG off, set EMAIL_URL (or EMAIL_BACKEND): the console backend would print e-mails to the log."
    )
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
# SMS: "console" (prints), "file" (one JSON file per message in SMS_FILE_PATH) or "http" (a 46elks-style
# gateway: SMS_HTTP_URL, SMS_HTTP_USER, SMS_HTTP_PASSWORD).
SMS_BACKEND = env_str("SMS_BACKEND", "console" if DEBUG else "")
if SMS_BACKEND not in ("console", "file", "http") or (SMS_BACKEND == "console" and not DEBUG):
    raise ConfigurationError(
        f"SMS_BACKEND must be http or file (or console, with DEBUG on: it prints numbers and messages to the "
        f"log); got {SMS_BACKEND!r}"
    )
SMS_FILE_PATH = env_str("SMS_FILE_PATH") or str(VAR_DIR / "sms")
SMS_HTTP_URL = env_url("SMS_HTTP_URL", schemes=("http", "https"))
SMS_HTTP_USER = env_str("SMS_HTTP_USER")
SMS_HTTP_PASSWORD = env_str("SMS_HTTP_PASSWORD")
if SMS_BACKEND == "http" and not (SMS_HTTP_URL and SMS_HTTP_USER and SMS_HTTP_PASSWORD):
    raise ConfigurationError("SMS_BACKEND=http needs SMS_HTTP_URL, SMS_HTTP_USER and SMS_HTTP_PASSWORD.")
SMS_SENDER = env_str("SMS_SENDER", "Hemkunskap")
# No SMS between these hours (Stockholm time): one due then waits for the morning.
SMS_QUIET_HOURS = (20, 8)
# What households are told to call or visit (the housing company's customer service and fault reports).
CUSTOMER_SERVICE_PHONE = env_str("CUSTOMER_SERVICE_PHONE", "011-21 16 00")
FAULT_REPORT_CONTACT = env_str("FAULT_REPORT_CONTACT", "www.hyresbostader.se")
# Households hear about a visit the day before at this hour (Stockholm); visitors get the day's agenda at
# AGENDA_HOUR.
REMINDER_HOUR = env_int("REMINDER_HOUR", 10, minimum=8)
AGENDA_HOUR = env_int("AGENDA_HOUR", 7, minimum=0)
# How long the link in a household's invitation works (it stops anyway once the visit is over).
HOUSEHOLD_LINK_MAX_AGE_DAYS = env_int("HOUSEHOLD_LINK_MAX_AGE_DAYS", 60, minimum=1)

# --- Crispy forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The programme's rules -------------------------------------------------------------------------
# Visits are planned between move-in + START and move-in + END days.
VISIT_WINDOW_START_DAYS = env_int("VISIT_WINDOW_START_DAYS", 2, minimum=0)
VISIT_WINDOW_END_DAYS = env_int("VISIT_WINDOW_END_DAYS", 21, minimum=1)
if VISIT_WINDOW_END_DAYS < VISIT_WINDOW_START_DAYS:
    raise ConfigurationError("VISIT_WINDOW_END_DAYS must not be before VISIT_WINDOW_START_DAYS.")
VISIT_DURATION_MINUTES = env_int("VISIT_DURATION_MINUTES", 60, minimum=15)
VISIT_DURATION_WITH_INTERPRETER_MINUTES = env_int("VISIT_DURATION_WITH_INTERPRETER_MINUTES", 90, minimum=15)
# A move-in still awaiting assignment this long after it was saved is sent to the worker again.
ASSIGNMENT_SWEEP_AFTER_SECONDS = env_int("ASSIGNMENT_SWEEP_AFTER_SECONDS", 120, minimum=10)
# An assignment task delivered this many times without finishing (it keeps crashing) is parked for a
# coordinator instead of looping.
ASSIGNMENT_MAX_ATTEMPTS = env_int("ASSIGNMENT_MAX_ATTEMPTS", 5, minimum=1)
# Travel between visits: within a district, and between districts whose centres are unknown.
TRAVEL_MINUTES_SAME_DISTRICT = env_int("TRAVEL_MINUTES_SAME_DISTRICT", 10, minimum=0)
TRAVEL_MINUTES_DEFAULT = env_int("TRAVEL_MINUTES_DEFAULT", 30, minimum=0)
# /healthz calls the worker unhealthy when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 120, minimum=10)
# Move-in files from the property system (tenants.import_files): a year of one company's move-ins is
# about 2,000 rows; these limits keep a wrong file (a whole register, a video) from tying up a worker.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000, minimum=1)
# Personal data is kept this many months after a household's visit was completed (or its last visit closed)
# or it moved out, then anonymised by tenants.retention; the log of who opened it is kept as long.
RETENTION_MONTHS = env_int("RETENTION_MONTHS", 24, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
