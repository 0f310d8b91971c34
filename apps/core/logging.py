"""JSON log lines with the request's context, and a filter that keeps secrets out of every line."""

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from apps.core import request_context

# Values that must never reach a log: bearer tokens, our raw API tokens, passwords and secrets in
# query strings, form bodies or JSON, session and CSRF cookies.
_SECRET_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"tl_[A-Za-z0-9_-]{8,}"), "tl_[redacted]"),
    # Credentials inside a URL (postgres://user:secret@host, redis://:secret@host).
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@"), r"\1[redacted]@"),
    (
        re.compile(
            r"(?i)((?:password|passwd|secret|token|api[_-]?key|sessionid|csrftoken|csrfmiddlewaretoken)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s&\"',;}]+"
        ),
        r"\1[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.current()
        record.request_id = context.request_id
        record.user = context.username
        record.organization = context.organization
        if not hasattr(record, "path"):
            record.path = context.path
        if not hasattr(record, "method"):
            record.method = context.method
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if isinstance(value, str) and key not in {"msg", "exc_text"}:
                setattr(record, key, redact(value))
        return True


class JsonFormatter(_BaseJsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s %(organization)s"
        )
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", False)
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
