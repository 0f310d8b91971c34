#!/usr/bin/env bash
# The release step: run once per deploy, with the new code and the production environment, BEFORE any
# new web or worker process starts. Every deployment shape runs this same script: deploy/deploy.sh on
# a VM, the one-shot `migrate` service in docker-compose.yml, the migrate Job in Kubernetes.
#
# It stops at the first failure (non-zero exit), so new code never serves on an old schema:
#   1. check --deploy  refuses an unsafe production configuration (settings refuse default secrets too);
#   2. migrate         brings the schema to the new code (migrations must also suit the previous release,
#                      which keeps serving until the restart: see docs/deploy.md, "Upgrades");
#   3. collectstatic   unless COLLECTSTATIC=0 (images that collected at build and serve with whitenoise);
#   4. preflight       database, migrations, cache and broker answer (docs/runbook.md).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

"$PYTHON" manage.py check --deploy --fail-level WARNING
"$PYTHON" manage.py migrate --noinput
if [ "${COLLECTSTATIC:-1}" = "1" ]; then
    "$PYTHON" manage.py collectstatic --noinput --verbosity 1
fi
# What /readyz will ask of the new processes, asked now: database, every migration applied, cache, broker.
"$PYTHON" manage.py preflight
echo "release step done"
