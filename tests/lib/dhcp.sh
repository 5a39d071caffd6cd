# shellcheck shell=bash
#
# tests/lib/dhcp.sh: real DHCP clients against racknet-dhcpd, for the
# namespace tests in tests/netns/test_dhcp_*.sh. Source it after
# tests/lib/netns.sh and call dh_init after nt_init.
#
#   dh_init                        RACKNET, RACKNET_DHCPD checked, a fresh IPAM
#                                  in $DH_DB; skip (77) without the clients
#   dh_need TOOL...                skip (77) unless every TOOL is installed
#   rn ARGS...                     racknet --db $DH_DB ARGS
#   dh_server_start NS LOG [ARGS]  racknet-dhcpd in NS (PID printed)
#   dh_server_up PID LOG           it logged that it serves, and runs
#   dh_server_stop PID             SIGTERM, wait for it to exit (5 s)
#   dh_set_mac NS IF MAC           give IF a fixed MAC
#   dh_dhclient NS IF NAME [ARGS]  dhclient -d in the background (PID printed)
#   dh_dhclient_release NS IF NAME dhclient -r: stop that dhclient, release
#   dh_udhcpc NS IF NAME [ARGS]    busybox udhcpc -f -R in the background
#   dh_dhcpcd NS IF NAME [ARGS]    dhcpcd -B -4 in the background
#   dh_dhcpcd_ctl NS IF NAME OPT   dhcpcd OPT (-N renew, -k release) for IF
#   dh_events NAME                 the events NAME's hook recorded so far
#   dh_count NAME EVENT            how many EVENTs (bound, renew, ...)
#   dh_get NAME KEY                KEY from NAME's last lease event: ip, mask,
#                                  router, dns, domain, search, ntp, mtu,
#                                  lease, server, hostname (lists space-separated)
#   dh_wait_event SECS NAME EVENT [N]  until NAME's hook saw EVENT N times
#   dh_lease_field IP|MAC KEY      a key of `racknet lease show --json`
#   dh_stat NAME                   counter NAME of `racknet dhcp stats --json`
#                                  (0 before the daemon wrote any)
#   dh_in_range IP FIRST LAST      IP lies in FIRST..LAST
#   dh_same WHAT GOT WANT          GOT = WANT, else say both
#   ip2int IP                      IP as a 32-bit number
#   dh_dnsmasq NS IF NAME FIRST LAST [ARGS]
#                                  a third-party DHCP server (dnsmasq, DHCP
#                                  only) on IF in NS, pool FIRST-LAST /24
#   dh_mac NS IF                   IF's MAC, as `ip link` shows it
#   dh_jq WHAT JSON FILTER         FILTER (jq -e) holds on JSON, else show both
#
# Every client runs with a hook script and configuration of the test's own
# (dhclient -sf/-cf, udhcpc -s, dhcpcd -c/-f), so no distribution hook runs
# and nothing can rewrite /etc/resolv.conf. The hook records what the
# client received, normalised across the three clients, into
# $NT_LOGDIR/NAME.events (one line per event) and $NT_LOGDIR/NAME.last (the
# last event that carried a lease, KEY=VALUE lines), and for dhclient and
# udhcpc applies the address, default route and MTU to the interface as
# their stock scripts would (dhcpcd configures the interface itself).
# Event names: bound (dhclient/dhcpcd BOUND or REBOOT, udhcpc bound),
# renew (RENEW or REBIND, udhcpc renew), else the client's own reason in
# lower case (preinit, release, expire, fail, stop, carrier; udhcpc's
# deconfig, leasefail, nak).
#
# State files the clients keep (leases, pids, dhcpcd's control socket) live
# in $NT_LOGDIR, except dhcpcd's, whose paths are compiled in
# (/var/lib/dhcpcd/IF*.lease, /run/dhcpcd/IF*): those carry the run's
# prefixed interface name and are removed at cleanup.
#
# Environment: RACKNET (the racknet binary), RACKNET_DHCPD (the daemon),
# both set by ctest (rn_netns_test in tests/CMakeLists.txt).

[ -n "${DH__SOURCED:-}" ] && return 0
DH__SOURCED=1

DH_DB=""
DH_BIN=""		# where the hook scripts live

dh_init() {
	local t missing=""
	for t in jq timeout dhclient busybox dhcpcd; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		echo "SKIP: needs$missing (scripts/deps installs them)"
		exit 77
	fi
	if [ -z "${RACKNET:-}" ] || [ ! -x "$RACKNET" ]; then
		echo "FAIL: RACKNET='${RACKNET:-}' is not the built racknet"
		exit 1
	fi
	if [ -z "${RACKNET_DHCPD:-}" ] || [ ! -x "$RACKNET_DHCPD" ]; then
		echo "FAIL: RACKNET_DHCPD='${RACKNET_DHCPD:-}' is not the built racknet-dhcpd"
		exit 1
	fi
	DH_DB=$NT_LOGDIR/ipam.db
	DH_BIN=$NT_LOGDIR/bin
	mkdir -p "$DH_BIN" && : >"$NT_LOGDIR/dhcpcd.pids" || exit 1
	rn init >/dev/null || exit 1
	nt_defer dh__dhcpcd_files
}

rn() {
	"$RACKNET" --db "$DH_DB" "$@"
}

# dh_need TOOL...: skip the test unless every TOOL is installed.
dh_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "SKIP: needs $t (scripts/deps installs it)"
			exit 77
		fi
	done
}

dh_server_start() {
	local ns=$1 log=$2
	shift 2
	nt_bg "$ns" "$log" "$RACKNET_DHCPD" --db "$DH_DB" \
		--log-level "${DH_LOG_LEVEL:-debug}" "$@"
}

# dh_server_up PID LOG: racknet-dhcpd PID said it is serving, still runs.
dh_server_up() {
	nt_started "$1" "$2" 'serving DHCPv4'
}

dh_server_stop() {
	nt_stop "$1"
}

dh_set_mac() {
	nt__run ip -n "$1" link set dev "$2" address "$3"
}

# dh_hook KIND NAME: write NAME's hook script (KIND dhclient, udhcpc or
# dhcpcd), print its path.
dh_hook() {
	local kind=$1 name=$2 f
	f=$DH_BIN/hook-$name
	cat >"$f" <<EOF
#!/bin/sh
# Hook of the racknet test client $name ($kind): record, configure, nothing
# else. Written by tests/lib/dhcp.sh.
KIND=$kind
OUT=$NT_LOGDIR/$name
EOF
	cat >>"$f" <<'EOF'
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case $KIND in
udhcpc)
	# udhcpc passes ip, subnet, router, dns, domain, search, ntpsrv, mtu,
	# lease, serverid, hostname, interface; the event is $1.
	ifc=$interface ev=$1
	ip=${ip:-} mask=${subnet:-} router=${router:-} dns=${dns:-}
	domain=${domain:-} search=${search:-} ntp=${ntpsrv:-} mtu=${mtu:-}
	lease=${lease:-} server=${serverid:-} hostname=${hostname:-}
	;;
*)
	# dhclient and dhcpcd: $reason and new_* variables.
	ifc=$interface
	case $reason in
	BOUND | REBOOT) ev=bound ;;
	RENEW | REBIND) ev=renew ;;
	*) ev=$(echo "$reason" | tr 'A-Z' 'a-z') ;;
	esac
	ip=${new_ip_address:-} mask=${new_subnet_mask:-}
	router=${new_routers:-} dns=${new_domain_name_servers:-}
	domain=${new_domain_name:-} search=${new_domain_search:-}
	ntp=${new_ntp_servers:-} mtu=${new_interface_mtu:-}
	lease=${new_dhcp_lease_time:-} server=${new_dhcp_server_identifier:-}
	hostname=${new_host_name:-}
	;;
esac
# dhclient writes search domains fully qualified ("lab.test.").
search=$(echo $search | sed 's/\.\( \|$\)/\1/g')
echo "$ev ip=$ip mask=$mask router=$router dns=$dns domain=$domain" \
	"search=$search ntp=$ntp mtu=$mtu lease=$lease server=$server" \
	"hostname=$hostname" >>"$OUT.events"
if [ -n "$ip" ] && { [ "$ev" = bound ] || [ "$ev" = renew ]; }; then
	{
		echo "event=$ev"
		echo "ip=$ip"
		echo "mask=$mask"
		echo "router=$router"
		echo "dns=$dns"
		echo "domain=$domain"
		echo "search=$search"
		echo "ntp=$ntp"
		echo "mtu=$mtu"
		echo "lease=$lease"
		echo "server=$server"
		echo "hostname=$hostname"
	} >"$OUT.last.tmp" && mv -f "$OUT.last.tmp" "$OUT.last"
fi
# Configure the interface as the stock scripts would (dhcpcd does it
# itself); never touch /etc.
[ "$KIND" = dhcpcd ] && exit 0
case $ev in
preinit)
	ip link set dev "$ifc" up
	;;
bound | renew)
	plen=24
	if [ -n "$mask" ]; then
		plen=0
		for o in $(echo "$mask" | tr . ' '); do
			while [ "$o" -gt 0 ]; do
				plen=$((plen + (o & 1)))
				o=$((o >> 1))
			done
		done
	fi
	if [ "$KIND" = dhclient ] && [ -n "${old_ip_address:-}" ] &&
		[ "$old_ip_address" != "$ip" ]; then
		ip -4 addr flush dev "$ifc"
	fi
	ip -4 addr replace "$ip/$plen" dev "$ifc"
	[ -n "$mtu" ] && ip link set dev "$ifc" mtu "$mtu"
	for r in $router; do
		ip -4 route replace default via "$r" dev "$ifc"
		break
	done
	;;
release | expire | fail | stop | deconfig | leasefail | nak)
	ip -4 addr flush dev "$ifc"
	;;
esac
exit 0
EOF
	chmod 755 "$f" || return 1
	echo "$f"
}

# dh_dhclient NS IF NAME [ARGS...]: ISC dhclient in the foreground, with the
# test's hook, configuration, lease and pid files. Prints its PID.
dh_dhclient() {
	local ns=$1 ifc=$2 name=$3 hook
	shift 3
	hook=$(dh_hook dhclient "$name") || return 1
	cat >"$DH_BIN/$name.conf" <<EOF
# dhclient configuration of the racknet test client $name
send host-name "$name";
request subnet-mask, broadcast-address, routers, domain-name,
	domain-name-servers, domain-search, ntp-servers, interface-mtu;
initial-interval 1;
backoff-cutoff 2;
timeout 30;
retry 5;
EOF
	nt_bg "$ns" "$NT_LOGDIR/$name.log" dhclient -4 -d -v \
		-sf "$hook" -cf "$DH_BIN/$name.conf" \
		-lf "$NT_LOGDIR/$name.leases" -pf "$NT_LOGDIR/$name.pid" \
		"$@" "$ifc"
}

# dh_dhclient_release NS IF NAME: `dhclient -r`: stop NAME's dhclient (the
# PID in its pid file) and send a DHCPRELEASE for the lease it holds.
dh_dhclient_release() {
	local ns=$1 ifc=$2 name=$3
	timeout 20 ip netns exec "$ns" dhclient -4 -r -v \
		-sf "$DH_BIN/hook-$name" -cf "$DH_BIN/$name.conf" \
		-lf "$NT_LOGDIR/$name.leases" -pf "$NT_LOGDIR/$name.pid" \
		"$ifc" >>"$NT_LOGDIR/$name-release.log" 2>&1
}

# dh_udhcpc NS IF NAME [ARGS...]: busybox udhcpc in the foreground; it
# releases its lease when it exits on SIGTERM (-R). SIGUSR1 renews.
dh_udhcpc() {
	local ns=$1 ifc=$2 name=$3 hook
	shift 3
	hook=$(dh_hook udhcpc "$name") || return 1
	nt_bg "$ns" "$NT_LOGDIR/$name.log" busybox udhcpc -f -R -i "$ifc" \
		-s "$hook" -t 20 -T 1 -A 1 -x "hostname:$name" \
		-O search -O ntpsrv -O mtu "$@"
}

# dh_dhcpcd NS IF NAME [ARGS...]: dhcpcd for IF alone, IPv4 only, in the
# foreground, with the test's configuration and hook.
dh_dhcpcd() {
	local ns=$1 ifc=$2 name=$3 hook pid
	shift 3
	hook=$(dh_hook dhcpcd "$name") || return 1
	cat >"$DH_BIN/$name.conf" <<EOF
# dhcpcd configuration of the racknet test client $name: IPv4 only, the
# MAC as client identifier (no DUID file), no IPv4LL, no ARP probe.
hostname $name
clientid
ipv4only
noipv4ll
noarp
option domain_name_servers, domain_name, domain_search, ntp_servers
option interface_mtu
EOF
	pid=$(nt_bg "$ns" "$NT_LOGDIR/$name.log" dhcpcd -B -4 -d -t 30 \
		-f "$DH_BIN/$name.conf" -c "$hook" "$@" "$ifc") || return 1
	echo "$pid $(nt__starttime "$pid")" >>"$NT_LOGDIR/dhcpcd.pids"
	echo "$pid"
}

# At cleanup: stop our dhcpcds (they write their lease file on the way
# out), then remove their files, whose names carry the run's prefix.
dh__dhcpcd_files() {
	local pid st
	[ -n "$NT__PREFIX" ] || return 0
	while read -r pid st; do
		nt__is_ours "$pid" "$st" || continue
		kill -TERM "$pid" 2>/dev/null || continue
		nt_wait_for 5 eval "! nt_alive $pid" || :
	done <"$NT_LOGDIR/dhcpcd.pids"
	rm -f -- "/var/lib/dhcpcd/$NT__PREFIX"* "/run/dhcpcd/$NT__PREFIX"*
}

# dh_dhcpcd_ctl NS IF NAME OPT...: tell NAME's dhcpcd OPT (-N renew,
# -n rebind, -k release, -x exit).
dh_dhcpcd_ctl() {
	local ns=$1 ifc=$2 name=$3
	shift 3
	timeout 20 ip netns exec "$ns" dhcpcd -4 -f "$DH_BIN/$name.conf" \
		-c "$DH_BIN/hook-$name" "$@" "$ifc" \
		>>"$NT_LOGDIR/$name-ctl.log" 2>&1
}

dh_events() {
	cat "$NT_LOGDIR/$1.events" 2>/dev/null
}

dh_count() {
	local n
	n=$(grep -c "^$2 " "$NT_LOGDIR/$1.events" 2>/dev/null) || n=0
	echo "$n"
}

dh_get() {
	local line
	line=$(grep -m1 "^$2=" "$NT_LOGDIR/$1.last" 2>/dev/null) || return 1
	echo "${line#*=}"
}

dh_wait_event() {
	local secs=$1 name=$2 ev=$3 n=${4:-1}
	nt_wait_for "$secs" eval "[ \"\$(dh_count '$name' '$ev')\" -ge $n ]"
}

dh_lease_field() {
	rn lease show "$1" --json 2>/dev/null | jq -r ".$2 // empty"
}

dh_stat() {
	local v
	v=$(rn dhcp stats --json 2>/dev/null | jq -r ".counters.$1 // 0") || v=0
	echo "${v:-0}"
}

ip2int() {
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

dh_in_range() {
	[[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
	local x
	x=$(ip2int "$1")
	[ "$x" -ge "$(ip2int "$2")" ] && [ "$x" -le "$(ip2int "$3")" ]
}

# dh_same WHAT GOT WANT: compare, printing both when they differ.
dh_same() {
	if [ "$2" != "$3" ]; then
		echo "   $1: got '$2', want '$3'"
		return 1
	fi
}

# dh_dnsmasq NS IF NAME FIRST LAST [ARGS...]: dnsmasq as a DHCP server and
# nothing else (--port=0: no DNS; no configuration file, hosts file or
# resolv.conf), bound to IF in NS, in the foreground, logging each exchange
# to $NT_LOGDIR/NAME.log, its leases in $NT_LOGDIR/NAME.leases. Pool
# FIRST-LAST with a /24 mask and 2-minute leases; it offers at once
# (--no-ping). The stand-in for "some other DHCP server on the network".
# Prints its PID (dnsmasq itself: ip netns exec execs it).
dh_dnsmasq() {
	local ns=$1 ifc=$2 name=$3 first=$4 last=$5
	shift 5
	nt_bg "$ns" "$NT_LOGDIR/$name.log" dnsmasq --no-daemon \
		--conf-file=/dev/null --port=0 --no-hosts --no-resolv \
		--interface="$ifc" --bind-interfaces \
		--dhcp-range="$first,$last,255.255.255.0,2m" \
		--dhcp-leasefile="$NT_LOGDIR/$name.leases" \
		--pid-file="$NT_LOGDIR/$name.pid" --no-ping \
		--log-dhcp --log-facility=- "$@"
}

# dh_dnsmasq_up PID NAME: that dnsmasq said it serves its pool, and runs.
dh_dnsmasq_up() {
	nt_started "$1" "$NT_LOGDIR/$2.log" 'DHCP, IP range'
}

dh_mac() {
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'
}

# dh_jq WHAT JSON FILTER: JSON is one JSON value (not empty) and FILTER is
# true on it; else print WHAT, the filter and the JSON, for a precise failure.
dh_jq() {
	if ! jq -en --argjson j "$2" "\$j | ($3)" >/dev/null 2>&1; then
		echo "   $1: jq '$3' is not true on: $(jq -c . <<<"$2" 2>/dev/null ||
			echo "'$2'")"
		return 1
	fi
}

# ---- racknet run, as `racknet status` shows it ----
# (status exits 1 while a daemon is down: its JSON is what matters.)
dh_run_status() {
	rn status --json 2>/dev/null || :
}

# dh_run_daemon NAME FIELD: one field of one daemon ("" if none).
dh_run_daemon() {
	dh_run_status | jq -r --arg n "$1" \
		".daemons[] | select(.name == \$n) | .$2 // empty"
}

# The three daemons (dhcpd, dnsd, tftpd) are running.
dh_run_all_running() {
	[ "$(dh_run_status | jq '[.daemons[] | select(.state == "running")] | length')" = 3 ]
}

# racknet-dnsd and racknet-tftpd are built (for the tests that run all
# three daemons under racknet run), or FAIL and exit.
dh_need_daemons() {
	local v
	for v in RACKNET_DNSD RACKNET_TFTPD; do
		if [ -z "${!v:-}" ] || [ ! -x "${!v}" ]; then
			echo "FAIL: $v='${!v:-}' is not the built daemon"
			exit 1
		fi
	done
}
