#!/usr/bin/env bash
# xplat-setup.sh - install what the cross-platform tests need, once, from Debian with apt-get
# (needs root):
#   - qemu-user and the arm64 cross runtime (libc6, libstdc++6, libgcc-s1 under
#     /usr/aarch64-linux-gnu): the linux-arm64 executable runs as `qemu-aarch64 -L SYSROOT EXE`
#     (test/e2e/sea-linux-arm64.test.ts)
#   - zsh (with its zpty module): the completion scripts are driven in a real interactive zsh
#     (test/e2e/zsh-completion.test.ts), and fish runs the fish script (plugin/test/completion.test.ts)
#   - umoci (scripts/release builds the container image with it), skopeo and runc: the image is read
#     as a registry client reads it and run as a container (test/e2e/container-image.test.ts)
# The test command calls it. Idempotent: when everything is installed it returns at once.
set -euo pipefail

PACKAGES=(qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross zsh fish umoci skopeo runc)

log() { printf '[xplat-setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing "${PACKAGES[@]}"
for f in /usr/bin/qemu-aarch64 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 \
  /usr/aarch64-linux-gnu/lib/libstdc++.so.6 /usr/bin/zsh /usr/bin/fish /usr/bin/umoci /usr/bin/skopeo /usr/sbin/runc; do
  [ -e "$f" ] || die "$f is missing after installing ${PACKAGES[*]}"
done
