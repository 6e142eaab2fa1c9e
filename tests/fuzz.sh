#!/usr/bin/env bash
# make fuzz works from a build tree: it builds a libFuzzer target from
# the source tree, seeds it with fuzz/corpus/, runs it for FUZZ_SECONDS
# and leaves what it found in the build tree (FUZZ_OUT), never in the
# sources, which make distcheck has read-only.
set -u
. "$(dirname "$0")/lib.sh"
t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
need clang pkg-config
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$T_DIR/t.c"
if ! clang -fsanitize=fuzzer,address,undefined "$T_DIR/t.c" -o "$T_DIR/t" 2>/dev/null; then
	need clang-with-libfuzzer
fi

rc=0
${MAKE:-make} -s -C "$top_builddir" fuzz FUZZ_SECONDS=1 FUZZ_TARGETS=record \
    FUZZ_OUT="$T_DIR/out" > "$T_DIR/make.log" 2>&1 || rc=$?
check "make fuzz exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T_DIR/make.log" | tail -20
check "make fuzz names the target and its time" 1 \
    "$(grep -c '^fuzz: record for 1s$' "$T_DIR/make.log")"
check "libFuzzer's final stats are in the log" 1 \
    "$(grep -c '^stat::number_of_executed_units' "$T_DIR/out/fuzz_record.log")"
# Every seed reached the fuzzer.  (Looking for the files afterwards would
# not do: libFuzzer deletes a corpus file once it finds a smaller input
# that reaches the same edges.)
seeds=$(ls "$top_srcdir"/fuzz/corpus/record | wc -l)
found=$(sed -n 's/^INFO: *\([0-9]*\) files found in corpus_record$/\1/p' \
    "$T_DIR/out/fuzz_record.log")
check "the $seeds seeds are copied into the run's corpus" 1 \
    "$([ "${found:-0}" -ge "$seeds" ] && [ "$seeds" -gt 0 ] && echo 1)"
check "the dictionary is used" 1 \
    "$(grep -c '^Dictionary: [1-9][0-9]* entries' "$T_DIR/out/fuzz_record.log")"
# Every target is wired the same way: seeds in fuzz/corpus/TARGET and a
# row in fuzz/README.md saying what its input is.
for f in "$top_srcdir"/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	t=${t#fuzz_}
	check "$t: seeds in fuzz/corpus/$t" 1 \
	    "$([ -n "$(ls "$top_srcdir/fuzz/corpus/$t" 2>/dev/null)" ] && echo 1)"
	check "$t: a row in fuzz/README.md" 1 \
	    "$(grep -q "^| \`$t\` | " "$top_srcdir/fuzz/README.md" && echo 1)"
done
# The fuzz/ directory is in the tarball, and making the tarball runs no
# fuzzer (a "fuzz" entry in EXTRA_DIST would name the target, not the
# directory).
check "make distdir runs no fuzzer" 0 \
    "$(${MAKE:-make} -s -n -C "$top_builddir" distdir 2>&1 | grep -c 'fuzz/run\.sh')"
t_done
