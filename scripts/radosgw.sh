#!/usr/bin/env bash
# A throwaway one-host Ceph (one mon, one memstore OSD, radosgw on 127.0.0.1) for the tests that need a real
# S3 honouring conditional writes (If-None-Match: * and If-Match). It installs nothing; it needs the Debian
# packages: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common
#
#   scripts/radosgw.sh start   start it (or find it already up) and print the env exports on stdout
#   scripts/radosgw.sh env     print the env exports of the running one
#   scripts/radosgw.sh stop    stop the daemons this script started and remove their directory
#
#   eval "$(scripts/radosgw.sh start)" && npx vitest run test/integration/s3-store.test.ts
#
# SPENDWATCH_RADOSGW_DIR (default $TMPDIR/spendwatch-radosgw) holds config, data, logs and pid files;
# SPENDWATCH_RADOSGW_PORT (default 7480) is the S3 port. The mon listens on 127.0.0.1:6789.
set -euo pipefail

dir=${SPENDWATCH_RADOSGW_DIR:-${TMPDIR:-/tmp}/spendwatch-radosgw}
port=${SPENDWATCH_RADOSGW_PORT:-7480}
mon_addr=127.0.0.1:6789
conf=$dir/ceph.conf
endpoint=http://127.0.0.1:$port
# Fixed test credentials: this gateway only ever listens on loopback and holds throwaway data.
access_key=SPENDWATCHTESTACCESS
secret_key=spendwatch-test-secret-key-for-local-radosgw
daemons=(rgw osd mon) # stop order: the gateway first, the mon last

say() { echo "radosgw.sh: $*" >&2; }

print_env() {
  cat <<EOF
export SPENDWATCH_S3_ENDPOINT=$endpoint
export AWS_ACCESS_KEY_ID=$access_key
export AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN
EOF
}

# A pid file names one of ours only while that process still runs with our config (pids get reused).
running_pid() {
  local pid
  pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$conf" || return 1
  echo "$pid"
}

is_up() {
  [ -f "$dir/ready" ] && running_pid rgw >/dev/null && curl -fsS -o /dev/null --max-time 2 "$endpoint/"
}

launch() {
  local name=$1
  shift
  setsid "$@" -f >>"$dir/log/$name.out" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

stop() {
  local name pid
  for name in "${daemons[@]}"; do
    if pid=$(running_pid "$name"); then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
  done
  rm -rf "$dir"
}

write_config() {
  cat >"$conf" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon_host = v1:$mon_addr
public_addr = 127.0.0.1
ms_bind_msgr2 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
mon_allow_pool_size_one = true
mon_max_pg_per_osd = 1000
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
# The OSD's own crush update at start can race its first monmap and be refused ("wrong fsid", sent as
# all zeros), and the OSD then exits; the script places it in the crush map itself, with the ceph CLI.
osd_crush_update_on_start = false
osd_class_update_on_start = false
osd_objectstore = memstore
memstore_device_bytes = 2147483648
mon_data = $dir/mon/\$cluster-\$id
osd_data = $dir/osd/\$cluster-\$id
rgw_data = $dir/rgw
run_dir = $dir/run
admin_socket = $dir/run/\$cluster-\$name.asok
log_file = $dir/log/\$cluster-\$name.log
keyring = $dir/keyring

[client.rgw]
# tcp_nodelay: without it each GET's answer waited on a delayed ACK (48 ms a GET, against 5 ms with it)
rgw_frontends = beast endpoint=127.0.0.1:$port tcp_nodelay=1
EOF
}

start() {
  if is_up; then
    print_env
    return
  fi
  [ -d "$dir" ] && stop # the leftovers of one that died
  local began=$SECONDS
  mkdir -p "$dir"/{mon,osd,rgw,run,log}
  write_config
  local fsid
  fsid=$(sed -n 's/^fsid = //p' "$conf")

  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --add a "$mon_addr" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
  launch mon ceph-mon -c "$conf" -i a

  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(ceph -c "$conf" --connect-timeout 30 osd new "$osd_uuid" 2>>"$dir/log/setup.out")
  mkdir -p "$dir/osd/ceph-$osd_id"
  ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/setup.out" 2>&1
  ceph -c "$conf" osd crush add "osd.$osd_id" 1.0 root=default host=localhost >>"$dir/log/setup.out" 2>&1
  launch osd ceph-osd -c "$conf" -i "$osd_id"
  launch rgw radosgw -c "$conf" -n client.rgw

  # radosgw answers only once it has created its pools, which needs the OSD up.
  local deadline=$((SECONDS + 120))
  until curl -fs -o /dev/null --max-time 2 "$endpoint/"; do
    if ((SECONDS > deadline)) || ! running_pid rgw >/dev/null; then
      say "radosgw did not come up; logs in $dir/log"
      tail -n 20 "$dir"/log/*.out >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  radosgw-admin -c "$conf" user create --uid=spendwatch-test --display-name=spendwatch-test \
    --access-key="$access_key" --secret-key="$secret_key" >>"$dir/log/setup.out" 2>&1
  touch "$dir/ready"
  say "up on $endpoint in $((SECONDS - began)) s (data and logs in $dir)"
  print_env
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env)
  is_up || { say "not running (scripts/radosgw.sh start)"; exit 1; }
  print_env
  ;;
*)
  echo "usage: $0 start|stop|env" >&2
  exit 2
  ;;
esac
