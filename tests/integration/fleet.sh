#!/usr/bin/env bash
# A fleet of receivers behind a load balancer, delivering into Redis: three
# receiver hosts, each a network namespace with its own nginx
# (contrib/nginx/hookspool.conf), wh-receive (two workers), spool and
# wh-retry run --follow; an nginx balancer in front of them
# (contrib/nginx/hookspool-balancer.conf, only its addresses changed) in
# a namespace of its own, which also holds the bridge that joins them
# all; and a redis-server (append-only file, fsync always) in a fifth.
# Every event goes to one Redis stream through the Redis sink handler.
# Clients post unique bodies through the balancer, from its namespace.
#
#   1. Steady load: every acknowledged (202) event is in the stream once,
#      with its own body.
#   2. One receiver host is SIGKILLed (all its processes) mid-load, with
#      events its dispatchers had not delivered yet (Redis's answers to
#      it lost just before): the balancer sends the rest to the others
#      (no error but a 502 for a request cut off), the host comes back on
#      its spool, and its wh-retry delivers what its dead dispatchers
#      held, in flight or never started (after their 60 s).
#   3. Redis is stopped for 10 s mid-load: every request is still
#      answered 202, and the retries deliver every event once Redis is
#      back on its append-only file.  Every receiver, the one killed in
#      2 too, takes events again.
#
# Then every event of the three spools is in the stream exactly once and
# the stream holds nothing else.  Each phase prints the counts it checks.
# Needs root and ip netns (skipped otherwise); nothing leaves the
# machine, and the root namespace gets no interface or address.
set -u
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C
need nginx curl redis-server redis-cli ip jq
WH_RETRY=$top_builddir/wh-retry
CLIENTS=3		# curl loops, each 3 requests at a time
BATCH=10		# requests a curl run
NET=10.77.0
LB_ADDR=$NET.1		# the bridge, in the balancer's namespace
DB_ADDR=$NET.100
STREAM=webhooks:open

if [ "$(id -u)" -ne 0 ]; then
	echo "$T_NAME: SKIP, network namespaces need root"
	exit 77
fi

t_tmpdir
NS_LB=hsf$$lb NS_DB=hsf$$db
NSS=
CLIENT_PIDS=
# ns_kill NAME: SIGKILL to every process in the namespace NAME, again
# while one is left (one forked meanwhile), 10 s at most.
ns_kill() {
	local i pids
	for i in $(seq 1 100); do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -z "$pids" ] && return 0
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	return 1
}
cleanup() {
	local ns
	exec 2>/dev/null	# no word of the jobs killed here
	touch "$T_DIR"/p*/stop
	[ -n "$CLIENT_PIDS" ] && kill $CLIENT_PIDS
	for ns in $NSS; do
		ns_kill "$ns"
	done
	for ns in $NSS; do
		ip netns del "$ns" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT

# --- the network ------------------------------------------------------------
# ns_add NAME: a namespace of the test's, its loopback up.
ns_add() {
	NSS="$NSS $1"
	ip netns add "$1" && ip -n "$1" link set lo up
}
# ns_join NAME ADDRESS: a veth from the bridge into NAME, with ADDRESS.
ns_join() {
	ip -n "$NS_LB" link add "v${1#hsf$$}" type veth peer name eth0 netns "$1" &&
	    ip -n "$NS_LB" link set "v${1#hsf$$}" master br0 up &&
	    ip -n "$1" addr add "$2/24" dev eth0 &&
	    ip -n "$1" link set eth0 up
}
# net_setup: the bridge in the balancer's namespace, and a veth from it
# into each other namespace.
net_setup() {
	local h
	ip -n "$NS_LB" link add br0 type bridge &&
	    ip -n "$NS_LB" addr add "$LB_ADDR/24" dev br0 &&
	    ip -n "$NS_LB" link set br0 up &&
	    ns_add "$NS_DB" && ns_join "$NS_DB" "$DB_ADDR" || return 1
	for h in 1 2 3; do
		ns_add "hsf$$r$h" && ns_join "hsf$$r$h" "$NET.1$h" || return 1
	done
}
if ! ns_add "$NS_LB" 2>"$T_DIR/ip.err"; then
	echo "$T_NAME: SKIP, ip netns add fails: $(cat "$T_DIR/ip.err")"
	exit 77
fi
# A kernel without bridges or veths cannot run the test either.
if ! net_setup 2>"$T_DIR/ip.err"; then
	echo "$T_NAME: SKIP, the bridge and veths cannot be made: $(cat "$T_DIR/ip.err")"
	exit 77
fi

# --- Redis ------------------------------------------------------------------
RDIR=$T_DIR/redis
mkdir -p "$RDIR"
cat > "$RDIR/redis.conf" <<REDIS
bind $DB_ADDR
port 6379
protected-mode no
daemonize no
dir $RDIR
logfile $RDIR/redis.log
appendonly yes
appendfsync always
save ""
REDIS
rcli() { ip netns exec "$NS_DB" redis-cli -h "$DB_ADDR" "$@"; }
redis_up() { [ "$(rcli ping 2>/dev/null)" = PONG ]; }
redis_start() {
	ip netns exec "$NS_DB" redis-server "$RDIR/redis.conf" >/dev/null 2>&1 &
	REDIS_PID=$!
	poll_for 600 redis_up
}
redis_start || { echo "redis-server did not start"; cat "$RDIR/redis.log"; exit 99; }

# --- the receiver hosts --------------------------------------------------------
# host_conf H: host H's directory: spool, hookspool.ini, nginx.
host_conf() {
	local d=$T_DIR/r$1
	mkdir -p "$d/nginx/logs" "$d/nginx/tmp"
	mkdir -m 0700 "$d/spool"
	cat > "$d/hookspool.ini" <<INI
[server]
spool_dir = $d/spool
workers = 2
fsync = never
max_body_size = 65536
max_retry_attempts = 100
retry_delay_seconds = 0.5
retry_backoff_multiplier = 1.5
retry_max_delay_seconds = 2

[endpoint:open]
path = /hooks/open

[handler:stream]
redis = redis://$DB_ADDR:6379/0
stream = webhooks:\${endpoint}
maxlen = ~1000000
timeout = 5
INI
	cp /etc/nginx/fastcgi_params "$d/nginx/"
	sed "s|unix:/run/hookspool/wh-receive.sock|unix:$d/wh.sock|" \
	    "$top_srcdir/contrib/nginx/hookspool-upstream.conf" > "$d/nginx/hookspool-upstream.conf"
	cp "$top_srcdir/contrib/nginx/hookspool.conf" "$d/nginx/"
	nginx_conf "$d/nginx" "    include $d/nginx/hookspool-upstream.conf;
    server {
        listen $NET.1$1:80;
        location = /ceiling { return 200 \"ok\\n\"; }
        include $d/nginx/hookspool.conf;
    }"
}

# in_lb CMD...: CMD in the balancer's namespace, where the clients are.
in_lb() { ip netns exec "$NS_LB" "$@"; }

# host_start H: wh-receive (two workers), nginx and wh-retry run --follow
# in host H's namespace, on its spool; 1 if one does not start.
host_start() {
	local d=$T_DIR/r$1 ns=hsf$$r$1 wh
	HOST_JOBS=
	ip netns exec "$ns" "$WH_RECEIVE" -d -c "$d/hookspool.ini" --listen "$d/wh.sock" \
	    2>>"$d/wh.log" &
	wh=$!
	HOST_JOBS=$wh
	poll_for 600 pool_is $wh 2 && poll_for 600 test -S "$d/wh.sock" || return 1
	ip netns exec "$ns" nginx -p "$d/nginx" -c "$d/nginx/nginx.conf" \
	    2>>"$d/nginx/logs/error.log" &
	HOST_JOBS="$HOST_JOBS $!"
	poll_for 600 in_lb curl -sf -o /dev/null "http://$NET.1$1/ceiling" || return 1
	ip netns exec "$ns" "$WH_RETRY" -c "$d/hookspool.ini" run --follow --grace 0 \
	    2>>"$d/wr.log" &
	HOST_JOBS="$HOST_JOBS $!"
	eval "HOST_JOBS_$1=\$HOST_JOBS"
}

# host_kill H: SIGKILL to every process in host H's namespace, at once,
# until none is left (the test's own jobs reaped in silence).
host_pids() { ip netns pids "hsf$$r$1"; }
host_kill() {
	ns_kill "hsf$$r$1"
	eval "wait \$HOST_JOBS_$1"
}

# logs: the tails of every log, for a failure.
logs() {
	local f
	for f in "$T_DIR"/r*/wh.log "$T_DIR"/r*/wr.log "$T_DIR"/*/nginx/logs/error.log \
	    "$T_DIR"/lb/logs/error.log "$RDIR/redis.log"; do
		[ -s "$f" ] && { echo "# --- $f"; tail -15 "$f" | sed 's/^/# /'; }
	done
}

for h in 1 2 3; do
	host_conf $h
	if ! host_start $h; then
		echo "receiver host $h did not start"
		logs
		exit 99
	fi
done

# The balancer: the contrib file with the receivers' addresses.
mkdir -p "$T_DIR/lb"
sed "s/192\.0\.2\./$NET./g" "$top_srcdir/contrib/nginx/hookspool-balancer.conf" \
    > "$T_DIR/lb/hookspool-balancer.conf"
nginx_conf "$T_DIR/lb" "    include $T_DIR/lb/hookspool-balancer.conf;"
ip netns exec "$NS_LB" nginx -p "$T_DIR/lb" -c "$T_DIR/lb/nginx.conf" \
    2>>"$T_DIR/lb/logs/error.log" &
poll_for 600 in_lb curl -s -o /dev/null "http://$LB_ADDR/" ||
    { echo "the balancer did not start"; logs; exit 99; }
URL=http://$LB_ADDR/hooks/open

# --- clients --------------------------------------------------------------------
# client PHASE K MAX: runs of BATCH POSTs of unique bodies through the
# balancer, 3 at a time, at most MAX runs or until PHASE's stop file;
# "STATUS SEQ" for each in pPHASE/codes.K, the answer in pPHASE/r/SEQ.
client() {
	local d=$T_DIR/p$1 b i seq
	for b in $(seq 1 "$3"); do
		[ -e "$d/stop" ] && break
		for i in $(seq 1 $BATCH); do
			seq=$((RANDOM % 900 + 100))-$1.$2.$b.$i
			stamped_body "$seq" > "$d/b/$seq"
			[ "$i" -gt 1 ] && echo next
			printf 'url = "%s"\ndata-binary = "@%s"\noutput = "%s"\n' \
			    "$URL" "$d/b/$seq" "$d/r/$seq"
			printf 'header = "Content-Type: text/plain"\n'
			printf 'silent\nmax-time = 120\nwrite-out = "%%{http_code} %s\\n"\n' "$seq"
		done > "$d/curl.$2"
		in_lb curl -s --parallel --parallel-max 3 -K "$d/curl.$2" \
		    >> "$d/codes.$2" 2>/dev/null
		rm -f "$d"/b/*-$1.$2.$b.*
	done
}
# clients_start PHASE MAX: CLIENTS clients of client.
clients_start() {
	local k
	mkdir -p "$T_DIR/p$1/b" "$T_DIR/p$1/r"
	CLIENT_PIDS=
	for k in $(seq 1 $CLIENTS); do
		client "$1" "$k" "$2" &
		CLIENT_PIDS="$CLIENT_PIDS $!"
	done
}
# clients_stop PHASE: the clients stopped after their current run.
clients_stop() {
	touch "$T_DIR/p$1/stop"
	clients_wait "$1"
}
# clients_wait PHASE: the clients done, their codes in pPHASE/codes.
clients_wait() {
	wait $CLIENT_PIDS
	CLIENT_PIDS=
	cat "$T_DIR/p$1"/codes.* > "$T_DIR/p$1/codes"
}
# answered PHASE: how many requests of PHASE have an answer (or failed).
answered() { cat "$T_DIR/p$1"/codes.* 2>/dev/null | wc -l; }

# acked PHASE: "SEQ ID" of each 202 of PHASE, the id from its answer.
acked() {
	local d=$T_DIR/p$1
	(cd "$d/r" && grep -o '"id":"[^"]*"' -- * 2>/dev/null) | tr -d '"' |
	    sed 's/:id:/ /' | sort > "$d/ids"
	awk 'NR == FNR { id[$1] = $2; next } $1 == 202 { print $2, id[$2] }' \
	    "$d/ids" "$d/codes" | sort -k2 > "$d/acked"
}

# --- the stream ---------------------------------------------------------------
# stream_table: "ID SEQ GOOD ENDPOINT PATH" for each entry of the stream,
# GOOD true when its body is exactly stamped_body SEQ, in $T_DIR/stream.
stream_table() {
	rcli --json XRANGE "$STREAM" - + 2>/dev/null | jq -r '.[] | .[1] as $f |
	    (reduce range(0; $f | length; 2) as $i ({}; .[$f[$i]] = $f[$i + 1])) |
	    (.body | split(" ")[0]) as $s |
	    "\(.id) \($s) \(.body == ($s + " " + ("x" * (($s | split("-")[0] |
	    tonumber) - ($s | length) - 1)))) \(.endpoint) \(.path)"' \
	    > "$T_DIR/stream.tmp" && sort "$T_DIR/stream.tmp" > "$T_DIR/stream"
}
# in_stream FILE: how many ids of FILE ("SEQ ID" lines) the stream holds.
in_stream() {
	cut -d' ' -f1 "$T_DIR/stream" | sort -u | comm -12 - <(cut -d' ' -f2 "$1" | sort -u) | wc -l
}
dups() { cut -d' ' -f1 "$T_DIR/stream" | sort | uniq -d | wc -l; }
# all_in FILE: every id of FILE is in the stream (a fresh look).
all_in() { stream_table && [ "$(in_stream "$1")" -eq "$(wc -l < "$1")" ]; }
# settle FILE: wait until all_in FILE, 6 min at most (a bound for what
# hangs: events a killed dispatcher never started wait 60 s and more).
settle() {
	local i
	for i in $(seq 1 360); do
		all_in "$1" && return 0
		sleep 1
	done
	return 1
}

# shares_checked N: each receiver took events in phase N.
shares_checked() {
	local h
	for h in 1 2 3; do
		[ "$(host_share "$1" $h)" -gt 0 ] && ok "phase $1: receiver $h took events" ||
		    not_ok "phase $1: receiver $h took events" "none"
	done
}

# report N: the counts of phase N, and its checks.
report() {
	local d=$T_DIR/p$1 a s dd
	a=$(wc -l < "$d/acked")
	s=$(in_stream "$d/acked")
	dd=$(dups)
	echo "# phase $1: acknowledged $a, in stream $s, duplicates $dd"
	check "phase $1: every acknowledged event in the stream" "$a" "$s"
	check "phase $1: no event twice in the stream" 0 "$dd"
	check "phase $1: each with its own body, endpoint and path" "$a" \
	    "$(join -1 2 -2 1 <(sort -k2 "$d/acked") "$T_DIR/stream" |
	    awk '$2 == $3 && $4 == "true" && $5 == "open" && $6 == "/hooks/open"' | wc -l)"
}
# spool_ids H: the ids of host H's events.
spool_ids() { spool_events "$T_DIR/r$1/spool" | jq -rR 'fromjson? | .id'; }
# unsettled H: host H's events whose handler is not done (yet).
unsettled() {
	"$WH_RETRY" -c "$T_DIR/r$1/hookspool.ini" list --json --limit 1000000 \
	    2>/dev/null | jq -r 'select(.status != "done") |
	    "\(.id) \(.status) \(.handlers.stream.state)"'
}
# host_share PHASE H: how many acknowledged events of PHASE host H holds.
host_share() {
	spool_ids "$2" | sort | comm -12 - <(cut -d' ' -f2 "$T_DIR/p$1/acked" | sort) | wc -l
}

# --- phase 1: steady load ---------------------------------------------------------
clients_start 1 6
clients_wait 1
acked 1
check "phase 1: every request answered 202" "$(wc -l < "$T_DIR/p1/codes")" \
    "$(wc -l < "$T_DIR/p1/acked")"
shares_checked 1
settle "$T_DIR/p1/acked"
report 1

# --- phase 2: a receiver host killed mid-load, then back -------------------------
clients_start 2 1000
wait_expr '[ "$(answered 2)" -ge 60 ]'
# The sink keeps up, and a kill alone would find nothing undelivered: so
# first Redis's answers to receiver 2 are lost on the way (its packets
# to it go to a neighbour that is not there), and the kill comes once
# receiver 2 has taken 10 events more.  Its dispatchers hold them, not
# started yet or in flight; of those in flight, Redis may have added
# some (on a connection made before), its acknowledgement lost.
ip -n "$NS_DB" route add "$NET.12/32" via "$NET.99" dev eth0
n=$(spool_ids 2 | wc -l)
wait_expr '[ "$(spool_ids 2 | wc -l)" -ge '$((n + 10))' ]'
host_kill 2 2>/dev/null
check "phase 2: every process of receiver 2 killed" "" "$(host_pids 2)"
unsettled 2 | sort > "$T_DIR/p2/undelivered"
stream_table
echo "# phase 2: receiver 2 killed with $(wc -l < "$T_DIR/p2/undelivered") of its" \
    "$(spool_ids 2 | wc -l) events not done (by handler state: $(cut -d' ' -f3 \
    "$T_DIR/p2/undelivered" | sort | uniq -c | awk '{ printf "%s%s %s", s, $2, $1; s = ", " }');" \
    "already in the stream: $(cut -d' ' -f1 "$T_DIR/stream" | sort -u |
    comm -12 - <(cut -d' ' -f1 "$T_DIR/p2/undelivered") | wc -l))"
[ -s "$T_DIR/p2/undelivered" ] && ok "phase 2: receiver 2 killed with events not done" ||
    not_ok "phase 2: receiver 2 killed with events not done" "none"
k=$(answered 2)
wait_expr '[ "$(answered 2)" -ge '$((k + 90))' ]'
ip -n "$NS_DB" route del "$NET.12/32"
host_start 2 || { not_ok "phase 2: receiver 2 starts again"; logs; exit 1; }
k=$(answered 2)
wait_expr '[ "$(answered 2)" -ge '$((k + 60))' ]'
clients_stop 2
acked 2
n=$(wc -l < "$T_DIR/p2/codes")
echo "# phase 2: $n requests, $(wc -l < "$T_DIR/p2/acked") acknowledged," \
    "$(awk '$1 == 502' "$T_DIR/p2/codes" | wc -l) cut off (502)"
bad=$(awk '$1 != 202' "$T_DIR/p2/codes" | wc -l)
[ "$bad" -le $((CLIENTS * 3)) ] && ok "phase 2: at most the requests in flight at the kill failed" ||
    not_ok "phase 2: at most the requests in flight at the kill failed" "$bad of $n"
check "phase 2: each failure a 502" 0 "$(awk '$1 != 202 && $1 != 502' "$T_DIR/p2/codes" | wc -l)"
settle "$T_DIR/p2/acked"
report 2

# --- phase 3: Redis stopped for 10 s mid-load ---------------------------------------
fails() { cat "$T_DIR"/r*/spool/seg-*.jsonl | grep -c '"state":"failed"'; }
fails0=$(fails)
clients_start 3 1000
wait_expr '[ "$(answered 3)" -ge 60 ]'
kill -TERM "$REDIS_PID"
wait_gone "$REDIS_PID" || kill -KILL "$REDIS_PID"
wait "$REDIS_PID"
k=$(answered 3)
sleep 10		# the outage
[ "$(answered 3)" -gt "$k" ] && ok "phase 3: requests answered while Redis was down" ||
    not_ok "phase 3: requests answered while Redis was down" "none"
redis_start || { not_ok "phase 3: Redis starts again"; logs; exit 1; }
k=$(answered 3)
wait_expr '[ "$(answered 3)" -ge '$((k + 60))' ]'
clients_stop 3
acked 3
check "phase 3: every request answered 202" "$(wc -l < "$T_DIR/p3/codes")" \
    "$(wc -l < "$T_DIR/p3/acked")"
[ "$(fails)" -gt "$fails0" ] && ok "phase 3: deliveries failed while Redis was down" ||
    not_ok "phase 3: deliveries failed while Redis was down" "no failed attempt"
shares_checked 3
settle "$T_DIR/p3/acked"
report 3

# --- the whole fleet ----------------------------------------------------------------
for h in 1 2 3; do spool_ids $h; done | sort > "$T_DIR/spooled"
# Each spooled event, acknowledged or cut off, is delivered in the end.
sed 's/^/- /' "$T_DIR/spooled" > "$T_DIR/spooled.pairs"
settle "$T_DIR/spooled.pairs"
echo "# all: $(wc -l < "$T_DIR/spooled") events spooled, $(wc -l < "$T_DIR/stream") stream entries," \
    "$(cat "$T_DIR"/p*/acked | wc -l) acknowledged"
check "every spooled event in the stream" "$(wc -l < "$T_DIR/spooled")" \
    "$(in_stream "$T_DIR/spooled.pairs")"
check "no entry but the spools' events" 0 \
    "$(cut -d' ' -f1 "$T_DIR/stream" | sort -u | comm -23 - "$T_DIR/spooled" | wc -l)"
check "no event twice in the stream" 0 "$(dups)"
check "every entry's body one that was sent" 0 "$(awk '$3 != "true"' "$T_DIR/stream" | wc -l)"
for h in 1 2 3; do
	wait_expr '[ -z "$(unsettled '$h')" ]'
	check "receiver $h: every event's handler done" "" "$(unsettled $h | head -3 | tr '\n' ' ')"
done

[ "$T_FAIL" -ne 0 ] && logs
t_done
