# Helpers for the fleet exporters' tests (tests/integration/fleet-*.sh): free ports, waiting for servers,
# starting a real Prometheus or ClickHouse from Debian's packages on 127.0.0.1, and stopping them.
source "$(dirname "${BASH_SOURCE[0]}")/db-lib.bash"

# A TCP port nothing listens on now (the kernel picks it; a race with another helper is retried by callers).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until URL answers (any HTTP status), at most $2 seconds.
wait_http() {
	local url=$1 limit=${2:-30} i
	for ((i = 0; i < limit * 10; i++)); do
		curl -s -o /dev/null "$url" && return 0
		sleep 0.1
	done
	return 1
}

# Stop a process we started, by its pid, and reap it.
stop_pid() {
	local pid=$1
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

need_cmd() {
	command -v "$1" >/dev/null || { echo "$1 is missing (scripts/deps.sh fleet installs it)"; exit 1; }
}

# Start Prometheus scraping TARGET every 250 ms; sets PROM_URL and PROM_PID.
start_prometheus() {
	local target=$1 dir=$tmp/prom port
	need_cmd prometheus
	mkdir -p "$dir"
	cat >"$dir/prometheus.yml" <<EOC
global:
  scrape_interval: 250ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: exitscope
    static_configs:
      - targets: ['$target']
EOC
	for _ in 1 2 3; do
		port=$(free_port)
		prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
			--web.listen-address="127.0.0.1:$port" --log.level=warn >"$dir/log" 2>&1 &
		PROM_PID=$!
		cleanup_hooks+=("stop_pid $PROM_PID")
		PROM_URL=http://127.0.0.1:$port
		if wait_http "$PROM_URL/-/ready" 30; then
			# Targets reach the scrape loop on discovery's 5-second tick: wait for the first (failed) scrape,
			# so the exporter started next is scraped from its first moments.
			for _ in $(seq 150); do
				[ -n "$(prom_query 'up' job)" ] && return 0
				sleep 0.1
			done
			echo "Prometheus never scraped $target"
			exit 1
		fi
		stop_pid "$PROM_PID"
	done
	echo "Prometheus did not start: $(tail -3 "$dir/log")"
	exit 1
}

# An instant query's vector as "label-value value" lines, label $2 (default reason).
prom_query() {
	curl -s --get "$PROM_URL/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
label = sys.argv[1]
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    print(r["metric"].get(label, ""), r["value"][1])' "${2:-reason}"
}
