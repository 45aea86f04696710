#!/usr/bin/env bash
# Smoke test of the package as a user gets it: `npm pack`, install the tarball into a fresh prefix
# with an empty npm cache (as `npm create microforge` does on a first run), then, from another
# directory and on the Node in NODE_BIN_DIR, generate a repo with create-microforge and check it
# with the installed `microforge` (version, upgrade --check). Then, as a newcomer reads them:
#  - the default repo (`create-microforge svc --yes`, installed): the printed next steps, run
#    literally in one shell;
#  - this repo's README quick start on a fresh clone: its first command, literally, then the next
#    steps the generated repo prints, literally.
# Where the CLI's Node is older than the generated repo's engines, the printed note must say so,
# and the steps run on the Node the note asks for (SERVICE_NODE_BIN_DIR, default: the newest
# release of the line the note names), as a user who switched. The steps need Redis and RabbitMQ at the URLs in .env.development (the note
# says so; CI runs them); PostgreSQL is the embedded one. Exit non-zero on any failure.
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
# A global install from a tarball leaves no lockfile saying where it came from, so new asks the
# registry whether this release is published: the one line saying the repo runs microforge through npx -p.
grep -Ev "^create-microforge@$version (is not on the registry|could not be looked up \(.*\)): the repo runs it through npx -p\$" "$work/new.err" >"$work/new.unexpected" || true
[[ ! -s "$work/new.unexpected" ]] || fail "create-microforge wrote to stderr: $(head -n 3 "$work/new.unexpected")"
[[ $(wc -l <"$work/new.err") -le 1 ]] || fail "create-microforge wrote more than one line to stderr: $(head -n 3 "$work/new.err")"
[[ -f svc/package.json && -f svc/Dockerfile ]] || fail "create-microforge generated no repo"
(cd svc && "$work/prefix/bin/microforge" upgrade --check >/dev/null) || fail "a fresh repo is not up to date with the CLI that made it"

# The lines under "Next:" of a `microforge new` output, one per line.
next_steps() { awk '/^  Next:$/ { on = 1; next } on && /^$/ { exit } on { sub(/^ +/, ""); print }' "$1"; }
# Runs the printed steps of OUTPUT literally, in one shell started in DIR, on the Node they need.
follow_next_steps() {
  local output=$1 dir=$2 what=$3 steps needed
  steps="$(next_steps "$output")"
  [[ -n "$steps" ]] || fail "$what: no next steps printed"
  local path=$PATH
  needed="$(sed -n 's/.*the generated repo needs Node.js \([0-9][0-9.]*\) or newer.*/\1/p' "$output")"
  if [[ -n "$needed" ]]; then
    [[ -n "${service_node_bin:-}" ]] || service_node_bin="$(bash "$repo_root/scripts/ensure-node.sh" "${needed%%.*}" | tail -n 1)"
    path="$service_node_bin:$PATH"
    echo "smoke-packed-cli: $what: the note asks for a newer Node.js; following the steps on $("$service_node_bin/node" --version)"
  fi
  echo "smoke-packed-cli: $what: $(tr '\n' ';' <<<"$steps")"
  (cd "$dir" && env -u DATABASE_URL PATH="$path" CI=true bash -euo pipefail -c "$steps") >"$work/steps.log" 2>&1 || fail "$what: the printed next steps failed: $(tail -n 30 "$work/steps.log")"
}
service_node_bin="${SERVICE_NODE_BIN_DIR:-}"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
# The generated repos' engines (>=24): a CLI on an older Node must say so after generating.
expects_note() { [[ "$node_major" -lt 24 ]]; }

# 1. The default repo, installed by the CLI as `npm create microforge` does.
"$work/prefix/bin/create-microforge" default-svc --yes --skip-git >"$work/default.out" 2>"$work/default.err" || fail "create-microforge default-svc failed: $(tail -n 3 "$work/default.err")"
if expects_note; then
  grep -q "needs Node.js 24 or newer (engines >=24); this is Node.js $(node -p process.versions.node): switch before running these commands" "$work/default.out" || fail "on Node $(node --version) the next steps do not say the repo needs Node.js 24"
elif grep -q "needs Node.js" "$work/default.out"; then
  fail "on Node $(node --version) the next steps ask for another Node.js"
fi
follow_next_steps "$work/default.out" "$work/elsewhere" "the default repo's next steps"

# 2. The README quick start, on a fresh clone: its first command literally, then the next steps it printed.
git clone --quiet "$repo_root" "$work/clone"
first_command="$(awk '/^## Quick start/ { on = 1 } on && /^```sh$/ { getline; print; exit }' "$repo_root/README.md")"
[[ "$first_command" == npm\ ci* ]] || fail "README's quick start does not start with npm ci: '$first_command'"
echo "smoke-packed-cli: README quick start: $first_command"
(cd "$work/clone" && CI=true bash -euo pipefail -c "$first_command") >"$work/readme.out" 2>"$work/readme.err" || fail "README's first command failed: $(tail -n 20 "$work/readme.err")"
follow_next_steps "$work/readme.out" "$work/clone" "the README repo's next steps"

echo "smoke-packed-cli: node $(node --version): $tarball installed alone, generated and checked a repo; the default repo's and the README quick start's printed steps work"
