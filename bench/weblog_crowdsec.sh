#!/bin/sh
# CrowdSec's offline replay of an access log, for bench/bench_scan.sh (issue 11).
# Usage: weblog_crowdsec.sh LOG WORKDIR OUT_ALERTS_JSON
# Debian's crowdsec 1.4.6 (installed by bench_scan.sh) replays a file only with a
# local API running in another process, so this script, in WORKDIR only (the
# system's /etc/crowdsec configuration and database are left alone):
#   - writes a private config.yaml (own database, data directory, log directory,
#     local API on a free loopback port, no Central API, no Prometheus),
#   - copies the hub's data files into the private data directory and adds
#     http_path_traversal.txt, a copy of path_traversal.txt (the
#     http-path-traversal-probing scenario asks for that name; without it every
#     event logs a 9 KB error),
#   - starts the local API (`crowdsec -no-cs -no-capi`), registers a machine
#     (`cscli machines add --auto`), restarts the API so it knows the machine,
#   - replays LOG with `crowdsec -dsn file://LOG -type nginx -no-api` (time
#     machine: buckets run on the log's own timestamps),
#   - writes every alert (`cscli alerts list -o json`) to OUT_ALERTS_JSON.
# Wall time and peak memory of the replay step alone are measured by the caller
# through REPLAY_WRAP (e.g. "/usr/bin/time -f '%e %M' -o FILE").
set -eu
LOG=$(readlink -f "$1")
W=$2
OUT=$3
mkdir -p "$W/data" "$W/log"
cp /var/lib/crowdsec/data/*.txt /var/lib/crowdsec/data/*.regex "$W/data/" 2>/dev/null || true
cp /var/lib/crowdsec/data/path_traversal.txt "$W/data/http_path_traversal.txt"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
: >"$W/local_api_credentials.yaml"
: >"$W/acquis.yaml"
cat >"$W/config.yaml" <<EOF
common:
  daemonize: false
  log_media: file
  log_level: warning
  log_dir: $W/log/
  working_dir: .
config_paths:
  config_dir: /etc/crowdsec/
  data_dir: $W/data/
  simulation_path: /etc/crowdsec/simulation.yaml
  hub_dir: /var/lib/crowdsec/hub/
  index_path: /var/lib/crowdsec/hub/.index.json
  notification_dir: /etc/crowdsec/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: $W/acquis.yaml
  parser_routines: 1
cscli:
  output: human
db_config:
  log_level: warning
  type: sqlite
  db_path: $W/data/crowdsec.db
  flush:
    max_items: 100000
    max_age: 7d
api:
  client:
    insecure_skip_verify: false
    credentials_path: $W/local_api_credentials.yaml
  server:
    log_level: warning
    listen_uri: 127.0.0.1:$PORT
    profiles_path: /etc/crowdsec/profiles.yaml
    trusted_ips:
      - 127.0.0.1
prometheus:
  enabled: false
  level: full
EOF
lapi_start() {
	crowdsec -c "$W/config.yaml" -no-cs -no-capi >>"$W/log/lapi.out" 2>&1 &
	echo $! >"$W/lapi.pid"
	for _ in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "weblog_crowdsec: the local API did not start (see $W/log)" >&2
	return 1
}
lapi_stop() {
	[ -f "$W/lapi.pid" ] && kill "$(cat "$W/lapi.pid")" 2>/dev/null || true
	[ -f "$W/lapi.pid" ] && while kill -0 "$(cat "$W/lapi.pid")" 2>/dev/null; do sleep 0.1; done
	rm -f "$W/lapi.pid"
}
trap lapi_stop EXIT
lapi_start
cscli -c "$W/config.yaml" machines add --auto -f "$W/local_api_credentials.yaml" --force >/dev/null 2>&1 ||
	cscli -c "$W/config.yaml" machines add --auto -f "$W/local_api_credentials.yaml" >/dev/null
${REPLAY_WRAP:-} crowdsec -c "$W/config.yaml" -dsn "file://$LOG" -type nginx -no-api >"$W/log/replay.out" 2>&1
# the agent pushes alerts to the API asynchronously; give the last batch a moment
sleep 2
cscli -c "$W/config.yaml" alerts list -o json -l 0 >"$OUT" 2>"$W/log/cscli.err" ||
	cscli -c "$W/config.yaml" alerts list -o json >"$OUT"
