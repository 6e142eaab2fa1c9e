#!/usr/bin/env bash
# Real Apache 2.4 on loopback with contrib/apache/hookspool-cgi.conf:
# wh-receive as a plain CGI program (ScriptAlias, mod_cgid under
# mpm_event).  The shared scenario (tests/scenario.sh).
set -u
. "$(dirname "$0")/../lib.sh"
. "$top_srcdir/tests/scenario.sh"
t_tmpdir
need apache2 /usr/lib/apache2/modules/mod_cgid.so curl jq openssl
trap 'web_stop; rm -rf "$T_DIR"' EXIT
mkdir -m 0700 "$T_DIR/spool"
scenario_config "$T_DIR/spool" > "$T_DIR/hookspool.ini"
as_web_user
PORT=$(free_port)
apache_start "$PORT" apache/hookspool-cgi.conf alias env cgid ||
	{ echo "apache did not start"; cat "$T_DIR/apache/logs/error.log"; exit 1; }
scenario "http://127.0.0.1:$PORT" "$T_DIR/spool"
t_done
