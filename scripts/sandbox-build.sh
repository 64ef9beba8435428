#!/usr/bin/env bash
# sandbox-build.sh - build the sandbox used by tests, the demo and the benchmarks: a real
# kube-apiserver + kube-controller-manager + kube-scheduler + kubelet (Kubernetes 1.20, from Debian
# bullseye's "kubernetes" source package), etcd 3.4 (Debian bookworm etcd-server), the
# pod images (the pause binary from the same source, and a static exit-code binary, as
# OCI images made with umoci and saved as docker-archives with skopeo), cached outside
# the work tree under ${KUBECTL_CERTS_CACHE:-$HOME/.cache/kubectl-certs}/sandbox; and
# installs Debian's containerd, runc and containernetworking-plugins for the nodes.
#
# Idempotent: every stage is skipped when its output already exists (a cache that has
# the control plane only gets the node stage added, without rebuilding the rest).
#   scripts/sandbox-build.sh            build what is missing
#   scripts/sandbox-build.sh --force    rebuild the Go binaries and images (keeps downloaded source)
#   scripts/sandbox-build.sh --cold     also wipe the Go build cache first (to time a cold build)
#   scripts/sandbox-build.sh --cold --only=kubelet   time one binary alone, cold
#
# Needs root (apt-get install golang-1.19-go, containerd, ...) and access to the Debian
# mirror that the system's apt sources already use. The system apt configuration is NOT
# changed: bullseye deb-src is read through a private sources file / lists dir in the cache.
set -euo pipefail

CACHE="${KUBECTL_CERTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-certs}/sandbox"
BIN="$CACHE/bin"
GOPATH_DIR="$CACHE/gopath"
K8S_SRC="$GOPATH_DIR/src/k8s.io/kubernetes"
APTDIR="$CACHE/apt"
GO_PKG="${KUBECTL_CERTS_SANDBOX_GO_PKG:-golang-1.19-go}"
GOROOT_DIR="${KUBECTL_CERTS_SANDBOX_GOROOT:-/usr/lib/go-1.19}"
SRC_SUITE="${KUBECTL_CERTS_SANDBOX_SRC_SUITE:-bullseye}"
K8S_VERSION_TAG="${KUBECTL_CERTS_SANDBOX_K8S_VERSION:-v1.20.2}"
TIMES="$CACHE/build-times.txt"

FORCE=0; COLD=0; ONLY=""
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --cold) FORCE=1; COLD=1 ;;
    --only=*) ONLY=${a#--only=} ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "sandbox-build.sh: unknown argument: $a" >&2; exit 2 ;;
  esac
done

log()  { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die()  { printf '[build] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; [ $rc -ne 0 ] && echo "[build] FAILED (exit $rc); see messages above" >&2' EXIT

mkdir -p "$BIN" "$APTDIR"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
IMAGES="$CACHE/images"
# What a node needs from Debian (containerd's ctr imports the images; nsenter is util-linux).
NODE_PKGS=(containerd runc containernetworking-plugins umoci skopeo gcc libc6-dev)
# shellcheck source=lib/apt.sh
. "$REPO/scripts/lib/apt.sh"

have_bins() { [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/etcd" ]; }
# The node stage is checked on its own, so a cache built before it gets only this stage added.
have_node_pkgs() {
  local p
  for p in "${NODE_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}
# The images are rebuilt when either C source changes (their hash is recorded in images.json).
images_key() { cat "$K8S_SRC/build/pause/linux/pause.c" "$REPO/test/sandbox/image/exit-code.c" 2>/dev/null | sha256sum | cut -c1-16; }
have_images() {
  [ -s "$IMAGES/pause.tar" ] && [ -s "$IMAGES/exit-code.tar" ] \
    && grep -q "\"key\":\"$(images_key)\"" "$IMAGES/images.json" 2>/dev/null
}
have_node() { [ -x "$BIN/kubelet" ] && [ -x "$BIN/kube-scheduler" ] && have_images && have_node_pkgs; }
if [ $FORCE -eq 0 ] && have_bins && have_node; then
  log "cached binaries present in $BIN - nothing to do (use --force to rebuild)"
  "$BIN/kube-apiserver" --version || true
  "$BIN/kubelet" --version || true
  "$BIN/etcd" --version 2>/dev/null | head -1 || true
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (needs apt-get install $GO_PKG ${NODE_PKGS[*]})"

# ---------------------------------------------------------------- mirror
# Read the Debian mirror out of the system's deb822 sources (first URIs: line of a
# stanza that is not the security archive); fall back to a one-line sources.list.
mirror_uri() {
  local f=/etc/apt/sources.list.d/debian.sources u=""
  if [ -r "$f" ]; then
    u=$(awk 'BEGIN{RS="";FS="\n"} { uri=""; sec=0;
            for(i=1;i<=NF;i++){ if($i ~ /^URIs:/){ sub(/^URIs:[ \t]*/,"",$i); split($i,a,/[ \t]+/); uri=a[1] }
                                if($i ~ /^Suites:.*-security/) sec=1 }
            if(uri!="" && !sec){ print uri; exit } }' "$f")
  fi
  if [ -z "$u" ] && [ -r /etc/apt/sources.list ]; then
    u=$(awk '$1=="deb" && $0 !~ /security/ { for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit} }' /etc/apt/sources.list)
  fi
  [ -n "$u" ] || die "could not find a Debian mirror URI in /etc/apt/sources.list.d/debian.sources"
  echo "${u%/}"
}

# ---------------------------------------------------------------- toolchain
ensure_pkgs() {
  local missing=()
  for p in "$GO_PKG" dpkg-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed (is $GO_PKG available in this suite?)"
  else
    log "toolchain present ($GO_PKG)"
  fi
  [ -x "$GOROOT_DIR/bin/go" ] || die "Go not found at $GOROOT_DIR/bin/go"
}

# Extract (not install) a binary package into the cache - no services get started.
extract_deb() { # pkg destdir
  local pkg=$1 dest=$2 d="$CACHE/debs"
  mkdir -p "$d" "$dest"
  if ! ls "$d"/"${pkg}"_*.deb >/dev/null 2>&1; then
    ( cd "$d" && apt-get -o APT::Sandbox::User=root download -qq "$pkg" ) \
      || { apt-get update -qq; ( cd "$d" && apt-get -o APT::Sandbox::User=root download -qq "$pkg" ); } \
      || die "apt-get download $pkg failed"
  fi
  dpkg-deb -x "$(ls "$d"/"${pkg}"_*.deb | head -1)" "$dest"
}

ensure_etcd() {
  if [ -x "$BIN/etcd" ]; then log "etcd cached"; return; fi
  log "fetching etcd (Debian etcd-server / etcd-client, extracted, not installed)"
  extract_deb etcd-server "$CACHE/root"
  extract_deb etcd-client "$CACHE/root"
  ln -sf "$CACHE/root/usr/bin/etcd" "$BIN/etcd"
  [ -x "$CACHE/root/usr/bin/etcdctl" ] && ln -sf "$CACHE/root/usr/bin/etcdctl" "$BIN/etcdctl"
  "$BIN/etcd" --version | head -1
}

ensure_reflect2() {
  R2="$CACHE/root/usr/share/gocode/src/github.com/modern-go/reflect2"
  if [ -f "$R2/reflect2.go" ]; then return; fi
  log "fetching reflect2 >= 1.0.2 (Debian golang-github-modern-go-reflect2-dev, extracted)"
  extract_deb golang-github-modern-go-reflect2-dev "$CACHE/root"
  [ -f "$R2/reflect2.go" ] || die "reflect2 sources not found after extraction"
}

# ---------------------------------------------------------------- source
ensure_source() {
  if [ -f "$K8S_SRC/cmd/kube-apiserver/apiserver.go" ]; then log "kubernetes source present"; return; fi
  local m; m=$(mirror_uri)
  log "mirror (from system apt sources): $m ; suite $SRC_SUITE (private deb-src list)"
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/prefs.d" "$CACHE/srcpkg"
  local kr=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb-src [signed-by=$kr] $m $SRC_SUITE main" > "$APTDIR/sources.list"
  APTOPTS=(-o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=- \
           -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
           -o Dir::Etc::preferencesparts="$APTDIR/prefs.d" -o APT::Sandbox::User=root)
  apt-get "${APTOPTS[@]}" update -qq || die "private apt-get update ($SRC_SUITE deb-src) failed"
  # What apt wants to fetch, with SHA256 from the signed Sources index.
  apt-get "${APTOPTS[@]}" source --print-uris -qq kubernetes > "$CACHE/srcpkg/uris.txt" \
    || die "no kubernetes source package in $SRC_SUITE"
  log "apt-get source kubernetes ($SRC_SUITE): $(awk '{print $2}' "$CACHE/srcpkg/uris.txt" | paste -sd' ' -)"
  if ( cd "$CACHE/srcpkg" && apt-get "${APTOPTS[@]}" source -qq kubernetes ) >"$CACHE/srcpkg/apt-source.log" 2>&1; then
    log "apt-get source OK (dsc + orig + debian tarball, unpacked with dpkg-source)"
  else
    # Pitfall seen on this mirror: the .dsc and .debian.tar.xz of the (removed-from-
    # bullseye-later) package answer 404 while the .orig.tar.gz is still served. The
    # orig tarball is the full upstream tree incl. vendor/, which is all we need.
    grep -E '^(E|W): (Failed|Some)' "$CACHE/srcpkg/apt-source.log" | sed 's/^/    /' >&2 || true
    log "apt-get source incomplete; falling back to the verified .orig.tar.gz alone"
    local line orig sha
    line=$(grep "\.orig\.tar\." "$CACHE/srcpkg/uris.txt" | head -1)
    [ -n "$line" ] || die "no .orig tarball listed for kubernetes"
    orig=$(echo "$line" | awk '{print $2}'); sha=$(echo "$line" | awk '{print $4}' | sed 's/^SHA256://')
    if [ ! -s "$CACHE/srcpkg/$orig" ]; then
      ( cd "$CACHE/srcpkg" && apt-get "${APTOPTS[@]}" source --download-only -qq kubernetes ) >>"$CACHE/srcpkg/apt-source.log" 2>&1 || true
    fi
    [ -s "$CACHE/srcpkg/$orig" ] || die "could not download $orig (see $CACHE/srcpkg/apt-source.log)"
    echo "$sha  $CACHE/srcpkg/$orig" | sha256sum -c --quiet - || die "SHA256 mismatch for $orig"
    log "verified SHA256 of $orig against the signed $SRC_SUITE Sources index; unpacking"
    rm -rf "$CACHE/srcpkg/unpack"; mkdir -p "$CACHE/srcpkg/unpack"
    tar xzf "$CACHE/srcpkg/$orig" -C "$CACHE/srcpkg/unpack" || die "untar $orig failed"
  fi
  local dir; dir=$(find "$CACHE/srcpkg" "$CACHE/srcpkg/unpack" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' 2>/dev/null | head -1)
  [ -n "$dir" ] && [ -f "$dir/cmd/kube-apiserver/apiserver.go" ] || die "unpacked source tree not found under $CACHE/srcpkg"
  mkdir -p "$(dirname "$K8S_SRC")"
  rm -rf "$K8S_SRC"
  mv "$dir" "$K8S_SRC"
  log "source tree: $(basename "$dir") -> GOPATH k8s.io/kubernetes"
}

# ---------------------------------------------------------------- fixes
export GOROOT="$GOROOT_DIR" PATH="$GOROOT_DIR/bin:$PATH" GOPATH="$GOPATH_DIR" GO111MODULE=off \
       GOFLAGS="" CGO_ENABLED=0 GOCACHE="$CACHE/gocache" GOTOOLCHAIN=local

fix_reflect2() {
  local v="$K8S_SRC/vendor/github.com/modern-go/reflect2"
  if [ -f "$v/.kubectl-certs-replaced" ]; then log "vendored reflect2 already replaced"; return; fi
  log "fix: replace vendored modern-go/reflect2 (1.0.1 breaks on Go >= 1.18) with Debian's 1.0.2"
  rm -rf "$v"; mkdir -p "$v"
  ( cd "$R2" && find . -name '*.go' ! -name '*_test.go' -exec cp --parents {} "$v"/ \; )
  [ -f "$R2/LICENSE" ] && cp "$R2/LICENSE" "$v/"
  touch "$v/.kubectl-certs-replaced"
}

gen_openapi() {
  local out="$K8S_SRC/pkg/generated/openapi/zz_generated.openapi.go"
  if [ -s "$out" ]; then log "openapi already generated"; return; fi
  log "fix: generate pkg/generated/openapi/zz_generated.openapi.go with vendored openapi-gen"
  mkdir -p "$CACHE/tools"
  ( cd "$K8S_SRC" && go build -o "$CACHE/tools/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen ) \
    || die "building openapi-gen failed"
  # Same input set as Makefile.generated_files (KUBE_OPENAPI_TAG_FILES): every Go dir
  # outside vendor/ (staging/src/* renamed to vendor/*) with a file carrying a
  # "+k8s:" tag and "+k8s:openapi-gen=", minus code-generator and sample-apiserver.
  local dirs
  dirs=$(cd "$K8S_SRC" && find -H . -not \( \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune \) \
            -type f -name '*.go' -print0 \
          | xargs -0 grep -l '^// *+k8s:' | xargs grep -l '+k8s:openapi-gen=' \
          | sed -e 's|^\./staging/src|vendor|' -e 's|^\./||' | xargs -n1 dirname | LC_ALL=C sort -u \
          | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' \
          | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
  [ -n "$dirs" ] || die "no openapi-gen input packages found"
  log "openapi-gen over $(echo "$dirs" | tr ',' '\n' | wc -l) packages"
  ( cd "$K8S_SRC" && "$CACHE/tools/openapi-gen" \
      --input-dirs "$dirs" \
      --output-package k8s.io/kubernetes/pkg/generated/openapi \
      -O zz_generated.openapi \
      --go-header-file vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
      --report-filename "$CACHE/tools/openapi-violations.report" \
      --output-base "$GOPATH_DIR/src" ) >"$CACHE/tools/openapi-gen.log" 2>&1 \
    || { tail -30 "$CACHE/tools/openapi-gen.log" >&2; die "openapi-gen failed"; }
  [ -s "$out" ] || die "openapi-gen did not produce $out"
}

# ---------------------------------------------------------------- node
ensure_node_pkgs() {
  if have_node_pkgs; then log "node packages present (${NODE_PKGS[*]})"; return; fi
  apt_install_missing "${NODE_PKGS[@]}"
  # Debian enables containerd.service; without systemd as PID 1 nothing starts it, and the
  # sandbox never uses the system's containerd (each node runs its own, on its own socket).
}

# The pod images, built here and never pulled: the pause container from the Kubernetes source
# (the pod sandbox, containerd's sandbox_image) and exit-code (exits with the status given as
# its argument, so a test reads back a container's exit code). Each is an OCI image made with
# umoci, saved as a docker-archive with skopeo for `ctr images import`. images.json names the
# references the harness configures; everything is built in a .tmp dir and renamed.
PAUSE_REF=kubectl-certs.local/pause:3.4
EXIT_REF=kubectl-certs.local/exit-code:1
ensure_images() {
  if [ $FORCE -eq 0 ] && have_images; then log "pod images cached"; return; fi
  if [ -n "$ONLY" ]; then log "pod images skipped (--only=$ONLY)"; return; fi
  local t="$CACHE/images.tmp.$$"
  rm -rf "$t"; mkdir -p "$t/bin"
  log "pod images: gcc -static pause (build/pause/linux/pause.c) and exit-code; umoci + skopeo"
  gcc -Os -Wall -Werror -static -DVERSION=v3.4-kubectl-certs -o "$t/bin/pause" \
    "$K8S_SRC/build/pause/linux/pause.c" || die "building pause failed"
  gcc -Os -Wall -Werror -static -o "$t/bin/exit-code" "$REPO/test/sandbox/image/exit-code.c" \
    || die "building exit-code failed"
  oci_image "$t" pause /pause 65535:65535 "$PAUSE_REF"
  oci_image "$t" exit-code /exit-code 65535:65535 "$EXIT_REF"
  printf '{"key":"%s","pause":{"tar":"pause.tar","ref":"%s"},"exitCode":{"tar":"exit-code.tar","ref":"%s"}}\n' \
    "$(images_key)" "$PAUSE_REF" "$EXIT_REF" > "$t/images.json"
  rm -rf "$IMAGES.old"; [ -d "$IMAGES" ] && mv "$IMAGES" "$IMAGES.old"
  mkdir -p "$t/out"; mv "$t/pause.tar" "$t/exit-code.tar" "$t/images.json" "$t/out/"
  mv "$t/out" "$IMAGES"; rm -rf "$t" "$IMAGES.old"
  log "pod images in $IMAGES: $PAUSE_REF, $EXIT_REF"
}

oci_image() { # tmpdir name entrypoint user ref
  local t=$1 name=$2 entry=$3 user=$4 ref=$5
  umoci init --layout "$t/oci-$name" >/dev/null || die "umoci init failed"
  umoci new --image "$t/oci-$name:$name" || die "umoci new failed"
  umoci unpack --image "$t/oci-$name:$name" "$t/bundle-$name" >/dev/null || die "umoci unpack failed"
  cp "$t/bin/$name" "$t/bundle-$name/rootfs$entry"
  umoci repack --image "$t/oci-$name:$name" "$t/bundle-$name" >/dev/null || die "umoci repack failed"
  umoci config --image "$t/oci-$name:$name" --config.entrypoint "$entry" --config.user "$user" \
    || die "umoci config failed"
  skopeo --insecure-policy copy -q "oci:$t/oci-$name:$name" "docker-archive:$t/$name.tar:$ref" \
    || die "skopeo copy $name failed"
}

# ---------------------------------------------------------------- build
build_one() { # name
  local name=$1 t0 t1
  if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then log "$name skipped (--only=$ONLY)"; return; fi
  if [ $FORCE -eq 0 ] && [ -x "$BIN/$name" ]; then log "$name cached"; return; fi
  local V=k8s.io/kubernetes/vendor/k8s.io
  local ld="-s -w"
  for p in "$V/component-base/version" "$V/client-go/pkg/version"; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION_TAG -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION_TAG" | cut -d. -f2)"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ) -X $p.gitCommit=debian-$SRC_SUITE"
  done
  log "go build $name (GOPATH mode, $(go version | awk '{print $3}'), $(nproc) cores) ..."
  t0=$(date +%s)
  ( cd "$K8S_SRC" && go build -trimpath -ldflags "$ld" -o "$BIN/$name.tmp" "k8s.io/kubernetes/cmd/$name" ) \
    || die "go build $name failed"
  t1=$(date +%s)
  mv "$BIN/$name.tmp" "$BIN/$name"
  log "built $name in $((t1-t0)) s"
  local state=warm-or-partial; [ $COLD -eq 1 ] && state=cold; [ $COLD -eq 1 ] && [ "${BUILT_BEFORE:-0}" = 1 ] && state=after-previous-binary-in-cold-run
  echo "$(date -u +%FT%TZ) $name $((t1-t0))s gocache=$state cores=$(nproc) $(go version | awk '{print $3}')" >> "$TIMES"
  BUILT_BEFORE=1
}

T_START=$(date +%s)
[ -d "$GOCACHE" ] || COLD=1   # first ever build: the Go build cache starts empty
ensure_pkgs
ensure_etcd
ensure_reflect2
ensure_source
fix_reflect2
gen_openapi
if [ $COLD -eq 1 ]; then log "--cold: wiping Go build cache"; go clean -cache; fi
build_one kube-apiserver
build_one kube-controller-manager
build_one kubelet
build_one kube-scheduler
ensure_node_pkgs
ensure_images
if [ -z "$ONLY" ]; then have_bins && have_node || die "binaries, images or node packages missing after build"; fi
log "done in $(( $(date +%s) - T_START )) s; binaries in $BIN"
"$BIN/kube-apiserver" --version
"$BIN/kube-controller-manager" --version
"$BIN/kubelet" --version
"$BIN/kube-scheduler" --version
