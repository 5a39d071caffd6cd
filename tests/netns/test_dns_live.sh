#!/bin/bash
#
# racknet-dhcpd and racknet-dnsd on one IPAM: DHCP clients' names appear
# in DNS as they get their leases, and go when they release them.
#
#   srv: vs 10.60.0.2/24: racknet-dhcpd and racknet-dnsd
#    |
#   sw: br ---- c1: udhcpc, hostname alpha
#          ---- c2: udhcpc, no hostname
#          ---- c3: udhcpc, hostname alpha too
#          ---- q:  10.60.0.5, a dig loop over the names all along
#
# Shown: c1's name (alpha.live.test) resolves forward and reverse within
# 1 s of the ACK reaching the client (the delay is printed); c2 gets the
# generated name 10-60-0-N.live.test; c3, asking for a name c1 holds, gets
# a generated one and alpha still points at c1 alone; c1 releasing
# (udhcpc SIGUSR2) and c2 releasing on exit (udhcpc -R, SIGTERM) take
# their names away within 1 s. Meanwhile a dig loop from q sees no
# timeout and no SERVFAIL, and names that do not change always answer.
#
# Needs root, iproute2, jq, perl, busybox, dhclient, dhcpcd (dh_init checks
# the DHCP clients), dig, kdig, drill; RACKNET, RACKNET_DHCPD and
# RACKNET_DNSD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
# shellcheck source=tests/lib/dns.sh
source "$here/../lib/dns.sh"
nt_init
dh_init
dn_init

D=live.test
SRVIP=10.60.0.2

# ---- IPAM ----
rn setting set default-domain "$D" >/dev/null
rn setting set dhcp-ping-check off >/dev/null
rn domain add "$D" --ttl 60 >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add 10.60.0.0/24 --vlan lab/0 --gateway 10.60.0.1 --dns "$SRVIP" \
	--domain "$D" --lease-time 600 >/dev/null
rn range add 10.60.0.0/24 10.60.0.100 10.60.0.149 --type dynamic >/dev/null
rn host add fixed --mac 02:00:00:60:00:20 --ip 10.60.0.20 >/dev/null
rn record add "stable.$D" A 10.60.0.50 >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
nt_addr_add "$VS" "$SRVIP/24" "$SRV"
Q=$(nt_netns_add q)
VQ=$(nt_bridge_port "$Q" vq pq "$BR" "$SW")
nt_addr_add "$VQ" 10.60.0.5/24 "$Q"
declare -A NS DEV
for i in 1 2 3; do
	NS[c$i]=$(nt_netns_add "c$i")
	DEV[c$i]=$(nt_bridge_port "${NS[c$i]}" "v$i" "p$i" "$BR" "$SW")
	dh_set_mac "${NS[c$i]}" "${DEV[c$i]}" "02:00:00:60:00:0$i"
done

DHLOG=$NT_LOGDIR/dhcpd.log
DHPID=$(dh_server_start "$SRV" "$DHLOG")
nt_defer dh_server_stop "$DHPID"
DNLOG=$NT_LOGDIR/dnsd.log
DNPID=$(dn_server_start "$SRV" "$DNLOG" --listen "$SRVIP")
nt_defer dn_server_stop "$DNPID"
nt_check "racknet-dhcpd is running" dh_server_up "$DHPID" "$DHLOG"
nt_check "racknet-dnsd is running" dn_server_up "$DNPID" "$DNLOG"

DN_NS=$Q
DN_SERVER=$SRVIP
nt_check "the static host's name resolves" \
	nt_wait_for 5 dn_expect dig "fixed.$D" A NOERROR "A 10.60.0.20"

# ---- a dig loop from q, all along ----
# Names that never change (each must answer NOERROR with data) and names
# that come and go with the leases (NOERROR or NXDOMAIN). dig -f sends
# them one after the other in one process, 1 s timeout, no retry.
STABLE=$NT_LOGDIR/stable.names
CHURN=$NT_LOGDIR/churn.names
{
	echo "fixed.$D A"
	echo "stable.$D A"
	echo "$D SOA"
	echo "$D NS"
	echo "$(dn_rev 10.60.0.20) PTR"
} >"$STABLE"
{
	echo "alpha.$D A"
	for i in 100 101 102 103 104; do
		echo "10-60-0-$i.$D A"
		echo "$(dn_rev "10.60.0.$i") PTR"
	done
} >"$CHURN"
cat "$STABLE" "$CHURN" >"$NT_LOGDIR/all.names"
LOOP=$NT_LOGDIR/digloop
cat >"$LOOP" <<'EOF'
#!/bin/bash
# digloop SERVER NAMES STOPFILE: dig -f NAMES against SERVER until
# STOPFILE exists (at most 3000 rounds, 90 s).
end=$((SECONDS + 90))
for ((i = 0; i < 3000 && SECONDS < end; i++)); do
	[ -e "$3" ] && break
	dig +time=1 +tries=1 +noall +comments +question "@$1" -f "$2"
done
echo "rounds: $i"
EOF
chmod 755 "$LOOP"
STOP=$NT_LOGDIR/digloop.stop
LOOPLOG=$NT_LOGDIR/digloop.out
LOOPPID=$(nt_bg "$Q" "$LOOPLOG" "$LOOP" "$SRVIP" "$NT_LOGDIR/all.names" "$STOP")
nt_check "the dig loop runs" \
	nt_wait_for 5 eval "grep -q 'status:' '$LOOPLOG'"

# ---- clients ----
# udhcpc_start NAME HOSTNAME: busybox udhcpc in NAME's namespace, like
# dh_udhcpc but sending HOSTNAME (none if empty), through a hook that
# stamps when each ACK reached the client (NAME.bound-ms, ms since 1970)
# before the usual hook records it.
udhcpc_start() {
	local name=$1 host=$2 hook wrap
	local -a opt=()
	hook=$(dh_hook udhcpc "$name") || return 1
	wrap=$DH_BIN/stamp-$name
	cat >"$wrap" <<EOF
#!/bin/sh
[ "\$1" = bound ] && date +%s%3N >>"$NT_LOGDIR/$name.bound-ms"
exec "$hook" "\$@"
EOF
	chmod 755 "$wrap" || return 1
	[ -n "$host" ] && opt=(-x "hostname:$host")
	nt_bg "${NS[$name]}" "$NT_LOGDIR/$name.log" busybox udhcpc -f -R \
		-i "${DEV[$name]}" -s "$wrap" -t 20 -T 1 -A 1 "${opt[@]}"
}

# fwd_rev FQDN IP: FQDN has exactly IP, and IP's PTR is exactly FQDN.
fwd_rev() {
	dn_q dig "$1" A && [ "$(dn_summary)" = "A $2" ] &&
		dn_q dig "$(dn_rev "$2")" PTR && [ "$(dn_summary)" = "PTR $1." ]
}

# within_1s_of_ack NAME FQDN IP: poll fwd_rev from q until it holds (5 s
# at most, to say how late it was), print the delay from NAME's ACK; pass
# if it held within 1000 ms of it.
within_1s_of_ack() {
	local ack now i
	ack=$(tail -n 1 "$NT_LOGDIR/$1.bound-ms" 2>/dev/null) ||
		{ echo "   $1: no ACK time"; return 1; }
	for ((i = 0; i < 500; i++)); do
		now=$(dn_now_ms)
		if fwd_rev "$2" "$3"; then
			echo "   $2 <-> $3: resolved $((now - ack)) ms after $1's ACK"
			[ $((now - ack)) -le 1000 ]
			return
		fi
		[ $((now - ack)) -gt 5000 ] && break
		sleep 0.01
	done
	echo "   $2 <-> $3: not resolved 5 s after $1's ACK"
	dn_show
	return 1
}

gen() {	# gen IP: the name IPAM's DNS makes for an address
	echo "${1//./-}.$D"
}

declare -A IP
C1PID=$(udhcpc_start c1 alpha)
nt_check "c1 (hostname alpha) got a lease" dh_wait_event 30 c1 bound
IP[c1]=$(dh_get c1 ip || echo none)
nt_check "alpha.$D <-> ${IP[c1]} within 1 s of c1's ACK" \
	within_1s_of_ack c1 "alpha.$D" "${IP[c1]}"
nt_check "kdig and drill agree (alpha.$D A ${IP[c1]})" \
	eval "dn_expect kdig alpha.$D A NOERROR 'A ${IP[c1]}' &&
		dn_expect drill alpha.$D A NOERROR 'A ${IP[c1]}'"

C2PID=$(udhcpc_start c2 "")
nt_check "c2 (no hostname) got a lease" dh_wait_event 30 c2 bound
IP[c2]=$(dh_get c2 ip || echo none)
nt_check "$(gen "${IP[c2]}") <-> ${IP[c2]} (generated) within 1 s of c2's ACK" \
	within_1s_of_ack c2 "$(gen "${IP[c2]}")" "${IP[c2]}"

udhcpc_start c3 alpha >/dev/null
nt_check "c3 (hostname alpha, taken by c1) got a lease" \
	dh_wait_event 30 c3 bound
IP[c3]=$(dh_get c3 ip || echo none)
nt_check "c3 gets the generated $(gen "${IP[c3]}") <-> ${IP[c3]} within 1 s of its ACK" \
	within_1s_of_ack c3 "$(gen "${IP[c3]}")" "${IP[c3]}"
nt_check "alpha.$D still has c1's address alone" \
	dn_expect dig "alpha.$D" A NOERROR "A ${IP[c1]}"
nt_check "IPAM holds both leases as hostname alpha" \
	eval "[ '$(dh_lease_field "${IP[c1]}" hostname)' = alpha ] &&
		[ '$(dh_lease_field "${IP[c3]}" hostname)' = alpha ]"
nt_check "three different addresses" \
	eval "[ \$(printf '%s\n' ${IP[c1]} ${IP[c2]} ${IP[c3]} | sort -u | wc -l) -eq 3 ]"

# ---- releases ----
# gone_within_1s WHAT FQDN IP CMD...: run CMD (the release), then poll
# from q until FQDN no longer has IP and IP has no PTR; print the delay.
GONE_RCODE=""	# what FQDN answered when gone() held
gone() {
	dn_q dig "$1" A && ! dn_rrs ANSWER | grep -q " A $2\$" || return 1
	GONE_RCODE=$(dn_rcode)
	dn_q dig "$(dn_rev "$2")" PTR && [ "$(dn_rcode)" = NXDOMAIN ]
}
gone_within_1s() {
	local fqdn=$1 ip=$2 t0 now i
	shift 2
	t0=$(dn_now_ms)
	"$@" || return 1
	for ((i = 0; i < 500; i++)); do
		now=$(dn_now_ms)
		if gone "$fqdn" "$ip"; then
			echo "   $fqdn, $ip: gone $((now - t0)) ms after the release began" \
				"($fqdn now: $GONE_RCODE)"
			[ $((now - t0)) -le 1000 ]
			return
		fi
		[ $((now - t0)) -gt 5000 ] && break
		sleep 0.01
	done
	echo "   $fqdn, $ip: still there 5 s after the release"
	dn_show
	return 1
}
nt_check "c1 releases (udhcpc SIGUSR2): alpha.$D and ${IP[c1]}'s PTR gone within 1 s" \
	gone_within_1s "alpha.$D" "${IP[c1]}" kill -USR2 "$C1PID"
nt_check "IPAM: c1's lease expired" \
	nt_wait_for 3 eval "[ \"\$(dh_lease_field ${IP[c1]} status)\" = expired ]"
nt_check "c2 exits and releases (udhcpc -R): $(gen "${IP[c2]}") gone within 1 s" \
	gone_within_1s "$(gen "${IP[c2]}")" "${IP[c2]}" kill -TERM "$C2PID"
nt_check "c3 keeps its name" \
	fwd_rev "$(gen "${IP[c3]}")" "${IP[c3]}"

# ---- what the dig loop saw ----
: >"$STOP"
nt_check "the dig loop stopped" nt_wait_for 10 eval "! nt_alive $LOOPPID"
# One line per query: NAME TYPE STATUS ANSWERS, or "TIMEOUT".
awk '
	/no servers could be reached/ { print "- - TIMEOUT 0"; next }
	/->>HEADER<<-/ { st = $6; sub(/,$/, "", st); next }
	/^;; flags:/ { an = $0; sub(/.*ANSWER: /, "", an); sub(/,.*/, "", an); next }
	/^;[^; ]/ { sub(/^;/, ""); print $1, $3, st, an }
' "$LOOPLOG" >"$NT_LOGDIR/digloop.results"
RES=$NT_LOGDIR/digloop.results
total=$(wc -l <"$RES")
echo "   the dig loop: $(tail -n 1 "$LOOPLOG"), $total queries:" \
	"$(awk '{print $3}' "$RES" | sort | uniq -c | tr -s ' ' | paste -sd, -)"
nt_check "the dig loop sent queries all along (> 200)" eval "[ $total -gt 200 ]"
nt_check "no timeouts" eval "! grep -q TIMEOUT '$RES'"
nt_check "no SERVFAIL" eval "! grep -q ' SERVFAIL ' '$RES'"
nt_check "only NOERROR and NXDOMAIN" \
	eval "! awk '{print \$3}' '$RES' | grep -qvx -e NOERROR -e NXDOMAIN"
stable_ok() {
	local bad
	bad=$(awk 'NR == FNR { want[tolower($1) "."] = 1; next }
		(tolower($1) in want) && ($3 != "NOERROR" || $4 < 1)' \
		"$STABLE" "$RES" | sort | uniq -c)
	[ -z "$bad" ] || { echo "   unexpected: $bad"; return 1; }
}
nt_check "the names that do not change always answered NOERROR with data" stable_ok
nt_check "the loop saw alpha.$D come and go (NOERROR and NXDOMAIN)" \
	eval "grep -q '^alpha\\.$D\\. A NOERROR ' '$RES' &&
		grep -q '^alpha\\.$D\\. A NXDOMAIN ' '$RES'"
nt_check "each stable name was asked (> 20 times)" \
	eval "[ \$(grep -c '^fixed\\.$D\\. A ' '$RES') -gt 20 ]"
nt_check "racknet-dnsd is still running" nt_alive "$DNPID"
nt_check "racknet-dhcpd is still running" nt_alive "$DHPID"

nt_summary
