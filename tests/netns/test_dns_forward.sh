#!/bin/bash
#
# racknet-dnsd's forwarder, with NSD as its upstream:
#
#   cli: vc 10.70.0.10 (managed subnet), 172.16.70.10 (outside IPAM)
#    |
#   srv: vs 10.70.0.1/24, 172.16.70.1/24; vu 10.70.1.1/24: racknet-dnsd,
#    |   upstream-dns 10.70.1.53
#   up:  vn 10.70.1.53/24: NSD serving fwd.test on port 53 (its own
#        config, pid file, zone file and control socket under the test's
#        state directory)
#
# Shown: from the managed client, a name of NSD's zone resolves (no AA,
# RA set); asked again (with dig, kdig, drill) it comes from dnsd's cache:
# NSD's query count (nsd-control stats_noreset) does not move; NXDOMAIN
# and NODATA are cached the same way (negative caching); a CNAME chain
# comes through; our own zone is still answered by us, not forwarded.
# NSD stopped: a new name gets SERVFAIL within 3 s, and a name whose TTL
# (2 s) ran out is served stale. The same with an upstream that takes the
# queries and never answers. From the unmanaged address: REFUSED, cached
# or not.
#
# Needs root, iproute2, jq, perl, dig, kdig, drill, nsd, nsd-control;
# RACKNET and RACKNET_DNSD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dns.sh
source "$here/../lib/dns.sh"
nt_init
dn_init
export PATH=$PATH:/usr/sbin:/sbin
dn_need nsd nsd-control

UP=10.70.1.53
Z=fwd.test

# ---- IPAM ----
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add 10.70.0.0/24 --vlan lab/0 --domain corp.test >/dev/null
rn host add box --mac 02:00:00:70:00:01 --ip 10.70.0.20 >/dev/null
rn setting set upstream-dns "$UP" >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
CLI=$(nt_netns_add cli)
UPNS=$(nt_netns_add up)
read -r VS VC <<<"$(nt_veth_add vs "$SRV" vc "$CLI")"
read -r VU VN <<<"$(nt_veth_add vu "$SRV" vn "$UPNS")"
nt_addr_add "$VS" 10.70.0.1/24 "$SRV"
nt_addr_add "$VS" 172.16.70.1/24 "$SRV"
nt_addr_add "$VC" 10.70.0.10/24 "$CLI"
nt_addr_add "$VC" 172.16.70.10/24 "$CLI"
nt_addr_add "$VU" 10.70.1.1/24 "$SRV"
nt_addr_add "$VN" "$UP/24" "$UPNS"

# ---- NSD ----
NSD_DIR=$NT_LOGDIR/nsd
mkdir -p "$NSD_DIR"
NSD_CONF=$NSD_DIR/nsd.conf
cat >"$NSD_CONF" <<EOF
# NSD for tests/netns/test_dns_forward.sh: everything under $NSD_DIR.
server:
	ip-address: $UP
	port: 53
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	database: ""
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdfile: "$NSD_DIR/xfrd.state"
	xfrdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	logfile: "$NSD_DIR/nsd.log"
	log-only-syslog: no
	verbosity: 2
	server-count: 1
	reuseport: no
	rrl-ratelimit: 0
	hide-version: yes
remote-control:
	control-enable: yes
	control-interface: "$NSD_DIR/nsd.ctl"
zone:
	name: $Z
	zonefile: "$Z.zone"
EOF
cat >"$NSD_DIR/$Z.zone" <<EOF
\$ORIGIN $Z.
\$TTL 300
@	SOA	ns.$Z. admin.$Z. 1 3600 600 86400 60
	NS	ns.$Z.
ns	A	$UP
www	A	10.70.9.10
alias	CNAME	www
info	TXT	"from nsd"
short	2	A	10.70.9.2
EOF
for i in $(seq 1 9); do
	echo "new$i	A	10.70.9.$((100 + i))" >>"$NSD_DIR/$Z.zone"
done

nsd_start() {
	nt_bg "$UPNS" "$NSD_DIR/nsd.out" nsd -d -c "$NSD_CONF"
}
# nsd_queries: how many queries NSD has answered (its statistics).
nsd_queries() {
	nsd-control -c "$NSD_CONF" stats_noreset 2>/dev/null |
		sed -n 's/^num\.queries=\([0-9]*\)$/\1/p' | grep .
}
nsd_up() {
	nt_wait_for 5 nsd_queries
}
NSDPID=$(nsd_start)
nt_check "NSD is running, its control socket answers" nsd_up
nt_check "NSD answers directly (dig from srv)" \
	eval "dn_q dig www.$Z A ns=$SRV server=$UP && [ \"\$(dn_summary)\" = 'A 10.70.9.10' ]"

# ---- racknet-dnsd ----
LOG=$NT_LOGDIR/dnsd.log
PID=$(dn_server_start "$SRV" "$LOG" --listen 10.70.0.1 --listen 172.16.70.1)
nt_defer dn_server_stop "$PID"
nt_check "racknet-dnsd is running" dn_server_up "$PID" "$LOG"
DN_NS=$CLI
DN_SERVER=10.70.0.1
DN_AA=0			# forwarded answers are not ours

# fwd_ok TOOL NAME TYPE RCODE WANT: a forwarded answer (no AA, RA set).
fwd_ok() {
	dn_expect "$@" || return 1
	if dn_flag aa || ! dn_flag ra; then
		echo "   $1 $2: flags '$(dn_flags)', want RA and no AA"
		dn_show
		return 1
	fi
}
# counted N CMD...: CMD holds and NSD answered exactly N more queries.
counted() {
	local want=$1 before after
	shift
	before=$(nsd_queries) || { echo "   no NSD statistics"; return 1; }
	"$@" || return 1
	after=$(nsd_queries) || { echo "   no NSD statistics"; return 1; }
	dn_same "queries NSD answered meanwhile" "$((after - before))" "$want"
}

nt_check "dig: www.$Z (from NSD) resolves; NSD was asked once" \
	counted 1 fwd_ok dig "www.$Z" A NOERROR "A 10.70.9.10"
for t in dig kdig drill; do
	nt_check "$t: www.$Z again: from dnsd's cache, NSD not asked" \
		counted 0 fwd_ok "$t" "www.$Z" A NOERROR "A 10.70.9.10"
done
nt_check "the cached answer's TTL counts down from 300" \
	eval "dn_q dig www.$Z A && [ \"\$(dn_ttl ANSWER A)\" -le 300 ] &&
		[ \"\$(dn_ttl ANSWER A)\" -gt 200 ]"
nt_check "over TCP too, from the cache" \
	counted 0 fwd_ok dig "www.$Z" A NOERROR "A 10.70.9.10" tcp
nt_check "a CNAME chain comes through (alias -> www), NSD asked once" \
	counted 1 fwd_ok dig "alias.$Z" A NOERROR "A 10.70.9.10, CNAME www.$Z."
nt_check "and is cached" \
	counted 0 fwd_ok kdig "alias.$Z" A NOERROR "A 10.70.9.10, CNAME www.$Z."

# neg_ok TOOL NAME TYPE RCODE: a forwarded negative answer: RCODE, no
# answer, NSD's SOA in authority.
neg_ok() {
	fwd_ok "$1" "$2" "$3" "$4" "" || return 1
	dn_rrs AUTHORITY | grep -q "^$Z\\. [0-9]* IN SOA ns\\.$Z\\. " ||
		{ echo "   $1 $2: no SOA of $Z in authority"; dn_show; return 1; }
}
nt_check "NXDOMAIN from NSD (nope.$Z), with its SOA; NSD asked once" \
	counted 1 neg_ok dig "nope.$Z" A NXDOMAIN
for t in dig kdig drill; do
	nt_check "$t: the NXDOMAIN again: cached, NSD not asked" \
		counted 0 neg_ok "$t" "nope.$Z" A NXDOMAIN
done
nt_check "the cached NXDOMAIN's SOA TTL is at most the SOA minimum (60)" \
	eval "dn_q dig nope.$Z A && [ \"\$(dn_ttl AUTHORITY SOA)\" -le 60 ]"
nt_check "NODATA from NSD (www.$Z TXT); NSD asked once" \
	counted 1 neg_ok dig "www.$Z" TXT NOERROR
nt_check "the NODATA again: cached" counted 0 neg_ok kdig "www.$Z" TXT NOERROR
nt_check "TXT through the forwarder" \
	counted 1 fwd_ok drill "info.$Z" TXT NOERROR 'TXT "from nsd"'

nt_check "our own zone is answered by us (AA), NSD not asked" \
	counted 0 eval "DN_AA=1 dn_expect dig box.corp.test A NOERROR 'A 10.70.0.20'"
nt_check "a NXDOMAIN in our zone is ours too, NSD not asked" \
	counted 0 eval "DN_AA=1 dn_expect dig nobox.corp.test A NXDOMAIN ''"

# ---- from outside the managed subnets ----
for t in dig kdig drill; do
	nt_check "$t: from 172.16.70.10, a cached name -> REFUSED" \
		counted 0 dn_expect "$t" "www.$Z" A REFUSED "" \
		src=172.16.70.10 server=172.16.70.1
done
nt_check "from 172.16.70.10, a new name -> REFUSED, NSD not asked" \
	counted 0 dn_expect dig "new9.$Z" A REFUSED "" \
	src=172.16.70.10 server=172.16.70.1
nt_check "from 172.16.70.10, our own zone is answered" \
	eval "DN_AA=1 dn_expect dig box.corp.test A NOERROR 'A 10.70.0.20' \
		src=172.16.70.10 server=172.16.70.1"

# ---- the upstream goes away ----
# short.$Z has a TTL of 2 s: cache it, and let it expire while NSD is
# down; it is then served stale (RFC 8767).
nt_check "short.$Z (TTL 2) cached" \
	fwd_ok dig "short.$Z" A NOERROR "A 10.70.9.2"
short_at=$(dn_now_ms)
stats0_stale=$(dn_stat stale_served)
kill -TERM "$NSDPID"
nt_check "NSD stopped" nt_wait_for 5 eval "! nt_alive $NSDPID"
nt_wait_for 5 eval "[ -z \"\$(ip netns pids $UPNS)\" ]" || :
# servfail_within_3s NAME: SERVFAIL for NAME, said how fast.
servfail_within_3s() {
	local t0 ms
	t0=$(dn_now_ms)
	dn_q dig "$1" A wait=6 || { dn_show; return 1; }
	ms=$(($(dn_now_ms) - t0))
	echo "   $1: $(dn_rcode) after $ms ms"
	if [ "$(dn_rcode)" != SERVFAIL ] || [ "$ms" -gt 3000 ]; then
		dn_show
		return 1
	fi
}
nt_check "NSD stopped (port unreachable): new1.$Z gets SERVFAIL within 3 s" \
	servfail_within_3s "new1.$Z"
# Past short's TTL (2 s) and past dnsd's one-second clock.
while [ $(($(dn_now_ms) - short_at)) -lt 3200 ]; do
	sleep 0.1
done
stale_ok() {	# stale_ok TOOL: short's old answer, TTL 30 (RFC 8767)
	fwd_ok "$1" "short.$Z" A NOERROR "A 10.70.9.2" wait=6 ||
		return 1
	dn_same "$1 stale TTL" "$(dn_ttl ANSWER A)" 30 || { dn_show; return 1; }
}
nt_check "short.$Z, expired, is served stale (TTL 30)" stale_ok dig
nt_check "racknet dns stats counts the stale answer (stale_served)" \
	nt_wait_for 3 eval "[ \$(dn_stat stale_served) -gt $stats0_stale ]"
nt_check "www.$Z (still fresh in the cache) is answered" \
	fwd_ok kdig "www.$Z" A NOERROR "A 10.70.9.10"

# An upstream that takes queries and never answers: a socket on NSD's
# address and port that reads nothing. dnsd's tries time out.
# shellcheck disable=SC2016 # perl code, perl's variables
SILENT=$(nt_bg "$UPNS" "$NT_LOGDIR/silent.log" perl -e '
	use IO::Socket::INET;
	my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0], LocalPort => 53,
		Proto => "udp", ReuseAddr => 1) or die "bind: $!\n";
	print "listening\n";
	$| = 1;
	sleep 120;' "$UP")
nt_check "a silent upstream listens on $UP:53" \
	nt_wait_for 5 grep -q listening "$NT_LOGDIR/silent.log"
to0=$(dn_stat upstream_timeouts)
nt_check "silent upstream: new2.$Z gets SERVFAIL within 3 s" \
	servfail_within_3s "new2.$Z"
nt_check "silent upstream: short.$Z is still served stale" stale_ok kdig
nt_check "racknet dns stats counts upstream timeouts" \
	nt_wait_for 3 eval "[ \$(dn_stat upstream_timeouts) -gt $to0 ]"
# A forwarded query's outcome (stale, timeouts, failed) comes seconds
# after dnsd's own counters moved: it must reach the stats even if no
# query comes after it (publish() once compared only dnsd's counters).
nt_check "racknet dns stats shows both stale answers within 3 s, with no query since" \
	nt_wait_for 3 eval "[ \$(dn_stat stale_served) -ge $((stats0_stale + 2)) ]"
kill -TERM "$SILENT" 2>/dev/null || :

# ---- NSD back ----
NSDPID=$(nsd_start)
nt_check "NSD runs again" nsd_up
nt_check "a new name resolves again through it" \
	nt_wait_for 5 fwd_ok dig "new3.$Z" A NOERROR "A 10.70.9.103"
nt_check "racknet dns stats counts forwarded queries and cache hits" \
	nt_wait_for 3 eval "[ \$(dn_stat forwarded) -ge 6 ] &&
		[ \$(dn_stat cache_hits) -ge 8 ] && [ \$(dn_stat r_refused) -ge 4 ]"
# forward_failed is the last counter counters_json() packs (it once
# had one "sI" fewer than its keys, and this one went missing).
nt_check "racknet dns stats --json has forward_failed, >= 2 (new1, new2)" \
	eval "rn dns stats --json | jq -e '.counters.forward_failed >= 2' >/dev/null"
# The rcode counters (r_*) count every reply sent: the forwarder's
# SERVFAILs (new1, new2) too.
nt_check "racknet dns stats: r_servfail counts the SERVFAILs sent (>= 2)" \
	eval "[ \$(dn_stat r_servfail) -ge 2 ]"
# Answers from the cache count in r_* too. NXDOMAIN went out 5 times:
# nope.$Z from NSD once and from the cache three times, nobox.corp.test
# (ours) once.
nt_check "racknet dns stats: r_nxdomain counts NXDOMAINs from the cache (>= 5)" \
	eval "[ \$(dn_stat r_nxdomain) -ge 5 ]"
rn dns stats --json | jq -c '.counters' | sed 's/^/   /' || :
nt_check "racknet-dnsd is still running" nt_alive "$PID"

nt_summary
