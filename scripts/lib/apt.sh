# apt.sh - sourced by the setup scripts (vscode-setup.sh, xplat-setup.sh), which define log and die.
# apt_install_missing PKG...: installs with apt-get, in one update + install, the Debian packages
# that dpkg does not have yet (as root, or through sudo). Returns at once when all are installed.
apt_install_missing() {
  local need=() p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  ((${#need[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "apt-get install ${need[*]} needs root (run as root, or install them first)"
    sudo=sudo
  fi
  log "apt-get install ${need[*]} (one time)"
  # Another apt-get on the machine (a parallel setup) holds the lock for a while: wait for it.
  local lock=(-o DPkg::Lock::Timeout=600)
  $sudo apt-get "${lock[@]}" update -qq >&2 || die "apt-get update failed (is the Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${need[@]}" >&2 \
    || die "apt-get install ${need[*]} failed"
}
