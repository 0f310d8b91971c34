#!/usr/bin/env bash
# Release TimeLedger to Kubernetes, without Helm:
#   deploy/k8s/deploy.sh registry.example.com/timeledger:1.4.2
# Order (each step must succeed before the next; the script stops at the first failure):
#   1. setup:   namespace, ConfigMap, storage, Services, Ingress, NetworkPolicies, HPAs, PDB;
#   2. migrate: the release Job (check --deploy + migrate) with the NEW image, waited to completion;
#   3. rollout: the web, worker and beat Deployments move to the new image; wait for each rollout;
#      then `manage.py smoke` in a new web pod.
# If step 2 fails, the old pods keep serving on the schema they know and nothing new starts.
# Environment: NAMESPACE (timeledger), KUBECTL (kubectl), MIGRATE_TIMEOUT seconds (1800),
# ROLLOUT_TIMEOUT (10m).
set -euo pipefail

IMAGE="${1:-}"
NAMESPACE="${NAMESPACE:-timeledger}"
KUBECTL="${KUBECTL:-kubectl}"
MIGRATE_TIMEOUT="${MIGRATE_TIMEOUT:-1800}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-10m}"
HERE="$(cd "$(dirname "$0")" && pwd)"

fail() { echo "deploy: $*" >&2; exit 1; }

[[ "$IMAGE" =~ ^[^[:space:]]+:[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] \
    || fail "usage: $0 REGISTRY/NAME:TAG (an explicit tag; the image to release)"
TAG="${IMAGE##*:}"
[[ "$TAG" != "latest" ]] || fail "refusing the tag 'latest': releases must be reproducible and revertible"
NAME="${IMAGE%:*}"

k() { "$KUBECTL" --namespace "$NAMESPACE" "$@"; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# An overlay that pins the image being released; the manifests themselves stay as committed.
cp -R "$HERE" "$WORK/base"
cat >"$WORK/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${NAMESPACE}
resources:
  - base
images:
  - name: timeledger
    newName: ${NAME}
    newTag: "${TAG}"
YAML
"$KUBECTL" kustomize "$WORK" >"$WORK/all.yaml"

echo "deploy: 1/3 setup"
"$KUBECTL" apply -f "$WORK/all.yaml" --selector timeledger.io/phase=setup
k get secret timeledger-secrets >/dev/null \
    || fail "Secret timeledger-secrets is missing in namespace $NAMESPACE (see deploy/k8s/secret.template.yaml)"

echo "deploy: 2/3 migrate with $IMAGE"
# A Job's pod template cannot change: replace the previous release's Job.
k delete job timeledger-migrate --ignore-not-found --wait=true
"$KUBECTL" apply -f "$WORK/all.yaml" --selector timeledger.io/phase=migrate
deadline=$((SECONDS + MIGRATE_TIMEOUT))
while :; do
    succeeded="$(k get job timeledger-migrate -o jsonpath='{.status.succeeded}')"
    failed="$(k get job timeledger-migrate -o jsonpath='{.status.failed}')"
    if [[ "${succeeded:-0}" -ge 1 ]]; then
        break
    fi
    if [[ "${failed:-0}" -ge 1 ]]; then
        k logs job/timeledger-migrate --tail=200 >&2 || true
        fail "the migrate Job failed: the Deployments were not changed"
    fi
    if ((SECONDS >= deadline)); then
        fail "the migrate Job did not finish within ${MIGRATE_TIMEOUT}s: the Deployments were not changed"
    fi
    sleep 5
done
k logs job/timeledger-migrate --tail=20 || true

echo "deploy: 3/3 rollout of $IMAGE"
"$KUBECTL" apply -f "$WORK/all.yaml" --selector timeledger.io/phase=rollout
for deployment in timeledger-web timeledger-worker-imports timeledger-worker-default timeledger-worker-notifications timeledger-beat; do
    k rollout status "deployment/$deployment" --timeout "$ROLLOUT_TIMEOUT"
done
# Through the middleware stack, and a task's round trip through the broker to the new workers.
k exec deployment/timeledger-web -- python manage.py smoke
echo "deploy: $IMAGE is live"
