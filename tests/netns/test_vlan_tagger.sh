#!/bin/bash
#
# Emulated 802.1Q subinterfaces (tests/tools/vlan-tagger.c) between two
# namespaces on one bridge, the way DHCP tests will use them on a kernel
# without 8021q:
#
#   ns A: va 192.168.1.1   t42 192.168.42.1   t43 192.168.43.1
#          |                (TAPs served by vlan-tagger on va)
#   ns S: pa -- br -- pb    (capture point)
#          |
#   ns B: vb 192.168.1.2   t42 192.168.42.2   t43 192.168.43.2
#
# Checks: ping works untagged, in VLAN 42 and in VLAN 43; the bridge carries
# real 802.1Q frames with VID 42 for VLAN 42 and no tag for untagged pings;
# nothing crosses between untagged, VID 42 and VID 43; a tagger stops
# cleanly on SIGTERM and takes its TAP with it.
#
# Needs root, iproute2, ping, tcpdump and VLAN_TAGGER (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
nt_init

for tool in ping tcpdump timeout sysctl; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: needs $tool (scripts/deps installs it)"
		exit 77
	fi
done
if [ -z "${VLAN_TAGGER:-}" ] || [ ! -x "$VLAN_TAGGER" ]; then
	echo "FAIL: VLAN_TAGGER='${VLAN_TAGGER:-}' is not the built vlan-tagger"
	exit 1
fi


# ---- the lab ----
A=$(nt_netns_add a)
B=$(nt_netns_add b)
S=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$S")
VA=$(nt_bridge_port "$A" va pa "$BR" "$S")
VB=$(nt_bridge_port "$B" vb pb "$BR" "$S")
# Answer ARP only for addresses of the interface it came in on. Linux
# answers for any local address by default, which would hide a leak
# between the untagged link and a subinterface (weak host model).
for ns in "$A" "$B"; do
	nt_exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1
done
nt_addr_add "$VA" 192.168.1.1/24 "$A"
nt_addr_add "$VB" 192.168.1.2/24 "$B"

A42=$(nt_tap_vlan "$A" "$VA" 42 t42)
B42=$(nt_tap_vlan "$B" "$VB" 42 t42)
A43=$(nt_tap_vlan "$A" "$VA" 43 t43)
B43=$(nt_tap_vlan "$B" "$VB" 43 t43)
nt_addr_add "$A42" 192.168.42.1/24 "$A"
nt_addr_add "$B42" 192.168.42.2/24 "$B"
nt_addr_add "$A43" 192.168.43.1/24 "$A"
nt_addr_add "$B43" 192.168.43.2/24 "$B"

# ---- helpers ----
pings() {	# pings NS PING-ARGS...: 2 echoes, quick, bounded
	nt_exec "$1" ping -n -c 2 -i 0.2 -W 1 "${@:2}" >/dev/null 2>&1
}

listening() {
	grep -q '^listening on' "$1"
}

# capture OUT FILTER NS PING-ARGS...: tcpdump on the bridge while NS pings;
# stops after 4 frames (2 requests, 2 replies) or 15 s.
capture() {
	local out=$1 filter=$2 pid
	shift 2
	pid=$(nt_bg "$S" "$out" timeout 15 tcpdump -e -nn -l -i "$BR" \
		-c 4 "$filter")
	nt_wait_for 10 listening "$out"
	pings "$@" || true
	nt_wait_for 15 eval "! nt_alive $pid" || true
}

mac_of() {	# mac_of NS IF
	nt_exec "$1" cat "/sys/class/net/$2/address"
}

# isolated NS IF TARGET: `ping -I IF TARGET` from NS gets no answer, while
# the bridge shows its ARP requests going out and nothing that answers for
# TARGET coming back to IF's MAC. A leak in one direction alone does not
# show in a ping: the side that wrongly got the request answers on its own
# interface, which the pinging interface never hears; the bridge sees it.
isolated() {
	local ns=$1 ifc=$2 target=$3 mac out pid rc=0 sent back
	mac=$(mac_of "$ns" "$ifc")
	out=$(mktemp -p "$NT_LOGDIR" isolated.XXXXXX)
	pid=$(nt_bg "$S" "$out" timeout 15 tcpdump -e -nn -l -i "$BR" \
		"ether host $mac and (arp or icmp)")
	nt_wait_for 10 listening "$out" || return 1
	# 1 = no reply; 2 would be a local error, which proves nothing.
	nt_exec "$ns" ping -n -c 2 -i 0.2 -W 1 -I "$ifc" "$target" \
		>/dev/null 2>&1 || rc=$?
	sleep 0.5	# a late answer would still show
	kill -TERM "$pid" 2>/dev/null || true
	nt_wait_for 5 eval "! nt_alive $pid" || true
	sent=$(grep "^[0-9:.]* $mac > " "$out" | grep -cF "who-has $target " || true)
	back=$(grep "> $mac, " "$out" | grep -cF "$target" || true)
	if [ "$rc" -ne 1 ] || [ "$sent" -lt 1 ] || [ "$back" -ne 0 ]; then
		echo "   ping rc $rc (want 1), requests seen $sent (want >= 1)," \
			"answers for $target seen $back (want 0):"
		sed 's/^/   | /' "$out"
		return 1
	fi
}

# ---- reachability ----
nt_check "ping untagged 192.168.1.1 -> 192.168.1.2" \
	nt_wait_for 10 pings "$A" 192.168.1.2
nt_check "ping in VLAN 42 192.168.42.1 -> 192.168.42.2" \
	nt_wait_for 10 pings "$A" 192.168.42.2
nt_check "ping in VLAN 43 192.168.43.1 -> 192.168.43.2" \
	nt_wait_for 10 pings "$A" 192.168.43.2

# ---- what the bridge carries ----
cap42=$(mktemp)
capu=$(mktemp)
nt_defer rm -f "$cap42" "$capu"

capture "$cap42" 'vlan 42 and icmp' "$A" 192.168.42.2
tag42='ethertype 802.1Q (0x8100), length [0-9]*: vlan 42, p 0, ethertype IPv4'
frames42=$(grep -c "$tag42" "$cap42" || true)
nt_check "bridge saw 4 ICMP frames tagged 802.1Q VID 42 (saw $frames42)" \
	[ "$frames42" -eq 4 ]
mac_a42=$(mac_of "$A" "$A42")
mac_b42=$(mac_of "$B" "$B42")
seen() {	# seen FILE SRC-MAC DST-MAC PATTERN: a line of tcpdump -e
	grep -q "^[0-9:.]* $2 > $3, $4" "$1"
}
nt_check "tagged echo request: $mac_a42 > $mac_b42, 192.168.42.1 > .2" \
	seen "$cap42" "$mac_a42" "$mac_b42" \
	"$tag42 (0x0800), 192.168.42.1 > 192.168.42.2: ICMP echo request"
nt_check "tagged echo reply: $mac_b42 > $mac_a42, 192.168.42.2 > .1" \
	seen "$cap42" "$mac_b42" "$mac_a42" \
	"$tag42 (0x0800), 192.168.42.2 > 192.168.42.1: ICMP echo reply"

capture "$capu" 'icmp' "$A" 192.168.1.2
untagged='ethertype IPv4 (0x0800), length [0-9]*: 192.168.1.[12] > '
framesu=$(grep -c "${untagged}192.168.1.[12]: ICMP echo" "$capu" || true)
nt_check "bridge saw 4 untagged ICMP frames for 192.168.1.0/24 (saw $framesu)" \
	[ "$framesu" -eq 4 ]
nt_check "untagged pings carry no 802.1Q tag" \
	eval "! grep -q -e 802.1Q -e vlan '$capu'"

# ---- isolation ----
# With arp_ignore=1 an ARP request is answered only on the interface that
# holds the address asked for, so any leaked request draws an answer.
nt_check "control: ping -I $A42 192.168.42.2 works" \
	pings "$A" -I "$A42" 192.168.42.2
nt_check "VID 42 -> untagged: ping -I $A42 192.168.1.2 gets no answer" \
	isolated "$A" "$A42" 192.168.1.2
nt_check "untagged -> VID 42: ping -I $VA 192.168.42.2 gets no answer" \
	isolated "$A" "$VA" 192.168.42.2
nt_check "VID 43 -> VID 42: ping -I $A43 192.168.42.2 gets no answer" \
	isolated "$A" "$A43" 192.168.42.2
nt_check "VID 42 -> VID 43: ping -I $A42 192.168.43.2 gets no answer" \
	isolated "$A" "$A42" 192.168.43.2

# ---- a clean stop ----
pid=$(nt_tap_pid "$B" "$B43")
kill -TERM "$pid"
nt_check "tagger for $B43 exits on SIGTERM" \
	nt_wait_for 5 eval "! nt_alive $pid"
nt_check "its TAP $B43 is gone with it" \
	eval "! nt_exec '$B' ip link show '$B43' >/dev/null 2>&1"
nt_check "it logged its counters on the way out" \
	grep -q 'exiting: [1-9][0-9]* to parent, [1-9][0-9]* to tap' \
	"$NT_LOGDIR/tagger-$B-$B43.log"
nt_check "VLAN 42 still works" pings "$A" 192.168.42.2

pid42=$(nt_tap_pid "$A" "$A42")
pid43=$(nt_tap_pid "$A" "$A43")
nt_exec "$A" ip link del "$VA"
nt_check "deleting their parent $VA stops both taggers in $A" \
	nt_wait_for 10 eval "! nt_alive $pid42 && ! nt_alive $pid43"

nt_summary
