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

# Start ClickHouse with its data in $tmp/ch (or restart it there: same ports); sets CH_URL, CH_PID. User
# `limited` may run 12 queries a year (a long interval: it must not roll over during a test): a server that
# starts refusing part-way.
start_clickhouse() {
	local dir=$tmp/ch
	need_cmd clickhouse-server
	mkdir -p "$dir"
	if [ ! -f "$dir/config.xml" ]; then
		CH_HTTP_PORT=$(free_port)
		CH_TCP_PORT=$(free_port)
		cat >"$dir/config.xml" <<EOC
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/error.log</errorlog></logger>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>104857600</mark_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
EOC
		cat >"$dir/users.xml" <<EOC
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
    <quota>default</quota></default>
    <limited><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
    <quota>few</quota></limited></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default>
    <few><interval><duration>31536000</duration><queries>12</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></few></quotas>
</yandex>
EOC
	fi
	clickhouse-server --config-file="$dir/config.xml" >>"$dir/stdout.log" 2>&1 &
	CH_PID=$!
	cleanup_hooks+=("stop_pid $CH_PID")
	CH_URL=http://127.0.0.1:$CH_HTTP_PORT
	for _ in $(seq 300); do
		[ "$(curl -s "$CH_URL/?query=SELECT%201")" = 1 ] && return 0
		kill -0 "$CH_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "ClickHouse did not start: $(tail -3 "$dir/error.log" "$dir/stdout.log" 2>/dev/null)"
	exit 1
}

# A query's TabSeparated result.
chq() { curl -s "$CH_URL/" --data-binary "$1 FORMAT TabSeparated"; }
