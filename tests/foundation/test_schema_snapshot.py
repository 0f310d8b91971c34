"""The OpenAPI schema is a contract: docs/openapi.yaml is the committed snapshot, and the generated schema must
equal it. A change that alters the API on purpose regenerates it with `make schema` and commits the diff, so
every change of the contract is visible in review."""

import difflib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_generated_schema_equals_the_committed_snapshot(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), stderr=StringIO())
    generated, committed = out.read_text(), SNAPSHOT.read_text()
    if generated != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/openapi.yaml (committed)",
                "generated",
                n=2,
            )
        )
        pytest.fail(f"The API schema changed; if on purpose, run `make schema` and commit.\n{diff[:6000]}")
