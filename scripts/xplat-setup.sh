#!/usr/bin/env bash
# xplat-setup.sh - install what the cross-platform tests need, once, from Debian with apt-get
# (needs root):
#   - qemu-user and the arm64 cross runtime (libc6, libstdc++6, libgcc-s1 under
#     /usr/aarch64-linux-gnu): the linux-arm64 executable runs as `qemu-aarch64 -L SYSROOT EXE`
#     (test/e2e/sea-linux-arm64.test.ts)
#   - zsh (with its zpty module): the completion scripts are driven in a real interactive zsh
#     (test/e2e/zsh-completion.test.ts)
# The test command calls it. Idempotent: when everything is installed it returns at once.
set -euo pipefail

PACKAGES=(qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross zsh)

log() { printf '[xplat-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "apt-get install ${need[*]} needs root (run as root, or install them first)"
    SUDO=sudo
  fi
  log "apt-get install ${need[*]} (one time, about 10 s)"
  $SUDO apt-get update -qq >&2 || die "apt-get update failed (is the Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 \
    || die "apt-get install ${need[*]} failed"
fi
for f in /usr/bin/qemu-aarch64 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 \
  /usr/aarch64-linux-gnu/lib/libstdc++.so.6 /usr/bin/zsh; do
  [ -e "$f" ] || die "$f is missing after installing ${PACKAGES[*]}"
done
