#!/usr/bin/env bash
# The Redis Streams sink against a real redis-server (on a unix socket
# and on a loopback port of its own), with events made by wh-receive as
# a CGI program, whose dispatcher makes each first attempt:
# - each event is one stream entry with its id, endpoint, path,
#   received_at, headers (JSON) and body (the bytes sent);
# - Redis away, refusing (wrong password, wrong type, out of memory):
#   the sender still gets 202, the attempt is failed with Redis's own
#   words, and wh-retry delivers it once Redis is back;
# - once only: a retry after a lost acknowledgement (the entry and its
#   marker there, the attempt not recorded as done) adds nothing, nor
#   does the same delivery (dedup key) spooled by a second receiver;
# - maxlen trims the stream;
# - over TLS, with a client certificate, and refused without it or with
#   another server name.
set -u
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli jq openssl

t_tmpdir
trap 'redis_stop; rm -rf "$T_DIR"' EXIT
WH_RETRY=$top_builddir/wh-retry
WR_RUN="${WH_WRAPPER:-} $WH_RETRY"
RSOCK=$T_DIR/redis.sock
RPORT=$(free_port)
REDIS_PID=

# redis_start [ARGS...]: redis-server on $RSOCK and 127.0.0.1:$RPORT,
# every write in its append-only file (a restart keeps the stream), until
# it answers.
redis_start() {
	redis-server --bind 127.0.0.1 --port "$RPORT" --unixsocket "$RSOCK" \
	    --unixsocketperm 700 --dir "$T_DIR" --save '' --appendonly yes --appendfsync always \
	    "$@" >> "$T_DIR/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_for R ping || { echo "redis-server did not start"; cat "$T_DIR/redis.log"; exit 99; }
}
redis_stop() {
	[ -n "$REDIS_PID" ] || return 0
	kill "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}
R() { redis-cli -s "$RSOCK" ${RPASS:+--no-auth-warning -a "$RPASS"} "$@"; }
# ids STREAM: the id field of each entry, in stream order.
ids() { R --json XRANGE "$1" - + | jq -r '.[][1] as $f | [range(0; $f | length; 2)] | map(select($f[.] == "id")) | .[0] as $i | $f[$i + 1]'; }
xlen() { R XLEN "$1"; }
status_of() { $WH_RETRY -c "$1" list --json 2>/dev/null | jq -r --arg id "$2" 'select(.id == $id) | .status'; }
error_of() { $WH_RETRY -c "$1" show --json "$2" 2>/dev/null | jq -rs '[.[] | select(.type == "attempt") | .error // empty] | last // ""'; }
retry_run() { $WR_RUN -c "$1" run --linger 60 --grace 0 >/dev/null 2>>"$T_DIR/wh.log"; }

# conf N REDIS [MORE...]: spool N, the sink at REDIS, stream hooks:ENDPOINT.
conf() {
	local n=$1 url=$2
	shift 2
	mkdir -p -m 0700 "$T_DIR/spool$n"
	{
		cat <<INI
[server]
spool_dir = $T_DIR/spool$n
fsync = never
retry_delay_seconds = 0.1
retry_max_delay_seconds = 0.5
max_retry_attempts = 20

[endpoint:gh]
path = /hooks/gh
dedup_key = \${header.X-Delivery}

[handler:stream]
redis = $url
stream = hooks:\${endpoint}
timeout = 5
INI
		for x; do echo "$x"; done
	} > "$T_DIR/$n.ini"
	echo "$T_DIR/$n.ini"
}

# post CONF BODYFILE [DELIVERY]: the event id of the 202 answer.
post() {
	env -i PATH="$PATH" HOOKSPOOL_CONFIG="$1" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI=/hooks/gh REMOTE_ADDR=127.0.0.1 \
	    CONTENT_LENGTH="$(stat -c %s "$2")" CONTENT_TYPE=application/octet-stream \
	    HTTP_X_DELIVERY="${3:-}" HTTP_X_TRACE=t-$RANDOM \
	    $WH_RUN < "$2" 2>>"$T_DIR/wh.log" > "$T_DIR/answer"
	sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_DIR/answer" > "$T_DIR/status"
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$T_DIR/answer"
}

redis_start

# 1. Delivered: one entry per event, with its fields.
C1=$(conf 1 "unix:$RSOCK")
printf 'first\000\377bytes' > "$T_DIR/b1"
printf '{"n":2}' > "$T_DIR/b2"
id1=$(post "$C1" "$T_DIR/b1" d-1)
check "an event for the sink is answered 202" 202 "$(cat "$T_DIR/status")"
id2=$(post "$C1" "$T_DIR/b2" d-2)
wait_expr '[ "$(xlen hooks:gh)" = 2 ]'
check "two events, two entries, in order" "$id1 $id2" "$(ids hooks:gh | tr '\n' ' ' | sed 's/ $//')"
R --json XRANGE hooks:gh - + > "$T_DIR/x.json"
field() { jq -r --argjson n "$1" --arg k "$2" '.[$n][1] as $f | [range(0; $f | length; 2)] | map(select($f[.] == $k)) | $f[.[0] + 1]' "$T_DIR/x.json"; }
check "the entry's endpoint" gh "$(field 0 endpoint)"
check "the entry's path" /hooks/gh "$(field 0 path)"
rec_at=$(spool_events "$T_DIR/spool1" | jq -r --arg id "$id1" 'select(.id == $id) | .received_at')
check "the entry's received_at is the spool's" "$rec_at" "$(field 0 received_at)"
check "the entry's headers are JSON, with the request's" d-1 "$(field 0 headers | jq -r '."x-delivery"')"
# The body's bytes, NUL and 0xff included, as sent.
R --raw XRANGE hooks:gh - + COUNT 1 | sed -n '/^body$/{n;p;}' |
    head -c "$(stat -c %s "$T_DIR/b1")" > "$T_DIR/got1"
check "the entry's body is the bytes sent" "$(od -An -tx1 "$T_DIR/b1" | tr -d ' \n')" \
    "$(od -An -tx1 "$T_DIR/got1" | tr -d ' \n')"
wait_expr '[ "$(status_of "$C1" "$id2")" = done ]'
check "the attempt is done" done "$(status_of "$C1" "$id1")"
$WH_RETRY -c "$C1" show "$id1" > "$T_DIR/show" 2>&1
grep -q 'added' "$T_DIR/show" && ok "show says the entry was added" ||
    not_ok "show says the entry was added" "$(cat "$T_DIR/show")"

# 2. Redis away: 202 all the same, failed with the reason, delivered
# by wh-retry once Redis is back, once.
redis_stop
id3=$(post "$C1" "$T_DIR/b2" d-3)
check "Redis away: the sender still gets 202" 202 "$(cat "$T_DIR/status")"
wait_expr '[ "$(status_of "$C1" "$id3")" = failed ]'
check "Redis away: the attempt failed" failed "$(status_of "$C1" "$id3")"
case $(error_of "$C1" "$id3") in
'redis: connect to unix:'*) ok "Redis away: the error is Redis's connection error" ;;
*) not_ok "Redis away: the error is Redis's connection error" "$(error_of "$C1" "$id3")" ;;
esac
redis_start
retry_run "$C1"
check "Redis back: wh-retry delivered it" done "$(status_of "$C1" "$id3")"
check "Redis back: three entries, each event once" "$id1 $id2 $id3" "$(ids hooks:gh | tr '\n' ' ' | sed 's/ $//')"

# 2b. Redis slow: stopped (SIGSTOP) past the handler's timeout of 1 s,
# the attempt fails saying so; continued, wh-retry delivers it, once.
C8=$(conf 8 "unix:$RSOCK")
sed -i 's|^timeout = .*|timeout = 1|' "$C8"
n0=$(xlen hooks:gh)
kill -STOP "$REDIS_PID"
id9=$(post "$C8" "$T_DIR/b2" d-9)
check "Redis slow: the sender still gets 202" 202 "$(cat "$T_DIR/status")"
wait_expr '[ "$(status_of "$C8" "$id9")" = failed ]'
kill -CONT "$REDIS_PID"
case $(error_of "$C8" "$id9") in
*'no answer within the timeout (1 s)'*) ok "Redis slow: the error says it timed out" ;;
*) not_ok "Redis slow: the error says it timed out" "$(error_of "$C8" "$id9")" ;;
esac
retry_run "$C8"
check "Redis slow, then back: delivered" done "$(status_of "$C8" "$id9")"
check "Redis slow, then back: one entry more" $((n0 + 1)) "$(xlen hooks:gh)"

# 3. A lost acknowledgement: the first attempt's script ran in Redis
# (the entry and its marker are there) but its answer never came, so
# the attempt failed; the retry must add nothing.
redis_stop
id4=$(post "$C1" "$T_DIR/b2" d-4)
wait_expr '[ "$(status_of "$C1" "$id4")" = failed ]'
redis_start
R XADD hooks:gh '*' id "$id4" endpoint gh > "$T_DIR/entry4"
R SET "{hooks:gh}:seen:gh:d-4" "$(cat "$T_DIR/entry4")" EX 600 >/dev/null
retry_run "$C1"
check "after a lost acknowledgement: the retry is done" done "$(status_of "$C1" "$id4")"
check "after a lost acknowledgement: no second entry" 1 "$(ids hooks:gh | grep -c "$id4")"
$WH_RETRY -c "$C1" show "$id4" > "$T_DIR/show" 2>&1
grep -q 'already there' "$T_DIR/show" && ok "show says it was there already" ||
    not_ok "show says it was there already" "$(cat "$T_DIR/show")"

# 4. The same delivery at a second receiver (its own spool): spooled
# there, but not added again; the marker lives for dedup_window.
C2=$(conf 2 "unix:$RSOCK")
n0=$(xlen hooks:gh)
id5=$(post "$C2" "$T_DIR/b2" d-2)
check "another receiver takes the same delivery" 202 "$(cat "$T_DIR/status")"
wait_expr '[ "$(status_of "$C2" "$id5")" = done ]'
check "the same delivery, two receivers: one entry" "$n0" "$(xlen hooks:gh)"
ttl=$(R TTL "{hooks:gh}:seen:gh:d-2")
[ "$ttl" -gt $((71 * 3600)) ] && [ "$ttl" -le $((72 * 3600)) ] &&
    ok "the marker expires after dedup_window (72h)" ||
    not_ok "the marker expires after dedup_window (72h)" "TTL $ttl"

# 5. Refusals: each a failed attempt with Redis's words, then delivered.
# Wrong password (TCP, with ACL user and password in the URL).
R CONFIG SET requirepass s3cret >/dev/null
RPASS=s3cret
printf 'wrong\n' > "$T_DIR/wrong.pass"
chmod 600 "$T_DIR/wrong.pass"
C3=$(conf 3 "redis://127.0.0.1:$RPORT/0")
sed -i "s|^redis = .*|&\nredis_password_file = $T_DIR/wrong.pass|" "$C3"
id6=$(post "$C3" "$T_DIR/b2" d-6)
check "wrong password: 202" 202 "$(cat "$T_DIR/status")"
wait_expr '[ "$(status_of "$C3" "$id6")" = failed ]'
case $(error_of "$C3" "$id6") in
*WRONGPASS*) ok "wrong password: the error says WRONGPASS" ;;
*) not_ok "wrong password: the error says WRONGPASS" "$(error_of "$C3" "$id6")" ;;
esac
sed -i "s|^redis = .*|redis = redis://default:s3cret@127.0.0.1:$RPORT/0|; /redis_password_file/d" "$C3"
retry_run "$C3"
check "right password: delivered" done "$(status_of "$C3" "$id6")"
check "right password: one entry more" $((n0 + 1)) "$(xlen hooks:gh)"
R CONFIG SET requirepass '' >/dev/null
RPASS=

# Wrong type: the stream's key holds a string.
C4=$(conf 4 "unix:$RSOCK")
sed -i 's|^stream = .*|stream = typed:${endpoint}|' "$C4"
R SET typed:gh "not a stream" >/dev/null
id7=$(post "$C4" "$T_DIR/b2" d-7)
wait_expr '[ "$(status_of "$C4" "$id7")" = failed ]'
case $(error_of "$C4" "$id7") in
*WRONGTYPE*) ok "wrong type: the error says WRONGTYPE" ;;
*) not_ok "wrong type: the error says WRONGTYPE" "$(error_of "$C4" "$id7")" ;;
esac
check "wrong type: no marker left behind" 0 "$(R EXISTS "{typed:gh}:seen:gh:d-7")"
R DEL typed:gh >/dev/null
retry_run "$C4"
check "wrong type, mended: delivered" done "$(status_of "$C4" "$id7")"
check "wrong type, mended: one entry" 1 "$(xlen typed:gh)"

# Out of memory.
R CONFIG SET maxmemory 1 >/dev/null
R CONFIG SET maxmemory-policy noeviction >/dev/null
id8=$(post "$C4" "$T_DIR/b2" d-8)
check "Redis out of memory: the sender still gets 202" 202 "$(cat "$T_DIR/status")"
wait_expr '[ "$(status_of "$C4" "$id8")" = failed ]'
case $(error_of "$C4" "$id8") in
*OOM*) ok "out of memory: the error says OOM" ;;
*) not_ok "out of memory: the error says OOM" "$(error_of "$C4" "$id8")" ;;
esac
R CONFIG SET maxmemory 0 >/dev/null
retry_run "$C4"
check "memory back: delivered" done "$(status_of "$C4" "$id8")"
check "memory back: one entry more" 2 "$(xlen typed:gh)"

# 6. maxlen: an exact one keeps the last N.
C5=$(conf 5 "unix:$RSOCK")
sed -i 's|^stream = .*|stream = short\nmaxlen = =3|' "$C5"
for i in 1 2 3 4 5; do
	last=$(post "$C5" "$T_DIR/b2" m-$i)
	wait_expr '[ "$(status_of "$C5" "$last")" = done ]'
done
check "maxlen = =3 keeps the last three" 3 "$(xlen short)"
check "maxlen: the last event is the last entry" "$last" "$(ids short | tail -1)"

# 8. Through FastCGI: bursts on a few connections, run by the dispatcher
# of a wh-receive that owns its socket, which sends its sink attempts to
# Redis in batches.  Every event once in the stream; with Redis away for
# a second burst, every answer is still 202, and wh-retry delivers the
# rest once it is back.
C7=$(conf 7 "unix:$RSOCK")
sed -i 's|^stream = .*|stream = burst|' "$C7"
$WH_RUN -d -c "$C7" --listen "$T_DIR/wh.sock" 2>>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$T_DIR/wh.sock" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
# burst N: N requests, 50 on a connection in one write (more, unread,
# fill the socket, and wh-receive closes a connection whose peer does
# not read its answers); the count of each status.
burst() {
	local i
	for i in $(seq 1 $(($1 / 50))); do
		"$top_builddir/tests/fcgi-client" -n 50 -p REQUEST_URI=/hooks/gh \
		    -b '{"burst":true}' "$T_DIR/wh.sock"
	done | sort | uniq -c | awk '{ print $2 "x" $1 }'
}
check "a burst of 200 over FastCGI: 202 each" 202x200 "$(burst 200)"
wait_expr '[ "$(xlen burst)" -ge 200 ]'
check "the burst: 200 entries" 200 "$(xlen burst)"
check "the burst: 200 different ids" 200 "$(ids burst | sort -u | wc -l)"
redis_stop
check "a burst with Redis away: 202 each" 202x100 "$(burst 100)"
wait_expr '[ "$($WH_RETRY -c "$C7" list --json --limit 1000 2>/dev/null | jq -r .status | grep -c failed)" = 100 ]'
check "with Redis away, the dispatcher's attempts failed" 100 \
    "$($WH_RETRY -c "$C7" list --json --limit 1000 2>/dev/null | jq -r .status | grep -c failed)"
kill "$WH_PID"
wait "$WH_PID" 2>/dev/null
redis_start
retry_run "$C7"
check "Redis back: 300 entries" 300 "$(xlen burst)"
check "Redis back: 300 different ids" 300 "$(ids burst | sort -u | wc -l)"
check "every event of the spool is in the stream" \
    "$(spool_events "$T_DIR/spool7" | jq -r .id | sort | tr '\n' ' ')" \
    "$(ids burst | sort | tr '\n' ' ')"

# 9. TLS (rediss://): a redis-server that asks for client certificates,
# with a CA, a server certificate for 127.0.0.1 and a client's, made
# here.  Delivered with all of them; refused, and saying why, without
# the client certificate or when the server's name is not the one its
# certificate has.
TLSD=$T_DIR/tls
mkdir -m 0700 "$TLSD"
cert() {	# NAME SAN: NAME.key and NAME.crt, signed by the CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$TLSD/$1.key" -out "$TLSD/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$2" > "$TLSD/$1.ext" &&
	openssl x509 -req -in "$TLSD/$1.csr" -CA "$TLSD/ca.crt" -CAkey "$TLSD/ca.key" \
	    -CAcreateserial -days 2 -extfile "$TLSD/$1.ext" -out "$TLSD/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$TLSD/ca.key" -out "$TLSD/ca.crt" -subj /CN=hookspool-test-ca \
    -days 2 2>/dev/null && cert server IP:127.0.0.1 && cert client DNS:client ||
    { echo "openssl could not make the certificates"; exit 99; }
TPORT=$(free_port)
redis-server --port 0 --tls-port "$TPORT" --bind 127.0.0.1 \
    --unixsocket "$T_DIR/redis-tls.sock" --unixsocketperm 700 \
    --tls-cert-file "$TLSD/server.crt" --tls-key-file "$TLSD/server.key" \
    --tls-ca-cert-file "$TLSD/ca.crt" --tls-auth-clients yes \
    --dir "$TLSD" --save '' --appendonly no >> "$T_DIR/redis-tls.log" 2>&1 &
TLS_PID=$!
trap 'kill "$TLS_PID" 2>/dev/null; redis_stop; rm -rf "$T_DIR"' EXIT
RT() { redis-cli -s "$T_DIR/redis-tls.sock" "$@"; }
wait_for RT ping || { echo "redis-server (TLS) did not start"; cat "$T_DIR/redis-tls.log"; exit 99; }
C9=$(conf 9 "rediss://127.0.0.1:$TPORT" "redis_tls_ca_file = $TLSD/ca.crt" \
    "redis_tls_cert_file = $TLSD/client.crt" "redis_tls_key_file = $TLSD/client.key")
sed -i 's|^stream = .*|stream = tls|; s|^timeout = .*|timeout = 3|' "$C9"
id10=$(post "$C9" "$T_DIR/b2" t-1)
wait_expr '[ "$(status_of "$C9" "$id10")" = done ]'
check "TLS with a client certificate: delivered" done "$(status_of "$C9" "$id10")"
check "TLS: the entry is there" "$id10" "$(RT --json XRANGE tls - + | jq -r '.[0][1][1]')"
C10=$(conf 10 "rediss://127.0.0.1:$TPORT" "redis_tls_ca_file = $TLSD/ca.crt")
sed -i 's|^stream = .*|stream = tls|; s|^timeout = .*|timeout = 3|' "$C10"
id11=$(post "$C10" "$T_DIR/b2" t-2)
wait_expr '[ "$(status_of "$C10" "$id11")" = failed ]'
case $(error_of "$C10" "$id11") in
*TLS*) ok "TLS without the client certificate Redis asks for: failed, saying TLS" ;;
*) not_ok "TLS without the client certificate Redis asks for: failed, saying TLS" "$(error_of "$C10" "$id11")" ;;
esac
C11=$(conf 11 "rediss://127.0.0.1:$TPORT" "redis_tls_ca_file = $TLSD/ca.crt" \
    "redis_tls_cert_file = $TLSD/client.crt" "redis_tls_key_file = $TLSD/client.key" \
    "redis_tls_server_name = redis.example")
sed -i 's|^stream = .*|stream = tls|; s|^timeout = .*|timeout = 3|' "$C11"
id12=$(post "$C11" "$T_DIR/b2" t-3)
wait_expr '[ "$(status_of "$C11" "$id12")" = failed ]'
case $(error_of "$C11" "$id12") in
*'certificate of redis.example: hostname mismatch'*) ok "TLS, another server name: the certificate is refused" ;;
*) not_ok "TLS, another server name: the certificate is refused" "$(error_of "$C11" "$id12")" ;;
esac
check "TLS: nothing added by the refused connections" 1 "$(RT XLEN tls)"

# 10. What the configuration refuses, before anything runs.
C6=$(conf 6 "redis://127.0.0.1" "redis_tls_ca_file = $TLSD/ca.crt")
$WH_RECEIVE -t -c "$C6" > "$T_DIR/t.out" 2>&1
check "redis_tls_* without rediss:// is refused by -t" 1 "$(grep -c 'redis_tls_\* keys need a rediss:// URL' "$T_DIR/t.out")"
C6=$(conf 6 "rediss://127.0.0.1" "redis_tls_cert_file = $TLSD/client.crt")
$WH_RECEIVE -t -c "$C6" > "$T_DIR/t.out" 2>&1
check "a client certificate without its key is refused by -t" 1 "$(grep -c 'redis_tls_cert_file and redis_tls_key_file go together' "$T_DIR/t.out")"

t_done
