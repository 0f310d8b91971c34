"""OpenAPI post-processing: every operation declares the error responses the API can give it.

Any operation can answer 400 (bad input; a NUL in a query parameter), 401, 403 (role, membership, IP
allowlist), 404, 429 and 503 (rate limits and their counters' cache); a write can also answer 409, 413, 415
and 422. All of them carry the one error envelope, so the schema says so once (`ErrorEnvelope`) and every
operation refers to it, instead of each view listing them by hand (and forgetting some).
"""

ERROR_ENVELOPE = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable code, listed in docs/errors.md."},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": {}},
            },
            "required": ["code", "message", "details"],
        },
    },
    "required": ["ok", "error"],
}

DESCRIPTIONS = {
    "400": "Not valid input (VALIDATION_ERROR with details.fields, MALFORMED_REQUEST, or a specific code).",
    "401": "Not signed in, or the API token is not valid (NOT_AUTHENTICATED, TOKEN_*).",
    "403": "The role, membership or client address does not allow this (FORBIDDEN, NO_MEMBERSHIP, IP_RESTRICTED).",
    "404": "No such resource in the caller's organization.",
    "409": "Conflicts with the current state (a specific code says which).",
    "413": "The body is over the limit (PAYLOAD_TOO_LARGE).",
    "415": "The content type is not accepted here (UNSUPPORTED_MEDIA_TYPE).",
    "422": "Understood but cannot be processed; details say why.",
    "429": "Over a rate limit (RATE_LIMITED); Retry-After says when to retry.",
    "503": "A service the request needs is down (SERVICE_UNAVAILABLE); Retry-After says when to retry.",
}
ANY_OPERATION = ("400", "401", "403", "404", "429", "503")
WRITE_ONLY = ("409", "413", "415", "422")
WRITES = {"post", "put", "patch", "delete"}
METHODS = WRITES | {"get", "head", "options"}
REF = {"$ref": "#/components/schemas/ErrorEnvelope"}


def _is_generic(response: dict) -> bool:
    """A response declared by a view as a bare object (OpenApiTypes.OBJECT): the envelope says more."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return schema is not None and schema.get("type") == "object" and "properties" not in schema


# JSON Schema's "time" format is RFC 3339's full-time, with an offset ("09:00:00Z"); ours are wall-clock
# times of the organization's day ("09:00:00"), so the schema says that with a pattern.
LOCAL_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"}


def _local_times(node) -> None:
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if item.get("format") == "time" and item.get("type") == "string":
                del item["format"]
                item.setdefault("pattern", LOCAL_TIME["pattern"])
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def add_error_responses(result, generator, request, public):
    _local_times(result)
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            statuses = ANY_OPERATION + (WRITE_ONLY if method in WRITES else ())
            for status in statuses:
                declared = responses.get(status)
                if declared is None or _is_generic(declared):
                    responses[status] = {
                        "description": (declared or {}).get("description") or DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": REF}},
                    }
                elif "content" not in declared:
                    declared["content"] = {"application/json": {"schema": REF}}
    return result
