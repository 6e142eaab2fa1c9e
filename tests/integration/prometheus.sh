#!/usr/bin/env bash
# A real Prometheus server on loopback, with a data directory of its own,
# scrapes wh-receive's metrics_path through real nginx (the contrib
# snippet); a counter is read back through its HTTP API.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq prometheus

t_tmpdir
# Prometheus first: servers_stop waits for every child of this shell.
trap '[ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null; servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
metrics_path = /hooks/metrics
metrics_allow = 127.0.0.1/32, ::1

[endpoint:open]
path = /hooks/open
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
URL=http://127.0.0.1:$PORT

for i in 1 2 3; do
	curl -s -o /dev/null --data-binary '{}' "$URL/hooks/open"
done
check "metrics through nginx" 200 \
	"$(curl -s -o "$T_DIR/metrics.txt" -w '%{http_code}' "$URL/hooks/metrics")"
if have "promtool check metrics" promtool; then
	out=$(promtool check metrics < "$T_DIR/metrics.txt" 2>&1); rc=$?
	check "promtool check metrics" "0 " "$rc $out"
fi

PPORT=$(free_port)
mkdir -p "$T_DIR/prom"
cat > "$T_DIR/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: hookspool
    metrics_path: /hooks/metrics
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$T_DIR/prom/prometheus.yml" \
    --storage.tsdb.path="$T_DIR/prom/data" \
    --web.listen-address="127.0.0.1:$PPORT" \
    > "$T_DIR/prom/log" 2>&1 &
PROM_PID=$!

# The counter as Prometheus has it; empty until scraped.
accepted() {
	curl -s "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode \
	    'query=hookspool_requests_total{endpoint="open",status="202"}' |
	    jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
# Wait until Prometheus has scraped the 3 requests; bounded by count, and
# by Prometheus being alive, not by time.
got=
for i in $(seq 1 600); do
	got=$(accepted)
	[ "$got" = 3 ] && break
	kill -0 "$PROM_PID" 2>/dev/null || break
	sleep 0.5
done
check "Prometheus scraped the counter through nginx" 3 "$got"
[ "$got" = 3 ] || tail -20 "$T_DIR/prom/log" | sed 's/^/# /'
t_done
