#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for
# a bounded time: fuzz/run.sh [SECONDS] [TARGET...].  Seeds come from
# fuzz/corpus/TARGET/, words from fuzz/dict/ where a target has some;
# what the run finds stays in $FUZZ_OUT (default build/fuzz/ in the
# source tree; make fuzz sets it to fuzz-out/ in the build tree).
# FUZZ_FLAGS adds libFuzzer options, e.g. FUZZ_FLAGS=-use_value_profile=1.
set -eu
out=${FUZZ_OUT:-}
[ -n "$out" ] && mkdir -p "$out" && out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
top=$(pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
out=${out:-$top/build/fuzz}
mkdir -p "$out"

# Every module but the programs' main()s and the libfcgi front end.
LIBSRC=$(ls src/*.c | grep -v -e '/wh-[a-z]*\.c$' -e '/fcgi\.c$')
targets=${*:-$(ls fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}
LIBS="$(pkg-config --libs libcrypto libssl jansson inih libpcre2-8 hiredis) -lm"
# Every source includes config.h first.  There is no configure here:
# what the sources take from its config.h is the system extensions
# (AC_USE_SYSTEM_EXTENSIONS), which on glibc is _GNU_SOURCE.
printf '#define _GNU_SOURCE 1\n' > "$out/config.h"
# Type errors C only warns of (a pointer of the wrong type) fail the build.
CFLAGS="-g -O1 -std=gnu11 -Werror=incompatible-pointer-types -Werror=implicit-function-declaration -Werror=int-conversion -I$out -Isrc -DSYSCONFDIR=\"/etc\" -DTEST_DATA=\"$top/tests/data\" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# The dictionary a target's input syntax shares with others, if any.
dict_for() {
	case $1 in
	record|history) echo json ;;
	*) echo "$1" ;;
	esac
}

# The modules are built once, two at a time, with the same sanitizers
# and coverage (fuzzer-no-link), and each target is linked with them.
mkdir -p "$out/obj"
LIBCFLAGS=${CFLAGS/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}
export LIBCFLAGS out
# shellcheck disable=SC2016
printf '%s\n' $LIBSRC | xargs -P 2 -I{} sh -c \
    'clang $LIBCFLAGS -c "$1" -o "$out/obj/$(basename "$1" .c).o"' sh {}
OBJS=$(for f in $LIBSRC; do echo "$out/obj/$(basename "$f" .c).o"; done)

rc=0
for t in $targets; do
	# shellcheck disable=SC2086
	clang $CFLAGS "fuzz/fuzz_$t.c" $OBJS $LIBS -o "$out/fuzz_$t"
	mkdir -p "$out/corpus_$t"
	[ -d "fuzz/corpus/$t" ] && cp -n fuzz/corpus/"$t"/* "$out/corpus_$t/" 2>/dev/null
	# A copy from a read-only source tree (make distcheck) stays read-only.
	chmod -R u+w "$out/corpus_$t"
	dict=fuzz/dict/$(dict_for "$t").dict
	dictopt=
	[ -f "$dict" ] && dictopt=-dict=$top/$dict
	echo "fuzz: $t for ${secs}s"
	rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*
	frc=0
	# shellcheck disable=SC2086
	(cd "$out" && ./fuzz_"$t" -max_total_time="$secs" -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    $dictopt ${FUZZ_FLAGS:-} "corpus_$t" > "fuzz_$t.log" 2>&1) || frc=$?
	# A sanitizer report or an artifact is a failure whatever the exit.
	if [ $frc -ne 0 ] || grep -qE 'runtime error|ERROR: |deadly signal' \
	    "$out/fuzz_$t.log" || ls "$out"/crash-* "$out"/leak-* \
	    "$out"/timeout-* "$out"/oom-* >/dev/null 2>&1; then
		echo "fuzz: $t FAILED; see $out/fuzz_$t.log"
		grep -E -A12 'runtime error|ERROR: |deadly signal' "$out/fuzz_$t.log" | head -40
		rc=1
	else
		grep -E '^stat::number_of_executed_units' "$out/fuzz_$t.log" || true
	fi
done
exit $rc
