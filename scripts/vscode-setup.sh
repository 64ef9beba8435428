#!/usr/bin/env bash
# vscode-setup.sh - install what the extension's tests in a real VS Code need, once:
#   - code-server (VS Code's server and web workbench, from the npm registry; it needs Node 24 and
#     builds native modules against Node 24's headers), cached outside the work tree under
#     ${KUBECTL_CERTS_CACHE:-$HOME/.cache/kubectl-certs}/vscode
#   - Debian's chromium (the browser playwright-core drives; playwright-core itself is a
#     devDependency of the extension) and libkrb5-dev (code-server's "kerberos" module builds
#     against it), with apt-get when missing (needs root).
# Run it with the project's Node 24 first on PATH (scripts/run does that; the test command calls
# this script). Idempotent: a second run checks and returns in about a second.
set -euo pipefail

CACHE="${KUBECTL_CERTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-certs}/vscode"
CODE_SERVER_VERSION="${KUBECTL_CERTS_CODE_SERVER_VERSION:-4.139.1}"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"

log() { printf '[vscode-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- Debian packages
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing chromium libkrb5-dev
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing the chromium package"

# ---------------------------------------------------------------- code-server
[ -f "$CS_DIR/.complete" ] && exit 0
node_version=$(node --version 2>/dev/null || true)
case "$node_version" in v24.*) ;; *) die "code-server $CODE_SERVER_VERSION needs Node 24 on PATH (found ${node_version:-none}): run this through scripts/run" ;; esac
# node-gyp must build against this Node's headers: a user npmrc may point nodedir elsewhere, and
# without headers on disk node-gyp would try to download them (this machine is offline).
NODE_HOME=$(cd "$(dirname "$(command -v node)")/.." && pwd)
[ -f "$NODE_HOME/include/node/node.h" ] || die "Node's headers are missing under $NODE_HOME/include/node"
log "installing code-server $CODE_SERVER_VERSION into $CS_DIR (one time, about 2-3 minutes: native modules build)"
rm -rf "$CS_DIR.tmp" && mkdir -p "$CS_DIR.tmp"
echo '{"private":true}' > "$CS_DIR.tmp/package.json"
# Without the package manager's settings: run from a pnpm script, npm would inherit pnpm's
# npm_config_* variables, and code-server's postinstall refuses a user agent that names pnpm ("Could
# not determine which package manager is being used"). Everything else (CA bundles, proxies) stays.
unset_pm=()
while IFS='=' read -r name _; do
  case "$name" in npm_config_* | npm_package_* | npm_lifecycle_* | npm_execpath | npm_node_execpath | PNPM_*)
    unset_pm+=(-u "$name") ;;
  esac
done < <(env)
(cd "$CS_DIR.tmp" && env "${unset_pm[@]}" npm_config_nodedir="$NODE_HOME" npm install --no-save --no-package-lock --no-audit \
    --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2) \
  || die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"
touch "$CS_DIR.tmp/.complete" && rm -rf "$CS_DIR" && mv "$CS_DIR.tmp" "$CS_DIR"
log "code-server ready: $CS_DIR"
