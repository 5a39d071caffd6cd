#!/bin/bash
#
# Competing DHCP servers (issue 7): racknet-dhcpd finds a real third-party
# server (dnsmasq) by probing and by listening, reports it, warns once,
# honours the allow-list and the per-VLAN stop policy, and keeps serving
# while it probes.
#
#   srv:  vs 10.10.0.2/24 (lab/0), s42 = vs.42 10.42.0.2/24 (lab/42)
#    |      racknet-dhcpd ("ours"); pools .100-.149
#   sw: br  (tcpdump: every DHCP frame, tagged or not)
#    |---- rg:   vr 10.10.0.3/24: dnsmasq, pool 10.10.0.200-220 (rogue)
#    |---- rg42: vq, r42 = vq.42 10.42.0.3/24: dnsmasq, 10.42.0.200-220
#    |---- srv2: vt 10.10.0.4/24: a second racknet-dhcpd, own IPAM,
#    |           pool 10.10.0.150-199
#    |---- c42a, c42b: t42a/t42b (VLAN 42): udhcpc
#    |---- cp: vp: udhcpc (passive detection)
#    |---- m1..m20: udhcpc (load during a probe)
#
# The .42 subinterfaces are TAPs served by vlan-tagger (nt_tap_vlan).
# Steps (each a few checks):
#   1 a lone racknet finds nothing (and probed once at start)
#   2 the untagged rogue is found by one probe: id, MAC, via probe, active;
#     one WARNING, not repeated by a second probe
#   3 the VLAN 42 rogue, by a probe of lab/42 alone: vlan "lab/42"
#   4 both stopped, dhcp-server-timeout 3: "gone", one WARNING each
#   5 allow-listed: recorded (allowed), a NOTICE, no new WARNING
#   7 stop-on-rogue on lab/42: racknet stops answering there while the
#     rogue is up (the client gets the rogue's address), resumes after
#   8 20 clients DORA against racknet during a 3 s probe: all served
#   9 a second racknet-dhcpd answers the probe without holding an address
#   6 passive: a fresh IPAM, no probes, DHCP off on lab/0: a client's
#     REQUEST to the rogue records it (via "request")
# and over the whole capture: every probe is a broadcast DISCOVER with
# vendor class "racknet-probe" from a locally administered MAC that is not
# the interface's, and no probe MAC ever sent a REQUEST.
#
# Needs root, iproute2, jq, tcpdump, sqlite3, busybox, dnsmasq (package
# dnsmasq-base); RACKNET, RACKNET_DHCPD and VLAN_TAGGER (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_need tcpdump dnsmasq sqlite3
dh_init
if [ -z "${VLAN_TAGGER:-}" ] || [ ! -x "$VLAN_TAGGER" ]; then
	echo "FAIL: VLAN_TAGGER='${VLAN_TAGGER:-}' is not the built vlan-tagger"
	exit 1
fi
T0=$SECONDS

# ---- the lab ----
SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
RG=$(nt_netns_add rg)
RG42=$(nt_netns_add rg42)
SRV2=$(nt_netns_add srv2)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
VR=$(nt_bridge_port "$RG" vr pr "$BR" "$SW")
VQ=$(nt_bridge_port "$RG42" vq pq "$BR" "$SW")
VT=$(nt_bridge_port "$SRV2" vt pt "$BR" "$SW")
nt_addr_add "$VS" 10.10.0.2/24 "$SRV"
nt_addr_add "$VR" 10.10.0.3/24 "$RG"
nt_addr_add "$VT" 10.10.0.4/24 "$SRV2"
S42=$(nt_tap_vlan "$SRV" "$VS" 42 s42)
R42=$(nt_tap_vlan "$RG42" "$VQ" 42 r42)
nt_addr_add "$S42" 10.42.0.2/24 "$SRV"
nt_addr_add "$R42" 10.42.0.3/24 "$RG42"
declare -A NS DEV MAC
vlan_client() {	# vlan_client NAME N: a namespace with a VLAN 42 TAP
	local v
	NS[$1]=$(nt_netns_add "$1")
	v=$(nt_bridge_port "${NS[$1]}" "v$1" "p$1" "$BR" "$SW")
	DEV[$1]=$(nt_tap_vlan "${NS[$1]}" "$v" 42 "t$1")
	MAC[$1]=02:00:00:42:00:0$2
	nt__run ip -n "${NS[$1]}" link set dev "${DEV[$1]}" address "${MAC[$1]}"
}
vlan_client c42a 1
vlan_client c42b 2
NS[cp]=$(nt_netns_add cp)
DEV[cp]=$(nt_bridge_port "${NS[cp]}" vp pp "$BR" "$SW")
MAC[cp]=02:00:00:06:00:01
dh_set_mac "${NS[cp]}" "${DEV[cp]}" "${MAC[cp]}"
for i in $(seq 1 20); do
	NS[m$i]=$(nt_netns_add "m$i")
	DEV[m$i]=$(nt_bridge_port "${NS[m$i]}" "vm$i" "pm$i" "$BR" "$SW")
	MAC[m$i]=$(printf '02:00:00:08:00:%02x' "$i")
	dh_set_mac "${NS[m$i]}" "${DEV[m$i]}" "${MAC[m$i]}"
done
RGMAC=$(dh_mac "$RG" "$VR")
R42MAC=$(dh_mac "$RG42" "$R42")
SRV2MAC=$(dh_mac "$SRV2" "$VT")
VSMAC=$(dh_mac "$SRV" "$VS")
S42MAC=$(dh_mac "$SRV" "$S42")

# ---- IPAM (ours) ----
ipam_lab() {	# ipam_lab FIRST LAST: lab/0 and lab/42, pools .FIRST-.LAST
	rn fabric add lab >/dev/null
	rn vlan add lab 0 >/dev/null
	rn vlan add lab 42 >/dev/null
	rn subnet add 10.10.0.0/24 --vlan lab/0 --gateway 10.10.0.1 \
		--lease-time 600 >/dev/null
	rn range add 10.10.0.0/24 "10.10.0.$1" "10.10.0.$2" \
		--type dynamic >/dev/null
	rn subnet add 10.42.0.0/24 --vlan lab/42 --gateway 10.42.0.1 \
		--lease-time 600 >/dev/null
	rn range add 10.42.0.0/24 "10.42.0.$1" "10.42.0.$2" \
		--type dynamic >/dev/null
	rn interface set "$VS" --vlan lab/0 >/dev/null
	rn interface set "$S42" --vlan lab/42 >/dev/null
}
ipam_lab 100 149
rn setting set dhcp-probe-wait 2 >/dev/null

# ---- capture on the bridge ----
CAP=$NT_LOGDIR/bridge.txt
nt_bg "$SW" "$CAP" timeout 110 tcpdump -e -nn -vv -l --immediate-mode \
	-i "$BR" 'udp port 67 or udp port 68 or (vlan and (udp port 67 or udp port 68))' \
	>/dev/null
nt_wait_for 10 grep -q 'listening on' "$CAP" || true

# cap_packets [FROM_LINE]: the capture, one packet per line (tcpdump -vv
# continues a packet on indented lines), from line FROM_LINE on.
cap_packets() {
	tail -n "+${1:-1}" "$CAP" | awk '
		/^[^ \t]/ { if (p != "") print p; p = $0; next }
		{ sub(/^[ \t]+/, ""); p = p " | " $0 }
		END { if (p != "") print p }' | grep -v '^tcpdump: ' || true
}
cap_mark() {
	echo $(($(wc -l <"$CAP") + 1))
}
# probe_packets [FROM_LINE]: the probes' frames.
probe_packets() {
	cap_packets "${1:-1}" | grep -F '"racknet-probe"' || true
}
probed() {	# any probe frame since FROM_LINE
	[ -n "$(probe_packets "${1:-1}")" ]
}
# probe_macs: source MACs of every probe frame so far, one a line.
probe_macs() {
	probe_packets | awk '{ print tolower($2) }' | sort -u
}

# ---- helpers ----
SRVLOG=$NT_LOGDIR/dhcpd.log
re() {	# re TEXT: TEXT as an extended regular expression, literally
	# shellcheck disable=SC2016 # a sed expression, not the shell's
	printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'
}
# logc [LOG] REGEX: lines of racknet-dhcpd's log matching REGEX (ERE).
logc() {
	local log=$SRVLOG
	[ $# -eq 2 ] && { log=$1; shift; }
	grep -cE -- "$1" "$log" 2>/dev/null || true
}
seen_re() {	# the WARNING for server $1 first seen / seen again
	echo " warn: competing DHCP server $(re "$1") \(.*\) seen([: ]|$)"
}
gone_re() {
	echo " warn: competing DHCP server $(re "$1") \(.*\) gone: not seen for [0-9]+ s"
}
allowed_re() {
	echo " notice: allowed DHCP server $(re "$1") \(.*\) seen([: ]|$)"
}
log_is() {	# log_is OP N REGEX: the number of such log lines is OP N
	test "$(logc "$3")" "$1" "$2"
}
# log_wait SECS OP N REGEX: within SECS, the count of log lines matching
# REGEX becomes OP N (-eq, -ge); else say what it is.
log_wait() {
	local secs=$1
	shift
	nt_wait_for "$secs" log_is "$@" 2>/dev/null && return 0
	echo "   $(logc "$3") lines of $SRVLOG match /$3/, want $1 $2"
	return 1
}
# wait_show SECS CMD...: CMD succeeds within SECS; else run it once more
# with its output shown (it says what is wrong).
wait_show() {
	local secs=$1
	shift
	nt_wait_for "$secs" "$@" 2>/dev/null && return 0
	"$@"
	return 1
}
# probe [ARGS...]: `racknet dhcp probe --json ARGS` into $PJ ("" if it failed).
NPROBE=0
probe() {
	NPROBE=$((NPROBE + 1))
	PJ=$(timeout 40 "$RACKNET" --db "$DH_DB" dhcp probe --json "$@" \
		2>"$NT_LOGDIR/probe$NPROBE.err") || {
		echo "   racknet dhcp probe $*: exit $?: $(cat "$NT_LOGDIR/probe$NPROBE.err")"
		PJ=""
	}
	printf '%s\n' "$PJ" >"$NT_LOGDIR/probe$NPROBE.json"
}
servers() {	# servers: `racknet dhcp-server list --json`
	rn dhcp-server list --json 2>&1 || true
}
# rows_of JSON ID: the rows of JSON (a list, or .servers of a probe) for
# server identifier ID, as one list.
rows_of() {
	jq -c --arg id "$2" '(if type == "object" then .servers else . end)
		| [.[] | select(.server_id == $id)]' <<<"$1" 2>/dev/null || echo "'$1'"
}
in_range() {	# in_range WHAT IP FIRST LAST
	dh_in_range "$2" "$3" "$4" && return 0
	echo "   $1: '$2' is not in $3-$4"
	return 1
}
stat_is() {	# stat_is NAME OP N: dhcp stats counter NAME OP N (-eq, -ge)
	test "$(dh_stat "$1")" "$2" "$3"
}
stat_wait() {	# stat_wait NAME OP N: within 5 s (stats are published each second)
	nt_wait_for 5 stat_is "$@" && return 0
	echo "   dhcp stats counter $1 is $(dh_stat "$1"), want $2 $3"
	return 1
}

SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"

# ---- 1. a lone racknet ----
echo "== 1. a lone racknet ($((SECONDS - T0)) s)"
nt_check "racknet-dhcpd probed at start (dhcp-probe-interval 600)" \
	nt_wait_for 8 probed
probe
nt_check "lone: dhcp probe --json: done, no error, sent >= 1, found 0" \
	dh_jq "probe" "$PJ" '.probe.done != null and .probe.error == null
		and .probe.sent >= 1 and .probe.found == 0'
nt_check "lone: it probed both served interfaces (sent 2: $VS, $S42)" \
	dh_jq "probe" "$PJ" '.probe.sent == 2'
nt_check "lone: the probe lists no server" dh_jq "probe" "$PJ" '.servers == []'
nt_check "lone: dhcp-server list --json is []" \
	dh_jq "list" "$(servers)" '. == []'
nt_check "lone: no competing-server line in the log" \
	log_wait 0 -eq 0 'competing DHCP server'

# ---- 2. a rogue on the untagged VLAN ----
echo "== 2. rogue dnsmasq on lab/0 ($((SECONDS - T0)) s)"
RGPID=$(dh_dnsmasq "$RG" "$VR" rogue 10.10.0.200 10.10.0.220)
nt_check "rogue dnsmasq (10.10.0.3, $RGMAC) is running" \
	dh_dnsmasq_up "$RGPID" rogue
probe
nt_check "one probe finds it: found 1" dh_jq "probe" "$PJ" \
	'.probe.error == null and .probe.found == 1'
row_ok() {	# row_ok JSON ID MAC IF VLAN VIA FIRST LAST: one row, all fields
	local rows
	rows=$(rows_of "$1" "$2")
	dh_jq "rows for $2" "$rows" "length == 1 and (.[0] |
		.mac == \"$3\" and .interface == \"$4\" and .vlan == \"$5\"
		and .via == \"$6\" and .state == \"active\"
		and .source == \"$2\" and .count >= 1
		and .first_seen > 0 and .last_seen >= .first_seen)" || return 1
	in_range "$2 offered" "$(jq -r '.[0].offered' <<<"$rows")" "$7" "$8"
}
nt_check "probe: 10.10.0.3, its MAC, on $VS lab/0, via probe, active, offered 10.10.0.200-220" \
	row_ok "$PJ" 10.10.0.3 "$RGMAC" "$VS" lab/0 probe 10.10.0.200 10.10.0.220
nt_check "probe: not allowed" dh_jq "row" "$(rows_of "$PJ" 10.10.0.3)" \
	'.[0].allowed == false'
L=$(servers)
nt_check "dhcp-server list --json: the same row" \
	row_ok "$L" 10.10.0.3 "$RGMAC" "$VS" lab/0 probe 10.10.0.200 10.10.0.220
nt_check "dhcp-server list: only that server" dh_jq "list" "$L" 'length == 1'
nt_check "racknet-dhcpd logged the WARNING 'competing DHCP server 10.10.0.3 (...) seen'" \
	log_wait 3 -ge 1 "$(seen_re 10.10.0.3)"
nt_check "vlan show lab/0 --json: competing_dhcp holds 10.10.0.3" \
	dh_jq "vlan show" "$(rn vlan show lab/0 --json 2>&1)" \
	'[.competing_dhcp[] | select(.server_id == "10.10.0.3")] | length == 1'
nt_check "vlan show lab/42 --json: competing_dhcp is []" \
	dh_jq "vlan show" "$(rn vlan show lab/42 --json 2>&1)" '.competing_dhcp == []'
OUT=$(timeout 40 "$RACKNET" --db "$DH_DB" dhcp probe 2>&1) || true
echo "$OUT" >"$NT_LOGDIR/probe-text.txt"
text_ok() {
	head -n1 <<<"$OUT" | grep -qE '^probed 2 interfaces? for 2 s: 1 offers? from other servers' &&
		return 0
	echo "   got: $(head -n1 <<<"$OUT")"
	return 1
}
nt_check "dhcp probe (text): 'probed 2 interfaces for 2 s: 1 offers from other servers'" \
	text_ok
nt_check "dhcp probe (text): the table names 10.10.0.3 and its MAC" \
	eval "grep -F 10.10.0.3 <<<\"\$OUT\" | grep -qiF '$RGMAC'"
nt_check "a second probe: count 2 or more" dh_jq "list" \
	"$(rows_of "$(servers)" 10.10.0.3)" '.[0].count >= 2'
sleep 1	# a second WARNING would be logged by now
nt_check "a second probe logs no second WARNING" \
	log_wait 0 -eq 1 "$(seen_re 10.10.0.3)"

# ---- 3. a rogue on the tagged VLAN 42 ----
echo "== 3. rogue dnsmasq on lab/42 ($((SECONDS - T0)) s)"
R42PID=$(dh_dnsmasq "$RG42" "$R42" rogue42 10.42.0.200 10.42.0.220)
nt_check "VLAN 42 rogue dnsmasq (10.42.0.3, $R42MAC) is running" \
	dh_dnsmasq_up "$R42PID" rogue42
MARK3=$(cap_mark)
probe --vlan lab/42
nt_check "probe --vlan lab/42: vlan lab/42, sent 1, found 1" dh_jq "probe" "$PJ" \
	'.probe.error == null and .probe.vlan == "lab/42" and .probe.sent == 1
		and .probe.found == 1'
nt_check "probe: 10.42.0.3, its MAC, on $S42 lab/42, via probe, active, offered 10.42.0.200-220" \
	row_ok "$PJ" 10.42.0.3 "$R42MAC" "$S42" lab/42 probe 10.42.0.200 10.42.0.220
nt_check "dhcp-server list --json: 10.42.0.3 on lab/42 only" \
	row_ok "$(servers)" 10.42.0.3 "$R42MAC" "$S42" lab/42 probe 10.42.0.200 10.42.0.220
nt_check "racknet-dhcpd logged the WARNING for 10.42.0.3 once" \
	log_wait 3 -eq 1 "$(seen_re 10.42.0.3)"
nt_check "vlan show lab/42 --json: competing_dhcp holds 10.42.0.3" \
	dh_jq "vlan show" "$(rn vlan show lab/42 --json 2>&1)" \
	'[.competing_dhcp[] | .server_id] == ["10.42.0.3"]'
tagged_only() {	# tagged_only MARK: the probe frames since MARK are all VID 42
	local all bad
	all=$(probe_packets "$1")
	[ -n "$all" ] || { echo "   no probe frame captured"; return 1; }
	bad=$(grep -vF ': vlan 42, ' <<<"$all" || true)
	[ -z "$bad" ] && return 0
	echo "   not tagged 42: $(head -n1 <<<"$bad")"
	return 1
}
nt_check "the probe of lab/42 sent tagged frames only (VID 42)" \
	tagged_only "$MARK3"

# ---- 4. the rogues stop: gone after dhcp-server-timeout ----
echo "== 4. rogues stopped, timeout 3 s ($((SECONDS - T0)) s)"
nt_stop "$RGPID" || true
nt_stop "$R42PID" || true
rn setting set dhcp-server-timeout 3 >/dev/null
both_gone() {
	dh_jq "list" "$(servers)" '[.[] | select(.server_id == "10.10.0.3"
		or .server_id == "10.42.0.3") | .state] == ["gone", "gone"]'
}
nt_check "dhcp-server list: both 'gone' within 12 s" wait_show 12 both_gone
nt_check "racknet-dhcpd logged 'competing DHCP server 10.10.0.3 (...) gone: not seen for N s' once" \
	log_wait 2 -eq 1 "$(gone_re 10.10.0.3)"
nt_check "... and the same for 10.42.0.3" \
	log_wait 2 -eq 1 "$(gone_re 10.42.0.3)"
nt_check "vlan show lab/0 --json: competing_dhcp is [] again" \
	dh_jq "vlan show" "$(rn vlan show lab/0 --json 2>&1)" '.competing_dhcp == []'

# ---- 5. the allow-list ----
echo "== 5. allow-listed ($((SECONDS - T0)) s)"
rn setting rm dhcp-server-timeout >/dev/null
nt_check "dhcp-server allow 10.10.0.3 --comment" \
	eval "rn dhcp-server allow 10.10.0.3 --comment 'site DHCP' >/dev/null"
nt_check "dhcp-server allowed --json lists it with its comment" \
	dh_jq "allowed" "$(rn dhcp-server allowed --json 2>&1)" \
	'[.[] | select(.who == "10.10.0.3" and .comment == "site DHCP")] | length == 1'
RGPID=$(dh_dnsmasq "$RG" "$VR" rogue2 10.10.0.200 10.10.0.220)
nt_check "rogue dnsmasq is running again" dh_dnsmasq_up "$RGPID" rogue2
probe --interface "$VS"
nt_check "probe --interface $VS: interface $VS, sent 1, found 1" \
	dh_jq "probe" "$PJ" ".probe.error == null and .probe.interface == \"$VS\"
		and .probe.sent == 1 and .probe.found == 1"
nt_check "allowed server recorded: active, allowed true, via probe" \
	dh_jq "list" "$(rows_of "$(servers)" 10.10.0.3)" \
	'length == 1 and .[0].state == "active" and .[0].allowed == true
		and .[0].via == "probe"'
nt_check "racknet-dhcpd logged the NOTICE 'allowed DHCP server 10.10.0.3 (...) seen'" \
	log_wait 3 -ge 1 "$(allowed_re 10.10.0.3)"
nt_check "... and no new WARNING for it" \
	log_wait 0 -eq 1 "$(seen_re 10.10.0.3)"
nt_stop "$RGPID" || true

# ---- 7. stop-on-rogue ----
echo "== 7. stop-on-rogue on lab/42 ($((SECONDS - T0)) s)"
nt_check "vlan set lab/42 --stop-on-rogue on" \
	eval "rn vlan set lab/42 --stop-on-rogue on >/dev/null &&
		rn vlan show lab/42 --json | jq -e '.stop_on_rogue == true' >/dev/null"
R42PID=$(dh_dnsmasq "$RG42" "$R42" rogue42b 10.42.0.200 10.42.0.220)
nt_check "VLAN 42 rogue is running again" dh_dnsmasq_up "$R42PID" rogue42b
probe --vlan lab/42
nt_check "probe finds 10.42.0.3 on lab/42 again (active)" dh_jq "probe" "$PJ" \
	'.probe.found == 1 and ([.servers[] | select(.server_id == "10.42.0.3"
		and .vlan == "lab/42") | .state] == ["active"])'
nt_check "WARNING 'competing DHCP server 10.42.0.3 (...) seen' again (back from gone)" \
	log_wait 3 -eq 2 "$(seen_re 10.42.0.3)"
STOP_RE=" warn: stopping DHCP on VLAN lab/42: competing DHCP server"
nt_check "racknet-dhcpd logged the WARNING 'stopping DHCP on VLAN lab/42: competing DHCP server ...'" \
	log_wait 5 -ge 1 "$STOP_RE"
STOPPED0=$(dh_stat rogue_stopped)
C42APID=$(dh_udhcpc "${NS[c42a]}" "${DEV[c42a]}" c42a)
nt_check "VLAN 42 client c42a got a lease" dh_wait_event 20 c42a bound
nt_check "c42a's lease comes from the rogue (server 10.42.0.3, 10.42.0.200-220)" \
	eval "dh_same server '$(dh_get c42a server || true)' 10.42.0.3 &&
		in_range c42a '$(dh_get c42a ip || true)' 10.42.0.200 10.42.0.220"
sleep 2	# racknet would have answered by now (ping check: 0.5 s)
nt_check "racknet sent c42a no DHCPOFFER (no 'DHCPOFFER ... to ${MAC[c42a]}')" \
	eval "[ \$(logc 'DHCPOFFER .* to ${MAC[c42a]}') -eq 0 ]"
nt_check "the bridge carried no reply from racknet ($S42MAC) to c42a" \
	eval "! cap_packets | grep -iE '^[^ ]+ $S42MAC > ${MAC[c42a]}, '"
nt_check "dhcp stats: rogue_stopped counts c42a's dropped packets" \
	stat_wait rogue_stopped -gt "$STOPPED0"
nt_check "c42a's REQUEST named 10.42.0.3: still listed active" \
	dh_jq "list" "$(rows_of "$(servers)" 10.42.0.3)" \
	'[.[] | select(.state == "active")] | length >= 1'
nt_stop "$C42APID" || true	# udhcpc -R: a RELEASE to the rogue
nt_stop "$R42PID" || true
rn setting set dhcp-server-timeout 3 >/dev/null
RESUME_RE=" warn: resuming DHCP on VLAN lab/42"
nt_check "rogue stopped, timeout passed: the WARNING 'resuming DHCP on VLAN lab/42'" \
	log_wait 12 -ge 1 "$RESUME_RE"
nt_check "'resuming' came after 'stopping'" \
	eval "grep -nE '$STOP_RE|$RESUME_RE' '$SRVLOG' | tail -n1 | grep -q resuming"
dh_udhcpc "${NS[c42b]}" "${DEV[c42b]}" c42b >/dev/null
nt_check "VLAN 42 client c42b got a lease" dh_wait_event 20 c42b bound
nt_check "c42b's lease comes from racknet (server 10.42.0.2, 10.42.0.100-149)" \
	eval "dh_same server '$(dh_get c42b server || true)' 10.42.0.2 &&
		in_range c42b '$(dh_get c42b ip || true)' 10.42.0.100 10.42.0.149"
nt_check "IPAM holds c42b's lease" eval \
	"[ \"\$(dh_lease_field '$(dh_get c42b ip || true)' mac)\" = '${MAC[c42b]}' ]"
rn setting rm dhcp-server-timeout >/dev/null

# ---- 8. no lost client packets while a probe runs ----
echo "== 8. 20 clients during a probe ($((SECONDS - T0)) s)"
rn setting set dhcp-probe-wait 3 >/dev/null
LOG8=$(($(wc -l <"$SRVLOG") + 1))
MARK8=$(cap_mark)
RXD0=$(dh_stat rx_discover)
RXR0=$(dh_stat rx_request)
NPROBES=$(probe_packets | wc -l)
PROBEPID=$(nt_bg "" "$NT_LOGDIR/probe-load.json" "$RACKNET" --db "$DH_DB" \
	dhcp probe --json)
nt_wait_for 5 eval "[ \$(probe_packets | wc -l) -gt $NPROBES ]" || true
for i in $(seq 1 20); do
	dh_udhcpc "${NS[m$i]}" "${DEV[m$i]}" "m$i" >/dev/null
done
DURING=no
nt_alive "$PROBEPID" && DURING=yes
nt_check "the 20 clients started while the probe listened" \
	dh_same "probe still running" "$DURING" yes
all_bound() {
	local i
	for i in $(seq 1 20); do
		[ "$(dh_count "m$i" bound)" -ge 1 ] || return 1
	done
}
nt_check "all 20 clients got a lease" nt_wait_for 30 all_bound
nt_wait_for 15 eval "! nt_alive $PROBEPID" || true
PJ=$(cat "$NT_LOGDIR/probe-load.json")
nt_check "the probe finished: done, no error, sent >= 1" dh_jq "probe" "$PJ" \
	'.probe.done != null and .probe.error == null and .probe.sent >= 1'
load_ok() {
	local i ip srv rc=0
	for i in $(seq 1 20); do
		ip=$(dh_get "m$i" ip || true)
		srv=$(dh_get "m$i" server || true)
		in_range "m$i" "$ip" 10.10.0.100 10.10.0.149 || rc=1
		dh_same "m$i server" "$srv" 10.10.0.2 || rc=1
	done
	return "$rc"
}
nt_check "all 20 leases are racknet's (server 10.10.0.2, 10.10.0.100-149)" load_ok
nt_check "20 different addresses" eval \
	"[ \$(for i in \$(seq 1 20); do dh_get m\$i ip; done | sort -u | wc -l) -eq 20 ]"
# No lost packets: racknet received every DISCOVER and REQUEST the 20
# clients put on the wire (udhcpc repeats a DISCOVER after 0.5 s, before
# racknet's ping check ends: those count too), ACKed every REQUEST and
# dropped none of them.
M8RE=$(for i in $(seq 1 20); do echo "${MAC[m$i]}"; done | paste -sd'|' -)
wire() {	# wire TYPE DIR: frames of DHCP message TYPE from (DIR from) or
		# to (DIR to) the 20 clients since MARK8
	local who="^[^ ]+ ($M8RE) > "
	[ "$2" = to ] && who="^[^ ]+ [^ ]+ > ($M8RE), "
	cap_packets "$MARK8" | grep -E "$who" |
		grep -cE "DHCP-Message \(53\), length 1: $1( |$)" || true
}
ND=$(wire Discover from)
NR=$(wire Request from)
echo "   (on the wire: $ND DISCOVERs, $NR REQUESTs from the 20 clients)"
nt_check "racknet received every DISCOVER of theirs (rx_discover grew by >= $ND)" \
	stat_wait rx_discover -ge $((RXD0 + ND))
nt_check "racknet received every REQUEST of theirs (rx_request grew by >= $NR)" \
	stat_wait rx_request -ge $((RXR0 + NR))
nt_check "racknet ACKed every REQUEST ($NR) on the wire" \
	eval "[ $NR -ge 20 ] && [ \$(wire ACK to) -eq $NR ]"
nt_check "racknet-dhcpd logged no packet of theirs dropped" eval \
	"! tail -n +$LOG8 '$SRVLOG' | grep -E ' from ($M8RE) .* dropped: '"
rn setting set dhcp-probe-wait 2 >/dev/null

# ---- 9. a second racknet-dhcpd answers the probe ----
echo "== 9. a second racknet ($((SECONDS - T0)) s)"
DB2=$NT_LOGDIR/ipam2.db
rn2() {
	"$RACKNET" --db "$DB2" "$@"
}
rn2 init >/dev/null
rn2 fabric add lab >/dev/null
rn2 vlan add lab 0 >/dev/null
rn2 subnet add 10.10.0.0/24 --vlan lab/0 --gateway 10.10.0.1 \
	--lease-time 600 >/dev/null
rn2 range add 10.10.0.0/24 10.10.0.150 10.10.0.199 --type dynamic >/dev/null
rn2 setting set dhcp-probe-interval 0 >/dev/null
SRV2LOG=$NT_LOGDIR/dhcpd2.log
SRV2PID=$(nt_bg "$SRV2" "$SRV2LOG" "$RACKNET_DHCPD" --db "$DB2" \
	--log-level debug)
nt_defer dh_server_stop "$SRV2PID"
nt_check "the second racknet-dhcpd (10.10.0.4) is running" \
	dh_server_up "$SRV2PID" "$SRV2LOG"
MARK9=$(cap_mark)
probe --interface "$VS"
nt_check "probe finds the second racknet: found 1" dh_jq "probe" "$PJ" \
	'.probe.error == null and .probe.found == 1'
nt_check "probe: 10.10.0.4, its MAC, on $VS lab/0, via probe, offered 10.10.0.150-199" \
	row_ok "$PJ" 10.10.0.4 "$SRV2MAC" "$VS" lab/0 probe 10.10.0.150 10.10.0.199
nt_check "WARNING 'competing DHCP server 10.10.0.4 (...) seen' once" \
	log_wait 3 -eq 1 "$(seen_re 10.10.0.4)"
PMAC9=$(probe_packets "$MARK9" | awk '{ print tolower($2); exit }')
echo "   (the probe's MAC: ${PMAC9:-none seen})"
nt_check "the second racknet offered to the probe's MAC ($PMAC9)" \
	eval "[ -n '$PMAC9' ] && [ \$(logc '$SRV2LOG' 'DHCPOFFER .* to $PMAC9') -ge 1 ]"
no_rows() {	# no_rows DB: no address row (lease, offer, ...) for a probe MAC
	local m n rc=0
	[ -n "$(probe_macs)" ] || { echo "   no probe frame captured"; return 1; }
	for m in $(probe_macs); do
		n=$(sqlite3 "$1" "SELECT count(*) FROM address WHERE lower(mac) = '$m'") ||
			{ echo "   sqlite3 $1 failed"; return 1; }
		[ "$n" -eq 0 ] && continue
		echo "   $1: $n address rows for probe MAC $m:"
		sqlite3 "$1" "SELECT * FROM address WHERE lower(mac) = '$m'" | sed 's/^/     /'
		rc=1
	done
	return "$rc"
}
nt_check "the second racknet's IPAM has no lease nor offer row for any probe MAC" \
	no_rows "$DB2"
PMACS=$(probe_macs | jq -R . | jq -sc .)
nt_check "... nor has its 'lease list --all --json'" dh_jq "lease list" \
	"$(rn2 lease list --all --json 2>&1)" \
	"$PMACS as \$p | [.[] | select((.mac // \"\" | ascii_downcase) as \$m
		| \$p | index(\$m))] == []"
nt_check "our own IPAM has none either" no_rows "$DH_DB"
dh_server_stop "$SRV2PID" || true

# ---- the probes on the wire (all of them so far) ----
echo "== the probes on the wire ($((SECONDS - T0)) s)"
probes_ok() {
	local n bad
	n=$(probe_packets | wc -l)
	[ "$n" -ge 1 ] || { echo "   no probe frame captured"; return 1; }
	bad=$(probe_packets | grep -vE 'DHCP-Message \(53\), length 1: Discover' || true)
	[ -z "$bad" ] || { echo "   probe frames that are not DISCOVERs:"; echo "$bad" | head -3; return 1; }
	bad=$(probe_packets | grep -vF 'Flags [Broadcast]' || true)
	[ -z "$bad" ] || { echo "   probes without the broadcast flag:"; echo "$bad" | head -3; return 1; }
	echo "   ($n probe frames, from: $(probe_macs | paste -sd' ' -))"
}
nt_check "every probe: a DISCOVER, broadcast flag, vendor class racknet-probe" probes_ok
macs_ok() {
	local m rc=0
	for m in $(probe_macs); do
		# Locally administered (bit 1 of the first octet), unicast (bit 0).
		if [ $((0x${m:0:2} & 3)) -ne 2 ]; then
			echo "   probe MAC $m is not a locally administered unicast MAC"
			rc=1
		fi
		case $m in
		"${VSMAC,,}" | "${S42MAC,,}")
			echo "   probe MAC $m is the interface's own"; rc=1 ;;
		esac
	done
	return "$rc"
}
nt_check "probe MACs: locally administered, not $VS's nor $S42's own" macs_ok
no_request() {
	local m bad
	for m in $(probe_macs); do
		bad=$(cap_packets | grep -iE "^[^ ]+ $m > " |
			grep -E 'DHCP-Message \(53\), length 1: Request' || true)
		[ -z "$bad" ] || { echo "   $m sent a REQUEST: $bad"; return 1; }
	done
}
nt_check "no probe MAC ever sent a REQUEST" no_request

# ---- 6. passive detection: a fresh IPAM, no probe ----
echo "== 6. passive, fresh IPAM ($((SECONDS - T0)) s)"
dh_server_stop "$SRVPID" || true
DH_DB=$NT_LOGDIR/ipam3.db
rn init >/dev/null
ipam_lab 100 149
rn vlan set lab/0 --dhcp off >/dev/null
rn setting set dhcp-probe-interval 0 >/dev/null
MARK6=$(cap_mark)
SRVLOG=$NT_LOGDIR/dhcpd3.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd (fresh IPAM, lab/0 DHCP off) is running" \
	dh_server_up "$SRVPID" "$SRVLOG"
RGPID=$(dh_dnsmasq "$RG" "$VR" rogue3 10.10.0.200 10.10.0.220)
nt_check "rogue dnsmasq is running" dh_dnsmasq_up "$RGPID" rogue3
dh_udhcpc "${NS[cp]}" "${DEV[cp]}" cp >/dev/null
nt_check "client cp (udhcpc, no broadcast flag) got a lease" \
	dh_wait_event 20 cp bound
nt_check "cp's lease comes from the rogue (server 10.10.0.3, 10.10.0.200-220)" \
	eval "dh_same server '$(dh_get cp server || true)' 10.10.0.3 &&
		in_range cp '$(dh_get cp ip || true)' 10.10.0.200 10.10.0.220"
nt_check "the rogue's OFFER to cp was unicast (the bridge saw none broadcast)" \
	eval "! cap_packets $MARK6 | grep -iE '^[^ ]+ ${RGMAC} > ff:ff:ff:ff:ff:ff, .*Reply'"
passive_ok() {
	dh_jq "list" "$(rows_of "$(servers)" 10.10.0.3)" "length == 1 and (.[0] |
		.via == \"request\" and .state == \"active\"
		and (.mac == null or .mac == \"\")
		and .interface == \"$VS\" and .vlan == \"lab/0\"
		and .allowed == false)"
}
nt_check "recorded from cp's REQUEST: 10.10.0.3 via request, no MAC, on $VS lab/0" \
	wait_show 5 passive_ok
nt_check "dhcp-server list has nothing else" dh_jq "list" "$(servers)" 'length == 1'
nt_check "racknet-dhcpd logged the WARNING for 10.10.0.3" \
	log_wait 3 -eq 1 "$(seen_re 10.10.0.3)"
nt_check "no probe ran: no racknet-probe frame since the restart" \
	eval "[ -z \"\$(probe_packets $MARK6)\" ]"
nt_check "no probe ran: dhcp stats has a 'probes' counter, and it is 0" \
	eval "nt_wait_for 5 eval \"rn dhcp stats --json | jq -e '.counters.probes == 0'\""
nt_check "racknet (DHCP off on lab/0) sent cp no DHCPOFFER" \
	eval "[ \$(logc 'DHCPOFFER .* to ${MAC[cp]}') -eq 0 ] &&
		! cap_packets $MARK6 | grep -iE '^[^ ]+ $VSMAC > ${MAC[cp]}, '"

nt_check "racknet-dhcpd is still running" nt_alive "$SRVPID"
echo "   (took $((SECONDS - T0)) s)"
nt_summary
