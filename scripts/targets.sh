#!/bin/bash
# targets.sh - the CPython interpreters the integration tests need beyond
# pyenv's and /usr/bin's, taken from Debian's own mirror and cached.
#
#   scripts/targets.sh          Debian sid's 3.13, 3.14, 3.15 and trixie's 3.13,
#                               each in a minimal chroot (about 2 minutes once)
#   scripts/targets.sh --full   the same, and free-threaded 3.13t, 3.14t, 3.15t
#                               built from Debian's source packages with
#                               --disable-gil (about 10 minutes each once)
#
# Everything lives under $TARGETS (default /var/cache/python-targets); a second
# run only checks the stamps it left.  The tests read $TARGETS/targets.tsv:
#   name <TAB> how to run ("chroot ROOT" or "-") <TAB> interpreter path
# One interpreter that fails to appear is said on stderr and left out of the
# list; the tests then report its version as skipped.  Needs root.
set -uo pipefail

targets=${TARGETS:-/var/cache/python-targets}
full=0
[ "${1:-}" = --full ] && full=1

say() { echo "targets: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	say "needs root (debootstrap, chroot): the versions it provides will be reported as skipped"
	exit 0
fi

mirror=${MIRROR:-$(grep -hoE 'https?://[^ ]+/debian/?$' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)}
mirror=${mirror%/}
if [ -z "$mirror" ]; then
	say "no Debian mirror in /etc/apt (set MIRROR=URL): extra versions will be reported as skipped"
	exit 0
fi

mkdir -p "$targets/cache" "$targets/src" "$targets/py" || exit 1

install_on_host() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# make_root SUITE 'sources.list text' PACKAGE...: a minimal Debian SUITE in
# $targets/SUITE with PACKAGEs installed.  Stamps make it a no-op the second time.
make_root() {
	local suite=$1 sources=$2 root=$targets/$1
	shift 2
	if [ ! -e "$root/.debootstrap-done" ]; then
		say "debootstrap $suite into $root"
		rm -rf "$root"
		debootstrap --variant=minbase --cache-dir="$targets/cache" "$suite" "$root" "$mirror" \
			>"$targets/debootstrap-$suite.log" 2>&1 || {
			tail -5 "$targets/debootstrap-$suite.log" >&2
			return 1
		}
		touch "$root/.debootstrap-done"
	fi
	# sid's Release file is sometimes past its Valid-Until on a mirror.
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99no-check-valid-until"
	printf '%b\n' "$sources" >"$root/etc/apt/sources.list"
	if [ "$(cat "$root/.pkgs-done" 2>/dev/null)" != "$*" ]; then
		say "installing $* in $suite"
		chroot "$root" apt-get update -qq &&
			chroot "$root" env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends "$@" >/dev/null &&
			echo "$*" >"$root/.pkgs-done" || return 1
	fi
	# Programs in the root need /proc, and /dev/shm for multiprocessing.
	mountpoint -q "$root/proc" || mount --bind /proc "$root/proc"
	mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
}

# source_tarball PACKAGE: the newest upstream tarball of PACKAGE that the
# mirror really serves (its index can name versions its pool no longer has),
# downloaded once into $targets/src; prints its path.
source_tarball() {
	local pkg=$1 root=$targets/sid version upstream tarball
	for version in $(chroot "$root" apt-cache showsrc "$pkg" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -rVu); do
		upstream=${version%-*}
		upstream=${upstream#*:}
		tarball=$targets/src/${pkg}_$upstream.orig.tar.xz
		if [ -s "$tarball" ]; then
			echo "$tarball"
			return 0
		fi
		mkdir -p "$root/srv/src"
		if chroot "$root" sh -c "cd /srv/src && apt-get source -qq --download-only '$pkg=$version'" \
			>/dev/null 2>&1 && cp "$root/srv/src/${pkg}_$upstream.orig.tar.xz" "$tarball"; then
			echo "$tarball"
			return 0
		fi
	done
	return 1
}

# build_free_threaded TARBALL: configure --disable-gil, build and install into
# $targets/py/VERSIONt.  The build tree is removed; only the install is kept.
build_free_threaded() {
	local tarball=$1 version name prefix src build
	version=$(basename "$tarball" .orig.tar.xz)
	version=${version#*_}
	name=${version}t
	prefix=$targets/py/$name
	[ -e "$prefix/.done" ] && return 0
	src=$targets/build/src-$version
	build=$targets/build/$name
	if [ ! -e "$src/.unpacked" ]; then
		rm -rf "$src" && mkdir -p "$src" &&
			tar -xf "$tarball" -C "$src" --strip-components=1 && touch "$src/.unpacked" || return 1
	fi
	say "building CPython $name (a few minutes; log in $build)"
	rm -rf "$build" "$prefix" && mkdir -p "$build" || return 1
	if ! (cd "$build" &&
		"$src/configure" --prefix="$prefix" --disable-gil --with-ensurepip=no \
			--disable-test-modules >configure.log 2>&1 &&
		make -j"$(nproc)" >make.log 2>&1 &&
		make install >install.log 2>&1); then
		tail -5 "$build"/*.log >&2
		say "building $name failed (log in $build): it will be reported as skipped"
		return 1
	fi
	touch "$prefix/.done"
	rm -rf "$build"
}

write_inventory() {
	local version root dir exe
	for version in 3.13 3.14 3.15; do
		root=$targets/sid
		[ -x "$root/usr/bin/python$version" ] &&
			printf 'sid-%s\tchroot %s\t/usr/bin/python%s\n' "$version" "$root" "$version"
	done
	root=$targets/trixie
	[ -x "$root/usr/bin/python3.13" ] &&
		printf 'trixie-3.13\tchroot %s\t/usr/bin/python3.13\n' "$root"
	for dir in "$targets"/py/*t; do
		[ -e "$dir/.done" ] || continue
		for exe in "$dir"/bin/python3.*t; do
			[ -x "$exe" ] || continue
			printf 'built-%s\t-\t%s\n' "$(basename "$dir")" "$exe"
		done
	done
	return 0
}

install_on_host debootstrap || exit 0
make_root sid "deb $mirror sid main\ndeb-src $mirror sid main" \
	python3.13 python3.14 python3.15 python3-pygments ||
	say "sid's interpreters are not available: 3.13-sid, 3.14 and 3.15 will be reported as skipped"
# A real program for make bench; none of the tests needs it.
if [ -e "$targets/sid/.pkgs-done" ] && [ ! -e "$targets/sid/.sympy-done" ]; then
	chroot "$targets/sid" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends python3-sympy >/dev/null 2>&1 &&
		touch "$targets/sid/.sympy-done" ||
		say "python3-sympy is not available in sid: make bench will not measure a real program"
fi
make_root trixie "deb $mirror trixie main" python3.13 ||
	say "trixie's python3.13 is not available: it will be reported as skipped"

if [ $full = 1 ]; then
	install_on_host build-essential xz-utils libffi-dev libssl-dev zlib1g-dev || exit 0
	for pkg in python3.13 python3.14 python3.15; do
		if ! tarball=$(source_tarball "$pkg"); then
			say "no source package $pkg on the mirror: ${pkg#python}t will be reported as skipped"
			continue
		fi
		build_free_threaded "$tarball"
	done
fi

write_inventory >"$targets/targets.tsv.new" && mv "$targets/targets.tsv.new" "$targets/targets.tsv"
cat "$targets/targets.tsv"
