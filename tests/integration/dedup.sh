#!/usr/bin/env bash
# dedup_key through real nginx and four wh-receive processes on one
# spool: a redelivery is answered 200 with the first id and spooled
# once, its handler runs once; many identical posts at once make one
# event; workers killed with SIGKILL mid-request never store a key twice
# nor lose one; the index deleted or damaged is made anew from the
# spool, and a restart keeps deduplicating.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq openssl

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
OUT=$T_DIR/out
mkdir -m 0700 "$SPOOL" "$OUT"
SECRET=dedup-test-secret
cat > "$T_DIR/ran.sh" <<SH
#!/bin/sh
echo "\$WH_EVENT_ID" >> "$OUT/ran"
SH
chmod +x "$T_DIR/ran.sh"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
workers = 4

[endpoint:github]
path = /hooks/github
signature_type = github
secret = $SECRET
dedup_key = \${header.X-GitHub-Delivery}
dedup_window = 1h

[endpoint:stripe]
path = /hooks/payload
dedup_key = \${payload.id}

[endpoint:query]
path = /hooks/query
dedup_key = \${query.delivery}

[handler:ran]
command = $T_DIR/ran.sh
endpoint_paths = /hooks/github
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
# A pool of four workers on its own socket (master.c), as in
# production with --listen or systemd.
pool_start() {
	$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
	WH_PID=$! WH_PIDS=$!
	wait_for pool_is $WH_PID 4
}
pool_start || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
URL=http://127.0.0.1:$PORT

printf '{"action":"opened"}' > "$T_DIR/body"
sig=$(hmac sha256 "$SECRET" "$T_DIR/body")
# gh DELIVERY [OUT]: post the signed body with this delivery id; prints
# the status, the answer in OUT ($T_DIR/resp).
gh() {
	curl -s -o "${2:-$T_DIR/resp}" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    -H "X-Hub-Signature-256: sha256=$sig" \
	    -H "X-GitHub-Delivery: $1" --data-binary @"$T_DIR/body" \
	    "$URL/hooks/github"
}
keyed() { spool_events "$SPOOL" | jq -r "select(.dedup_key == \"$1\") | .id" | wc -l; }

check "first delivery: 202" 202 "$(gh d-1)"
id=$(jq -r .id "$T_DIR/resp")
check "the record holds the key" "$id" "$(spool_events "$SPOOL" | jq -r 'select(.dedup_key == "d-1") | .id')"
wait_for test -s "$OUT/ran"
check "redelivery: 200" 200 "$(gh d-1)"
check "it names the first event" "$id true" "$(jq -r '.id + " " + (.duplicate | tostring)' "$T_DIR/resp")"
check "one event in the spool" 1 "$(keyed d-1)"
check "the log line says duplicate" 1 "$(grep -c "id=$id .*status=200 .*reason=duplicate" "$T_DIR/wh.log")"
check "another delivery: 202" 202 "$(gh d-2)"
wait_expr '[ "$(wc -l < "$OUT/ran")" -ge 2 ]'
sleep 1
check "the handler ran once per event" "2 1" "$(wc -l < "$OUT/ran" | tr -d ' ') $(grep -c "$id" "$OUT/ran")"

# Many identical posts at once, spread over the four processes.
racers=
for i in $(seq 1 40); do
	gh d-race "$T_DIR/race.$i" > "$T_DIR/race.$i.status" &
	racers="$racers $!"
done
wait $racers
check "racing posts: one event" 1 "$(keyed d-race)"
check "racing posts: one 202, the rest 200" "1 39" \
	"$(cat "$T_DIR"/race.*.status | grep -o 202 | wc -l) $(cat "$T_DIR"/race.*.status | grep -o 200 | wc -l)"
check "racing posts: one id in every answer" 1 "$(cat "$T_DIR"/race.? "$T_DIR"/race.?? | jq -r .id | sort -u | wc -l)"

# The payload's id, on an endpoint without a signature.
pay() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary "$1" "$URL/hooks/payload"; }
check "payload key: 202" 202 "$(pay '{"id":"evt_1"}')"
check "payload key again: 200" 200 "$(pay '{"id":"evt_1","other":1}')"
check "no key: kept" 202 "$(pay '{"no":"id"}')"
check "no key: kept again" 202 "$(pay '{"no":"id"}')"
check "no key: logged" 1 "$(grep -c "endpoint stripe: no dedup key" "$T_DIR/wh.log" | awk '{print ($1 >= 1)}')"
long=$(head -c 300 /dev/zero | tr '\0' k)
check "a key over 256 bytes: kept" 202 "$(pay "{\"id\":\"$long\"}")"
check "a key over 256 bytes: kept again" 202 "$(pay "{\"id\":\"$long\"}")"

# A key from the query string.
qpost() { curl -s -o /dev/null -w '%{http_code}' --data-binary '{}' "$URL/hooks/query$1"; }
check "query key: 202" 202 "$(qpost '?delivery=q-1')"
check "query key again: 200" 200 "$(qpost '?a=b&delivery=q-1')"
check "another query key: 202" 202 "$(qpost '?delivery=q-2')"
check "no query: kept" "202 202" "$(qpost '') $(qpost '')"

# The index is a cache: deleted or damaged, it is made from the spool.
rm "$SPOOL/.dedup"
check "index deleted: still a duplicate" "200 $id" "$(gh d-1) $(jq -r .id "$T_DIR/resp")"
check "index deleted: made anew" 1 "$(grep -c "index .*made anew" "$T_DIR/wh.log" | awk '{print ($1 >= 1)}')"
size=$(stat -c %s "$SPOOL/.dedup")
head -c "$size" /dev/urandom > "$T_DIR/garbage"
cat "$T_DIR/garbage" > "$SPOOL/.dedup"
check "index damaged: still a duplicate" "200 $id" "$(gh d-1) $(jq -r .id "$T_DIR/resp")"
printf 'HSDEDUP2' > "$SPOOL/.dedup"
check "index cut short: still a duplicate" 200 "$(gh d-race)"
check "d-race still one event" 1 "$(keyed d-race)"

# Workers killed with SIGKILL while they take deliveries, whatever they
# were doing (before the look-up, between the append and the answer):
# no key is ever stored twice, and a key that is stored is known, so
# that its redelivery is a duplicate of that very event.
for k in $(seq 1 20); do
	storm=
	for i in 1 2 3 4; do
		gh "storm-$k" "$T_DIR/storm.$k.$i" > "$T_DIR/storm.$k.$i.status" &
		storm="$storm $!"
	done
	victim=$(pool_pids "$WH_PID" | shuf -n 1)
	[ -n "$victim" ] && kill -9 "$victim" 2>/dev/null
	wait $storm
	wait_for pool_is "$WH_PID" 4
done
twice=0 lost=0
for k in $(seq 1 20); do
	n=$(keyed "storm-$k")
	[ "$n" -le 1 ] || twice=$((twice + 1))
	code=$(gh "storm-$k")
	if [ "$n" -eq 1 ]; then
		[ "$code $(jq -r .id "$T_DIR/resp")" = "200 $(spool_events "$SPOOL" | jq -r "select(.dedup_key == \"storm-$k\") | .id")" ] ||
		    lost=$((lost + 1))
	else
		[ "$code" = 202 ] || lost=$((lost + 1))
	fi
done
echo "# SIGKILL storm: $(cat "$T_DIR"/storm.*.status | grep -vc '^20[02]$') of 80 answers cut short"
check "SIGKILL storm: no key stored twice" 0 "$twice"
check "SIGKILL storm: every stored key is a duplicate of its event" 0 "$lost"
check "SIGKILL storm: the pool is whole again" 4 "$(pool_workers "$WH_PID")"

# A restart keeps deduplicating.
wh_stop
pool_start || { echo "wh-receive did not restart"; cat "$T_DIR/wh.log"; exit 99; }
check "after a restart: 200" "200 $id" "$(gh d-1) $(jq -r .id "$T_DIR/resp")"
check "after a restart: new keys are new" 202 "$(gh d-3)"
check "every spool line is intact JSON" 0 "$(cat "$SPOOL"/seg-*.jsonl | jq -c . >/dev/null 2>&1; echo $?)"
t_done
