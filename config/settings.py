"""TimeLedger settings: the one place that reads the environment (through django-environ).

DJANGO_ENV picks the mode:
- development (default): SQLite in the repo, local-memory cache, Celery eager, demo data allowed.
- test: like development, but with fast password hashing; DATABASE_URL / REDIS_URL switch to real services.
- production: every secret and host must be given; the process refuses to start on an unsafe value.
Every variable is documented in docs/configuration.md and .env.example.
"""

import ipaddress
import math
from collections import Counter
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = BASE_DIR / ".env"
if ENV_FILE.exists():
    env.read_env(str(ENV_FILE))

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}.")
IS_PRODUCTION = DJANGO_ENV == "production"

# The development key is public on purpose: production refuses it (see the checks at the bottom).
DEV_SECRET_KEY = "dev-insecure-timeledger-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if IS_PRODUCTION else DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Peers whose X-Forwarded-For we believe (the nginx in front of gunicorn); CIDR notation.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"])
# Who may scrape /metrics.
METRICS_ALLOWED_CIDRS = env.list("METRICS_ALLOWED_CIDRS", default=["127.0.0.0/8", "::1/128"])
# Set for processes that fork (gunicorn workers, Celery's pool): their counters are added up from files
# in this directory (prometheus_client reads it too). Each kind of process gets its own directory.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

INSTALLED_APPS = [
    "apps.access.admin_site.AdminConfig",  # django.contrib.admin, every write audited (apps/access/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_prometheus",
    "auditlog",
    "axes",
    "apps.core",
    "apps.access",
    "apps.audit",
    "apps.attendance",
    "apps.imports",
    "apps.payroll_cycles",
    "frontend",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.middleware.ApiErrorEnvelopeMiddleware",
    "apps.core.middleware.PrivateResponsesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.core.middleware.RequestInputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.access.middleware.ActiveOrganizationMiddleware",
    "apps.access.ip_guard.IpAllowlistMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

# --- Data stores ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'timeledger.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if IS_PRODUCTION else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the demo server and an eager Celery task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers share one Redis; each gets its own key space.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="timeledger")
            + (f"-{env.str('PYTEST_XDIST_WORKER', default='')}" if DJANGO_ENV == "test" else ""),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "timeledger"}
    }

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not IS_PRODUCTION)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Three queues (docs/runbook.md, "Background work"): `imports` (long, heavy jobs), `notifications`
# (deliveries, many and short) and `default` (everything else, beat's periodic work). A worker started
# without -Q reads all three; a worker per queue scales each on its own. Processes that share a Redis but
# must not take each other's tasks (a benchmark's servers, test stacks) each get a CELERY_QUEUE_PREFIX.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_QUEUE_NAMES = {
    name: f"{CELERY_QUEUE_PREFIX}{name}" for name in ("imports", "default", "notifications")
}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default=CELERY_QUEUE_NAMES["default"])
CELERY_TASK_QUEUES = {
    queue: {"exchange": queue, "routing_key": queue}
    for queue in {*CELERY_QUEUE_NAMES.values(), CELERY_TASK_DEFAULT_QUEUE}
}
CELERY_TASK_ROUTES = {
    "imports.*": {"queue": CELERY_QUEUE_NAMES["imports"]},
    "notifications.*": {"queue": CELERY_QUEUE_NAMES["notifications"]},
    "webhooks.*": {"queue": CELERY_QUEUE_NAMES["notifications"]},
    "audit.webhook_deliver": {"queue": CELERY_QUEUE_NAMES["notifications"]},
    "audit.webhooks_sweep": {"queue": CELERY_QUEUE_NAMES["notifications"]},
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: a worker busy with a 10-minute import holds no other task back.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Long tasks get a soft limit (SoftTimeLimitExceeded: the task's transaction rolls back, the job is
# marked failed) and a hard one a minute later; both below the visibility timeout, so a task still
# running is never handed to a second worker.
CELERY_IMPORT_TIME_LIMIT_SECONDS = env.int("CELERY_IMPORT_TIME_LIMIT_SECONDS", default=1800)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TASK_ANNOTATIONS = {
    "imports.job_run": {
        "soft_time_limit": CELERY_IMPORT_TIME_LIMIT_SECONDS,
        "time_limit": CELERY_IMPORT_TIME_LIMIT_SECONDS + 60,
    },
    "audit.retention": {"soft_time_limit": 1800, "time_limit": 1860},
}
# Worker metrics (docs/runbook.md, "Metrics"): a worker started with a port serves /metrics there,
# adding up its pool processes through PROMETHEUS_MULTIPROC_DIR when that is set.
CELERY_WORKER_METRICS_PORT = env.int("CELERY_WORKER_METRICS_PORT", default=0)
CELERY_WORKER_METRICS_ADDR = env.str("CELERY_WORKER_METRICS_ADDR", default="127.0.0.1")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Above the longest task (the import time limit + its hard minute), so a task still running is never
    # handed to a second worker. A job whose worker died does not wait for it: the imports sweeper
    # (imports.sweep, every minute) queues it again once its heartbeat is IMPORT_JOB_STALE_SECONDS old.
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=CELERY_IMPORT_TIME_LIMIT_SECONDS + 120
    ),
    # How often a worker looks for tasks whose worker died (every interval x throttle seconds; kombu's
    # defaults, 10 x 10). Lower both with a short visibility timeout.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Workers log through LOGGING below (JSON lines with secrets redacted), not Celery's own plain format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Auth ----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "attendance:landing"  # approvers: their inbox; others: their page
LOGOUT_REDIRECT_URL = "login"
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=90)
# Revoked or expired tokens are deleted this many days later (daily, by Celery beat).
API_TOKEN_PURGE_AFTER_DAYS = env.int("API_TOKEN_PURGE_AFTER_DAYS", default=30)
CELERY_BEAT_SCHEDULE["access-tokens-purge"] = {
    "task": "access.tokens_purge_expired",
    "schedule": 24 * 60 * 60,
}

# Failed-login lockout (django-axes): counted per user name and address.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "apps.core.request_context.axes_client_ip"

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
# One date format per language on every page (config/formats/<language>/formats.py; the `day` and `moment`
# filters of apps/core/templatetags/dates.py use them).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
# frontend/ is an app, so its static/ folder is found by the app finder (no STATICFILES_DIRS).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# `manage.py backup` writes <BACKUP_ROOT>/<UTC time>/ (docs/runbook.md, "Backup and restore").
BACKUP_ROOT = env.path("BACKUP_ROOT", default=BASE_DIR / "var" / "backups")
if DJANGO_ENV == "test":
    # Tests get static files from the finders, as in development, and WhiteNoise never scans STATIC_ROOT
    # (a deploy test may be running collectstatic into it at that moment, and scanning is slow).
    WHITENOISE_AUTOREFRESH = True
    WHITENOISE_USE_FINDERS = True

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.access.authentication.BearerTokenAuthentication",
        "apps.access.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.envelope_exception_handler",
    # JSON keys are camelCase on the wire (commitToken, deviceId, ...), snake_case in Python.
    "DEFAULT_RENDERER_CLASSES": ["apps.core.renderers.CamelCaseJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",
        "apps.core.parsers.FormParser",
        "apps.core.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TimeLedger API",
    "DESCRIPTION": "Time & attendance API. Errors always use the envelope "
    '`{"ok": false, "error": {"code", "message", "details"}}`; codes are listed in docs/errors.md.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "apps.core.openapi.add_error_responses",
        "apps.core.schema.drop_storage_bounds",
    ],
    "AUTHENTICATION_WHITELIST": [
        "apps.access.authentication.BearerTokenAuthentication",
        "apps.access.authentication.CsrfSessionAuthentication",
    ],
    # Several models have a "kind" or "status"; each choice set gets its own, stable schema name.
    "ENUM_NAME_OVERRIDES": {
        "PunchKindEnum": "apps.attendance.models.Punch.Kind",
        "AdjustmentKindEnum": "apps.attendance.models.AdjustmentRequest.Kind",
        "DailyRecordStatusEnum": "apps.attendance.models.DailyRecord.Status",
        "RequestStatusEnum": "apps.attendance.models.RequestStatus",
        "PayrollTemplateKindEnum": "apps.payroll_cycles.models.PayrollTemplate.Kind",
        "PayrollCycleStatusEnum": "apps.payroll_cycles.models.PayrollCycle.Status",
        "NotificationKindEnum": "apps.attendance.models.NotificationKind",
    },
}

# --- Security ------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
if IS_PRODUCTION:
    # TLS ends at nginx, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Strict CSP: no inline script or style, everything from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging -------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "apps.core.logging.RequestContextFilter"},
        "redact_secrets": {"()": "apps.core.logging.RedactSecretsFilter"},
    },
    "formatters": {"json": {"()": "apps.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log line replaces Django's own access/error lines for requests.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        "timeledger": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Product limits ------------------------------------------------------------------------------
IMPORT_UPLOAD_MAX_BYTES = env.int("IMPORT_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024)
IMPORT_UPLOAD_TTL_HOURS = env.int("IMPORT_UPLOAD_TTL_HOURS", default=24)
IMPORT_COMMIT_TOKEN_TTL_SECONDS = env.int("IMPORT_COMMIT_TOKEN_TTL_SECONDS", default=600)
# Files up to this many rows preview and commit inside the request; larger ones run as Celery jobs.
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=20_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=500_000)
IMPORT_MAX_REPORTED_ERRORS = env.int("IMPORT_MAX_REPORTED_ERRORS", default=1000)
# .xlsx limits (apps/imports/workbook.py): what a workbook may expand to before it is parsed, and what
# reading it may scan. A 500,000-row DingTalk export is about 300 MB of XML and well under them.
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", default=512 * 1024 * 1024)
IMPORT_XLSX_MAX_PART_BYTES = env.int("IMPORT_XLSX_MAX_PART_BYTES", default=32 * 1024 * 1024)
IMPORT_XLSX_MAX_ROWS_SCANNED = env.int("IMPORT_XLSX_MAX_ROWS_SCANNED", default=1_000_000)
IMPORT_XLSX_MAX_COLUMNS = env.int("IMPORT_XLSX_MAX_COLUMNS", default=256)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=32_767)
CELERY_BEAT_SCHEDULE["imports-janitor"] = {"task": "imports.janitor", "schedule": 60 * 60}
# Import jobs stamp a heartbeat while they run; one whose stamp is older than IMPORT_JOB_STALE_SECONDS lost
# its process (a worker or a web worker killed) and the sweeper queues it again, at most
# IMPORT_JOB_MAX_RECOVERIES times, then fails it (IMPORT_INTERRUPTED; a retry with the same key re-runs).
IMPORT_JOB_HEARTBEAT_SECONDS = env.int("IMPORT_JOB_HEARTBEAT_SECONDS", default=15)
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=120)
IMPORT_JOB_MAX_RECOVERIES = env.int("IMPORT_JOB_MAX_RECOVERIES", default=3)
CELERY_BEAT_SCHEDULE["imports-sweep"] = {"task": "imports.sweep", "schedule": 60}
# Auto-generating payroll templates keep the current cycle and the next three present.
CELERY_BEAT_SCHEDULE["payroll-cycles-keep-ahead"] = {
    "task": "payroll.cycles_keep_ahead",
    "schedule": 6 * 60 * 60,
}
# Days nobody touched (absent, rest days) get their record from this run: each organization's yesterday,
# recomputed every 3 hours so every timezone is covered soon after its midnight; safe to repeat.
CELERY_BEAT_SCHEDULE["attendance-close-yesterday"] = {
    "task": "attendance.records_close_yesterday",
    "schedule": 3 * 60 * 60,
}
# Leave allowances: the new year's on its first run, joiners' on the others (safe to repeat).
CELERY_BEAT_SCHEDULE["attendance-leave-accrue"] = {
    "task": "attendance.leave_accrue",
    "schedule": 24 * 60 * 60,
}
# Notifications (docs/attendance.md): the approvers' daily digest (sent once a day after 09:00 in each
# organization's zone) and the missed-punch reminders (one per member, kind and day).
CELERY_BEAT_SCHEDULE["notifications-pending-digest"] = {
    "task": "notifications.pending_digest",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["notifications-missed-punch"] = {
    "task": "notifications.missed_punch_reminders",
    "schedule": 5 * 60,
}
DEMO_DATA_ALLOWED = DJANGO_ENV in {"development", "test"}

# --- Administration and security (docs/security.md, docs/audit.md) -------------------------------
# Retention defaults; an organization may change its own (Organization.settings["retention"]).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=3 * 365)
ATTENDANCE_RETENTION_DAYS = env.int("ATTENDANCE_RETENTION_DAYS", default=7 * 365)
CELERY_BEAT_SCHEDULE["audit-retention"] = {"task": "audit.retention", "schedule": 24 * 60 * 60}
# Sealing the operation log (docs/audit.md): "background" = writers store entries unsealed and the sealer
# (beat task audit.seal every AUDIT_SEAL_INTERVAL seconds, or `manage.py audit_seal --watch`) chains them;
# "inline" = each writer seals its own entry, holding the chain head until its transaction commits.
AUDIT_SEALING = env.str("AUDIT_SEALING", default="background" if IS_PRODUCTION else "inline")
if AUDIT_SEALING not in {"background", "inline"}:
    raise ImproperlyConfigured('AUDIT_SEALING must be "background" or "inline".')
AUDIT_SEAL_INTERVAL = env.float("AUDIT_SEAL_INTERVAL", default=1.0)
CELERY_BEAT_SCHEDULE["audit-seal"] = {
    "task": "audit.seal",
    "schedule": AUDIT_SEAL_INTERVAL,
    # A run that waited longer than a few intervals in the queue is dropped: the next one seals the same.
    "options": {"expires": max(5.0, AUDIT_SEAL_INTERVAL * 5)},
}
CELERY_BEAT_SCHEDULE["audit-chain-verify"] = {"task": "audit.chain_verify", "schedule": 24 * 60 * 60}
# Request rate limits per user (or address when anonymous), "<count>/<s|m|h|d>", counted by
# django-ratelimit in the default cache (Redis in production). RATE_LIMITS="login=5/m,export=30/m" overrides.
RATE_LIMITS = {
    "login": "10/m",
    "import_upload": "60/m",
    "import_prepare": "120/m",
    "import_preview": "60/m",
    "import_commit": "10/m",
    "export": "60/m",
    "admin_write": "120/m",
    "calendar_feed": "60/m",  # per client address: the feed URLs are fetched without signing in
} | env.dict("RATE_LIMITS", default={})
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# Invitation links point here; mail goes to the console unless EMAIL_URL says otherwise (smtp+tls://...).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TimeLedger <noreply@timeledger.invalid>")

# --- Webhooks (docs/integrations.md) --------------------------------------------------------------
# Targets in private, loopback, link-local and other non-public ranges are refused unless this is on
# (the demo and tests deliver to a receiver on 127.0.0.1; production must not reach internal services).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=not IS_PRODUCTION)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# After this many failed attempts a delivery becomes a dead letter (admins replay it).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Retry n waits about base * 2^(n-1) seconds (at most the cap), times a random factor in [0.5, 1].
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=30.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)
# Beat sends what is due (retries, deliveries whose worker died) this often.
WEBHOOK_SWEEP_SECONDS = env.int("WEBHOOK_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {"task": "audit.webhooks_sweep", "schedule": WEBHOOK_SWEEP_SECONDS}

# --- Production guard rails ----------------------------------------------------------------------
MIN_SECRET_KEY_LENGTH = 50


def _refuse(variable: str, why: str) -> None:
    raise ImproperlyConfigured(f"Refusing to start in production: {variable} {why}.")


def _secret_key_is_weak(key: str) -> bool:
    """Too short, too few distinct characters, a repeated unit ("abcde" * 11) or too little entropy."""
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        return True
    if key in (key + key)[1:-1]:  # the key is one shorter string repeated
        return True
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    return bits < 192


def _network_too_wide(cidr: str) -> bool:
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return True
    return network.prefixlen < (8 if network.version == 4 else 32)


if IS_PRODUCTION:
    if not SECRET_KEY.strip():
        _refuse("SECRET_KEY", "is missing")
    _normalized_key = SECRET_KEY.strip().lower()
    if (
        SECRET_KEY == DEV_SECRET_KEY
        or SECRET_KEY.strip() != SECRET_KEY
        or _normalized_key.startswith(("django-insecure", "dev-insecure"))
        or any(
            marker in _normalized_key.replace("_", "-") for marker in ("change-me", "changeme", "insecure")
        )
    ):
        _refuse("SECRET_KEY", "is a known default value")
    if _secret_key_is_weak(SECRET_KEY):
        _refuse("SECRET_KEY", f"is too short or too simple (use {MIN_SECRET_KEY_LENGTH}+ random characters)")
    if DEBUG:
        _refuse("DEBUG", "is on")
    if not ALLOWED_HOSTS or any(
        not host.strip() or "*" in host or host.strip().startswith(".") for host in ALLOWED_HOSTS
    ):
        # ".example.com" is Django's subdomain wildcard and "." matches everything: name each host.
        _refuse("ALLOWED_HOSTS", "is empty or a wildcard")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        _refuse("DATABASE_URL", "points at SQLite (use PostgreSQL)")
    if not REDIS_URL:
        _refuse("REDIS_URL", "is missing")
    if not AXES_ENABLED:
        _refuse("AXES_ENABLED", "is off (failed sign-ins would never lock out)")
    if not RATELIMIT_ENABLE:
        _refuse("RATELIMIT_ENABLE", "is off (no request rate limits)")
    if CELERY_TASK_ALWAYS_EAGER:
        _refuse("CELERY_TASK_ALWAYS_EAGER", "is on (imports would run inside web requests)")
    if any(_network_too_wide(cidr) for cidr in TRUSTED_PROXIES):
        _refuse("TRUSTED_PROXIES", "names a network too wide or invalid (anyone could forge X-Forwarded-For)")
