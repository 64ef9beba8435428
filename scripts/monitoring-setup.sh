#!/usr/bin/env bash
# monitoring-setup.sh - install Debian's prometheus (with promtool), once, with apt-get (needs root):
# the approver's tests start a real Prometheus that scrapes its /metrics and read the series back
# from Prometheus' HTTP API (test/e2e/approver.test.ts). The package's service is not started here
# (no init system); tests run their own prometheus process on loopback.
# The test command calls it. Idempotent: when everything is installed it returns at once.
set -euo pipefail

PACKAGES=(prometheus)

log() { printf '[monitoring-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing "${PACKAGES[@]}"
for f in /usr/bin/prometheus /usr/bin/promtool; do
  [ -e "$f" ] || die "$f is missing after installing ${PACKAGES[*]}"
done
