"""Browser assets are vendored from the npm registry, pinned, and checked.

frontend/package.json names each package at an exact version; package-lock.json records what npm resolved
(with the tarball's integrity hash); vendor.json lists every file we copy into static/vendor/ with its
package, version and sha256. Pages load only those copies: no CDN, and the strict CSP would refuse one.

    python frontend/vendor.py          # refresh: lock, fetch with npm, verify, copy, rewrite vendor.json
    python frontend/vendor.py --check  # verify the committed files against vendor.json and the lock

To upgrade htmx: change its version in package.json, run `make vendor`, read the diff, run the tests.
Only the standard library here, so it runs without Django and without node_modules.
"""

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent
MANIFEST = FRONTEND / "vendor.json"
PACKAGE_JSON = FRONTEND / "package.json"
PACKAGE_LOCK = FRONTEND / "package-lock.json"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]


def locked_packages() -> dict[str, dict]:
    """{package name: {"version", "integrity"}} for the packages the lock resolved."""
    packages = json.loads(PACKAGE_LOCK.read_text(encoding="utf-8"))["packages"]
    prefix = "node_modules/"
    return {name.removeprefix(prefix): entry for name, entry in packages.items() if name.startswith(prefix)}


def problems() -> list[str]:
    """Everything that disagrees between package.json, the lock, the manifest and the committed files."""
    found = []
    wanted = json.loads(PACKAGE_JSON.read_text(encoding="utf-8")).get("dependencies", {})
    locked = locked_packages()
    for name, version in wanted.items():
        if not version[:1].isdigit():
            found.append(f"package.json: {name} must be pinned to an exact version, not {version!r}")
        if locked.get(name, {}).get("version") != version:
            found.append(f"package-lock.json: {name} is not locked at {version} (run make vendor)")
    for entry in load_manifest():
        path = FRONTEND / entry["path"]
        name, version = entry["package"], entry["version"]
        if wanted.get(name) != version:
            found.append(
                f"vendor.json: {entry['path']} is {name} {version}, package.json says {wanted.get(name)}"
            )
        if locked.get(name, {}).get("version") != version:
            found.append(f"vendor.json: {entry['path']} is {name} {version}, the lock disagrees")
        if not path.is_file():
            found.append(f"{entry['path']} is missing")
        elif sha256_of(path) != entry["sha256"]:
            found.append(f"{entry['path']} differs from {name} {version} as published (sha256 mismatch)")
    return found


def _npm(*args: str, cwd: Path) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to refresh vendored assets (apt-get install npm).")
    return subprocess.run([npm, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout  # noqa: S603


def _verify_integrity(tarball: Path, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{tarball.name} does not match the integrity recorded in package-lock.json")


def refresh() -> None:
    _npm("install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", cwd=FRONTEND)
    locked = locked_packages()
    wanted = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]
    manifest = load_manifest()
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in wanted.items():
            packed = json.loads(
                _npm("pack", f"{name}@{version}", "--json", "--pack-destination", tmp, cwd=FRONTEND)
            )
            tarball = Path(tmp) / packed[0]["filename"]
            _verify_integrity(tarball, locked[name]["integrity"])
            with tarfile.open(tarball) as archive:
                for entry in (e for e in manifest if e["package"] == name):
                    # npm tarballs keep everything under package/; read just the file we name.
                    member = archive.extractfile(f"package/{entry['source']}")
                    if member is None:
                        raise SystemExit(f"{name}@{version} has no file {entry['source']}")
                    destination = FRONTEND / entry["path"]
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(member.read())
                    entry.update(version=version, sha256=sha256_of(destination))
    MANIFEST.write_text(json.dumps({"files": manifest}, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="verify only; change nothing")
    options = parser.parse_args()
    if not options.check:
        refresh()
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)  # noqa: T201
    if not found:
        print(f"{len(load_manifest())} vendored files match vendor.json and package-lock.json.")  # noqa: T201
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
