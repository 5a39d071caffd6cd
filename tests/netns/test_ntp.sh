#!/bin/bash
#
# chronyd configured from IPAM (`racknet ntp config`) serving time to a
# chronyd client in another namespace, and refusing one outside the
# managed subnets:
#
#   srv: vs1 10.123.0.1/24, fd12:3::1/64: racknet-dhcpd, chronyd (server)
#        vs2 172.16.123.1/24
#    |
#   c1:  vc1 DHCP lease from racknet-dhcpd, fd12:3::10/64: two chronyd
#        clients, of 10.123.0.1 (from DHCP) and of fd12:3::1
#   c2:  vc2 172.16.123.10/24 (an unmanaged subnet): chronyd (client)
#
# IPAM: 10.123.0.0/24 (dynamic range, no --ntp) and fd12:3::/64 managed,
# 172.16.123.0/24 unmanaged; ntp-servers empty (a lab with no upstream).
#
# Shown: udhcpc on c1 gets option 42 naming racknet's own address on the
# subnet; the rendered file allows the managed subnets only; chronyd
# runs on it as its own user, writing only its state directory; c1's
# chronyd, pointed at the server DHCP named, selects it (`^*` in `chronyc
# sources`), and so does one pointed at its IPv6 address; c2's is never
# answered (`^?`, nothing received, though the path works) and the
# server's `accheck` denies it; after `racknet subnet set ... --managed
# on` and a fresh render and restart, c2 selects the server too.
#
# SAFETY: every chronyd here runs with -x (never adjust this machine's
# clock); each one's state (pid, drift, command socket) is in the test's
# own directory. At the end the host's /var/lib/chrony and /run/chrony
# are as they were and the wall clock kept pace with the time since boot.
#
# Needs root, iproute2, jq, busybox (udhcpc), chronyd and chronyc (package
# chrony) with its _chrony user; RACKNET and RACKNET_DHCPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_init
dh_need chronyd chronyc

# chronyd drops root to this user (its compiled-in default) after opening
# its sockets and pidfile; its socket's folder must belong to it.
CHRONY_USER=_chrony
if ! id -u "$CHRONY_USER" >/dev/null 2>&1; then
	echo "SKIP: no user $CHRONY_USER (the chrony package creates it)"
	exit 77
fi

# ---- the host, before: what must not change ----
host_state() {
	local d
	for d in /var/lib/chrony /run/chrony; do
		if [ -e "$d" ]; then
			echo "$d $(stat -c '%U %a %Y' "$d")" \
				"$(find "$d" -mindepth 1 -maxdepth 1 -printf '%f %s %T@\n' |
					sort | tr '\n' ' ')"
		else
			echo "$d absent"
		fi
	done
}
HOST_BEFORE=$(host_state)
# The wall clock and the time since boot (which nothing steps), together.
clocks() {
	local up
	read -r up _ </proc/uptime
	echo "$(date +%s.%N) $up"
}
CLOCKS_BEFORE=$(clocks)

# ---- IPAM ----
NET=10.123.0.0/24
OUT=172.16.123.0/24
NET6=fd12:3::/64
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add "$NET" --vlan lab/0 --gateway 10.123.0.1 >/dev/null
rn range add "$NET" 10.123.0.100 10.123.0.149 --type dynamic >/dev/null
rn subnet add "$NET6" --vlan lab/0 >/dev/null
rn subnet add "$OUT" --vlan lab/0 --managed off >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
C1=$(nt_netns_add c1)
C2=$(nt_netns_add c2)
read -r VS1 VC1 <<<"$(nt_veth_add vs1 "$SRV" vc1 "$C1")"
read -r VS2 VC2 <<<"$(nt_veth_add vs2 "$SRV" vc2 "$C2")"
nt_addr_add "$VS1" 10.123.0.1/24 "$SRV"
nt_addr_add "$VS2" 172.16.123.1/24 "$SRV"
nt_addr_add "$VC2" 172.16.123.10/24 "$C2"
V6=1
if ! ip -n "$SRV" addr add fd12:3::1/64 dev "$VS1" nodad ||
	! ip -n "$C1" addr add fd12:3::10/64 dev "$VC1" nodad; then
	echo "   no IPv6 in this kernel: the IPv6 check is left out"
	V6=0
fi

# ---- DHCP names racknet's own address as the NTP server ----
DLOG=$NT_LOGDIR/dhcpd.log
DPID=$(dh_server_start "$SRV" "$DLOG")
nt_defer dh_server_stop "$DPID"
nt_check "racknet-dhcpd is running" dh_server_up "$DPID" "$DLOG"
dh_udhcpc "$C1" "$VC1" c1 >/dev/null
nt_check "c1 (udhcpc) got a lease" dh_wait_event 30 c1 bound
NTP_FROM_DHCP=$(dh_get c1 ntp || :)
nt_check "option 42: the subnet names no NTP server, so racknet's own address (10.123.0.1)" \
	dh_same "c1 ntp" "$NTP_FROM_DHCP" 10.123.0.1
if [ "$NTP_FROM_DHCP" != 10.123.0.1 ]; then
	# Still check chronyd, from an address of the test's choosing.
	echo "   (no usable lease: c1 takes 10.123.0.99 and asks 10.123.0.1)"
	nt_addr_add "$VC1" 10.123.0.99/24 "$C1"
	NTP_FROM_DHCP=10.123.0.1
fi

# ---- chronyd ----
# The test's folder (mode 0700, root's) must let chronyd's user through
# to the state directories inside it.
chmod 0711 "$NT_LOGDIR"

# ntp_state NAME: a state directory for one chronyd, its user's, closed
# to others (chronyd refuses a command socket folder anyone else owns).
ntp_state() {
	local d=$NT_LOGDIR/chrony-$1
	mkdir -m 0750 "$d" && chown "$CHRONY_USER:" "$d" && echo "$d"
}

# ntp_start NS NAME CONF: chronyd in the foreground in NS, logging to
# $NT_LOGDIR/chronyd-NAME.log. ALWAYS -x: chronyd must never adjust this
# machine's clock. Prints its PID.
ntp_start() {
	nt_bg "$1" "$NT_LOGDIR/chronyd-$2.log" \
		chronyd -x -d -u "$CHRONY_USER" -f "$3"
}

# ntp_up PID NAME: chronyd PID said it will not touch the clock, and runs.
ntp_up() {
	nt_started "$1" "$NT_LOGDIR/chronyd-$2.log" \
		'Disabled control of system clock'
}

# ntp_client NAME SERVER...: a minimal client config polling each SERVER
# every 1/16 s (what converges fastest), state in its own directory.
ntp_client() {
	local name=$1 d s conf=$NT_LOGDIR/chrony-$1.conf
	shift
	d=$(ntp_state "$name") || return 1
	{
		echo "# chronyd test client $name (tests/netns/test_ntp.sh)"
		for s in "$@"; do
			echo "server $s iburst minpoll -4 maxpoll -4"
		done
		echo "driftfile $d/chronyd.drift"
		echo "pidfile $d/chronyd.pid"
		echo "bindcmdaddress $d/chronyd.sock"
		echo "cmdport 0"
	} >"$conf" && echo "$conf"
}

# chronyc NS NAME ARGS...: chronyc in NS, through NAME's command socket.
ch() {
	local ns=$1 name=$2
	shift 2
	timeout 5 ip netns exec "$ns" chronyc -n \
		-h "$NT_LOGDIR/chrony-$name/chronyd.sock" "$@"
}

# selected NS NAME ADDR: NAME's chronyd has ADDR as its selected source.
selected() {
	ch "$1" "$2" sources | grep -qE "^\^\* ${3//./\\.} "
}

# ntpdata_field NS NAME ADDR FIELD: a number of `chronyc ntpdata ADDR`.
ntpdata_field() {
	ch "$1" "$2" ntpdata "$3" |
		sed -n "s/^$4 *: *\([0-9][0-9]*\).*/\1/p"
}

show_sources() {
	ch "$1" "$2" sources 2>&1 | sed 's/^/   /' || :
}

SD=$(ntp_state srv)
CONF=$NT_LOGDIR/chrony.conf
rn ntp config --state-dir "$SD" >"$CONF"
sed 's/^/   | /' "$CONF"
nt_check "the rendered file allows exactly the managed subnets" \
	dh_same "allow lines" "$(grep '^allow ' "$CONF" | tr '\n' ' ')" \
	"allow $NET allow $NET6 "
nt_check "no upstream server (ntp-servers is empty), local stratum 10" \
	eval "! grep -q '^server ' '$CONF' && grep -qx 'local stratum 10' '$CONF'"

SPID=$(ntp_start "$SRV" srv "$CONF")
nt_check "the server's chronyd runs, without control of the clock" \
	ntp_up "$SPID" srv
nt_check "its pidfile and command socket are in its state directory" \
	nt_wait_for 5 eval "[ -S '$SD/chronyd.sock' ] && [ \"\$(cat '$SD/chronyd.pid')\" = '$SPID' ]"
nt_check "it runs as $CHRONY_USER" \
	eval "[ \"\$(awk '/^Uid:/ {print \$3}' /proc/$SPID/status)\" = \"\$(id -u $CHRONY_USER)\" ]"
nt_check "it serves at stratum 10 with no upstream (chronyc tracking)" \
	eval "ch '$SRV' srv tracking | grep -qE '^Stratum +: 10\$'"

# ---- clients in the managed subnets select it ----
# c1's chronyd asks the server DHCP named; a second one in c1 asks its
# IPv6 address (one source each, so each must be the selected one).
C1PID=$(ntp_start "$C1" c1 "$(ntp_client c1 "$NTP_FROM_DHCP")")
nt_check "c1's chronyd runs, without control of the clock" ntp_up "$C1PID" c1
PIDS=("$C1PID")
if [ "$V6" = 1 ]; then
	pid=$(ntp_start "$C1" c1v6 "$(ntp_client c1v6 fd12:3::1)")
	PIDS+=("$pid")
	nt_check "c1's IPv6 chronyd runs, without control of the clock" \
		ntp_up "$pid" c1v6
fi
C2PID=$(ntp_start "$C2" c2 "$(ntp_client c2 172.16.123.1)")
nt_check "c2's chronyd runs, without control of the clock" ntp_up "$C2PID" c2
PIDS+=("$C2PID")

nt_check "c1 selects 10.123.0.1, the server DHCP named (^* in chronyc sources)" \
	nt_wait_for 30 selected "$C1" c1 10.123.0.1
show_sources "$C1" c1
if [ "$V6" = 1 ]; then
	nt_check "over IPv6 too: c1's other chronyd selects fd12:3::1" \
		nt_wait_for 30 selected "$C1" c1v6 fd12:3::1
fi
nt_check "the server counts c1 among its clients" \
	eval "ch '$SRV' srv clients | grep -qE '^10\\.123\\.0\\.[0-9]+ +[1-9]'"

# ---- a client outside them is not served ----
nt_check "c2 reaches 172.16.123.1 (ping): the path works" \
	eval "nt_exec '$C2' ping -c 1 -W 2 172.16.123.1 >/dev/null"
nt_check "c2's chronyd asked at least 4 times" \
	nt_wait_for 20 eval "[ \"\$(ntpdata_field '$C2' c2 172.16.123.1 'Total TX')\" -ge 4 ]"
nt_check "... and was never answered (nothing received)" \
	dh_same "c2 Total RX" "$(ntpdata_field "$C2" c2 172.16.123.1 'Total RX')" 0
nt_check "c2's source is unusable (^?, reach 0)" \
	eval "ch '$C2' c2 sources | grep -qE '^\^\? 172\\.16\\.123\\.1 +[0-9]+ +-?[0-9]+ +0 '"
show_sources "$C2" c2
nt_check "the server's accheck: 172.16.123.10 denied, 10.123.0.120 and fd12:3::10 allowed" \
	eval "ch '$SRV' srv accheck 172.16.123.10 | grep -q 'Access denied' &&
		ch '$SRV' srv accheck 10.123.0.120 | grep -q 'Access allowed' &&
		ch '$SRV' srv accheck fd12:3::10 | grep -q 'Access allowed'"

# ---- managing the subnet lets it in, after a render and a restart ----
rn subnet set "$OUT" --managed on >/dev/null
rn ntp config --state-dir "$SD" >"$CONF"
nt_check "the new file allows $OUT too" grep -qx "allow $OUT" "$CONF"
nt_check "the server's chronyd stops on SIGTERM, removing its pidfile and socket" \
	eval "nt_stop '$SPID' && [ ! -e '$SD/chronyd.pid' ] && [ ! -e '$SD/chronyd.sock' ]"
SPID=$(ntp_start "$SRV" srv2 "$CONF")
nt_check "it starts again on the same state directory" ntp_up "$SPID" srv2
nt_check "c2 now selects 172.16.123.1 (^*)" \
	nt_wait_for 30 selected "$C2" c2 172.16.123.1
show_sources "$C2" c2
nt_check "c1 selects 10.123.0.1 again" nt_wait_for 30 selected "$C1" c1 10.123.0.1

# ---- the host is as it was ----
for pid in "${PIDS[@]}" "$SPID"; do
	nt_stop "$pid" || :
done
nt_check "every chronyd said it would not touch the clock" \
	eval "[ \$(grep -L 'Disabled control of system clock' '$NT_LOGDIR'/chronyd-*.log | wc -l) -eq 0 ]"
nt_check "the host's /var/lib/chrony and /run/chrony are untouched" \
	dh_same "host chrony state" "$(host_state)" "$HOST_BEFORE"
clock_kept() {
	awk -v a="$CLOCKS_BEFORE" -v b="$(clocks)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		d = (y[1] - x[1]) - (y[2] - x[2]); if (d < 0) d = -d
		printf "   wall clock minus time since boot, over the test: %.2f s\n", d
		exit !(d < 1) }'
}
nt_check "the wall clock kept pace with the time since boot (no step)" clock_kept

nt_summary
