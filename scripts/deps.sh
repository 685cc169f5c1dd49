#!/bin/sh
# deps.sh PURPOSE - make sure the Debian packages PURPOSE needs are installed.
#   build   compiler and libraries peekpy links against
#   demo    + a python3 to profile
#   test    + CMocka, clang with its sanitizer and libFuzzer runtimes,
#           python3 (test driver), debootstrap (extra interpreters),
#           xmllint and Chromium (flame graphs must parse and work in a browser),
#           tmux (peekpy top and the status line are driven in a terminal),
#           bash-completion, zsh and fish (the completion scripts are run in
#           each shell), gdb (native stacks are checked against its
#           backtraces), cython3 and python3-dev
#           (a Cython module is built and profiled), golang-go (go tool pprof
#           reads -f pprof files)
#   bench   + austin (the baseline)
# Installs what is missing with apt-get when run as root; otherwise names it
# and fails, so that nothing is silently skipped.
set -eu
purpose=${1:-build}
pkgs="gcc make libc6-dev libelf-dev libdw-dev libunwind-dev zlib1g-dev pkg-config"
case "$purpose" in
  build) ;;
  demo) pkgs="$pkgs python3" ;;
  test) pkgs="$pkgs python3 libcmocka-dev debootstrap procps libxml2-utils chromium tmux bash-completion zsh fish clang libclang-rt-14-dev gdb cython3 python3-dev golang-go" ;;
  bench) pkgs="$pkgs python3 austin" ;;
  *) echo "deps.sh: unknown purpose '$purpose'" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "peekpy: missing Debian packages:$missing (install them, or run make as root)" >&2
  exit 1
fi
echo "peekpy: installing$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
