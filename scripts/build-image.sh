#!/usr/bin/env bash
# Build a generated service repo's Dockerfile (unchanged) into an OCI image with podman,
# hermetically: the build itself has no network (--network=none, --pull=never).
#   1. Warm an npm cache from the repo's lockfile on the host: `npm ci --cache CACHE
#      --ignore-scripts` in a temp copy of package.json + package-lock.json (plain npm install
#      does not leave everything `npm ci` asks for).
#   2. podman build with the cache mounted at /root/.npm and an npmrc saying offline=true,
#      NODE_IMAGE pointing at the local stand-in of the official node image.
#   3. Print the image size.
#
# Usage: build-image.sh DIR TAG        e.g. build-image.sh /tmp/svc localhost/svc:test
# stdout: one line "image TAG: 123.4 MiB (129394688 bytes)"; progress and build log on stderr.
# Exit: 0 built; 3 podman unusable here (one line from container-setup.sh); 1 build failed.
#
# Env: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF / MICROFORGE_NODE_IMAGE as printed by
#      container-setup.sh (run here when unset); MICROFORGE_CONTAINERS_DIR (state dir, also holds
#      the shared npm cache); NODE_VERSION (default: the generator's nodeVersion).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DIR TAG" >&2
  exit 2
fi
dir="$(cd "$1" && pwd)"
tag="$2"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${MICROFORGE_CONTAINERS_DIR:-$repo_root/.cache/containers}"
log() { printf 'build-image: %s\n' "$*" >&2; }

for f in Dockerfile package.json package-lock.json; do
  [[ -f "$dir/$f" ]] || { log "$dir has no $f"; exit 1; }
done

if [[ -z "${CONTAINERS_CONF:-}" || -z "${CONTAINERS_STORAGE_CONF:-}" || -z "${MICROFORGE_NODE_IMAGE:-}" ]]; then
  setup_out="$(bash "$repo_root/scripts/container-setup.sh" ${NODE_VERSION:+"$NODE_VERSION"})" || exit $?
  eval "$setup_out"
fi
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF

# The services' Node on the host for the cache warm-up, so engines/npm behave as in the image.
node_bin="$(bash "$repo_root/scripts/ensure-node.sh")"
export PATH="$node_bin:$PATH"

npm_cache="$state_dir/npm-cache"
npmrc="$state_dir/npmrc-offline"
mkdir -p "$npm_cache" "$state_dir/tmp"
printf '%s\n' 'offline=true' 'audit=false' 'fund=false' 'update-notifier=false' >"$npmrc.tmp.$$"
mv -f "$npmrc.tmp.$$" "$npmrc"

started=$SECONDS
# A lockfile already warmed into this cache is skipped (npm never evicts cache entries by itself).
lock_sum="$(sha256sum "$dir/package-lock.json" | cut -c1-64)"
stamp="$npm_cache/_microforge-warmed/$lock_sum"
if [[ -f "$stamp" ]]; then
  log "npm cache already holds $dir/package-lock.json"
else
  warm="$(mktemp -d "$state_dir/tmp/npm-warm.XXXXXX")"
  trap 'rm -rf "$warm"' EXIT
  cp "$dir/package.json" "$dir/package-lock.json" "$warm/"
  log "warming $npm_cache from $dir/package-lock.json"
  if ! (cd "$warm" && npm ci --cache "$npm_cache" --ignore-scripts --prefer-offline --no-audit --no-fund \
    --loglevel=error >"$warm/npm.log" 2>&1); then
    tail -n 30 "$warm/npm.log" >&2
    log "npm ci (cache warm-up) failed"
    exit 1
  fi
  rm -rf "$warm"
  mkdir -p "${stamp%/*}" && : >"$stamp"
  log "npm cache warm in $((SECONDS - started)) s"
fi

t0=$SECONDS
log "podman build -t $tag $dir (NODE_IMAGE=$MICROFORGE_NODE_IMAGE)"
if ! podman build --pull=never --network=none --format oci \
  -v "$npm_cache:/root/.npm" -v "$npmrc:/root/.npmrc:ro" \
  --build-arg "NODE_IMAGE=$MICROFORGE_NODE_IMAGE" \
  -t "$tag" "$dir" >&2; then
  rm -f "$stamp" # next time warm the cache again, in case an entry went missing (ENOTCACHED)
  log "podman build failed"
  exit 1
fi
log "built $tag in $((SECONDS - t0)) s"

size="$(podman image inspect --format '{{.Size}}' "$tag")"
awk -v t="$tag" -v s="$size" 'BEGIN { printf "image %s: %.1f MiB (%d bytes)\n", t, s / 1048576, s }'
