#!/usr/bin/env bash
# Every test of hookspool, as CI runs it: installs what is missing (as
# root, from Debian's packages), builds with --enable-werror (a warning
# fails the build), runs the Check suites and the CGI tests plainly,
# under ASan + UBSan and under valgrind, then the integration tests
# against real web servers, each fuzzer for a bounded time
# (FUZZ_SECONDS, default 20), then make distcheck and the Debian
# package (built, installed, run behind nginx, purged).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

PKGS="build-essential autoconf automake libtool pkg-config
      libfcgi-bin libssl-dev libjansson-dev libpcre2-dev
      libjwt-dev libinih-dev libhiredis-dev check redis-server iproute2
      nginx-light lighttpd apache2 libapache2-mod-fcgid
      spawn-fcgi curl jq openssl valgrind mandoc procps prometheus
      clang libclang-rt-dev
      debhelper systemd"

install_missing() {
	local missing="" p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		    missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: missing Debian packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "run.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

stages_pass=0
stages_fail=0
stage() {
	local name=$1 t0=$SECONDS
	shift
	echo "=== $name"
	if "$@"; then
		stages_pass=$((stages_pass + 1))
		echo "=== $name: passed ($((SECONDS - t0)) s)"
	else
		stages_fail=$((stages_fail + 1))
		echo "=== $name: FAILED ($((SECONDS - t0)) s)"
	fi
}

build() {
	local dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$JOBS")
}

check_in() {
	local dir=$1
	(cd "$dir" && make -s -j"$JOBS" check) || {
		cat "$dir"/tests/*.log 2>/dev/null | tail -100
		return 1
	}
}

# Each web server's test; 77 is a skip (a server missing outside CI).
# A test that hangs is stopped after INTEGRATION_LIMIT seconds (default
# 1200) and counts as failed, so one hang cannot take the whole run.
integration() {
	local t rc=0 st
	for t in "$top"/tests/integration/*.sh; do
		st=0
		top_builddir=$top/build/plain top_srcdir=$top \
		    timeout -k 30 "${INTEGRATION_LIMIT:-1200}" bash "$t" || st=$?
		case $st in
		0) ;;
		77) echo "run.sh: $(basename "$t") skipped" ;;
		124|137) echo "run.sh: $(basename "$t") did not finish; stopped"; rc=1 ;;
		*) rc=1 ;;
		esac
	done
	return $rc
}

install_missing
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
stage "build" build build/plain --enable-werror
stage "make check" check_in build/plain
stage "build with sanitizers" build build/san --enable-werror --enable-sanitizers
stage "make check (ASan + UBSan)" check_in build/san
stage "build for valgrind" build build/valgrind --enable-werror --enable-valgrind
stage "make check (valgrind)" check_in build/valgrind
stage "integration" integration
stage "fuzz (${FUZZ_SECONDS:=20} s per target)" bash fuzz/run.sh "$FUZZ_SECONDS"
distcheck() {
	(cd build/plain && make -s distcheck \
	    DISTCHECK_CONFIGURE_FLAGS=--enable-werror > distcheck.log 2>&1) || {
		tail -60 build/plain/distcheck.log
		return 1
	}
}
stage "make distcheck" distcheck
# The Debian package; 77 is a skip (not root, no dpkg-buildpackage, or
# hookspool already installed here).
deb() {
	local st=0
	top_srcdir=$top bash tests/deb.sh || st=$?
	[ "$st" -eq 77 ] && echo "run.sh: deb.sh skipped" && st=0
	return "$st"
}
stage "Debian package" deb

echo "run.sh: $stages_pass passed, $stages_fail failed"
[ "$stages_fail" -eq 0 ]
