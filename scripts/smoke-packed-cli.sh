#!/usr/bin/env bash
# Smoke test of the package as a user gets it: `npm pack`, install the tarball into a fresh prefix
# with an empty npm cache (as `npm create microforge` does on a first run), then, from another
# directory and on the Node in NODE_BIN_DIR, generate a repo with create-microforge and check it
# with the installed `microforge` (version, upgrade --check). Exit non-zero on any failure.
#
#   scripts/smoke-packed-cli.sh "$(scripts/ensure-node.sh 22.18.0)"
set -euo pipefail

node_bin="$(cd "${1:?usage: smoke-packed-cli.sh NODE_BIN_DIR}" && pwd)"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$node_bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "smoke-packed-cli: $*" >&2; exit 1; }

[[ -f "$repo_root/dist/bundle/microforge.js" ]] || fail "no dist/bundle (run npm run build first)"
tarball="$(cd "$repo_root" && npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
npm install --global --prefix "$work/prefix" --cache "$work/npm-cache" --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null
installed=$(find "$work/prefix/lib/node_modules" -mindepth 1 -maxdepth 2 -name package.json | wc -l)
[[ "$installed" -le 2 ]] || fail "installing the tarball brought $installed packages, expected create-microforge alone"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
version="$("$work/prefix/bin/microforge" --version)"
[[ "$version" == "$(node -p "require('$repo_root/package.json').version")" ]] || fail "microforge --version printed '$version'"
"$work/prefix/bin/create-microforge" svc --yes --skip-install --skip-git >"$work/new.out" 2>"$work/new.err" || fail "create-microforge failed: $(tail -n 3 "$work/new.err")"
[[ ! -s "$work/new.err" ]] || fail "create-microforge wrote to stderr: $(head -n 3 "$work/new.err")"
[[ -f svc/package.json && -f svc/Dockerfile ]] || fail "create-microforge generated no repo"
(cd svc && "$work/prefix/bin/microforge" upgrade --check >/dev/null) || fail "a fresh repo is not up to date with the CLI that made it"
echo "smoke-packed-cli: node $(node --version): $tarball installed alone, generated and checked a repo"
