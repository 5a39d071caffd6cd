#!/bin/bash
#
# racknet-dhcpd runs out of addresses: a dynamic range of 4 serves 4
# clients, the 5th gets nothing, and the daemon says why.
#
#   srv: vs 10.30.0.2/24, racknet-dhcpd; range 10.30.0.100-10.30.0.103
#    |
#   sw: br ---- c1..c5: udhcpc each (c5 started once c1..c4 are bound)
#
# Checks: c1..c4 each get a different address of the range, and IPAM holds
# four active leases with their MACs; c5 gets no lease (udhcpc -n gives up)
# and the log says "pool exhausted on 10.30.0.0/24"; once c1 releases its
# address, c5 gets exactly that one.
#
# Needs root, iproute2, jq, busybox; RACKNET and RACKNET_DHCPD (ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_init

CIDR=10.30.0.0/24
FIRST=10.30.0.100
LAST=10.30.0.103
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add "$CIDR" --vlan lab/0 --gateway 10.30.0.1 --lease-time 600 >/dev/null
rn range add "$CIDR" "$FIRST" "$LAST" --type dynamic >/dev/null

SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
nt_addr_add "$VS" 10.30.0.2/24 "$SRV"
declare -A NS DEV MAC PID
for i in 1 2 3 4 5; do
	NS[c$i]=$(nt_netns_add "c$i")
	DEV[c$i]=$(nt_bridge_port "${NS[c$i]}" "v$i" "p$i" "$BR" "$SW")
	MAC[c$i]=02:00:00:30:00:0$i
	dh_set_mac "${NS[c$i]}" "${DEV[c$i]}" "${MAC[c$i]}"
done

SRVLOG=$NT_LOGDIR/dhcpd.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"

for c in c1 c2 c3 c4; do
	PID[$c]=$(dh_udhcpc "${NS[$c]}" "${DEV[$c]}" "$c")
done
for c in c1 c2 c3 c4; do
	nt_check "$c got a lease" dh_wait_event 30 "$c" bound
done
in_pool() {
	local c ip rc=0
	for c in c1 c2 c3 c4; do
		ip=$(dh_get "$c" ip) || { echo "   $c: no lease"; rc=1; continue; }
		dh_in_range "$ip" "$FIRST" "$LAST" ||
			{ echo "   $c: $ip outside $FIRST-$LAST"; rc=1; }
		dh_same "$c IPAM mac" "$(dh_lease_field "$ip" mac)" "${MAC[$c]}" ||
			rc=1
	done
	return "$rc"
}
nt_check "c1..c4 got addresses of $FIRST-$LAST, leased to their MACs" in_pool
nt_check "... four different ones" \
	eval "[ \$(for c in c1 c2 c3 c4; do dh_get \$c ip; done | sort -u | wc -l) -eq 4 ]"
nt_check "IPAM lists 4 active leases on $CIDR" \
	eval "[ \"\$(rn lease list --subnet $CIDR --json | jq length)\" = 4 ]"

# ---- the fifth: nothing left ----
# -n: exit (status 1) when no lease came after -t 4 discovers.
P5=$(dh_udhcpc "${NS[c5]}" "${DEV[c5]}" c5 -n -t 4 -T 1 -A 1)
nt_check "c5 gave up (udhcpc -n exited)" nt_wait_for 15 eval "! nt_alive $P5"
nt_check "c5 got no lease" eval "[ \$(dh_count c5 bound) -eq 0 ]"
nt_check "c5 has no address" \
	eval "! nt_exec '${NS[c5]}' ip -4 -o addr show dev '${DEV[c5]}' | grep -q inet"
nt_check "racknet-dhcpd logged 'pool exhausted on $CIDR'" \
	grep -q "pool exhausted on $CIDR" "$SRVLOG"
nt_check "racknet dhcp stats counts it (pool_exhausted)" \
	nt_wait_for 3 eval "[ \$(dh_stat pool_exhausted) -ge 1 ]"
nt_check "still 4 active leases, none for c5's MAC" \
	eval "[ \"\$(rn lease list --subnet $CIDR --json | jq length)\" = 4 ] &&
		! rn lease list --all --json | jq -e '.[] | select(.mac == \"${MAC[c5]}\")' >/dev/null"

# ---- c1 releases: c5 gets its address ----
ip1=$(dh_get c1 ip)
kill -TERM "${PID[c1]}"
nt_check "c1 released $ip1" \
	nt_wait_for 10 eval "[ \"\$(dh_lease_field $ip1 status)\" = expired ]"
dh_udhcpc "${NS[c5]}" "${DEV[c5]}" c5 >/dev/null
nt_check "c5 now got a lease" dh_wait_event 20 c5 bound
nt_check "c5 got the released $ip1" \
	dh_same "c5 ip" "$(dh_get c5 ip || true)" "$ip1"
nt_check "racknet-dhcpd is still running" nt_alive "$SRVPID"

nt_summary
