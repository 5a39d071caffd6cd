#!/bin/bash
#
# Floods (issue 8), under racknet run (tests/lib/flood.sh):
#
#   srv: vs 10.72.0.1/24 (+ 10.99.1.1/24, 10.99.2.1/24), vb 10.73.0.1/24
#    |   racknet run --no-chrony: dhcpd on vs and vb, dnsd and tftpd on
#    |   10.72.0.1, tftpd with --max-sessions 8
#   cli: vc 10.72.0.2 (subnet A: perfdhcp's giaddr), 10.99.1.2 (the DNS
#    |   flooder, outside every managed subnet), 10.99.2.2 (a legitimate
#    |   client in another /24 outside them)
#   b:   vd, busybox udhcpc on subnet B (another VLAN, another interface)
#
# IPAM: subnet A 10.72.0.0/24 on lab/0 with a pool of 16 addresses,
# subnet B 10.73.0.0/24 on lab/2, host node1 = 10.72.0.10; dns-rrl 20,
# dns-tcp-clients 8, no address checks, no probes for other servers.
#
# DHCP: perfdhcp (a relay, giaddr in A) runs DORA for 8 s at 400/s from
# 5000 random MACs. dhcpd stays up; IPAM holds exactly 16 leases on A, all
# in the pool; "pool exhausted on 10.72.0.0/24" is said once during the
# flood (not a line per DISCOVER); udhcpc on B gets a lease while it runs.
# After the DNS and TFTP floods, 61 s after that line, one more DISCOVER:
# the second line says "(and N more since this was last said)", and the
# pool_exhausted counter is exactly 2 + N.
#
# DNS: 1000 queries/s for 6 s from 10.99.1.2: RRL engages (rrl_slipped,
# rrl_dropped grow), that source gets about dns-rrl full answers a second
# (at most 20 a second and the first second's burst), every query it sent
# is a full answer, a TC reply (= rrl_slipped) or dropped (= rrl_dropped);
# dig from 10.72.0.2 (managed) and from 10.99.2.2 is answered right every
# time meanwhile; dnsd logs nothing per query. Then 40 TCP connections held
# at once: 8 answered, 32 closed at once (tcp_refused +32), dig +tcp works
# after, same dnsd.
#
# TFTP: 3 waves of 150 read requests of a 1 MiB file, never acknowledged:
# 8 transfers run at a time at most (peak 8), every other request gets
# ERROR 0 "server busy" (busy counts them), the aborted transfers end
# (active 0), VmRSS never passes 64 MiB (VmHWM) and grows less than 8 MiB,
# tftpd's log does not get a line per refusal, and tftp-hpa fetches the
# file whole afterwards.
#
# The checks that count datagrams say how many the kernel dropped at the
# server for a full buffer (RcvbufErrors): with any, a count cannot add up.
# About 65 s, most of it the wait for the minute.
#
# Needs root, iproute2, jq, perfdhcp, busybox, dig, tftp (tftp-hpa),
# Debian's python3; RACKNET, RACKNET_DHCPD, RACKNET_DNSD, RACKNET_TFTPD
# (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
# shellcheck source=tests/lib/flood.sh
source "$here/../lib/flood.sh"
nt_init
dh_need perfdhcp dig tftp
dh_init
fo_init

SRV_IP=10.72.0.1
CLI_IP=10.72.0.2
FLOOD_IP=10.99.1.2
OTHER_IP=10.99.2.2
A=10.72.0.0/24
A_FIRST=10.72.0.100
A_LAST=10.72.0.115
A_SIZE=16
B=10.73.0.0/24
NODE=node1.lab.test
NODE_IP=10.72.0.10
RRL=20
TCP_MAX=8
TFTP_MAX=8

# ---- IPAM ----
rn setting set default-domain lab.test >/dev/null
rn setting set dhcp-ping-check off >/dev/null
rn setting set dhcp-probe-interval 0 >/dev/null
rn setting set dns-rrl "$RRL" >/dev/null
rn setting set dns-tcp-clients "$TCP_MAX" >/dev/null
rn domain add lab.test >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn vlan add lab 2 >/dev/null
rn subnet add "$A" --vlan lab/0 --gateway "$SRV_IP" --domain lab.test \
	--lease-time 600 >/dev/null
rn range add "$A" "$A_FIRST" "$A_LAST" --type dynamic >/dev/null
rn subnet add "$B" --vlan lab/2 --gateway 10.73.0.1 --domain lab.test \
	--lease-time 600 >/dev/null
rn range add "$B" 10.73.0.100 10.73.0.150 --type dynamic >/dev/null
rn host add node1 --mac 02:00:00:72:00:0a --ip "$NODE_IP" >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
CLI=$(nt_netns_add cli)
NSB=$(nt_netns_add b)
read -r VS VC <<<"$(nt_veth_add vs "$SRV" vc "$CLI")"
read -r VB VD <<<"$(nt_veth_add vb "$SRV" vd "$NSB")"
for a in "$SRV_IP/24" 10.99.1.1/24 10.99.2.1/24; do
	nt_addr_add "$VS" "$a" "$SRV"
done
for a in "$CLI_IP/24" "$FLOOD_IP/24" "$OTHER_IP/24"; do
	nt_addr_add "$VC" "$a" "$CLI"
done
nt_addr_add "$VB" 10.73.0.1/24 "$SRV"
nt_check "the lab is up" nt_wait_for 5 nt_exec "$CLI" ping -n -c 1 -W 1 "$SRV_IP"

head -c $((1024 * 1024)) /dev/urandom >"$FO_ROOT/big.bin"
chmod 0644 "$FO_ROOT/big.bin"
WANT_SUM=$(sha256sum <"$FO_ROOT/big.bin" | cut -d' ' -f1)

TFTPD=$(fo_tftpd_wrapper --max-sessions "$TFTP_MAX")
nt_check "racknet run: dhcpd, dnsd and tftpd (--max-sessions $TFTP_MAX) running" \
	fo_run_start "$SRV" --interface "$VS" --interface "$VB" \
	--dns-listen "$SRV_IP:53" --tftp-listen "$SRV_IP:69" --no-http \
	--tftpd "$TFTPD"
PIDS=$(fo_pids)
echo "   daemons: $PIDS"
T_START=$EPOCHSECONDS

# fetch NAME: tftp-hpa gets big.bin from cli; 0 if whole.
fetch() {
	local got=$NT_LOGDIR/got-$1 said
	rm -f "$got"
	said=$(printf 'binary\nrexmt 1\ntimeout 8\nget big.bin %s\nquit\n' "$got" |
		timeout 20 ip netns exec "$CLI" tftp "$SRV_IP" 2>&1) || :
	if [ "$(sha256sum <"$got" 2>/dev/null | cut -d' ' -f1)" != "$WANT_SUM" ]; then
		echo "   tftp-hpa: ${said//$'\n'/ | }"
		return 1
	fi
}

# ---- DHCP: a DISCOVER flood exhausts pool A ----
DHCP_MARK=$(fo_mark)
fo_settled dhcp "$NT_LOGDIR/dhcp0.json"
PERF_LOG=$NT_LOGDIR/perfdhcp.log
PERF=$(nt_bg "$CLI" "$PERF_LOG" timeout 30 perfdhcp -4 -l "$VC" -r 400 \
	-R 5000 -p 8 -d 1 -s 8 "$SRV_IP")
sleep 2
dh_udhcpc "$NSB" "$VD" cb -t 10 -T 1 -A 1 >/dev/null
nt_check "DHCP: udhcpc on subnet B got a lease during the flood" \
	dh_wait_event 6 cb bound
nt_check "  ... while perfdhcp was still flooding subnet A" nt_alive "$PERF"
B_IP=$(dh_get cb ip || echo none)
nt_check "  ... an address of B's pool ($B_IP)" \
	dh_in_range "$B_IP" 10.73.0.100 10.73.0.150
nt_wait_for 20 eval "! nt_alive $PERF" || :
echo "   perfdhcp: $(grep -E 'sent packets|received packets|drops' "$PERF_LOG" |
	tr -s ' \n' ' ')"
fo_settled dhcp "$NT_LOGDIR/dhcp1.json"
D0=$NT_LOGDIR/dhcp0.json D1=$NT_LOGDIR/dhcp1.json
EXH1=$(fo_delta "$D0" "$D1" pool_exhausted)
DISC=$(fo_delta "$D0" "$D1" rx_discover)
OFFERS=$(fo_delta "$D0" "$D1" tx_offer)
ACKS=$(fo_delta "$D0" "$D1" tx_ack)
echo "   dhcpd: rx_discover +$DISC, tx_offer +$OFFERS, tx_ack +$ACKS," \
	"pool_exhausted +$EXH1, dropped +$(fo_delta "$D0" "$D1" dropped)," \
	"malformed +$(fo_delta "$D0" "$D1" malformed)"

nt_check "DHCP: dhcpd still runs, same pid, no restart" fo_same_daemons "$PIDS"
pool_full() {
	local l n in u
	l=$(rn lease list --subnet "$A" --json) || return 1
	n=$(jq length <<<"$l")
	u=$(jq -r '.[].ip' <<<"$l" | sort -u | wc -l)
	in=0
	for ip in $(jq -r '.[].ip' <<<"$l"); do
		dh_in_range "$ip" "$A_FIRST" "$A_LAST" && in=$((in + 1))
	done
	fo_same "active leases on $A" "$n" "$A_SIZE" &&
		fo_same "distinct addresses" "$u" "$A_SIZE" &&
		fo_same "addresses in $A_FIRST-$A_LAST" "$in" "$A_SIZE"
}
nt_check "DHCP: IPAM holds $A_SIZE leases on $A, all in the pool, and no more" \
	pool_full
nt_check "DHCP: the flood was turned away (pool_exhausted +$EXH1, >= 100)" \
	[ "$EXH1" -ge 100 ]
# Each DISCOVER is offered its address or turned away: none is lost.
nt_check "DHCP: every DISCOVER offered or counted in pool_exhausted ($DISC = $OFFERS + $EXH1)" \
	fo_same "rx_discover" "$DISC" "$((OFFERS + EXH1))"
EXH_RE="racknet-dhcpd\[[0-9]+\] warn: pool exhausted on ${A//./\\.}"
nt_check "DHCP: 'pool exhausted on $A' said once during the flood" \
	fo_same "lines" "$(fo_lines "$DHCP_MARK" "$EXH_RE")" 1
fo_show "$DHCP_MARK" "$EXH_RE"
DHCPD_LINES=$(fo_lines "$DHCP_MARK" 'racknet-dhcpd\[')
nt_check "DHCP: no log line per DISCOVER (dhcpd said $DHCPD_LINES lines, replies $((OFFERS + ACKS)))" \
	fo_le "dhcpd's lines" "$DHCPD_LINES" $((OFFERS + ACKS + 5))
nt_check "DHCP: pool B was not exhausted" \
	fo_same "lines about B" "$(fo_lines "$DHCP_MARK" "pool exhausted on 10\.73")" 0
# When the first line was said: the second may come 60 s later. (No
# grep -m1: under pipefail, tail killed by SIGPIPE would end the test.)
LINE1_AT=$(tail -n "+$((DHCP_MARK + 1))" "$FO_RUNLOG" | grep -E -- "$EXH_RE" |
	sed -n 1p | cut -d' ' -f1 | xargs -r -I{} date -d {} +%s) || LINE1_AT=""
LINE1_AT=${LINE1_AT:-$EPOCHSECONDS}

# ---- DNS: a UDP query flood from one source outside the managed subnets ----
DNS_MARK=$(fo_mark)
fo_settled dns "$NT_LOGDIR/dns0.json"
DROPS0=$(fo_udp_drops "$SRV")
N0=$NT_LOGDIR/dns0.json N1=$NT_LOGDIR/dns1.json
LEGIT_A=$NT_LOGDIR/legit-managed.txt LEGIT_B=$NT_LOGDIR/legit-other24.txt
: >"$LEGIT_A"
: >"$LEGIT_B"
LA=$(nt_bg "$CLI" "$NT_LOGDIR/legit-a.log" bash "$FO_BIN/dns-loop.sh" \
	"$SRV_IP" "$NODE" "$NODE_IP" "$CLI_IP" 7 "$LEGIT_A")
LB=$(nt_bg "$CLI" "$NT_LOGDIR/legit-b.log" bash "$FO_BIN/dns-loop.sh" \
	"$SRV_IP" "$NODE" "$NODE_IP" "$OTHER_IP" 7 "$LEGIT_B")
FLOOD=$(ip netns exec "$CLI" "$FO_PY" "$FO_BIN/dns-flood.py" --src "$FLOOD_IP" \
	--server "$SRV_IP" --name "$NODE" --want "$NODE_IP" --qps 1000 --secs 6)
echo "   flood: $FLOOD"
nt_wait_for 15 eval "! nt_alive $LA && ! nt_alive $LB" || :
fo_settled dns "$N1"
DROPS=$(($(fo_udp_drops "$SRV") - DROPS0))
SLIP=$(fo_delta "$N0" "$N1" rrl_slipped)
DROP=$(fo_delta "$N0" "$N1" rrl_dropped)
fj() { jq -r ".$1" <<<"$FLOOD"; }
SECS=$(fj secs)
echo "   dnsd: udp +$(fo_delta "$N0" "$N1" udp), rrl_slipped +$SLIP," \
	"rrl_dropped +$DROP, malformed +$(fo_delta "$N0" "$N1" malformed)"
echo "   full answers per second to $FLOOD_IP: $(jq -c .per_second <<<"$FLOOD")"
nt_check "DNS: RRL engaged (rrl_slipped +$SLIP, rrl_dropped +$DROP)" \
	[ "$SLIP" -gt 100 -a "$DROP" -gt 100 ]
# A token bucket of dns-rrl a second holding a second's worth.
rate_ok() {
	local full lo hi
	full=$(fj full)
	lo=$(awk -v r="$RRL" -v s="$SECS" 'BEGIN { printf "%d", r * (s - 1) }')
	hi=$(awk -v r="$RRL" -v s="$SECS" 'BEGIN { printf "%d", r * (s + 1) + 2 }')
	if [ "$full" -lt "$lo" ] || [ "$full" -gt "$hi" ]; then
		echo "   $full full answers in ${SECS} s: want $lo to $hi"
		return 1
	fi
}
nt_check "DNS: the flooder got about $RRL full answers a second ($(fj full) in $SECS s)" \
	rate_ok
per_second_le() {
	jq -e --argjson m "$1" '.per_second | all(. <= $m)' >/dev/null <<<"$FLOOD"
}
nt_check "DNS: no second above $((2 * RRL)) full answers (burst + rate)" \
	per_second_le $((2 * RRL))
nt_check "DNS: the TC replies it got are rrl_slipped ($(fj tc))" \
	fo_same "TC replies" "$(fj tc)" "$SLIP"
# (Exact unless the kernel dropped queries for a full buffer: said here.)
nt_check "DNS: every query it sent is a full answer, TC, or in rrl_dropped (kernel drops: $DROPS)" \
	fo_same "sent" "$(fj sent)" "$(($(fj full) + $(fj tc) + DROP))"
nt_check "DNS: no wrong answer, nothing else" \
	fo_same "wrong+other" "$(($(fj wrong) + $(fj other)))" 0
legit_ok() {
	local n bad
	n=$(wc -l <"$1")
	bad=$(awk '$3 != "ok"' "$1")
	[ "$n" -ge 10 ] || { echo "   ${1##*/}: only $n queries"; return 1; }
	if [ -n "$bad" ]; then
		echo "   ${1##*/}: $(wc -l <<<"$bad") of $n not answered right:"
		head -n 5 <<<"$bad" | sed 's/^/   | /'
		return 1
	fi
}
nt_check "DNS: a managed client ($CLI_IP) answered every time ($(wc -l <"$LEGIT_A") queries)" \
	legit_ok "$LEGIT_A"
nt_check "DNS: a client in another /24 ($OTHER_IP) answered every time ($(wc -l <"$LEGIT_B") queries)" \
	legit_ok "$LEGIT_B"
nt_check "DNS: dnsd logged nothing per query" \
	fo_same "dnsd lines" "$(fo_lines "$DNS_MARK" 'racknet-dnsd\[')" 0

# ---- DNS: a TCP connection flood past dns-tcp-clients ----
fo_settled dns "$N0"
TCP=$(ip netns exec "$CLI" "$FO_PY" "$FO_BIN/tcp-flood.py" --src "$FLOOD_IP" \
	--server "$SRV_IP" --name "$NODE" --conns 40)
echo "   tcp: $TCP"
fo_settled dns "$N1"
tj() { jq -r ".$1" <<<"$TCP"; }
REFUSED=$(fo_delta "$N0" "$N1" tcp_refused)
nt_check "DNS/TCP: $TCP_MAX of 40 held connections answered" \
	fo_same "answered" "$(tj answered)" "$TCP_MAX"
nt_check "DNS/TCP: the other $((40 - TCP_MAX)) closed at once" \
	fo_same "closed" "$(tj closed)" $((40 - TCP_MAX))
nt_check "DNS/TCP: tcp_refused +$((40 - TCP_MAX))" \
	fo_same "tcp_refused" "$REFUSED" $((40 - TCP_MAX))
nt_check "DNS/TCP: dig +tcp answered afterwards" \
	eval "[ \"\$(ip netns exec $CLI dig +tcp +short +time=2 +tries=1 @$SRV_IP $NODE A)\" = $NODE_IP ]"
nt_check "DNS: dnsd still runs, same pid, no restart" fo_same_daemons "$PIDS"

# ---- TFTP: a request flood past --max-sessions ----
nt_check "TFTP: a normal fetch before the flood" fetch before
TFTPD_PID=$(dh_run_daemon tftpd pid)
RSS0=$(fo_rss_kib "$TFTPD_PID")
TFTP_MARK=$(fo_mark)
fo_settled tftp "$NT_LOGDIR/tftp0.json"
DROPS0=$(fo_udp_drops "$SRV")
T0=$NT_LOGDIR/tftp0.json T1=$NT_LOGDIR/tftp1.json
TF=$(ip netns exec "$CLI" "$FO_PY" "$FO_BIN/tftp-flood.py" --server "$SRV_IP" \
	--file big.bin --n 150 --waves 3)
RSS1=$(fo_rss_kib "$TFTPD_PID")
HWM=$(fo_hwm_kib "$TFTPD_PID")
echo "   tftp flood: $(jq -c 'del(.other_replies)' <<<"$TF")"
fo_settled tftp "$T1"
xj() { jq -r ".$1" <<<"$TF"; }
BUSY=$(fo_delta "$T0" "$T1" busy)
echo "   tftpd: requests +$(fo_delta "$T0" "$T1" requests), busy +$BUSY," \
	"peak $(fo_get "$T1" peak), active $(fo_get "$T1" active);" \
	"VmRSS ${RSS0} KiB before, ${RSS1} KiB after, peak (VmHWM) ${HWM} KiB"
nt_check "TFTP: every request started a transfer or got 'server busy' (kernel drops: $(($(fo_udp_drops "$SRV") - DROPS0)))" \
	fo_same "sessions+busy" "$(($(xj sessions) + $(xj busy)))" "$(xj sent)"
nt_check "TFTP: some transfers ran ($(xj sessions)), most were refused ($(xj busy))" \
	[ "$(xj sessions)" -ge "$TFTP_MAX" -a "$(xj busy)" -ge 300 ]
nt_check "TFTP: busy counts the refusals" fo_same "busy" "$BUSY" "$(xj busy)"
nt_check "TFTP: requests counts them all" \
	fo_same "requests" "$(fo_delta "$T0" "$T1" requests)" "$(xj sent)"
nt_check "TFTP: never more than $TFTP_MAX transfers at once (peak)" \
	fo_same "peak" "$(fo_get "$T1" peak)" "$TFTP_MAX"
nt_check "TFTP: the aborted transfers are gone (active 0)" \
	fo_same "active" "$(fo_get "$T1" active)" 0
nt_check "TFTP: VmRSS never above 64 MiB (VmHWM ${HWM} KiB)" fo_le "VmHWM KiB" "$HWM" 65536
nt_check "TFTP: VmRSS grew less than 8 MiB ($((RSS1 - RSS0)) KiB)" \
	fo_le "growth KiB" "$((RSS1 - RSS0))" 8192
BUSY_LINES=$(fo_lines "$TFTP_MARK" 'racknet-tftpd\[[0-9]+\] .*server busy')
nt_check "TFTP: no log line per refused request ($BUSY_LINES lines for $(xj busy))" \
	fo_le "tftpd 'server busy' lines" "$BUSY_LINES" 10
fo_show "$TFTP_MARK" 'server busy'
nt_check "TFTP: a normal fetch after the flood" fetch after
nt_check "TFTP: tftpd still runs, same pid, no restart" fo_same_daemons "$PIDS"

# ---- DHCP again, a minute after the first line: the count ----
WAIT=$((LINE1_AT + 61 - EPOCHSECONDS))
echo "   waiting ${WAIT} s for the minute since the first 'pool exhausted'"
[ "$WAIT" -gt 0 ] && sleep "$WAIT"
# (Not perfdhcp's default MAC: the flood used it, and it holds a lease.)
ip netns exec "$CLI" timeout 10 perfdhcp -4 -l "$VC" -r 1 -n 1 -R 1 \
	-b mac=02:00:00:72:ff:01 "$SRV_IP" >"$NT_LOGDIR/perfdhcp-one.log" 2>&1 || :
fo_settled dhcp "$NT_LOGDIR/dhcp2.json"
D2=$NT_LOGDIR/dhcp2.json
EXH=$(fo_delta "$D0" "$D2" pool_exhausted)
LINE2=$(tail -n "+$((DHCP_MARK + 1))" "$FO_RUNLOG" | grep -E -- "$EXH_RE" |
	sed -n 2p)
echo "   the second line: ${LINE2:-none}"
MORE=$(sed -n 's/.*(and \([0-9]*\) more since this was last said).*/\1/p' \
	<<<"$LINE2")
nt_check "DHCP: said a second time, a minute later, with the count" \
	[ -n "$MORE" ]
nt_check "DHCP: twice in all" fo_same "lines" "$(fo_lines "$DHCP_MARK" "$EXH_RE")" 2
nt_check "DHCP: pool_exhausted = 2 lines + the $MORE more ($EXH)" \
	fo_same "pool_exhausted" "$EXH" "$((2 + ${MORE:-0}))"
nt_check "DHCP: still $A_SIZE leases on $A" pool_full
nt_check "all three daemons: same pids, no restart ($((EPOCHSECONDS - T_START)) s)" \
	fo_same_daemons "$PIDS"

nt_summary
