# shellcheck shell=bash
#
# tests/lib/dns.sh: racknet-dnsd against real DNS clients (dig, kdig,
# drill), for the namespace tests in tests/netns/test_dns_*.sh. Source it
# after tests/lib/netns.sh (and after tests/lib/dhcp.sh when the test uses
# DHCP clients too), call dn_init after nt_init (and after dh_init: the two
# then share one IPAM).
#
#   dn_init                      RACKNET, RACKNET_DNSD checked, an IPAM in
#                                $DN_DB; skip (77) without dig, kdig, drill,
#                                jq, perl
#   dn_need TOOL...              skip (77) unless every TOOL is installed
#   rn ARGS...                   racknet --db $DN_DB ARGS
#   dn_server_start NS LOG [ARGS]  racknet-dnsd in NS (PID printed)
#   dn_server_up PID LOG         it logged that it serves, and runs
#   dn_server_stop PID           SIGTERM, wait for it to exit (5 s)
#   dn_stat NAME                 counter NAME of `racknet dns stats --json`
#
# Queries. One call runs one tool and keeps what it printed in DN_OUT (so
# call it from the main shell, not inside $(...)); the readers below parse
# DN_OUT, whose format the three tools share closely enough (a HEADER
# line, a flags line, ";; X SECTION:" blocks of RRs).
#
#   dn_q TOOL NAME TYPE [OPT...] query $DN_SERVER from namespace $DN_NS with
#                                TOOL (dig, kdig or drill); OPTs, mapped to
#                                each tool's syntax: tcp, ignore (no TCP
#                                retry after TC), norec, noedns,
#                                bufsize=N, edns=V, src=ADDR, ns=NS,
#                                server=ADDR, wait=S (one try, S seconds;
#                                default 2 s, 2 tries); anything else is
#                                passed as is
#   dn_rcode                     NOERROR, NXDOMAIN, REFUSED, BADVERS...
#   dn_flags                     the header flags, e.g. "qr aa rd"
#   dn_flag FLAG                 FLAG is set
#   dn_rrs SECTION               ANSWER, AUTHORITY or ADDITIONAL: its RRs,
#                                "OWNER TTL CLASS TYPE RDATA", one space apart
#   dn_summary [SECTION]         its RRs as a sorted "TYPE RDATA, ..." list
#   dn_ttl SECTION TYPE          TTL of the first TYPE RR of SECTION
#   dn_expect TOOL NAME TYPE RCODE WANT [OPT...]
#                                one query: RCODE, the AA flag (unless
#                                DN_AA=0) and dn_summary ANSWER = WANT; on
#                                a difference says what it got
#   dn_same WHAT GOT WANT        GOT = WANT, else say both
#
# Helpers: dn_rev IP (its reverse name), dn_now_ms, dn_wait_ms MS CMD...
# (poll CMD every 20 ms for at most MS ms; DN_WAITED_MS says how long it
# took), dn_serial NAME (the SOA serial of zone NAME, via dig), dn_raw NS
# SERVER HEX (send raw bytes, print the reply), dn_burst NS SRC SERVER
# NAME N (N queries at once: how many answers and TCs came back).
#
# Environment: RACKNET, RACKNET_DNSD (set by ctest: rn_netns_test in
# tests/CMakeLists.txt); DN_LOG_LEVEL (racknet-dnsd's, default debug).

[ -n "${DN__SOURCED:-}" ] && return 0
DN__SOURCED=1

DN_DB=""
DN_NS=""		# namespace dn_q queries from
DN_SERVER=""		# address dn_q queries
DN_OUT=""		# what the last dn_q printed
DN_RC=0			# and its exit status
DN_WAITED_MS=0
DN_AA=1			# dn_expect checks the AA flag
DN_QUERIES=0		# queries dn_q sent (tool runs; retries not counted)

dn_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "SKIP: needs $t (scripts/deps installs it)"
			exit 77
		fi
	done
}

dn_init() {
	dn_need jq timeout dig kdig drill perl
	if [ -z "${RACKNET:-}" ] || [ ! -x "$RACKNET" ]; then
		echo "FAIL: RACKNET='${RACKNET:-}' is not the built racknet"
		exit 1
	fi
	if [ -z "${RACKNET_DNSD:-}" ] || [ ! -x "$RACKNET_DNSD" ]; then
		echo "FAIL: RACKNET_DNSD='${RACKNET_DNSD:-}' is not the built racknet-dnsd"
		exit 1
	fi
	if [ -n "${DH__SOURCED:-}" ]; then
		# tests/lib/dhcp.sh made the IPAM (and its rn): share it.
		if [ -z "${DH_DB:-}" ]; then
			echo "FAIL: call dh_init before dn_init"
			exit 1
		fi
		DN_DB=$DH_DB
		return 0
	fi
	DN_DB=$NT_LOGDIR/ipam.db
	rn init >/dev/null || exit 1
}

# tests/lib/dhcp.sh has the same function on the same database.
if ! declare -F rn >/dev/null; then
	rn() {
		"$RACKNET" --db "$DN_DB" "$@"
	}
fi

dn_server_start() {
	local ns=$1 log=$2
	shift 2
	nt_bg "$ns" "$log" "$RACKNET_DNSD" --db "$DN_DB" \
		--log-level "${DN_LOG_LEVEL:-debug}" "$@"
}

# dn_server_up PID LOG: racknet-dnsd PID said it serves, still runs.
dn_server_up() {
	nt_started "$1" "$2" 'serving DNS'
}

dn_server_stop() {
	nt_stop "$1"
}

# dn_stat NAME: racknet-dnsd's counter NAME as it last published it (every
# second), 0 before it did.
dn_stat() {
	local v
	v=$(rn dns stats --json 2>/dev/null | jq -r ".counters.$1 // 0") || v=0
	echo "${v:-0}"
}

dn_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t / 1000))
}

# dn_wait_ms MS CMD...: poll CMD every 20 ms until it succeeds, for at most
# MS milliseconds; DN_WAITED_MS is the time it took (or MS).
dn_wait_ms() {
	local ms=$1 start now n=0
	shift
	start=$(dn_now_ms)
	while [ "$n" -lt 10000 ]; do
		if "$@" >/dev/null 2>&1; then
			DN_WAITED_MS=$(($(dn_now_ms) - start))
			return 0
		fi
		now=$(dn_now_ms)
		if [ $((now - start)) -ge "$ms" ]; then
			# shellcheck disable=SC2034 # read by the caller
			DN_WAITED_MS=$((now - start))
			return 1
		fi
		sleep 0.02
		n=$((n + 1))
	done
	return 1
}

# dn_rev IP: the reverse name of IP (in-addr.arpa or ip6.arpa), no dot.
dn_rev() {
	local ip=$1 head tail hex="" out="" g i
	local -a h=() t=() all=()
	if [[ $ip != *:* ]]; then
		IFS=. read -r -a h <<<"$ip"
		echo "${h[3]}.${h[2]}.${h[1]}.${h[0]}.in-addr.arpa"
		return
	fi
	head=$ip tail=""
	if [[ $ip == *::* ]]; then
		head=${ip%%::*} tail=${ip#*::}
	fi
	[ -n "$head" ] && IFS=: read -r -a h <<<"$head"
	[ -n "$tail" ] && IFS=: read -r -a t <<<"$tail"
	all=("${h[@]}")
	for ((i = ${#h[@]} + ${#t[@]}; i < 8; i++)); do
		all+=(0)
	done
	all+=("${t[@]}")
	for g in "${all[@]}"; do
		hex+=$(printf '%04x' "0x$g")
	done
	for ((i = 31; i >= 0; i--)); do
		out+=${hex:i:1}.
	done
	echo "${out}ip6.arpa"
}

# dn_raw NS SERVER HEX: send the bytes HEX from NS to SERVER port 53 over
# UDP; print the reply in hex, or "none" if nothing came within 1 s. Perl
# (perl-base is always there) rather than a DNS tool: the bytes are ours.
dn_raw() {
	# shellcheck disable=SC2016 # perl code, perl's variables
	ip netns exec "$1" perl -e '
		use IO::Socket::INET; use IO::Select;
		my ($srv, $hex) = @ARGV;
		my $s = IO::Socket::INET->new(PeerAddr => $srv, PeerPort => 53,
			Proto => "udp") or die "socket: $!\n";
		defined $s->send(pack("H*", $hex)) or die "send: $!\n";
		my $r = "";
		if (IO::Select->new($s)->can_read(1) && defined $s->recv($r, 65535)) {
			print unpack("H*", $r), "\n";
		} else {
			print "none\n";
		}' "$2" "$3"
}

# dn_burst NS SRC SERVER NAME N: N queries (A NAME, IDs 1..N) from SRC
# as fast as they go, then replies for 1 s; prints "full=F tc=T" (replies
# with records, replies with TC set).
dn_burst() {
	# shellcheck disable=SC2016 # perl code, perl's variables
	ip netns exec "$1" perl -e '
		use IO::Socket::INET; use IO::Select;
		my ($src, $srv, $name, $n) = @ARGV;
		my $s = IO::Socket::INET->new(LocalAddr => $src, PeerAddr => $srv,
			PeerPort => 53, Proto => "udp") or die "socket: $!\n";
		my $q = join("", map { chr(length($_)) . $_ } split(/\./, $name))
			. "\0" . pack("nn", 1, 1);
		$s->send(pack("nnnnnn", $_, 0, 1, 0, 0, 0) . $q) for 1 .. $n;
		my ($full, $tc, $sel) = (0, 0, IO::Select->new($s));
		my $end = time + 1;
		while ($sel->can_read(1) && time <= $end + 1) {
			my $r;
			defined $s->recv($r, 65535) or last;
			next if length($r) < 12;
			my ($id, $fl, $qd, $an) = unpack("nnnn", $r);
			if ($fl & 0x0200) { $tc++ } elsif ($an > 0) { $full++ }
		}
		print "full=$full tc=$tc\n";' "$2" "$3" "$4" "$5"
}

# dn_q TOOL NAME TYPE [OPT...]: see the top of the file.
dn_q() {
	local tool=$1 name=$2 type=$3 ns=$DN_NS server=$DN_SERVER o
	local -a args=()
	shift 3
	case $tool in
	dig) args=(+time=2 +tries=2) ;;
	kdig) args=(+time=2 +retry=1) ;;
	drill) args=() ;;
	*)
		echo "dn_q: unknown tool $tool" >&2
		return 2
		;;
	esac
	for o in "$@"; do
		case $tool:$o in
		*:ns=*) ns=${o#ns=} ;;
		*:server=*) server=${o#server=} ;;
		dig:wait=*) args+=("+time=${o#wait=}" +tries=1) ;;
		kdig:wait=*) args+=("+time=${o#wait=}" +retry=0) ;;
		drill:wait=*) ;;	# drill waits 5 s, and has no option for it
		dig:tcp | kdig:tcp) args+=(+tcp) ;;
		drill:tcp) args+=(-t) ;;
		dig:ignore | kdig:ignore) args+=(+ignore) ;;
		drill:ignore) ;;	# drill retries only with -a
		dig:norec | kdig:norec) args+=(+norec) ;;
		drill:norec) args+=(-o rd) ;;
		dig:noedns | kdig:noedns) args+=(+noedns) ;;
		drill:noedns) ;;	# drill sends no OPT without -b or -D
		dig:bufsize=* | kdig:bufsize=*) args+=("+$o") ;;
		drill:bufsize=*) args+=(-b "${o#bufsize=}") ;;
		# dig would retry with version 0 on BADVERS.
		dig:edns=*) args+=("+$o" +noednsnegotiation) ;;
		kdig:edns=*) args+=("+$o") ;;
		dig:src=* | kdig:src=*) args+=(-b "${o#src=}") ;;
		drill:src=*) args+=(-I "${o#src=}") ;;
		*) args+=("$o") ;;
		esac
	done
	DN_QUERIES=$((DN_QUERIES + 1))
	DN_RC=0
	DN_OUT=$(timeout 15 ip netns exec "$ns" "$tool" "${args[@]}" \
		"@$server" "$name" "$type" 2>&1) || DN_RC=$?
	return "$DN_RC"
}

# The last HEADER line: dig and kdig print only the final answer after a
# TCP retry, but say why they retried before it.
dn_rcode() {
	sed -n 's/.*->>HEADER<<-.* \(status\|rcode\): \([A-Z0-9]*\).*/\2/p' \
		<<<"$DN_OUT" | tail -n 1
}

dn_flags() {
	sed -n 's/^;; [Ff]lags: *\([^;]*\);.*/\1/p' <<<"$DN_OUT" | tail -n 1 |
		awk '{$1 = $1; print}'
}

dn_flag() {
	[[ " $(dn_flags) " == *" $1 "* ]]
}

# dn_rrs SECTION: the RRs of the last SECTION block, whitespace collapsed.
dn_rrs() {
	awk -v want=";; $1 SECTION:" '
		$0 == want { on = 1; n = 0; delete rr; next }
		on && (/^$/ || /^;/) { on = 0; next }
		on { $1 = $1; rr[n++] = $0 }
		END { for (i = 0; i < n; i++) print rr[i] }' <<<"$DN_OUT"
}

# dn_summary [SECTION]: "TYPE RDATA" of each RR, sorted, comma-separated.
dn_summary() {
	dn_rrs "${1:-ANSWER}" | awk '{ $1 = $2 = $3 = ""; $0 = $0; $1 = $1; print }' |
		LC_ALL=C sort | paste -sd, - | sed 's/,/, /g'
}

dn_ttl() {
	dn_rrs "$1" | awk -v t="$2" '$4 == t { print $2; exit }'
}

dn_same() {
	if [ "$2" != "$3" ]; then
		echo "   $1: got '$2', want '$3'"
		return 1
	fi
}

# Say what a failed check saw: the tool's output, indented.
dn_show() {
	local l
	while IFS= read -r l; do
		echo "      | $l"
	done <<<"$DN_OUT"
}

# dn_expect TOOL NAME TYPE RCODE WANT [OPT...]: see the top.
dn_expect() {
	local tool=$1 name=$2 type=$3 rcode=$4 want=$5 rc=0
	shift 5
	if ! dn_q "$tool" "$name" "$type" "$@"; then
		echo "   $tool $name $type $*: exit status $DN_RC"
		dn_show
		return 1
	fi
	dn_same "$tool $name $type rcode" "$(dn_rcode)" "$rcode" || rc=1
	if [ "$DN_AA" = 1 ] && ! dn_flag aa; then
		echo "   $tool $name $type: no AA flag (flags: $(dn_flags))"
		rc=1
	fi
	dn_same "$tool $name $type answer" "$(dn_summary ANSWER)" "$want" || rc=1
	[ "$rc" -eq 0 ] || dn_show
	return "$rc"
}

# dn_serial ZONE: the serial in ZONE's SOA as dig sees it now.
dn_serial() {
	dn_q dig "$1" SOA || return 1
	dn_rrs ANSWER | awk '$4 == "SOA" { print $7; exit }'
}
