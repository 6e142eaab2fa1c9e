#!/usr/bin/env bash
# Real lighttpd on loopback with contrib/lighttpd/hookspool-socket.conf,
# wh-receive started by contrib/spawn-fcgi/wh-receive-spawn on a unix
# socket.  The shared scenario (tests/scenario.sh).
set -u
. "$(dirname "$0")/../lib.sh"
. "$top_srcdir/tests/scenario.sh"
t_tmpdir
need lighttpd spawn-fcgi curl jq openssl
trap 'web_stop; rm -rf "$T_DIR"' EXIT
mkdir -m 0700 "$T_DIR/spool"
scenario_config "$T_DIR/spool" > "$T_DIR/hookspool.ini"
spawn_contrib || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 1; }
PORT=$(free_port)
lighttpd_start "$PORT" lighttpd/hookspool-socket.conf ||
	{ echo "lighttpd did not start"; cat "$T_DIR/lighttpd/logs/error.log"; exit 1; }
scenario "http://127.0.0.1:$PORT" "$T_DIR/spool"
t_done
