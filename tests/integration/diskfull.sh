#!/usr/bin/env bash
# A full disk: the spool on a 2 MiB tmpfs, a filler file leaving room
# for a few dozen events, and two curl clients posting stamped 16 KiB
# bodies through nginx to a pool of two wh-receive workers.  Once the
# disk is full every request gets 503 with Retry-After, every 202 before
# it is in the spool with its own body, no torn line is left unfenced,
# and with the filler gone requests get 202 again.  Then min_free_space:
# events are refused before anything is written while the free space is
# below it, and taken again once it is above.  Mounting needs root:
# others SKIP.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx curl jq
WH_RETRY=$top_builddir/wh-retry
SIZE=16384
REQS=100	# per client at most
FULL=5		# 503s per client after which it stops

t_tmpdir
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
trap 'servers_stop; umount "$SPOOL" 2>/dev/null; rm -rf "$T_DIR"' EXIT
if [ "$(id -u)" -ne 0 ] ||
    ! mount -t tmpfs -o size=2m,mode=0700 hookspool-test "$SPOOL" 2>/dev/null; then
	echo "diskfull: SKIP, mounting a tmpfs needs root"
	exit 77
fi
head -c $((2048 - 640))k /dev/zero > "$SPOOL/filler"

open_conf "$SPOOL" "workers = 2" "max_body_size = 65536"
SOCK=$T_DIR/wh.sock
$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
WH_PID=$! WH_PIDS=$!
wait_for test -S "$SOCK" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
PORT=$(free_port)
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
URL=http://127.0.0.1:$PORT

# post SEQ: POST stamped_body SEQ; prints "STATUS SEQ RETRY-AFTER ID".
post() {
	local code ra
	stamped_body "$1" > "$T_DIR/body.$1"
	read -r code ra < <(curl -s --max-time 10 -o "$T_DIR/resp.$1" \
	    -w '%{http_code} %header{retry-after}\n' \
	    --data-binary @"$T_DIR/body.$1" "$URL/hooks/open")
	echo "$code $1 ${ra:--} $(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$T_DIR/resp.$1")"
	rm -f "$T_DIR/body.$1"
}

# client C: posts until FULL answers were 503; lines of post in answers.C.
client() {
	local i full=0 line
	for i in $(seq 1 $REQS); do
		line=$(post "$SIZE-$1-$i")
		echo "$line" >> "$T_DIR/answers.$1"
		case $line in 503*) full=$((full + 1)) ;; esac
		[ "$full" -ge "$FULL" ] && break
	done
}

client 1 & c1=$!
client 2 & c2=$!
wait $c1 $c2
cat "$T_DIR"/answers.* > "$T_DIR/answers"
n202=$(awk '$1 == 202' "$T_DIR/answers" | wc -l)
n503=$(awk '$1 == 503' "$T_DIR/answers" | wc -l)
echo "# $(wc -l < "$T_DIR/answers") requests: $n202 acknowledged, $n503 refused"
[ "$n202" -ge 10 ] && ok "requests acknowledged while there was room" ||
    not_ok "requests acknowledged while there was room" "$n202"
check "the disk full: 503s" $((2 * FULL)) "$n503"
check "... each with Retry-After" "$n503" "$(awk '$1 == 503 && $3 ~ /^[0-9]+$/' "$T_DIR/answers" | wc -l)"
check "no other answer" 0 "$(awk '$1 != 202 && $1 != 503' "$T_DIR/answers" | wc -l)"
check "... and, once full, no 202 after a 503" 0 \
    "$(for c in 1 2; do awk '$1 == 503 { f = 1 } f && $1 == 202' "$T_DIR/answers.$c"; done | wc -l)"
case $(grep -c "status=503" "$T_DIR/wh.log") in
0) not_ok "the 503s are logged" ;;
*) ok "the 503s are logged" ;;
esac

awk '$1 == 202 { print $2, $4 }' "$T_DIR/answers" > "$T_DIR/acked"
spool_stamped "$SPOOL" > "$T_DIR/table"
check "every acknowledged id in the spool once, with its own body" "$n202" \
    "$(acked_kept "$T_DIR/acked" "$T_DIR/table")"
check "no event that was refused" "$n202" "$(wc -l < "$T_DIR/table")"
check "no torn line left unfenced" "" "$(spool_unfenced "$SPOOL")"

rm "$SPOOL/filler"
line=$(post "$SIZE-3-1")
check "the filler removed: 202 again" 202 "${line%% *}"
echo "${line#* }" | awk '{ print $1, $3 }' > "$T_DIR/acked"
spool_stamped "$SPOOL" > "$T_DIR/table"
check "... and the event is in the spool" 1 "$(acked_kept "$T_DIR/acked" "$T_DIR/table")"
check "... which wh-retry list lists" $((n202 + 1)) \
    "$("$WH_RETRY" -c "$T_DIR/hookspool.ini" list --json 2>/dev/null | wc -l)"
# min_free_space: refused before the disk is full, and nothing written.
avail=$(df -B1 --output=avail "$SPOOL" | tail -1 | tr -d ' ')
open_conf "$SPOOL" "workers = 2" "max_body_size = 65536" \
    "min_free_space = $((avail / 2))" "health_path = /hooks/health" \
    "metrics_path = /hooks/metrics"
kill -HUP "$WH_PID"
wait_for sh -c "[ \$(grep -c 'configuration reloaded' '$T_DIR/wh.log') -ge 2 ]" ||
    not_ok "both workers reloaded" "$(tail -5 "$T_DIR/wh.log")"
line=$(post "$SIZE-4-1")
check "min_free_space with room above it: 202" 202 "${line%% *}"
check "... health 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/hooks/health")"
head -c $((avail / 2 + 65536)) /dev/zero > "$SPOOL/filler"
before=$(spool_stamped "$SPOOL" | wc -l)
line=$(post "$SIZE-4-2")
check "below min_free_space: 503" 503 "${line%% *}"
check "... with Retry-After" 1 "$(echo "$line" | awk '$3 ~ /^[0-9]+$/' | wc -l)"
line=$(post "$SIZE-4-3")
check "... again" 503 "${line%% *}"
check "... and nothing written" "$before" "$(spool_stamped "$SPOOL" | wc -l)"
check "... health 503 with the reason" 'unhealthy below min_free_space' \
    "$(curl -s "$URL/hooks/health" | jq -r '"\(.status) \(.reason)"')"
check "... counted in hookspool_low_space_refusals_total" 2 \
    "$(curl -s "$URL/hooks/metrics" | sed -n 's/^hookspool_low_space_refusals_total //p')"
case $(grep -c "below min_free_space (" "$T_DIR/wh.log") in
1 | 2) ok "the log says why, once per worker" ;;
*) not_ok "the log says why, once per worker" "$(grep -c "below min_free_space (" "$T_DIR/wh.log")" ;;
esac
check "no worker died while the disk was full" 0 \
    "$(grep -c 'killed by signal' "$T_DIR/wh.log")"
rm "$SPOOL/filler"
line=$(post "$SIZE-4-4")
check "room again: 202" 202 "${line%% *}"

# The deduplication index made on a full disk: the file is sparse, and
# a page the disk cannot back must be a refusal, not SIGBUS in a worker.
open_conf "$SPOOL" "workers = 2" "max_body_size = 65536" "dedup_max_keys = 1000"
echo 'dedup_key = ${header.X-Delivery}' >> "$T_DIR/hookspool.ini"
kill -HUP "$WH_PID"
wait_for sh -c "[ \$(grep -c 'configuration reloaded' '$T_DIR/wh.log') -ge 4 ]" ||
    not_ok "both workers reloaded again" "$(tail -5 "$T_DIR/wh.log")"
rm -f "$SPOOL/.dedup"
head -c 4m /dev/zero > "$SPOOL/filler" 2>/dev/null
# keyed KEY: POST with the delivery id KEY; prints "STATUS RETRY-AFTER".
keyed() {
	curl -s --max-time 10 -o "$T_DIR/resp.keyed" -H "X-Delivery: $1" \
	    -w '%{http_code} %header{retry-after}\n' --data-binary '{"a":1}' \
	    "$URL/hooks/open"
}
read -r code ra < <(keyed k1)
check "a new index on a full disk: 503" 503 "$code"
check "... with Retry-After" 1 "$(echo "$ra" | grep -c '^[0-9][0-9]*$')"
check "... and no worker died" 0 "$(grep -c 'killed by signal' "$T_DIR/wh.log")"
case $(grep -c 'dedup index' "$T_DIR/wh.log") in
0) not_ok "... the log says the index" ;;
*) ok "... the log says the index" ;;
esac
rm "$SPOOL/filler"
read -r code ra < <(keyed k1)
check "room again: 202" 202 "$code"
read -r code ra < <(keyed k1)
check "... and the same key again is a duplicate (200)" 200 "$code"
check "... said so in the answer" true "$(jq -r .duplicate "$T_DIR/resp.keyed")"
t_done
