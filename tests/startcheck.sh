#!/usr/bin/env bash
# What `wh-receive -t`, `wh-retry check` and a starting receiver say of
# the spool directory (missing, a file, open to others, not ours) and of
# a configuration file that others may read and that holds inline
# secrets; and a running receiver whose spool is opened to others: the
# next segment, or a reload, gets 503 instead of the event.
set -u
. "$(dirname "$0")/lib.sh"

t_tmpdir
WH_PID=
trap 'kill $WH_PID 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
WH_RETRY=$top_builddir/wh-retry
WR_RUN="${WH_WRAPPER:-} $WH_RETRY"
SPOOL=$T_DIR/spool
INI=$T_DIR/hookspool.ini

# conf SPOOL_DIR [SECRET_KEY]: the configuration, spool_dir on line 3;
# with a secret (line 8), the endpoint checks a signature.
conf() {
	printf '; %s\n[server]\nspool_dir = %s\n\n[endpoint:open]\npath = /hooks/open\n' \
	    "the spool is on line 3" "$1" > "$INI"
	[ -n "${2:-}" ] && printf 'signature_type = hmac-sha256\n%s\n' "$2" >> "$INI"
	chmod 0600 "$INI"
}

# both NAME RC RC_CHECK OUTPUT: what wh-receive -t and wh-retry check
# exit with and print (stdout and stderr).
both() {
	local out rc
	out=$($WH_RUN -t -c "$INI" 2>&1); rc=$?
	check "$1: wh-receive -t exits $2" "$2" "$rc"
	check "$1: wh-receive -t output" "$4" "$out"
	out=$($WR_RUN -c "$INI" check 2>&1); rc=$?
	check "$1: wh-retry check exits $3" "$3" "$rc"
	check "$1: wh-retry check output" "$4" "$out"
}
# both_refuse NAME MESSAGE: both fail (check with EX_CONFIG), saying why.
both_refuse() { both "$1" 1 78 "$2"; }
# both_pass NAME [WARNING]: both say OK, after the warning.
both_pass() { both "$1" 0 0 "${2:+$2
}$INI: configuration OK"; }

# --- the spool directory -----------------------------------------------------
conf "$SPOOL"
both_refuse "missing spool" "$INI:3: spool_dir $SPOOL: does not exist"
touch "$SPOOL"
both_refuse "a file for a spool" "$INI:3: spool_dir $SPOOL: not a directory"
rm "$SPOOL"
mkdir -m 0777 "$SPOOL"
chmod 0777 "$SPOOL"
both_refuse "a 0777 spool" \
    "$INI:3: spool_dir $SPOOL: mode 0777 is writable by group or others (chmod go-w)"
chmod 0720 "$SPOOL"
both_refuse "a group-writable spool" \
    "$INI:3: spool_dir $SPOOL: mode 0720 is writable by group or others (chmod go-w)"
chmod 0700 "$SPOOL"
both_pass "a 0700 spool"
chmod 0755 "$SPOOL"
both_pass "a spool readable by others"
chmod 0700 "$SPOOL"
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$SPOOL"
	both_refuse "a spool of another user" \
	    "$INI:3: spool_dir $SPOOL: owned by uid $(id -u nobody), not by this user (uid 0)"
	chown 0 "$SPOOL"
else
	chmod 0500 "$SPOOL"
	both_refuse "a read-only spool" \
	    "$INI:3: spool_dir $SPOOL: not writable by this user: Permission denied"
	chmod 0700 "$SPOOL"
fi

# --- inline secrets in a file others may read -------------------------------
W="$INI:8: warning: inline secret in a file readable by others (chmod o-r $INI, or use secret_file)"
conf "$SPOOL" "secret = s3cret"
both_pass "inline secret, mode 0600"
chmod 0640 "$INI"
both_pass "inline secret, mode 0640"
chmod 0644 "$INI"
both_pass "inline secret, mode 0644: a warning" "$W"
printf 's3cret\n' > "$T_DIR/secret"
chmod 0600 "$T_DIR/secret"
conf "$SPOOL" "secret_file = $T_DIR/secret"
chmod 0644 "$INI"
both_pass "secret_file, mode 0644"

# --- a FastCGI receiver at start -------------------------------------------
# launch: a receiver on its own socket, in the background (WH_PID).
launch() {
	rm -f "$T_DIR/wh.sock"
	: > "$T_DIR/wh.log"
	$WH_RUN -d -c "$INI" --listen "$T_DIR/wh.sock" 2>>"$T_DIR/wh.log" &
	WH_PID=$!
}
# start: launch; 0 once it listens.
start() { launch; wait_for test -S "$T_DIR/wh.sock"; }
# refused: launch; its exit status, once it has exited (one still
# serving after 10 s is stopped).
refused() {
	launch
	wait_gone $WH_PID || kill $WH_PID
	wait $WH_PID
}

conf "$SPOOL" "secret = s3cret"
chmod 0644 "$INI"
rmdir "$SPOOL"
refused; rc=$?
WH_PID=
check "missing spool: the receiver does not start" 1 "$rc"
check "... and never listens" 1 "$([ -e "$T_DIR/wh.sock" ] || echo 1)"
check "... and logs why" 1 \
    "$(grep -c "$INI:3: spool_dir $SPOOL: does not exist" "$T_DIR/wh.log")"
check "... and warns of the inline secret" 1 "$(grep -cF "$W" "$T_DIR/wh.log")"
mkdir -m 0770 "$SPOOL"
chmod 0770 "$SPOOL"
refused; rc=$?
WH_PID=
check "group-writable spool: the receiver does not start" 1 "$rc"
check "... and logs why" 1 "$(grep -c "spool_dir $SPOOL: mode 0770" "$T_DIR/wh.log")"
rm -rf "$SPOOL"
conf "$SPOOL"
# As a CGI program each request starts it: that one is answered 503.
cgi_out=$(printf hello | env -i PATH="$PATH" REQUEST_METHOD=POST \
    REQUEST_URI=/hooks/open CONTENT_LENGTH=5 GATEWAY_INTERFACE=CGI/1.1 \
    $WH_RUN -c "$INI" 2>/dev/null)
check "missing spool, as a CGI program: 503" 503 \
    "$(printf '%s\n' "$cgi_out" | fcgi_status)"

# --- a running receiver whose spool is opened to others --------------------
if ! have "the running receiver" cgi-fcgi; then
	t_done
	exit
fi
mkdir -m 0700 "$SPOOL"
conf "$SPOOL"
# One process (no pool), whose log lines are counted.
sed -i 's/^spool_dir = .*/&\nsegment_size = 4096\nworkers = 1/' "$INI"
# Each event fills a segment: the next one goes to a new segment.
BIG=$(head -c 5000 /dev/zero | tr '\0' a)
start
check "good spool: the receiver starts" 0 "$?"
check "an event: 202" 202 "$(fcgi_post "$T_DIR/wh.sock" "$BIG" | fcgi_status)"
chmod g+w "$SPOOL"
out=$(fcgi_post "$T_DIR/wh.sock" "$BIG")
check "spool made group-writable, next segment: 503" 503 \
    "$(printf '%s\n' "$out" | fcgi_status)"
check "... with Retry-After" 1 "$(printf '%s\n' "$out" | grep -c '^Retry-After: ')"
check "... and the log says why" 1 \
    "$(grep -c "spool append $SPOOL: mode 0720 is writable by group or others" "$T_DIR/wh.log")"
check "... and nothing more in the spool" "1 1" \
    "$(ls "$SPOOL" | grep -c '^seg-') $(spool_events "$SPOOL" | wc -l)"
chmod g-w "$SPOOL"
check "made safe again: 202" 202 "$(fcgi_post "$T_DIR/wh.sock" "$BIG" | fcgi_status)"
chmod o+w "$SPOOL"
kill -HUP $WH_PID
wait_for grep -q "spool_dir $SPOOL: mode 0702 .*answered 503" "$T_DIR/wh.log"
check "reload with a spool open to others: logged" 1 \
    "$(grep -c "$INI:3: spool_dir $SPOOL: mode 0702 is writable by group or others (chmod go-w); events are answered 503 until it is fixed" "$T_DIR/wh.log")"
check "... and the next event: 503" 503 "$(fcgi_post "$T_DIR/wh.sock" "$BIG" | fcgi_status)"
check "... nothing more in the spool" 2 "$(spool_events "$SPOOL" | wc -l)"
chmod o-w "$SPOOL"
check "made safe again: 202" 202 "$(fcgi_post "$T_DIR/wh.sock" "$BIG" | fcgi_status)"
kill -TERM $WH_PID; wait $WH_PID
WH_PID=
t_done
