#!/usr/bin/env bash
# A kill storm: nginx with contrib/nginx/hookspool.conf in front of a
# pool of three wh-receive workers (--listen), two curl clients posting
# unique bodies of 1 KiB and 64 KiB, three requests at a time each, and a worker SIGKILLed every few
# tens of ms, with fsync = always and then never.  Afterwards every
# acknowledged (202) event is in the spool once with its own body, every
# line but a fenced torn one is JSON, wh-retry list lists them all, and
# the pool was back to three workers after every kill.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx curl jq
WH_RETRY=$top_builddir/wh-retry
WORKERS=3
KILLS=12		# per fsync mode
BATCHES=30		# of 20 requests, per client at most; the kills end
			# the storm first

t_tmpdir
trap 'touch "$T_DIR/stop"; servers_stop; rm -rf "$T_DIR"' EXIT
# client SIZE: batches of 20 POSTs of unique bodies, 3 at a time, until
# the storm is over; "STATUS SEQ" for each in $T_DIR/codes.SIZE, the
# answer in $T_DIR/r/SEQ.
client() {
	local size=$1 b i seq
	for b in $(seq 1 $BATCHES); do
		[ -e "$T_DIR/stop" ] && break
		for i in $(seq 1 20); do
			seq=$size-$b-$i
			stamped_body "$seq" > "$T_DIR/b/$seq"
			[ "$i" -gt 1 ] && echo next
			printf 'url = "%s"\ndata-binary = "@%s"\noutput = "%s"\n' \
			    "$URL/hooks/open" "$T_DIR/b/$seq" "$T_DIR/r/$seq"
			printf 'silent\nmax-time = 10\nwrite-out = "%%{http_code} %s\\n"\n' "$seq"
		done > "$T_DIR/curl.$size"
		curl -s --parallel --parallel-max 3 -K "$T_DIR/curl.$size" \
		    >> "$T_DIR/codes.$size" 2>/dev/null
		rm -f "$T_DIR"/b/$size-$b-*
	done
}

# storm: KILLS workers killed, a few tens of ms apart, each after the
# pool is whole again; prints how many times it was.
storm() {
	local k victim back=0
	for k in $(seq 1 $KILLS); do
		victim=$(pool_pids $WH_PID | shuf -n 1)
		kill -KILL "$victim"
		wait_for pool_replaced $WH_PID $WORKERS "$victim" && back=$((back + 1))
		sleep 0.0$((RANDOM % 5 + 2))
	done
	echo "$back"
}

for mode in always never; do
	SPOOL=$T_DIR/spool-$mode
	SOCK=$T_DIR/wh-$mode.sock
	mkdir -m 0700 "$SPOOL"
	open_conf "$SPOOL" "fsync = $mode" "workers = $WORKERS" "max_body_size = 65536"
	rm -rf "$T_DIR/stop" "$T_DIR"/codes.* "$T_DIR/b" "$T_DIR/r"
	mkdir "$T_DIR/b" "$T_DIR/r"
	$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
	WH_PID=$! WH_PIDS=$!
	wait_for pool_is $WH_PID $WORKERS || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
	PORT=$(free_port)
	rm -rf "$T_DIR/nginx"
	nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
	URL=http://127.0.0.1:$PORT
	killed0=$(grep -c "killed by signal 9" "$T_DIR/wh.log")

	clients=
	for size in 1024 65536; do
		client $size &
		clients="$clients $!"
	done
	sleep 0.5		# the clients under way
	back=$(storm)
	touch "$T_DIR/stop"
	wait $clients
	check "fsync = $mode: the pool is whole again after each of $KILLS kills" \
	    "$KILLS" "$back"
	check "fsync = $mode: each kill logged with its signal" "$KILLS" \
	    "$(($(grep -c "killed by signal 9" "$T_DIR/wh.log") - killed0))"

	# One more request writes after the storm: a torn tail is fenced.
	stamped_body "1024-0-0" > "$T_DIR/body.0"
	check "fsync = $mode: after the storm, 202" 202 "$(curl -s -o /dev/null \
	    -w '%{http_code}' --data-binary @"$T_DIR/body.0" "$URL/hooks/open")"

	cat "$T_DIR"/codes.* > "$T_DIR/acks"
	# "SEQ ID" of each 202, the id from its answer.
	(cd "$T_DIR/r" && grep -o '"id":"[^"]*"' -- *) | tr -d '"' |
	    sed 's/:id:/ /' > "$T_DIR/ids"
	awk 'NR == FNR { id[$1] = $2; next } $1 == 202 { print $2, id[$2] }' \
	    "$T_DIR/ids" "$T_DIR/acks" > "$T_DIR/acked"
	nacked=$(wc -l < "$T_DIR/acked")
	echo "# fsync = $mode: $(wc -l < "$T_DIR/acks") requests," \
	    "$nacked acknowledged, $(awk '$1 == 502' "$T_DIR/acks" | wc -l) cut off (502)"
	[ "$nacked" -ge 20 ] && ok "fsync = $mode: requests acknowledged during the storm" ||
	    not_ok "fsync = $mode: requests acknowledged during the storm" "$nacked"
	check "fsync = $mode: every other answer is a 502" 0 \
	    "$(awk '$1 != 202 && $1 != 502' "$T_DIR/acks" | wc -l)"

	spool_stamped "$SPOOL" > "$T_DIR/table"
	check "fsync = $mode: every acknowledged id in the spool once, with its own body" \
	    "$nacked" "$(acked_kept "$T_DIR/acked" "$T_DIR/table")"
	check "fsync = $mode: no event with a body not sent" 0 \
	    "$(awk '$3 != "true"' "$T_DIR/table" | wc -l)"
	check "fsync = $mode: every torn line fenced" "" "$(spool_unfenced "$SPOOL")"
	ntorn=$(spool_notjson "$SPOOL" | wc -l)
	echo "# fsync = $mode: $ntorn torn lines"
	[ "$ntorn" -le "$KILLS" ] && ok "fsync = $mode: at most one torn line a kill" ||
	    not_ok "fsync = $mode: at most one torn line a kill" "$ntorn"

	"$WH_RETRY" -c "$T_DIR/hookspool.ini" list --json --limit 1000000 \
	    2>/dev/null | jq -r .id | sort > "$T_DIR/listed"
	check "fsync = $mode: wh-retry list lists every acknowledged event" "$nacked" \
	    "$(cut -d' ' -f2 "$T_DIR/acked" | sort | comm -12 - "$T_DIR/listed" | wc -l)"

	servers_stop
	NGINX_PID= WH_PIDS= WH_PID=
done
t_done
