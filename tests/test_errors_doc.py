"""Every error code the code can raise is listed in docs/errors.md.

The scan reads the source (AST), so it finds codes on paths no test exercises:
- calls to DomainError and its subclasses (`Conflict("LEAVE_OVERLAP", ...)`, `NotFound(code="...")`),
  including subclasses defined in any app and names imported under an alias;
- `default_code = "..."` on those subclasses;
- the codes in `*_CODES = {...: ("CODE", "message")}` maps (the exception handler's DRF_CODES, STATUS_CODES);
- `error_response("...", ...)` and `envelope("...", ...)` calls.
"""

import ast
import re
from pathlib import Path

from apps.core import errors

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["apps", "config"]
ENVELOPE_BUILDERS = {"error_response", "envelope"}


def documented_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", text, flags=re.MULTILINE))


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _base_names(node: ast.ClassDef) -> set[str]:
    return {_call_name(base) for base in node.bases}


def _error_class_names(trees: dict[Path, ast.Module]) -> set[str]:
    """DomainError and every class (in any scanned file) that derives from it, by name, to a fixed point."""
    names = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.DomainError)
    }
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    changed = True
    while changed:
        changed = False
        for node in classes:
            if node.name not in names and _base_names(node) & names:
                names.add(node.name)
                changed = True
    return names


def _aliases(tree: ast.Module, error_names: set[str]) -> set[str]:
    return {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname and alias.name in error_names
    }


def raised_codes(root: Path = ROOT) -> list[tuple[str, str]]:
    """(code, "file:line") for every literal error code found in the scanned packages."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for folder in SCANNED
        for path in sorted((root / folder).rglob("*.py"))
        if "migrations" not in path.parts
    }
    error_names = _error_class_names(trees)
    found: list[tuple[str, str]] = []
    for path, tree in trees.items():
        callables = error_names | _aliases(tree, error_names)
        where = str(path.relative_to(root))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _call_name(node.func)
                if name in callables:
                    candidates = [node.args[0]] if node.args else []
                    candidates += [kw.value for kw in node.keywords if kw.arg == "code"]
                elif name in ENVELOPE_BUILDERS and node.args:
                    candidates = [node.args[0]]
                else:
                    continue
                found += [(code, f"{where}:{node.lineno}") for code in map(_literal, candidates) if code]
            elif isinstance(node, ast.ClassDef) and node.name in error_names:
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(getattr(target, "id", "") == "default_code" for target in statement.targets)
                        and _literal(statement.value)
                    ):
                        found.append((statement.value.value, f"{where}:{statement.lineno}"))
            elif isinstance(node, ast.Assign) and any(
                getattr(target, "id", "").endswith("_CODES") for target in node.targets
            ):
                for value in getattr(node.value, "values", []):
                    if isinstance(value, ast.Tuple) and _literal(value.elts[0]):
                        found.append((value.elts[0].value, f"{where}:{value.lineno}"))
    return found


def test_every_raised_error_code_is_listed_in_docs_errors_md():
    listed = documented_codes()
    missing = sorted({f"{code} ({where})" for code, where in raised_codes() if code not in listed})
    assert not missing, "Codes raised but not listed in docs/errors.md:\n" + "\n".join(missing)


def test_the_scanner_finds_codes_from_each_kind_of_source():
    """Guards the guard: if the scan broke it would find nothing and pass."""
    found = dict(raised_codes())
    assert found["TOKEN_REVOKED"].startswith("apps/access/services.py:")  # NotAuthenticated("...")
    assert found["CONFLICT"].startswith("apps/core/errors.py:")  # default_code
    assert found["UNSUPPORTED_MEDIA_TYPE"].startswith("apps/core/exceptions.py:")  # DRF_CODES
    assert found["INTERNAL_ERROR"].startswith(("config/errors.py:", "apps/core/exceptions.py:"))
    assert len(documented_codes()) >= 20


def test_the_scanner_reports_an_unlisted_code_with_its_place(tmp_path):
    app = tmp_path / "apps" / "widgets"
    app.mkdir(parents=True)
    (tmp_path / "config").mkdir()
    (app / "errors.py").write_text(
        "from apps.core.errors import Conflict\n\nclass WidgetBusy(Conflict):\n    default_code = 'WIDGET_BUSY'\n"
    )
    (app / "services.py").write_text(
        "from apps.core.errors import NotFound as Missing\n"
        "from apps.widgets.errors import WidgetBusy\n\n"
        "def widget_get():\n"
        "    raise Missing('WIDGET_NOT_FOUND', 'No such widget.')\n\n"
        "def widget_lock():\n"
        "    raise WidgetBusy(code='WIDGET_LOCKED')\n"
    )
    found = set(raised_codes(tmp_path))
    assert found == {
        ("WIDGET_BUSY", "apps/widgets/errors.py:4"),
        ("WIDGET_NOT_FOUND", "apps/widgets/services.py:5"),
        ("WIDGET_LOCKED", "apps/widgets/services.py:8"),
    }
