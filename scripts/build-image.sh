#!/usr/bin/env bash
# Build a generated service repo's Dockerfile (unchanged) into an OCI image with podman,
# hermetically: the build itself has no network (--network=none, --pull=never).
#   1. Warm a cache from the repo's lockfile on the host, in a temp copy of the files the
#      Dockerfile's dependency stage copies: npm: `npm ci --cache CACHE --ignore-scripts` (plain
#      npm install does not leave everything `npm ci` asks for); pnpm / Yarn: the manager (at the
#      version the Dockerfile installs) into the npm cache, then its own frozen install into a
#      pnpm store / Yarn global cache.
#   2. podman build with the caches mounted where the build stage's npm, pnpm and Yarn look
#      (/root/.npm, /root/.local/share/pnpm/store and /root/.cache/pnpm, /root/.yarn/berry), an npmrc saying
#      offline=true, NODE_IMAGE pointing at the local stand-in of the official node image.
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

for f in Dockerfile package.json; do
  [[ -f "$dir/$f" ]] || { log "$dir has no $f"; exit 1; }
done
# The repo's package manager, from its lockfile (and the settings file the image copies with it).
if [[ -f "$dir/package-lock.json" ]]; then manager=npm lockfile=package-lock.json settings=
elif [[ -f "$dir/pnpm-lock.yaml" ]]; then manager=pnpm lockfile=pnpm-lock.yaml settings=pnpm-workspace.yaml
elif [[ -f "$dir/yarn.lock" ]]; then manager=yarn lockfile=yarn.lock settings=.yarnrc.yml
else log "$dir has no package-lock.json, pnpm-lock.yaml or yarn.lock"; exit 1
fi
# pnpm / Yarn: the package and version the Dockerfile installs them from (npm install --global X@V).
manager_package=
if [[ $manager != npm ]]; then
  manager_package="$(grep -oE 'npm install --global [^&]*' "$dir/Dockerfile" | grep -oE '(pnpm|@yarnpkg/cli-dist)@[0-9][^ ]*' | head -n 1 || true)"
  [[ -n $manager_package ]] || { log "$dir/Dockerfile installs no $manager (npm install --global ...)"; exit 1; }
fi

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
pnpm_store="$state_dir/pnpm-store"
# pnpm (12) checks the lockfile against its supply-chain policies with the packages' metadata:
# its metadata cache goes in too, or the offline build waits on DNS and fails.
pnpm_cache="$state_dir/pnpm-cache"
yarn_home="$state_dir/yarn-berry"
mkdir -p "$pnpm_store" "$pnpm_cache" "$yarn_home"
# A lockfile already warmed into these caches is skipped (npm never evicts cache entries by itself).
lock_sum="$(cat "$dir/$lockfile" ${settings:+"$dir/$settings"} <<<"$manager_package" - | sha256sum | cut -c1-64)"
stamp="$npm_cache/_microforge-warmed/$lock_sum"
if [[ -f "$stamp" ]]; then
  log "caches already hold $dir/$lockfile"
else
  warm="$(mktemp -d "$state_dir/tmp/warm.XXXXXX")"
  trap 'rm -rf "$warm"' EXIT
  cp "$dir/package.json" "$dir/$lockfile" ${settings:+"$dir/$settings"} "$warm/"
  log "warming caches from $dir/$lockfile ($manager${manager_package:+, $manager_package})"
  npm_flags=(--cache "$npm_cache" --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
  case $manager in
    npm) warm_cmd=(npm ci "${npm_flags[@]}") ;;
    # The manager from the npm cache the build stage installs it from, then its frozen install
    # fills the store / global cache the build stage reads.
    # XDG_RUNTIME_DIR: pnpm keeps its store-operation locks there (else in /tmp, whatever TMPDIR
    # says, where they would outlive the warm-up); the warm-up dir goes with them.
    pnpm) warm_cmd=(bash -c 'npm install --global --prefix "$1/prefix" "${@:3}" "$2" && XDG_RUNTIME_DIR="$1" "$1/prefix/bin/pnpm" install --frozen-lockfile --ignore-scripts --store-dir "$0" --cache-dir "${0%-store}-cache"' "$pnpm_store" "$warm" "$manager_package" "${npm_flags[@]}") ;;
    yarn) warm_cmd=(bash -c 'npm install --global --prefix "$1/prefix" "${@:3}" "$2" && YARN_GLOBAL_FOLDER="$0" YARN_ENABLE_GLOBAL_CACHE=true YARN_ENABLE_IMMUTABLE_INSTALLS=true "$1/prefix/bin/yarn" install --immutable --mode=skip-build' "$yarn_home" "$warm" "$manager_package" "${npm_flags[@]}") ;;
  esac
  if ! (cd "$warm" && "${warm_cmd[@]}" >"$warm/warm.log" 2>&1); then
    tail -n 30 "$warm/warm.log" >&2
    log "$manager cache warm-up failed"
    exit 1
  fi
  rm -rf "$warm"
  mkdir -p "${stamp%/*}" && : >"$stamp"
  log "caches warm in $((SECONDS - started)) s"
fi

t0=$SECONDS
log "podman build -t $tag $dir (NODE_IMAGE=$MICROFORGE_NODE_IMAGE)"
if ! podman build --pull=never --network=none --format oci \
  -v "$npm_cache:/root/.npm" -v "$npmrc:/root/.npmrc:ro" \
  -v "$pnpm_store:/root/.local/share/pnpm/store" -v "$pnpm_cache:/root/.cache/pnpm" \
  -v "$yarn_home:/root/.yarn/berry" \
  --build-arg "NODE_IMAGE=$MICROFORGE_NODE_IMAGE" \
  -t "$tag" "$dir" >&2; then
  rm -f "$stamp" # next time warm the cache again, in case an entry went missing (ENOTCACHED)
  log "podman build failed"
  exit 1
fi
log "built $tag in $((SECONDS - t0)) s"

size="$(podman image inspect --format '{{.Size}}' "$tag")"
awk -v t="$tag" -v s="$size" 'BEGIN { printf "image %s: %.1f MiB (%d bytes)\n", t, s / 1048576, s }'
