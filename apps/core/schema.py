"""OpenAPI post-processing of our own.

`drop_storage_bounds`: Django gives positive and small integer fields range validators from the database in
use (SQLite: 64-bit for all; PostgreSQL: 16, 32 or 64 bits), and drf-spectacular writes them into the schema,
so the same code produced two schemas. Those bounds are storage limits, not API rules; the hook removes them
(and the int64 format that comes with the 64-bit one), so the schema is the same on every database and the
committed snapshot (docs/openapi.yaml) holds in development and CI alike. Bounds an API sets itself stay.
"""

STORAGE_MAXIMUMS = {2**15 - 1, 2**31 - 1, 2**63 - 1}
STORAGE_MINIMUMS = {-(2**15), -(2**31), -(2**63)}


def _strip(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            maximum = node.get("maximum")
            if maximum in STORAGE_MAXIMUMS:
                del node["maximum"]
                if maximum == 2**63 - 1 and node.get("format") == "int64":
                    del node["format"]
            if node.get("minimum") in STORAGE_MINIMUMS:
                node.pop("minimum")
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def drop_storage_bounds(result, generator, request, public):
    _strip(result)
    return result
