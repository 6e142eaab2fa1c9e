#!/usr/bin/env bash
# In make check when configure found no Check or no libjwt (have_check
# and have_jwt come from the Makefile): says which unit tests were not
# built and why, and is skipped (77); under CI=true, which installs
# everything, it fails.
if [ "${have_check:-}" != yes ]; then
	what="Check (check >= 0.11): the unit tests, tests/check_*.c, are"
elif [ "${have_jwt:-}" != yes ]; then
	what="libjwt: tests/check_verify_jwt is"
else
	exit 0
fi
echo "nocheck: SKIP, configure found no $what not built; install it (Debian: check, libjwt-dev) and run configure again"
[ "${CI:-}" = true ] && exit 1
exit 77
