#!/usr/bin/env bash
# Release TimeLedger on a VM run by systemd behind nginx (docs/deploy.md, "VM with systemd and nginx").
#
#   sudo deploy/deploy.sh <git ref>     build that ref as a new release, migrate, switch, restart
#   sudo deploy/deploy.sh --rollback    switch back to the previous release's code and restart
#
# Layout under APP_ROOT (/srv/timeledger):
#   repo.git/                 a mirror of the project's repository (REPO_URL), fetched on every deploy
#   releases/<utc>-<sha>/     one directory per release; .venv -> venvs/<hash of its dependencies>
#   venvs/<hash>/             virtualenvs, shared by releases with the same dependencies
#   current -> releases/...   what systemd runs and nginx serves static files from
#   shared/media/             uploads (MEDIA_ROOT in the env file); outlives releases
#
# Order, and why: install -> check --deploy -> migrate -> collectstatic -> preflight (deploy/release.sh)
# -> gates (manage.py gates --twice against the new release's gunicorn on GATES_PORT, before any traffic)
# -> switch `current` -> restart web, worker, beat (a bridge on nginx's second upstream port serves while the
# web unit restarts) -> wait for /readyz -> manage.py smoke. The script stops at
# the first failure (set -euo pipefail): if the release step or the gates fail, `current` and the running
# services are untouched, so new code never serves on an old schema and the old code keeps serving.
#
# The gates need GATES_TOKEN in the env file: an API token of a dedicated gate member (importer and admin
# roles; docs/runbook.md, "Gates"). GATES=skip (in the environment of this script, logged) skips them: only
# for the very first deploy, when no member exists yet.
set -euo pipefail

APP_ROOT="${APP_ROOT:-/srv/timeledger}"
REPO_URL="${REPO_URL:-}"
ENV_FILE="${ENV_FILE:-/etc/timeledger/timeledger.env}"
APP_USER="${APP_USER:-timeledger}"
PYTHON="${PYTHON:-python3.11}"
KEEP_RELEASES="${KEEP_RELEASES:-5}"
SYSTEMCTL="${SYSTEMCTL:-systemctl}"
READY_URL="${READY_URL:-http://127.0.0.1:8000/readyz}"
READY_TIMEOUT="${READY_TIMEOUT:-90}"
GATES="${GATES:-run}"
GATES_PORT="${GATES_PORT:-8010}" # not 8000/8001: those are nginx's upstream
GATES_PERF_ROWS="${GATES_PERF_ROWS:-1000}"
GATES_DIR="${GATES_DIR:-$APP_ROOT/shared/gates}"
BRIDGE="${BRIDGE:-on}"
BRIDGE_PORT="${BRIDGE_PORT:-8001}"
BRIDGE_WORKERS="${BRIDGE_WORKERS:-2}"
BRIDGE_DIR="${BRIDGE_DIR:-$APP_ROOT/shared/bridge}"
# More options for manage.py gates, split on spaces (thresholds: --max-api-p95-ms 200 ...).
read -r -a GATES_ARGS <<<"${GATES_ARGS:-}"
UNITS=(timeledger-web timeledger-worker timeledger-beat)

log() { echo "deploy: $*"; }
fail() { echo "deploy: $*" >&2; exit 1; }

# The app user runs the release step with the production environment (the env file is KEY=value lines,
# as systemd's EnvironmentFile reads them).
as_app() {
    local -a run=()
    if [[ "$(id -un)" != "$APP_USER" ]]; then
        run=(runuser -u "$APP_USER" --)
    fi
    # shellcheck disable=SC2016  # $1 and $@ belong to the inner shell
    "${run[@]}" env -i PATH=/usr/bin:/bin HOME="$APP_ROOT" LANG=C.UTF-8 bash -c \
        'set -euo pipefail; set -a; . "$1"; set +a; export DJANGO_ENV=production; shift; exec "$@"' \
        _ "$ENV_FILE" "$@"
}

switch_to() {
    # Atomic: a new symlink renamed over the old one; nginx and systemd never see a missing `current`.
    ln -sfn "$1" "$APP_ROOT/current.next"
    mv -Tf "$APP_ROOT/current.next" "$APP_ROOT/current"
    log "current -> $1"
}

wait_ready() { # url, timeout in seconds
    local deadline=$((SECONDS + $2))
    until curl --silent --fail --max-time 5 --header "Host: localhost" "$1" >/dev/null; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 2
    done
}

# A release's gunicorn outside systemd on loopback (the gates' candidate, the bridge): run as the app user in
# the release directory (as systemd's WorkingDirectory would be: the caller's directory must not decide which
# code runs), with its own pid file and metrics directory. Sets SIDE_JOB (the shell around it).
start_side_web() { # release, port, state directory, workers
    local release="$1" port="$2" dir="$3"
    mkdir -p "$dir"
    chown "$APP_USER": "$dir"
    as_app env -C "$release" PYTHONPATH="$release" GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS="$4" \
        GUNICORN_MAX_REQUESTS=0 PROMETHEUS_MULTIPROC_DIR="$dir/metrics" \
        "$release/.venv/bin/gunicorn" -c "$release/deploy/gunicorn.conf.py" --pid "$dir/gunicorn.pid" &
    SIDE_JOB=$!
}

# SIGTERM to that gunicorn's master (graceful: requests in flight finish), then wait for it.
stop_side_web() { # state directory, job
    if [[ -s "$1/gunicorn.pid" ]]; then
        kill "$(cat "$1/gunicorn.pid")" 2>/dev/null || true
    else
        kill "$2" 2>/dev/null || true
    fi
    wait "$2" || true
    rm -f "$1/gunicorn.pid"
}

# The new release's own gunicorn on loopback:GATES_PORT (1 worker), serving nobody but the gates; the
# database is the migrated production one. Stopped whatever the gates say.
gate_release() {
    local release="$1" status=0 candidate
    if [[ "$GATES" == "skip" ]]; then
        log "gates SKIPPED (GATES=skip): nothing checked this release over HTTP before the switch"
        return 0
    fi
    start_side_web "$release" "$GATES_PORT" "$GATES_DIR/candidate" 1
    candidate=$SIDE_JOB
    if ! wait_ready "http://127.0.0.1:$GATES_PORT/readyz" "$READY_TIMEOUT"; then
        stop_side_web "$GATES_DIR/candidate" "$candidate"
        fail "gates: the new release did not get ready on 127.0.0.1:$GATES_PORT in ${READY_TIMEOUT}s; nothing switched"
    fi
    as_app env -C "$release" PYTHONPATH="$release" "$release/.venv/bin/python" "$release/manage.py" gates \
        --base-url "http://localhost:$GATES_PORT" --twice --perf-rows "$GATES_PERF_ROWS" \
        --output "$GATES_DIR" --baseline "$GATES_DIR/baseline.json" "${GATES_ARGS[@]}" || status=$?
    stop_side_web "$GATES_DIR/candidate" "$candidate"
    ((status == 0)) || fail "gates failed (summary under $GATES_DIR); nothing switched, the running release keeps serving"
    log "gates passed (summary under $GATES_DIR)"
}

# Restart the units without a failed request: first a bridge, the release's gunicorn on BRIDGE_PORT (nginx's
# second upstream server, 127.0.0.1:8001), ready; while timeledger-web restarts, nginx passes what the
# stopped one refuses to the bridge; once the unit is ready the bridge stops gracefully. BRIDGE=off: restart
# only (requests during the web unit's start get nginx's 503 UPSTREAM_UNAVAILABLE).
restart_and_wait() {
    local release bridge=""
    release="$(readlink -f "$APP_ROOT/current")"
    if [[ "$BRIDGE" != "off" ]]; then
        start_side_web "$release" "$BRIDGE_PORT" "$BRIDGE_DIR" "$BRIDGE_WORKERS"
        bridge=$SIDE_JOB
        if wait_ready "http://127.0.0.1:$BRIDGE_PORT/readyz" "$READY_TIMEOUT"; then
            log "bridge ready on 127.0.0.1:$BRIDGE_PORT"
        else
            log "WARNING: the bridge did not get ready on 127.0.0.1:$BRIDGE_PORT; restarting without it"
            stop_side_web "$BRIDGE_DIR" "$bridge"
            bridge=""
        fi
    fi
    "$SYSTEMCTL" restart "${UNITS[@]}"
    if ! wait_ready "$READY_URL" "$READY_TIMEOUT"; then
        [[ -z "$bridge" ]] || stop_side_web "$BRIDGE_DIR" "$bridge"
        fail "not ready after ${READY_TIMEOUT}s ($READY_URL); see journalctl -u timeledger-web. To go back: $0 --rollback"
    fi
    log "ready: $READY_URL"
    if [[ -n "$bridge" ]]; then
        stop_side_web "$BRIDGE_DIR" "$bridge"
        log "bridge stopped"
    fi
}

[[ -r "$ENV_FILE" ]] || fail "cannot read $ENV_FILE (see deploy/timeledger.env.example)"
mkdir -p "$APP_ROOT/releases" "$APP_ROOT/shared/media"

if [[ "${1:-}" == "--rollback" ]]; then
    active="$(readlink -f "$APP_ROOT/current")"
    previous=""
    for release in $(find "$APP_ROOT/releases" -mindepth 1 -maxdepth 1 -type d | sort); do
        [[ "$release" == "$active" ]] && break
        [[ -f "$release/.release-ok" ]] && previous="$release"
    done
    [[ -n "$previous" ]] || fail "no earlier successful release than $active"
    # Code only: migrations are not reversed (they are written to suit the previous release).
    switch_to "$previous"
    restart_and_wait
    exit 0
fi

REF="${1:-}"
[[ -n "$REF" ]] || fail "usage: $0 <git ref> | --rollback"

if [[ ! -d "$APP_ROOT/repo.git" ]]; then
    [[ -n "$REPO_URL" ]] || fail "set REPO_URL for the first deploy"
    git clone --mirror "$REPO_URL" "$APP_ROOT/repo.git"
fi
git -C "$APP_ROOT/repo.git" fetch --prune --quiet origin
SHA="$(git -C "$APP_ROOT/repo.git" rev-parse --verify --quiet "$REF^{commit}")" || fail "unknown ref $REF"
RELEASE="$APP_ROOT/releases/$(date -u +%Y%m%d%H%M%S)-${SHA:0:12}"

log "1/5 install $SHA into $RELEASE"
mkdir -p "$RELEASE"
git -C "$APP_ROOT/repo.git" archive "$SHA" | tar -x -C "$RELEASE"
# One venv per set of dependencies (constraints.txt, pyproject.toml, Python version), shared by the releases
# that have the same: a deploy that changes only code installs nothing. The code itself is not installed:
# it runs from the release directory (PYTHONPATH in the units, as in the image).
deps="$(cat "$RELEASE/constraints.txt" "$RELEASE/pyproject.toml" <("$PYTHON" -VV) | sha256sum | cut -c1-16)"
VENV="$APP_ROOT/venvs/$deps"
if [[ ! -f "$VENV/.complete" ]]; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -c "import tomllib, sys; print('\n'.join(tomllib.load(open(sys.argv[1], 'rb'))['project']['dependencies']))" \
        "$RELEASE/pyproject.toml" >"$VENV/requirements.txt"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$RELEASE/constraints.txt" -r "$VENV/requirements.txt"
    touch "$VENV/.complete"
fi
ln -s "$VENV" "$RELEASE/.venv"
# The code stays root's; only var/ (collected static files) is written by the app user.
mkdir -p "$RELEASE/var"
chown -R "$APP_USER": "$RELEASE/var"

log "2/5 release step: check --deploy, migrate, collectstatic"
as_app env PYTHON="$RELEASE/.venv/bin/python" "$RELEASE/deploy/release.sh"
touch "$RELEASE/.release-ok"

log "3/5 gates against the new release, before any traffic"
gate_release "$RELEASE"

log "4/5 switch, restart, smoke test"
switch_to "$RELEASE"
restart_and_wait
# Through the middleware stack, and a task's round trip through the broker to the restarted worker.
as_app env -C "$RELEASE" "$RELEASE/.venv/bin/python" "$RELEASE/manage.py" smoke

log "5/5 keep the last $KEEP_RELEASES releases"
find "$APP_ROOT/releases" -mindepth 1 -maxdepth 1 -type d | sort | head -n -"$KEEP_RELEASES" | while read -r old; do
    [[ "$old" == "$(readlink -f "$APP_ROOT/current")" ]] || rm -rf "$old"
done
# Venvs no kept release uses.
for venv in "$APP_ROOT"/venvs/*; do
    in_use=""
    for release in "$APP_ROOT"/releases/*; do
        [[ "$(readlink -f "$release/.venv")" == "$venv" ]] && in_use=1 && break
    done
    [[ -n "$in_use" ]] || rm -rf "$venv"
done
log "$SHA is live"
