#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for
# a bounded time: fuzz/run.sh [SECONDS] [TARGET...].  Seeds come from
# fuzz/corpus/TARGET/; what the run finds stays in build/fuzz/.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
out=$top/build/fuzz
mkdir -p "$out"

CORE="src/header.c src/log.c"
declare -A SRCS=(
	[record]="fuzz/fuzz_record.c src/event.c $CORE"
	[verify]="fuzz/fuzz_verify.c src/verify.c src/verify_jwt.c $CORE"
	[params]="fuzz/fuzz_params.c src/receive.c src/conf.c src/event.c src/spool.c src/verify.c src/verify_jwt.c $CORE"
	[filter]="fuzz/fuzz_filter.c src/filter.c src/command.c $CORE"
	[conf]="fuzz/fuzz_conf.c src/conf.c src/verify.c src/verify_jwt.c $CORE"
)
targets=${*:-record verify params conf filter}
LIBS="$(pkg-config --libs libcrypto jansson inih libpcre2-8)"
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -Isrc -DSYSCONFDIR=\"/etc\" -DTEST_DATA=\"$top/tests/data\" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

rc=0
for t in $targets; do
	# shellcheck disable=SC2086
	clang $CFLAGS ${SRCS[$t]} $LIBS -o "$out/fuzz_$t"
	mkdir -p "$out/corpus_$t"
	[ -d "fuzz/corpus/$t" ] && cp -n fuzz/corpus/"$t"/* "$out/corpus_$t/" 2>/dev/null
	echo "fuzz: $t for ${secs}s"
	if (cd "$out" && ./fuzz_"$t" -max_total_time="$secs" -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "corpus_$t" > "fuzz_$t.log" 2>&1); then
		grep -E '^stat::number_of_executed_units' "$out/fuzz_$t.log" || true
	else
		echo "fuzz: $t FAILED; see $out/fuzz_$t.log"
		tail -40 "$out/fuzz_$t.log"
		rc=1
	fi
done
exit $rc
