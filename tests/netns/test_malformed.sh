#!/bin/bash
#
# Malformed traffic (issue 8) at each daemon under racknet run, from
# tests/tools/malformed.py (python3-scapy): real DHCP, DNS (UDP and TCP),
# TFTP and HTTP requests, each sent truncated, oversized, with wrong
# lengths, with bad options, as random bytes, bit-flipped and through
# scapy's fuzz().
#
#   srv: vs 10.74.0.1/16 (+ 10.98.0.1/24)   racknet run --no-chrony:
#    |   dhcpd on vs, dnsd on 10.74.0.1:53, tftpd on 10.74.0.1:69 and :8080
#   cli: vc 10.74.0.2/16 (DHCP: the generator is a relay agent, giaddr
#        10.74.0.2, and also broadcasts from port 68), 10.98.0.2/24 (DNS:
#        outside the managed subnets, so nothing is forwarded)
#
# The generator runs twice with the same seed (the same bytes): a warm-up,
# then the run that is measured. For that run:
#   - every daemon still runs, same pid, no restart in `racknet status`;
#   - DHCP: malformed + the rx_* counts went up by exactly the datagrams
#     sent; every reply heard (OFFER, ACK, NAK) answers a request sent
#     (xid and chaddr) with an address of the pool;
#   - DNS: udp went up by the datagrams sent and tcp by the whole TCP
#     messages; every query not counted dropped got exactly one reply
#     (RRL off), with its ID, QR set, its opcode; FORMERR replies =
#     r_formerr; node1's address when node1 is answered;
#   - TFTP: malformed + stray + requests went up by every packet sent to
#     port 69 and in the transfer; every request and every broken request
#     (2 bytes or more) got one reply; junk inside a transfer is counted
#     malformed and the transfer still ends with the whole file; a stranger
#     gets ERROR 5;
#   - HTTP: every whole request got an HTTP status line (4xx for the
#     broken ones), no connection is left open after the client's EOF,
#     and the http_* outcomes add up to http_requests;
#   - VmRSS of each daemon grew by at most 1 MiB over the measured run;
#   - and a normal request is answered afterwards: udhcpc gets a lease,
#     dig (UDP and TCP), tftp-hpa and curl get the right answers.
# The kernel must have dropped no datagram on the server's side
# (RcvbufErrors), or the counts cannot add up: that is checked too.
#
# Needs root, iproute2, jq, busybox, dig, tftp (tftp-hpa), curl, and
# python3-scapy for Debian's /usr/bin/python3; RACKNET, RACKNET_DHCPD,
# RACKNET_DNSD, RACKNET_TFTPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
# shellcheck source=tests/lib/flood.sh
source "$here/../lib/flood.sh"
nt_init
dh_need dig tftp curl
dh_init
fo_init
if ! "$FO_PY" -c 'import scapy' 2>/dev/null; then
	echo "SKIP: needs python3-scapy for $FO_PY (scripts/deps installs it)"
	exit 77
fi
GEN=$here/../tools/malformed.py
SEED=${MALFORMED_SEED:-8}

SRV_IP=10.74.0.1
CLI_IP=10.74.0.2
DNS_SRC=10.98.0.2
POOL=10.74.1.0-10.74.10.255
NODE=node1.lab.test
NODE_IP=10.74.0.10

rn setting set default-domain lab.test >/dev/null
rn setting set dhcp-ping-check off >/dev/null
rn setting set dhcp-probe-interval 0 >/dev/null
rn setting set dns-rrl 0 >/dev/null
rn domain add lab.test >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add 10.74.0.0/16 --vlan lab/0 --gateway "$SRV_IP" --domain lab.test \
	--lease-time 600 >/dev/null
rn range add 10.74.0.0/16 "${POOL%-*}" "${POOL#*-}" --type dynamic >/dev/null
rn host add node1 --mac 02:00:00:74:00:0a --ip "$NODE_IP" >/dev/null

SRV=$(nt_netns_add srv)
CLI=$(nt_netns_add cli)
read -r VS VC <<<"$(nt_veth_add vs "$SRV" vc "$CLI")"
nt_addr_add "$VS" "$SRV_IP/16" "$SRV"
nt_addr_add "$VS" 10.98.0.1/24 "$SRV"
nt_addr_add "$VC" "$CLI_IP/16" "$CLI"
nt_addr_add "$VC" "$DNS_SRC/24" "$CLI"
nt_check "the lab is up" nt_wait_for 5 nt_exec "$CLI" ping -n -c 1 -W 1 "$SRV_IP"

head -c 100 /dev/urandom >"$FO_ROOT/hello.txt"
head -c 1500 /dev/urandom >"$FO_ROOT/four.bin"
chmod 0644 "$FO_ROOT"/*

nt_check "racknet run: dhcpd, dnsd and tftpd running" \
	fo_run_start "$SRV" --interface "$VS" --dns-listen "$SRV_IP:53" \
	--tftp-listen "$SRV_IP:69" --http-listen "$SRV_IP:8080"
PIDS=$(fo_pids)
echo "   daemons: $PIDS; seed $SEED"

generate() {
	ip netns exec "$CLI" timeout 60 "$FO_PY" "$GEN" --seed "$SEED" \
		--server "$SRV_IP" --giaddr "$CLI_IP" --iface "$VC" --pool "$POOL" \
		--dns-src "$DNS_SRC" --node "$NODE=$NODE_IP" --tftp-root "$FO_ROOT" \
		--tftp-files hello.txt,four.bin --http-port 8080 >"$1" 2>"$1.err"
}
rss_all() {
	local d
	for d in dhcpd dnsd tftpd; do
		printf '%s=%s ' "$d" "$(fo_rss_kib "$(dh_run_daemon "$d" pid)")"
	done
}

WARM=$NT_LOGDIR/warm.json
OUT=$NT_LOGDIR/malformed.json
nt_check "warm-up run of the generator" generate "$WARM"
for d in dhcp dns tftp; do
	fo_settled "$d" "$NT_LOGDIR/$d-0.json"
done
RSS0=$(rss_all)
DROPS0=$(fo_udp_drops "$SRV")
MARK=$(fo_mark)
T=$EPOCHREALTIME
nt_check "the measured run (same seed, same bytes)" generate "$OUT"
echo "   generator: $(awk -v t="$T" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.1f", n - t }') s;" \
	"$(jq -c 'del(.seed) | with_entries(.value |= {sent, replies, secs})' "$OUT")"
for d in dhcp dns tftp; do
	fo_settled "$d" "$NT_LOGDIR/$d-1.json"
done
RSS1=$(rss_all)
DROPS1=$(fo_udp_drops "$SRV")

nt_check "all three daemons: same pids, no restart" fo_same_daemons "$PIDS"
nt_check "the kernel dropped no datagram at the server (RcvbufErrors $DROPS0 -> $DROPS1)" \
	fo_same "RcvbufErrors" "$DROPS1" "$DROPS0"

g() { jq -r "$@" "$OUT"; }
no_wrong() {
	local n
	n=$(g ".$1.nbad")
	if [ "$n" != 0 ]; then
		echo "   $1: $n wrong replies; the first ones:"
		g ".$1.bad[] | \"      | \\(.kind): \\(.why); sent \\(.sent) got \\(.reply)\""
		return 1
	fi
}

# ---- DHCP ----
A0=$NT_LOGDIR/dhcp-0.json A1=$NT_LOGDIR/dhcp-1.json
RX_KEYS=$(jq -r 'keys[] | select(startswith("rx_"))' "$A1" | tr '\n' ' ')
# shellcheck disable=SC2086
DHCP_RX=$(fo_delta "$A0" "$A1" $RX_KEYS)
DHCP_BAD=$(fo_delta "$A0" "$A1" malformed)
echo "   dhcp: sent $(g .dhcp.sent) $(g -c .dhcp.kinds); malformed +$DHCP_BAD," \
	"rx +$DHCP_RX, dropped +$(fo_delta "$A0" "$A1" dropped);" \
	"replies heard $(g -c .dhcp.by_reply)"
nt_check "DHCP: every datagram counted: malformed + rx_* = sent ($DHCP_BAD + $DHCP_RX)" \
	fo_same "malformed + rx" "$((DHCP_BAD + DHCP_RX))" "$(g .dhcp.sent)"
nt_check "DHCP: the broken ones were counted malformed ($DHCP_BAD)" [ "$DHCP_BAD" -ge 50 ]
nt_check "DHCP: every reply answers a request sent, with a pool address" no_wrong dhcp
nt_check "DHCP: replies were heard ($(g .dhcp.replies))" [ "$(g .dhcp.replies)" -gt 0 ]

# ---- DNS ----
N0=$NT_LOGDIR/dns-0.json N1=$NT_LOGDIR/dns-1.json
nd() { fo_delta "$N0" "$N1" "$@"; }
RCODE_KEYS=$(jq -r 'keys[] | select(startswith("r_"))' "$N1" | tr '\n' ' ')
echo "   dns: udp +$(nd udp), tcp +$(nd tcp), queries +$(nd queries)," \
	"malformed +$(nd malformed), dropped +$(nd dropped)," \
	"r_formerr +$(nd r_formerr); replies $(g -c .dns.by_reply)," \
	"over TCP $(g -c .dnstcp.by_reply)"
nt_check "DNS: udp counts every datagram sent ($(g .dns.sent))" \
	fo_same "udp" "$(nd udp)" "$(g .dns.sent)"
nt_check "DNS: tcp counts every whole message sent ($(g .dnstcp.frames))" \
	fo_same "tcp" "$(nd tcp)" "$(g .dnstcp.frames)"
# (The half-closed TCP query is judged on its own, below.)
HALF=$(g '.dnstcp.half_close // 0')
nt_check "DNS: every query not dropped got one reply (UDP and TCP)" \
	fo_same "replies" "$(($(g .dns.replies) + $(g .dnstcp.replies)))" \
	"$(($(nd queries) - $(nd dropped) - HALF))"
BADVERS=$(g '[.dns.by_reply, .dnstcp.by_reply | to_entries[] |
	select(.key | startswith("BADVERS")) | .value] | add // 0')
# shellcheck disable=SC2086
nt_check "DNS: each reply counted by its rcode (r_* + axfr_refused; $BADVERS were BADVERS)" \
	fo_same "r_* + axfr_refused" "$(nd $RCODE_KEYS axfr_refused)" \
	"$(($(nd queries) - $(nd dropped)))"
FORMERR_GOT=$(g '[.dns.by_reply, .dnstcp.by_reply | to_entries[] |
	select(.key | startswith("FORMERR")) | .value] | add // 0')
nt_check "DNS: FORMERR replies received = r_formerr ($FORMERR_GOT)" \
	fo_same "FORMERR" "$FORMERR_GOT" "$(nd r_formerr)"
nt_check "DNS: malformed counted ($(nd malformed))" [ "$(nd malformed)" -ge 50 ]
nt_check "DNS: every UDP reply right (ID, QR, opcode, node1's address)" no_wrong dns
nt_check "DNS: every TCP reply right, none cut short" no_wrong dnstcp
nt_check "DNS: a TCP query followed by the client's half-close is answered ($HALF tries)" \
	fo_same "answered" "$(g '.dnstcp.half_close_answered // 0')" "$HALF"

# ---- TFTP ----
F0=$NT_LOGDIR/tftp-0.json F1=$NT_LOGDIR/tftp-1.json
tfd() { fo_delta "$F0" "$F1" "$@"; }
INSIDE=$(g '.session.kinds["in-transfer"] // 0')
STRANGER=$(g '.session.kinds.stranger // 0')
SHORT=$(g '.tftp.short // 0')
echo "   tftp: sent $(g .tftp.sent) to port 69, $INSIDE + $STRANGER in a transfer;" \
	"malformed +$(tfd malformed), stray +$(tfd stray), requests +$(tfd requests)," \
	"not_found +$(tfd not_found), access_denied +$(tfd access_denied)," \
	"write_refused +$(tfd write_refused), aborted +$(tfd aborted);" \
	"replies $(g -c .tftp.by_reply)"
# The transfer's own request is a request too.
nt_check "TFTP: every packet counted: malformed + stray + requests" \
	fo_same "malformed + stray + requests" "$(tfd malformed stray requests)" \
	"$(($(g .tftp.sent) + INSIDE + STRANGER + 1))"
nt_check "TFTP: the junk inside the transfer is malformed ($INSIDE)" \
	fo_le "in-transfer junk" "$INSIDE" "$(tfd malformed)"
nt_check "TFTP: every request and broken request got one reply" \
	fo_same "replies" "$(g .tftp.replies)" \
	"$(($(tfd requests) - 1 + $(tfd malformed) - INSIDE - SHORT))"
nt_check "TFTP: every reply right (ERROR, DATA of a root file, sane OACK)" no_wrong tftp
nt_check "TFTP: a stranger in the transfer got ERROR 5 each time" \
	fo_same "ERROR 5" "$(g '.session.by_reply["ERROR 5"] // 0')" "$STRANGER"
nt_check "TFTP: the transfer with junk in it ended whole" \
	eval "[ \"\$(g .session.file_whole)\" = true ] && no_wrong session"

# ---- HTTP ----
HTTP_SUM=$(tfd http_ok http_partial http_not_found http_denied http_bad)
echo "   http: sent $(g .http.sent) $(g -c .http.kinds); replies $(g -c .http.by_reply);" \
	"http_requests +$(tfd http_requests) (ok $(tfd http_ok), partial" \
	"$(tfd http_partial), not_found $(tfd http_not_found), denied" \
	"$(tfd http_denied), bad $(tfd http_bad))"
nt_check "HTTP: every whole request got a status line, right where known" no_wrong http
nt_check "HTTP: no connection left open after the client's EOF" \
	fo_same "still open" "$(g .http.still_open)" 0
nt_check "HTTP: http_* outcomes add up to http_requests" \
	fo_same "outcomes" "$HTTP_SUM" "$(tfd http_requests)"
nt_check "HTTP: a GET followed by the client's half-close gets the whole file ($(g .http.half_close) tries)" \
	fo_same "whole (the others: $(g -c '.http.half_close_got // {}'))" \
	"$(g '.http.half_close_whole // 0')" "$(g .http.half_close)"

# ---- memory ----
echo "   VmRSS KiB before: $RSS0"
echo "   VmRSS KiB after:  $RSS1"
grew() {
	local d a b
	d=$1
	a=$(tr ' ' '\n' <<<"$RSS0" | sed -n "s/^$d=//p")
	b=$(tr ' ' '\n' <<<"$RSS1" | sed -n "s/^$d=//p")
	fo_le "$d VmRSS growth KiB" "$((b - a))" 1024
}
if [ -n "${RN_VALGRIND:-}" ]; then
	# valgrind's own memory (shadow bits, translated code) grows with the
	# code paths run: memcheck's leak check at exit stands in.
	echo "   VmRSS growth not checked under valgrind (scripts/valgrind's report checks leaks)"
else
	for d in dhcpd dnsd tftpd; do
		nt_check "$d: VmRSS grew at most 1 MiB over the measured run" grew "$d"
	done
fi
echo "   log lines in the measured run: dhcpd $(fo_lines "$MARK" 'racknet-dhcpd\['), dnsd" \
	"$(fo_lines "$MARK" 'racknet-dnsd\['), tftpd $(fo_lines "$MARK" 'racknet-tftpd\[')"

# ---- normal requests afterwards ----
nt_check "DNS: dig answered afterwards" \
	eval "[ \"\$(ip netns exec $CLI dig +short +time=2 +tries=1 -b $DNS_SRC @$SRV_IP $NODE A)\" = $NODE_IP ]"
nt_check "DNS: dig +tcp answered afterwards" \
	eval "[ \"\$(ip netns exec $CLI dig +tcp +short +time=2 +tries=1 -b $DNS_SRC @$SRV_IP $NODE A)\" = $NODE_IP ]"
tftp_ok() {
	rm -f "$NT_LOGDIR/got.bin"
	printf 'binary\nget four.bin %s\nquit\n' "$NT_LOGDIR/got.bin" |
		timeout 20 ip netns exec "$CLI" tftp "$SRV_IP" >/dev/null 2>&1 || :
	cmp -s "$NT_LOGDIR/got.bin" "$FO_ROOT/four.bin"
}
nt_check "TFTP: tftp-hpa fetches a file whole afterwards" tftp_ok
nt_check "HTTP: curl fetches a file whole afterwards" \
	eval "ip netns exec $CLI curl -sf --max-time 5 http://$SRV_IP:8080/hello.txt | cmp -s - $FO_ROOT/hello.txt"
# Last: udhcpc's hook flushes the interface's other addresses.
dh_udhcpc "$CLI" "$VC" cli -t 5 -T 1 -A 1 >/dev/null
nt_check "DHCP: udhcpc gets a lease afterwards" dh_wait_event 10 cli bound
nt_check "all three daemons: still the same pids, no restart" fo_same_daemons "$PIDS"

nt_summary
