#!/bin/bash
#
# racknet-dhcpd against three real DHCP clients, each in its own namespace
# on one bridge with the server:
#
#   srv: vs 10.10.0.2/24, racknet-dhcpd (subnet found by the address)
#    |
#   sw: br ---- c1: dhclient   (ISC)
#          ---- c2: udhcpc     (busybox)
#          ---- c3: dhcpcd
#          ---- c4: udhcpc, MAC of host "node4" (static 10.10.0.10)
#
# For each dynamic client, from the client's side: the address its hook got
# lies in the dynamic range and sits on its interface with the subnet's
# prefix; the default route goes via the subnet's gateway; router, DNS
# servers, domain (and search list), NTP servers, MTU (also on the link)
# and lease time are what IPAM says. In IPAM the lease is active for the
# client's MAC and hostname. A renew (dhclient restarted with its lease
# file: INIT-REBOOT; udhcpc SIGUSR1; dhcpcd -N) keeps the address, and a
# release (dhclient -r; udhcpc -R on SIGTERM; dhcpcd -k) leaves the lease
# expired in IPAM. The static host gets its static address, outside the
# dynamic range.
#
# Needs root, iproute2, jq, dhclient, busybox, dhcpcd; RACKNET and
# RACKNET_DHCPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_init

# ---- IPAM ----
CIDR=10.10.0.0/24
FIRST=10.10.0.100
LAST=10.10.0.149
rn fabric add lab >/dev/null
rn vlan add lab 0 --mtu 1400 >/dev/null
rn subnet add "$CIDR" --vlan lab/0 --gateway 10.10.0.1 \
	--dns 10.10.0.53,10.10.0.54 --domain lab.test \
	--ntp 10.10.0.123,10.10.0.124 --lease-time 600 >/dev/null
rn range add "$CIDR" "$FIRST" "$LAST" --type dynamic >/dev/null
rn host add node4 --mac 02:00:00:10:00:04 --ip 10.10.0.10 >/dev/null

sub=$(rn subnet list --json | jq -c ".[] | select(.cidr == \"$CIDR\")")
want_router=$(jq -r .gateway <<<"$sub")
want_dns=$(jq -r '.dns | split(",") | join(" ")' <<<"$sub")
want_ntp=$(jq -r '.ntp | split(",") | join(" ")' <<<"$sub")
want_domain=$(jq -r .domain <<<"$sub")
want_lease=$(jq -r .lease_time <<<"$sub")
want_mtu=$(rn vlan show lab/0 --json | jq -r .mtu)

# ---- the lab ----
SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
nt_addr_add "$VS" 10.10.0.2/24 "$SRV"
declare -A NS DEV MAC
for i in 1 2 3 4; do
	NS[c$i]=$(nt_netns_add "c$i")
	DEV[c$i]=$(nt_bridge_port "${NS[c$i]}" "v$i" "p$i" "$BR" "$SW")
	MAC[c$i]=02:00:00:10:00:0$i
	dh_set_mac "${NS[c$i]}" "${DEV[c$i]}" "${MAC[c$i]}"
done

SRVLOG=$NT_LOGDIR/dhcpd.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"

# ---- all four clients at once ----
D1PID=$(dh_dhclient "${NS[c1]}" "${DEV[c1]}" c1)
UPID=$(dh_udhcpc "${NS[c2]}" "${DEV[c2]}" c2)
dh_dhcpcd "${NS[c3]}" "${DEV[c3]}" c3 >/dev/null
dh_udhcpc "${NS[c4]}" "${DEV[c4]}" c4 >/dev/null

for c in c1 c2 c3 c4; do
	nt_check "$c got a lease" dh_wait_event 30 "$c" bound
done

# client_ok C: what C's hook received, and its interface, agree with IPAM.
client_ok() {
	local c=$1 ns=${NS[$1]} ifc=${DEV[$1]} ip rc=0 got
	ip=$(dh_get "$c" ip) || { echo "   $c: no lease recorded"; return 1; }
	dh_in_range "$ip" "$FIRST" "$LAST" ||
		{ echo "   $c: $ip outside $FIRST-$LAST"; rc=1; }
	dh_same "$c mask" "$(dh_get "$c" mask)" 255.255.255.0 || rc=1
	dh_same "$c router" "$(dh_get "$c" router)" "$want_router" || rc=1
	dh_same "$c dns" "$(dh_get "$c" dns)" "$want_dns" || rc=1
	dh_same "$c domain" "$(dh_get "$c" domain)" "$want_domain" || rc=1
	dh_same "$c search" "$(dh_get "$c" search)" "$want_domain" || rc=1
	dh_same "$c ntp" "$(dh_get "$c" ntp)" "$want_ntp" || rc=1
	dh_same "$c mtu" "$(dh_get "$c" mtu)" "$want_mtu" || rc=1
	dh_same "$c lease time" "$(dh_get "$c" lease)" "$want_lease" || rc=1
	got=$(nt_exec "$ns" ip -4 -o addr show dev "$ifc" | awk '{print $4}')
	dh_same "$c address on $ifc" "$got" "$ip/24" || rc=1
	got=$(nt_exec "$ns" ip -4 route show default | awk '{print $3; exit}')
	dh_same "$c default route via" "$got" "$want_router" || rc=1
	if [ "$c" = c3 ]; then
		# dhcpcd puts the MTU on its routes, not on the link.
		got=$(nt_exec "$ns" ip -4 route show default |
			sed -n 's/.* mtu \([0-9]*\).*/\1/p')
		dh_same "$c default route MTU" "$got" "$want_mtu" || rc=1
	else
		got=$(nt_exec "$ns" cat "/sys/class/net/$ifc/mtu")
		dh_same "$c link MTU" "$got" "$want_mtu" || rc=1
	fi
	return "$rc"
}

# ipam_ok C: IPAM holds C's address as an active lease of C's MAC and name.
ipam_ok() {
	local c=$1 ip rc=0
	ip=$(dh_get "$c" ip) || return 1
	dh_same "$c lease status" "$(dh_lease_field "$ip" status)" active || rc=1
	dh_same "$c lease mac" "$(dh_lease_field "$ip" mac)" "${MAC[$c]}" || rc=1
	dh_same "$c lease hostname" "$(dh_lease_field "$ip" hostname)" "$c" || rc=1
	dh_same "$c lease subnet" "$(dh_lease_field "$ip" subnet)" "$CIDR" || rc=1
	return "$rc"
}

for c in c1 c2 c3; do
	nt_check "$c ($(dh_get "$c" ip)): options and interface match IPAM" \
		client_ok "$c"
	nt_check "$c: IPAM shows its lease active, with its MAC and hostname" \
		ipam_ok "$c"
done
nt_check "c1, c2, c3 got three different addresses" \
	eval "[ \$(for c in c1 c2 c3; do dh_get \$c ip; done | sort -u | wc -l) -eq 3 ]"
nt_check "static host node4 (c4) got its static 10.10.0.10" \
	dh_same "c4 ip" "$(dh_get c4 ip)" 10.10.0.10
nt_check "c4's address is on its interface" \
	eval "nt_exec '${NS[c4]}' ip -4 -o addr show dev '${DEV[c4]}' | grep -qF ' 10.10.0.10/24 '"
nt_check "c4 got the subnet's router and DNS too" \
	eval "[ '$(dh_get c4 router)' = '$want_router' ] && [ '$(dh_get c4 dns)' = '$want_dns' ]"

# ---- renew: the same address ----
declare -A IP
for c in c1 c2 c3; do
	IP[$c]=$(dh_get "$c" ip)
done
# dhclient: stop it without a release, start it again on its lease file
# (INIT-REBOOT: a DHCPREQUEST for the address it had).
kill -TERM "$D1PID"
nt_wait_for 5 eval "! nt_alive $D1PID" || true
dh_dhclient "${NS[c1]}" "${DEV[c1]}" c1 >/dev/null
kill -USR1 "$UPID"
dh_dhcpcd_ctl "${NS[c3]}" "${DEV[c3]}" c3 -N || true

nt_check "c1 (dhclient restarted) is bound again" dh_wait_event 20 c1 bound 2
nt_check "c2 (udhcpc SIGUSR1) renewed" dh_wait_event 20 c2 renew
nt_check "c3 (dhcpcd -N) renewed" dh_wait_event 20 c3 renew
acks() {	# acks MAC: DHCPACKs racknet-dhcpd logged for MAC
	grep -c "DHCPACK .* to $1 " "$SRVLOG" || true
}
for c in c1 c2 c3; do
	nt_check "$c kept ${IP[$c]}" dh_same "$c ip" "$(dh_get "$c" ip)" "${IP[$c]}"
	nt_check "$c: racknet-dhcpd ACKed it twice" \
		eval "[ \$(acks '${MAC[$c]}') -ge 2 ]"
	nt_check "$c: lease still active in IPAM" ipam_ok "$c"
done

# ---- release: the lease expires in IPAM ----
dh_dhclient_release "${NS[c1]}" "${DEV[c1]}" c1 || true
kill -TERM "$UPID"
dh_dhcpcd_ctl "${NS[c3]}" "${DEV[c3]}" c3 -k || true

released() {	# released C: IPAM no longer lists C's lease as active
	local ip=${IP[$1]}
	[ "$(dh_lease_field "$ip" status)" = expired ] &&
		! rn lease list --json | jq -e ".[] | select(.ip == \"$ip\")" >/dev/null
}
nt_check "c1 (dhclient -r) released ${IP[c1]}: expired in IPAM" \
	nt_wait_for 10 released c1
nt_check "c2 (udhcpc -R, SIGTERM) released ${IP[c2]}: expired in IPAM" \
	nt_wait_for 10 released c2
nt_check "c3 (dhcpcd -k) released ${IP[c3]}: expired in IPAM" \
	nt_wait_for 10 released c3
nt_check "racknet dhcp stats counts 3 releases and 7 ACKs or more" \
	nt_wait_for 3 eval "[ \$(dh_stat rx_release) -ge 3 ] && [ \$(dh_stat tx_ack) -ge 7 ]"
nt_check "the released leases keep their MACs" \
	eval "[ '$(dh_lease_field "${IP[c1]}" mac)' = '${MAC[c1]}' ]"
nt_check "the static host's address is no lease" \
	eval "! rn lease list --json | jq -e '.[] | select(.ip == \"10.10.0.10\")' >/dev/null"
nt_check "racknet-dhcpd is still running" nt_alive "$SRVPID"
nt_check "racknet-dhcpd logged each release" \
	eval "[ \$(grep -c 'DHCPRELEASE' '$SRVLOG') -ge 3 ]"

nt_summary
