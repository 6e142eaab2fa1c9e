#!/usr/bin/env bash
# Every manual page is clean under mandoc -T lint at the WARNING level
# (STYLE notes such as "referenced manual not found" are fine).
set -u
. "$(dirname "$0")/lib.sh"
t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
need mandoc
for page in "$top_srcdir"/doc/*.[1-9]; do
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	check "mandoc -T lint: $(basename "$page")" "" "$out"
	check "EXAMPLES section: $(basename "$page")" 1 "$(grep -c '^\.Sh EXAMPLES' "$page")"
done
t_done
