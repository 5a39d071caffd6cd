#!/bin/bash
#
# racknet run supervising the four daemons, from a fresh IPAM:
#
#   srv: vs 10.66.0.2/24: racknet run --chrony-no-clock
#          (racknet-dhcpd, racknet-dnsd, racknet-tftpd, chronyd -x)
#    |
#   cli: vc: udhcpc (the test's hook), busybox tftp, curl, dig
#
# Shown: all four come up under the daemons' user; `racknet status` names
# each with its pid, user, capabilities and listening sockets, and
# /proc/PID/status agrees (Uid not 0; CapEff 0 for racknet's daemons,
# chronyd only cap_net_bind_service; NoNewPrivs for ours); each of ours
# logs its one "running as" line; the database belongs to the user. The
# dropped daemons still serve: a TFTP and an HTTP fetch, a DNS answer.
# kill -9 racknet-dhcpd: run says it was killed by signal 9, restarts it
# within a few seconds (restarts=1), and a second kill backs off to 2 s;
# a DHCP client still gets a lease. A change to IPAM rewrites chrony.conf
# and restarts chronyd with it. SIGTERM to run: every child gone (checked
# by pid), run exits 0, status says run is not running. A run killed with
# SIGKILL leaves its daemons running (status says so); the next run stops
# them (checked by pid) before starting its own.
#
# Creates the system user "racknet" if it is missing (what run does on a
# real install too). chronyd runs with -x (--chrony-no-clock): it never
# touches this machine's clock.
#
# Needs root, iproute2, jq, busybox, chronyd, curl, dig; RACKNET,
# RACKNET_DHCPD, RACKNET_DNSD and RACKNET_TFTPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_init
dh_need chronyd curl dig busybox

for v in RACKNET_DNSD RACKNET_TFTPD; do
	if [ -z "${!v:-}" ] || [ ! -x "${!v}" ]; then
		echo "FAIL: $v='${!v:-}' is not the built daemon"
		exit 1
	fi
done

USER_NAME=racknet
SERVER=10.66.0.2
CIDR=10.66.0.0/24
FIRST=10.66.0.100
LAST=10.66.0.149
HTTP_PORT=8080

# The daemons' user must reach chronyd's state directory by path (chronyd
# writes its drift and pid files after dropping root): let it through the
# test's private folder, without listing it.
chmod o+x "$NT_LOGDIR"

# ---- IPAM: a database in a folder of its own, so run gives the folder
# to the user too ----
DBDIR=$NT_LOGDIR/db
mkdir -m 0750 "$DBDIR"
DH_DB=$DBDIR/ipam.db
rn init >/dev/null
rn setting set default-domain lab.test >/dev/null
rn domain add lab.test >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add "$CIDR" --vlan lab/0 --gateway 10.66.0.1 --domain lab.test \
	>/dev/null
rn range add "$CIDR" "$FIRST" "$LAST" --type dynamic >/dev/null
rn host add node9 --mac 02:00:00:66:00:09 --ip 10.66.0.9 >/dev/null

ROOT=$NT_LOGDIR/tftp
mkdir -m 0755 "$ROOT"
echo "served by a daemon that is not root" >"$ROOT/hello.txt"
chmod 0644 "$ROOT/hello.txt"
STATE=$NT_LOGDIR/state

# ---- the lab ----
SRV=$(nt_netns_add srv)
CLI=$(nt_netns_add cli)
read -r VS VC <<<"$(nt_veth_add vs "$SRV" vc "$CLI")"
nt_addr_add "$VS" "$SERVER/24" "$SRV"

# ---- racknet run ----
RUNLOG=$NT_LOGDIR/run.log
nt_bg "$SRV" "$RUNLOG" "$RACKNET" --db "$DH_DB" run --chrony-no-clock \
	--state-dir "$STATE" --root "$ROOT" --interface "$VS" \
	--dns-listen "$SERVER:53" --tftp-listen "$SERVER:69" \
	--http-listen "$SERVER:$HTTP_PORT" --user "$USER_NAME" \
	--log-level info >/dev/null
RUNPID=$NT_BG_PID

stop_run() {
	nt_alive "$RUNPID" || return 0
	kill -TERM "$RUNPID" 2>/dev/null || :
	nt_wait_for 15 eval "! nt_alive $RUNPID" || :
}
nt_defer stop_run

status() {
	rn status --json 2>/dev/null
}

# d NAME FIELD: FIELD of daemon NAME in `racknet status --json`.
d() {
	status | jq -r --arg n "$1" ".daemons[] | select(.name == \$n) | .$2"
}

all_running() {
	[ "$(status | jq '[.daemons[] | select(.state == "running")] | length')" = 4 ]
}

nt_check "racknet run: all four daemons running within 15 s" \
	nt_wait_for 15 all_running
nt_check "racknet status exits 0 and says run is running" \
	eval "rn status >'$NT_LOGDIR/status.txt' && grep -q '^run .*running (pid $RUNPID' '$NT_LOGDIR/status.txt'"
nt_check "the user $USER_NAME exists" getent passwd "$USER_NAME"
UID_WANT=$(id -u "$USER_NAME")

declare -A PID
for n in dhcpd dnsd tftpd chronyd; do
	PID[$n]=$(d "$n" pid)
done

# proc_field PID KEY: the value of KEY in /proc/PID/status.
proc_field() {
	awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/status"
}

for n in dhcpd dnsd tftpd chronyd; do
	nt_check "status: $n runs as $USER_NAME" \
		dh_same "$n user" "$(d "$n" user)" "$USER_NAME"
	nt_check "/proc: $n's Uid is $UID_WANT, not 0" \
		dh_same "$n uid" "$(proc_field "${PID[$n]}" Uid)" "$UID_WANT"
done
for n in dhcpd dnsd tftpd; do
	nt_check "status: $n kept no capability" \
		dh_same "$n caps" "$(d "$n" caps)" none
	nt_check "/proc: $n's CapEff, CapPrm and CapBnd are empty" \
		eval "[ \"\$(proc_field ${PID[$n]} CapEff)\$(proc_field ${PID[$n]} CapPrm)\$(proc_field ${PID[$n]} CapBnd)\" = 000000000000000000000000000000000000000000000000 ]"
	nt_check "/proc: $n has no_new_privs" \
		dh_same "$n NoNewPrivs" "$(proc_field "${PID[$n]}" NoNewPrivs)" 1
	nt_check "$n logged who it runs as" \
		grep -q "racknet-$n\[${PID[$n]}\] notice: running as user $USER_NAME (uid $UID_WANT, gid [0-9]*), capabilities: none" "$RUNLOG"
	nt_check "$n published it (status .published)" \
		dh_same "$n published" "$(d "$n" published.user)/$(d "$n" published.caps)" "$USER_NAME/none"
done
# chronyd drops root itself (-u): with -x it keeps only the right to
# bind port 123 again, never CAP_SYS_TIME.
nt_check "status: chronyd kept only cap_net_bind_service" \
	dh_same "chronyd caps" "$(d chronyd caps)" cap_net_bind_service
nt_check "/proc: chronyd's CapEff is cap_net_bind_service (0x400)" \
	dh_same "chronyd CapEff" "$(proc_field "${PID[chronyd]}" CapEff)" 0000000000000400

# Listening sockets, as /proc shows them.
has_listen() {
	d "$1" 'listen[]' | grep -qxF "$2"
}
nt_check "status: dhcpd listens on udp 0.0.0.0:67" has_listen dhcpd "udp 0.0.0.0:67"
nt_check "status: dnsd listens on udp and tcp $SERVER:53" \
	eval "has_listen dnsd 'udp $SERVER:53' && has_listen dnsd 'tcp $SERVER:53'"
nt_check "status: tftpd on udp $SERVER:69 and tcp $SERVER:$HTTP_PORT" \
	eval "has_listen tftpd 'udp $SERVER:69' && has_listen tftpd 'tcp $SERVER:$HTTP_PORT'"
nt_check "status: chronyd listens on udp port 123" \
	eval "d chronyd 'listen[]' | grep -q '^udp .*:123$'"

nt_check "the database belongs to $USER_NAME" \
	dh_same "owner" "$(stat -c %U "$DH_DB")" "$USER_NAME"
nt_check "its folder too (it holds nothing else)" \
	dh_same "owner" "$(stat -c %U "$DBDIR")" "$USER_NAME"
nt_check "chronyd's state folder is $USER_NAME's, mode 750" \
	dh_same "state" "$(stat -c '%U %a' "$STATE/chrony")" "$USER_NAME 750"
nt_check "chrony.conf was written into the state directory" \
	grep -q "allow $CIDR" "$STATE/chrony.conf"

# ---- kill -9 racknet-dhcpd ----
OLD=${PID[dhcpd]}
kill -KILL "$OLD"
restarted() {
	local p
	p=$(d dhcpd pid)
	[ "$(d dhcpd state)" = running ] && [ "$p" != "$OLD" ] && [ "$p" != 0 ]
}
nt_check "dhcpd is running again within 5 s" nt_wait_for 5 restarted
nt_check "status: dhcpd restarts=1" dh_same restarts "$(d dhcpd restarts)" 1
nt_check "status: its last exit was signal 9" \
	dh_same "last exit" "$(d dhcpd last_exit)" "was killed by signal 9 (Killed)"
nt_check "run logged why, and when it comes back" \
	grep -q "racknet-run\[$RUNPID\] warn: racknet-dhcpd (pid $OLD) was killed by signal 9 (Killed) after [0-9]* s; restarting it in 1 s" "$RUNLOG"
NEW=$(d dhcpd pid)
nt_check "/proc: the new dhcpd dropped root too" \
	eval "[ \"\$(proc_field $NEW Uid)\" = $UID_WANT ] && [ \"\$(proc_field $NEW CapEff)\" = 0000000000000000 ]"

# Again at once: the delay doubles.
kill -KILL "$NEW"
nt_check "a second death within 60 s: restarting it in 2 s" \
	nt_wait_for 5 grep -q "racknet-dhcpd (pid $NEW) was killed by signal 9 (Killed) after [0-9]* s; restarting it in 2 s" "$RUNLOG"
OLD=$NEW
nt_check "dhcpd is back after the 2 s backoff (restarts=2)" \
	eval "nt_wait_for 6 restarted && [ \"\$(d dhcpd restarts)\" = 2 ]"

dh_udhcpc "$CLI" "$VC" c1 >/dev/null
nt_check "udhcpc gets a lease from the restarted dhcpd" dh_wait_event 20 c1 bound
nt_check "  in the dynamic range" dh_in_range "$(dh_get c1 ip)" "$FIRST" "$LAST"
nt_check "  from $SERVER" dh_same server "$(dh_get c1 server)" "$SERVER"

# ---- the dropped daemons still serve (the client has its lease) ----
nt_check "TFTP: busybox fetches hello.txt" \
	eval "nt_exec '$CLI' timeout 20 busybox tftp -g -r hello.txt -l '$NT_LOGDIR/got-tftp.txt' $SERVER && cmp -s '$NT_LOGDIR/got-tftp.txt' '$ROOT/hello.txt'"
nt_check "HTTP: curl fetches hello.txt" \
	eval "nt_exec '$CLI' timeout 20 curl -sf http://$SERVER:$HTTP_PORT/hello.txt | cmp -s - '$ROOT/hello.txt'"
nt_check "DNS: node9.lab.test is 10.66.0.9" \
	eval "[ \"\$(nt_exec '$CLI' dig +short +time=2 +tries=3 @$SERVER node9.lab.test A)\" = 10.66.0.9 ]"

# ---- IPAM changes chrony.conf ----
CPID=$(d chronyd pid)
rn setting set ntp-servers 10.66.0.250 >/dev/null
chrony_reloaded() {
	local p
	p=$(d chronyd pid)
	grep -q "^server 10.66.0.250 " "$STATE/chrony.conf" &&
		[ "$(d chronyd state)" = running ] && [ "$p" != "$CPID" ]
}
nt_check "a new ntp-servers setting: chrony.conf rewritten, chronyd restarted" \
	nt_wait_for 10 chrony_reloaded
nt_check "  not counted as a restart" dh_same restarts "$(d chronyd restarts)" 0
nt_check "  and still running as $USER_NAME with -x" \
	eval "[ \"\$(proc_field \$(d chronyd pid) Uid)\" = $UID_WANT ] && tr '\0' ' ' </proc/\$(d chronyd pid)/cmdline | grep -q ' -x'"

# ---- SIGTERM to run ----
declare -a CHILDREN=()
for n in dhcpd dnsd tftpd chronyd; do
	CHILDREN+=("$(d "$n" pid)")
done
kill -TERM "$RUNPID"
nt_check "run exits within 15 s of SIGTERM" \
	nt_wait_for 15 eval "! nt_alive $RUNPID"
rc=0
wait "$RUNPID" || rc=$?
nt_check "  with status 0" dh_same "exit status" "$rc" 0
none_left() {
	local p
	for p in "${CHILDREN[@]}"; do
		if nt_alive "$p"; then
			echo "   pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) still runs"
			return 1
		fi
	done
}
nt_check "  every child is gone (${CHILDREN[*]})" none_left
nt_check "  nothing is left in the namespace" \
	eval "[ -z \"\$(ip netns pids '$SRV')\" ]"
nt_check "  run logged the stop" grep -q "racknet-run\[$RUNPID\] notice: stopped" "$RUNLOG"
nt_check "racknet status now says run is not running (exit 1)" \
	eval "! rn status >'$NT_LOGDIR/status2.txt' && grep -q '^run .*NOT RUNNING (pid $RUNPID stopped' '$NT_LOGDIR/status2.txt'"
nt_check "  and every daemon stopped" \
	dh_same stopped "$(status | jq '[.daemons[] | select(.state == "stopped")] | length')" 4

# ---- a run killed with SIGKILL leaves its daemons; the next run stops them ----
start_run() {
	nt_bg "$SRV" "$1" "$RACKNET" --db "$DH_DB" run --chrony-no-clock \
		--state-dir "$STATE" --root "$ROOT" --interface "$VS" \
		--dns-listen "$SERVER:53" --tftp-listen "$SERVER:69" \
		--http-listen "$SERVER:$HTTP_PORT" --user "$USER_NAME" >/dev/null
	RUNPID=$NT_BG_PID
}
start_run "$NT_LOGDIR/run2.log"
nt_check "a second run: all four running" nt_wait_for 15 all_running
declare -a LEFT=()
for n in dhcpd dnsd tftpd chronyd; do
	LEFT+=("$(d "$n" pid)")
done
kill -KILL "$RUNPID"
nt_wait_for 5 eval "! nt_alive $RUNPID" || :
wait "$RUNPID" 2>/dev/null || :
nt_check "after SIGKILL to run, its daemons still run (${LEFT[*]})" \
	eval "nt_alive ${LEFT[0]} && nt_alive ${LEFT[1]} && nt_alive ${LEFT[2]}"
nt_check "  status says run is gone without stopping them" \
	eval "! rn status >'$NT_LOGDIR/status3.txt' && grep -q 'NOT RUNNING (pid $RUNPID is gone without stopping its daemons)' '$NT_LOGDIR/status3.txt'"
start_run "$NT_LOGDIR/run3.log"
CHILDREN=("${LEFT[@]}")
nt_check "the next run stops what the dead one left" \
	eval "nt_wait_for 10 none_left && grep -q 'racknet-run\[$RUNPID\] warn: dhcpd (pid ${LEFT[0]}) was left running by a racknet run that died: stopping it' '$NT_LOGDIR/run3.log'"
nt_check "  and runs its own four" nt_wait_for 15 all_running
kill -TERM "$RUNPID"
nt_check "  SIGTERM: it exits" nt_wait_for 15 eval "! nt_alive $RUNPID"
nt_check "  nothing is left in the namespace" \
	eval "[ -z \"\$(ip netns pids '$SRV')\" ]"

nt_summary
