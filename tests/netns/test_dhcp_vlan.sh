#!/bin/bash
#
# racknet-dhcpd on a trunk: untagged and VLAN 42 on one link.
#
#   srv: vs 10.10.0.2/24 (lab/0)    s42 = vs.42 10.42.0.2/24 (lab/42)
#    |     racknet-dhcpd; both interfaces bound in IPAM
#   sw: br  (tcpdump here: the VLAN 42 exchange carries 802.1Q tag 42)
#    |
#   c42: v42, t42 = v42.42: dhclient on t42 (tagged)
#   cu:  vu: udhcpc (untagged)
#
# The .42 subinterfaces are TAPs served by vlan-tagger (nt_tap_vlan): the
# frames on the bridge are real 802.1Q frames. Checks: the tagged client
# gets an address from VLAN 42's subnet with its router, DNS and MTU, the
# untagged client one from the untagged subnet; IPAM records each on its
# subnet; the bridge saw the tagged client's DHCP exchange tagged with
# VID 42, and the untagged one without a tag.
#
# Needs root, iproute2, jq, tcpdump, dhclient, busybox, dhcpcd; RACKNET,
# RACKNET_DHCPD and VLAN_TAGGER (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_need tcpdump
dh_init
if [ -z "${VLAN_TAGGER:-}" ] || [ ! -x "$VLAN_TAGGER" ]; then
	echo "FAIL: VLAN_TAGGER='${VLAN_TAGGER:-}' is not the built vlan-tagger"
	exit 1
fi

# ---- the lab ----
SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
C42=$(nt_netns_add c42)
CU=$(nt_netns_add cu)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
V42=$(nt_bridge_port "$C42" v42 p42 "$BR" "$SW")
VU=$(nt_bridge_port "$CU" vu pu "$BR" "$SW")
nt_addr_add "$VS" 10.10.0.2/24 "$SRV"
S42=$(nt_tap_vlan "$SRV" "$VS" 42 s42)
T42=$(nt_tap_vlan "$C42" "$V42" 42 t42)
nt_addr_add "$S42" 10.42.0.2/24 "$SRV"
MAC42=02:00:00:42:00:01
MACU=02:00:00:00:00:01
nt__run ip -n "$C42" link set dev "$T42" address "$MAC42"
dh_set_mac "$CU" "$VU" "$MACU"

# ---- IPAM ----
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn vlan add lab 42 --mtu 1450 >/dev/null
rn subnet add 10.10.0.0/24 --vlan lab/0 --gateway 10.10.0.1 \
	--dns 10.10.0.53 --lease-time 600 >/dev/null
rn range add 10.10.0.0/24 10.10.0.100 10.10.0.149 --type dynamic >/dev/null
rn subnet add 10.42.0.0/24 --vlan lab/42 --gateway 10.42.0.1 \
	--dns 10.42.0.53 --domain v42.test --lease-time 800 >/dev/null
rn range add 10.42.0.0/24 10.42.0.100 10.42.0.149 --type dynamic >/dev/null
rn interface set "$VS" --vlan lab/0 >/dev/null
rn interface set "$S42" --vlan lab/42 >/dev/null

# ---- capture on the bridge, the server, the clients ----
CAP=$NT_LOGDIR/bridge.txt
CAPPID=$(nt_bg "$SW" "$CAP" timeout 40 tcpdump -e -nn -l -i "$BR" \
	'(udp port 67 or udp port 68) or (vlan 42 and (udp port 67 or udp port 68))')
nt_wait_for 10 grep -q '^listening on' "$CAP" || true

SRVLOG=$NT_LOGDIR/dhcpd.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"

dh_dhclient "$C42" "$T42" c42 >/dev/null
dh_udhcpc "$CU" "$VU" cu >/dev/null
nt_check "tagged client (dhclient on $T42) got a lease" \
	dh_wait_event 30 c42 bound
nt_check "untagged client (udhcpc on $VU) got a lease" \
	dh_wait_event 30 cu bound

ip42=$(dh_get c42 ip || true)
ipu=$(dh_get cu ip || true)
lease_ok() {	# lease_ok C IP FIRST LAST CIDR ROUTER DNS LEASE MAC
	local c=$1 ip=$2 rc=0
	dh_in_range "$ip" "$3" "$4" || { echo "   $c: '$ip' outside $3-$4"; rc=1; }
	dh_same "$c router" "$(dh_get "$c" router)" "$6" || rc=1
	dh_same "$c dns" "$(dh_get "$c" dns)" "$7" || rc=1
	dh_same "$c lease time" "$(dh_get "$c" lease)" "$8" || rc=1
	dh_same "$c IPAM subnet" "$(dh_lease_field "$ip" subnet)" "$5" || rc=1
	dh_same "$c IPAM mac" "$(dh_lease_field "$ip" mac)" "$9" || rc=1
	return "$rc"
}
nt_check "VLAN 42 client got $ip42 from 10.42.0.0/24 with its options" \
	lease_ok c42 "$ip42" 10.42.0.100 10.42.0.149 10.42.0.0/24 10.42.0.1 \
	10.42.0.53 800 "$MAC42"
nt_check "VLAN 42 client: domain v42.test, MTU 1450 (also on $T42)" \
	eval "[ '$(dh_get c42 domain)' = v42.test ] &&
		[ '$(dh_get c42 mtu)' = 1450 ] &&
		[ \"\$(nt_exec '$C42' cat /sys/class/net/$T42/mtu)\" = 1450 ]"
nt_check "untagged client got $ipu from 10.10.0.0/24 with its options" \
	lease_ok cu "$ipu" 10.10.0.100 10.10.0.149 10.10.0.0/24 10.10.0.1 \
	10.10.0.53 600 "$MACU"
nt_check "untagged client got VLAN 0's MTU ($(rn vlan show lab/0 --json | jq -r .mtu))" \
	eval "[ '$(dh_get cu mtu)' = \"\$(rn vlan show lab/0 --json | jq -r .mtu)\" ]"
nt_check "VLAN 42 client reaches the server in VLAN 42" \
	eval "nt_exec '$C42' ping -n -c 1 -W 2 -I '$T42' 10.42.0.2 >/dev/null"

# ---- what the bridge carried ----
kill -TERM "$CAPPID" 2>/dev/null || true
nt_wait_for 5 eval "! nt_alive $CAPPID" || true
tagged_ack() {	# an ACK-sized reply to MAC42 in a VID 42 frame
	grep -qE "> $MAC42, ethertype 802.1Q \(0x8100\), length [0-9]+: vlan 42, .*10\.42\.0\.2\.67 > [0-9.]+\.68: BOOTP/DHCP, Reply" "$CAP"
}
untagged_reply() {
	grep -qE "> $MACU, ethertype IPv4 \(0x0800\), .*10\.10\.0\.2\.67 > [0-9.]+\.68: BOOTP/DHCP, Reply" "$CAP"
}
nt_check "bridge: replies to the VLAN 42 client carry 802.1Q tag 42" \
	tagged_ack
nt_check "bridge: replies to the untagged client carry no tag" \
	untagged_reply
nt_check "bridge: no untagged reply to the VLAN 42 client's MAC" \
	eval "! grep -E '> $MAC42, ethertype IPv4' '$CAP'"
nt_check "racknet-dhcpd logged the VLAN of each ACK" \
	eval "grep -q 'DHCPACK $ip42 to $MAC42 on $S42 (lab/42)' '$SRVLOG' &&
		grep -q 'DHCPACK $ipu to $MACU on $VS (lab/0)' '$SRVLOG'"

nt_summary
