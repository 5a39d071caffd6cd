#!/bin/bash
#
# racknet-dhcpd serving a second subnet through a relay agent (ISC dhcrelay):
#
#   c1: dhclient, c2: udhcpc          (no address)
#    |
#   sw: brb                            10.20.0.0/24, lab/20
#    |
#   rly: rb 10.20.0.1  dhcrelay  ra 10.10.0.3   (forwards IP too)
#    |
#   sw: bra                            10.10.0.0/24, lab/0
#    |
#   srv: vs 10.10.0.2, racknet-dhcpd; route 10.20.0.0/24 via 10.10.0.3
#
# Checks: both clients get an address from 10.20.0.0/24's dynamic range
# (the subnet of giaddr 10.20.0.1, not the server's own subnet), with that
# subnet's router, DNS and lease time; IPAM records the leases on
# 10.20.0.0/24 with the clients' MACs; a renewal unicast straight to the
# server once the relay is gone (udhcpc SIGUSR1: ciaddr set, no giaddr,
# routed through rly) keeps the address and draws no DHCPNAK; a release
# (dhclient -r, unicast and routed the same way) expires the lease.
#
# Needs root, iproute2, jq, dhclient, busybox, dhcpcd, dhcrelay; RACKNET and
# RACKNET_DHCPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_need dhcrelay sysctl
dh_init

# ---- IPAM ----
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn vlan add lab 20 --relay-from lab/0 >/dev/null
rn subnet add 10.10.0.0/24 --vlan lab/0 --gateway 10.10.0.1 \
	--dns 10.10.0.53 --lease-time 900 >/dev/null
rn range add 10.10.0.0/24 10.10.0.100 10.10.0.149 --type dynamic >/dev/null
CIDR=10.20.0.0/24
FIRST=10.20.0.100
LAST=10.20.0.149
rn subnet add "$CIDR" --vlan lab/20 --gateway 10.20.0.1 \
	--dns 10.20.0.53,10.20.0.54 --domain far.test --lease-time 700 >/dev/null
rn range add "$CIDR" "$FIRST" "$LAST" --type dynamic >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
RLY=$(nt_netns_add rly)
SW=$(nt_netns_add sw)
BRA=$(nt_bridge_add bra "$SW")
BRB=$(nt_bridge_add brb "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BRA" "$SW")
RA=$(nt_bridge_port "$RLY" ra pra "$BRA" "$SW")
RB=$(nt_bridge_port "$RLY" rb prb "$BRB" "$SW")
nt_addr_add "$VS" 10.10.0.2/24 "$SRV"
nt_addr_add "$RA" 10.10.0.3/24 "$RLY"
nt_addr_add "$RB" 10.20.0.1/24 "$RLY"
nt_exec "$SRV" ip route add 10.20.0.0/24 via 10.10.0.3
nt_exec "$RLY" sysctl -qw net.ipv4.ip_forward=1
declare -A NS DEV MAC
for i in 1 2; do
	NS[c$i]=$(nt_netns_add "c$i")
	DEV[c$i]=$(nt_bridge_port "${NS[c$i]}" "v$i" "p$i" "$BRB" "$SW")
	MAC[c$i]=02:00:00:20:00:0$i
	dh_set_mac "${NS[c$i]}" "${DEV[c$i]}" "${MAC[c$i]}"
done
nt_check "server reaches the relay's client side (route back)" \
	nt_wait_for 10 nt_exec "$SRV" ping -n -c 1 -W 1 10.20.0.1

SRVLOG=$NT_LOGDIR/dhcpd.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
RLYPID=$(nt_bg "$RLY" "$NT_LOGDIR/dhcrelay.log" dhcrelay -4 -d \
	-pf "$NT_LOGDIR/dhcrelay.pid" -id "$RB" -iu "$RA" 10.10.0.2)
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"
nt_check "dhcrelay is running" eval "sleep 0.3; nt_alive $RLYPID"

dh_dhclient "${NS[c1]}" "${DEV[c1]}" c1 >/dev/null
UPID=$(dh_udhcpc "${NS[c2]}" "${DEV[c2]}" c2)
for c in c1 c2; do
	nt_check "$c got a lease through the relay" dh_wait_event 30 "$c" bound
done

relayed_ok() {	# relayed_ok C: C's lease is 10.20.0.0/24's, in both views
	local c=$1 ip rc=0
	ip=$(dh_get "$c" ip) || { echo "   $c: no lease"; return 1; }
	dh_in_range "$ip" "$FIRST" "$LAST" ||
		{ echo "   $c: $ip outside $FIRST-$LAST"; rc=1; }
	dh_same "$c mask" "$(dh_get "$c" mask)" 255.255.255.0 || rc=1
	dh_same "$c router" "$(dh_get "$c" router)" 10.20.0.1 || rc=1
	dh_same "$c dns" "$(dh_get "$c" dns)" "10.20.0.53 10.20.0.54" || rc=1
	dh_same "$c domain" "$(dh_get "$c" domain)" far.test || rc=1
	dh_same "$c lease time" "$(dh_get "$c" lease)" 700 || rc=1
	dh_same "$c server id" "$(dh_get "$c" server)" 10.10.0.2 || rc=1
	dh_same "$c IPAM subnet" "$(dh_lease_field "$ip" subnet)" "$CIDR" || rc=1
	dh_same "$c IPAM mac" "$(dh_lease_field "$ip" mac)" "${MAC[$c]}" || rc=1
	dh_same "$c IPAM status" "$(dh_lease_field "$ip" status)" active || rc=1
	return "$rc"
}
for c in c1 c2; do
	nt_check "$c ($(dh_get "$c" ip)): from $CIDR, its options, in IPAM" \
		relayed_ok "$c"
done
nt_check "the relay forwarded requests and replies" \
	eval "grep -q 'Forwarded BOOTREQUEST' '$NT_LOGDIR/dhcrelay.log' &&
		grep -q 'Forwarded BOOTREPLY' '$NT_LOGDIR/dhcrelay.log'"
nt_check "nothing was leased on the server's own subnet" \
	eval "[ \"\$(rn lease list --subnet 10.10.0.0/24 --json | jq length)\" = 0 ]"

# ---- renew and release: unicast to the server, routed, no relay ----
# RFC 2131 4.3.2: a RENEWING client unicasts its DHCPREQUEST with ciaddr
# set and giaddr 0, and the server trusts ciaddr. Stop dhcrelay first: it
# sees every frame on rb and would relay a second copy (giaddr set).
kill -TERM "$RLYPID"
nt_check "dhcrelay stopped" nt_wait_for 5 eval "! nt_alive $RLYPID"
ip2=$(dh_get c2 ip)
kill -USR1 "$UPID"
nt_check "c2 (udhcpc SIGUSR1) renewed by unicast to 10.10.0.2" \
	dh_wait_event 15 c2 renew
nt_check "c2 kept $ip2" dh_same "c2 ip" "$(dh_get c2 ip || true)" "$ip2"
nt_check "the renewal (ciaddr $ip2, no giaddr) was not NAKed" \
	eval "! grep 'DHCPNAK' '$SRVLOG'"
nt_check "c2's lease is still active on $CIDR" relayed_ok c2

ip1=$(dh_get c1 ip)
dh_dhclient_release "${NS[c1]}" "${DEV[c1]}" c1 || true
nt_check "c1 (dhclient -r) released $ip1: expired in IPAM" \
	nt_wait_for 10 eval "[ \"\$(dh_lease_field $ip1 status)\" = expired ]"
nt_check "racknet-dhcpd is still running" nt_alive "$SRVPID"

nt_summary
