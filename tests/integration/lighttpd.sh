#!/usr/bin/env bash
# Real lighttpd on loopback with contrib/lighttpd/hookspool.conf:
# mod_fastcgi with bin-path, lighttpd starts the wh-receive workers.
# The shared scenario (tests/scenario.sh).
set -u
. "$(dirname "$0")/../lib.sh"
. "$top_srcdir/tests/scenario.sh"
t_tmpdir
need lighttpd curl jq openssl
trap 'web_stop; rm -rf "$T_DIR"' EXIT
mkdir -m 0700 "$T_DIR/spool"
scenario_config "$T_DIR/spool" > "$T_DIR/hookspool.ini"
PORT=$(free_port)
lighttpd_start "$PORT" lighttpd/hookspool.conf ||
	{ echo "lighttpd did not start"; cat "$T_DIR/lighttpd/logs/error.log"; exit 1; }
scenario "http://127.0.0.1:$PORT" "$T_DIR/spool"
t_done
