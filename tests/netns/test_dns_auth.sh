#!/bin/bash
#
# racknet-dnsd as an authoritative server, asked by dig, kdig and drill
# from a client namespace:
#
#   srv: vs 10.53.0.1/24, fd53:0:0:1::1/64, 172.16.99.1/24: racknet-dnsd
#    |
#   cli: vc 10.53.0.10 (dns-axfr-allow), 10.53.0.11, fd53:0:0:1::10
#           (managed subnets), 172.16.99.10 (outside every IPAM subnet)
#
# IPAM: domain lab.test (TTL 120, the default domain), subnets
# 10.53.0.0/24, 10.53.1.64/26 (RFC 2317) and fd53:0:0:1::/64; hosts with
# static IPv4 and IPv6 addresses, a reserved address with a name, and
# custom records of every type (A, AAAA, CNAME chain, MX, SRV, TXT, TXTs
# of 1000 and 3000 bytes, an RRset of 40 A records, NS delegation with glue, PTR).
#
# Shown, with each tool where it can: A, AAAA, PTR (IPv4, IPv4 in the /26
# through the /24's CNAME, IPv6), SOA, NS (with glue), CNAME (chain
# followed), MX, SRV, TXT, a referral; NXDOMAIN and NODATA (rcode, SOA in
# authority with its RFC 2308 TTL); AA; the question's case repeated; TCP;
# EDNS with a 512-byte buffer (TC over UDP, the full answer over TCP), no
# EDNS, a large buffer; EDNS version 1 -> BADVERS; AXFR allowed and
# refused; REFUSED for others' names to a client outside the managed
# subnets, answers for ours; malformed packets (FORMERR or nothing, and
# it still answers); a new record resolving within 1 s with a higher SOA
# serial; response rate limiting outside the managed subnets; `racknet dns
# stats --json`.
#
# Needs root, iproute2, jq, perl, dig, kdig, drill; RACKNET and
# RACKNET_DNSD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dns.sh
source "$here/../lib/dns.sh"
nt_init
dn_init

D=lab.test
TOOLS=(dig kdig drill)

# ---- IPAM ----
rn setting set default-domain "$D" >/dev/null
rn domain add "$D" --ttl 120 >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
for c in 10.53.0.0/24 10.53.1.64/26 fd53:0:0:1::/64; do
	rn subnet add "$c" --vlan lab/0 --domain "$D" >/dev/null
done
rn host add node1 --mac 02:00:00:53:00:01 --ip 10.53.0.21 >/dev/null
rn host set node1 --ip fd53:0:0:1::21 >/dev/null
rn host add node2 --mac 02:00:00:53:00:02 --ip 10.53.1.70 >/dev/null
rn address reserve 10.53.0.30 --hostname printer >/dev/null
xs() { head -c "$1" /dev/zero | tr '\0' x; }
rn record add "www.$D" CNAME "node1.$D" >/dev/null
rn record add "chain.$D" CNAME "www.$D" >/dev/null
rn record add "$D" MX "10 mail.$D" >/dev/null
rn record add "mail.$D" A 10.53.0.25 >/dev/null
rn record add "_http._tcp.$D" SRV "0 5 80 node1.$D" >/dev/null
rn record add "info.$D" TXT "hello world" --ttl 60 >/dev/null
rn record add "big.$D" TXT "$(xs 1000)" >/dev/null
rn record add "huge.$D" TXT "$(xs 3000)" >/dev/null
for i in $(seq 101 140); do
	rn record add "many.$D" A "10.53.0.$i" >/dev/null
done
rn record add "v6only.$D" AAAA fd53:0:0:1::99 >/dev/null
rn record add "sub.$D" NS "ns1.sub.$D" >/dev/null
rn record add "ns1.sub.$D" A 10.53.0.99 >/dev/null
rn record add 200.0.53.10.in-addr.arpa PTR "custom.$D" >/dev/null
rn setting set dns-axfr-allow 10.53.0.10/32 >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
CLI=$(nt_netns_add cli)
read -r VS VC <<<"$(nt_veth_add vs "$SRV" vc "$CLI")"
nt_addr_add "$VS" 10.53.0.1/24 "$SRV"
nt_addr_add "$VS" 172.16.99.1/24 "$SRV"
nt_addr_add "$VC" 10.53.0.10/24 "$CLI"
nt_addr_add "$VC" 10.53.0.11/24 "$CLI"
nt_addr_add "$VC" 172.16.99.10/24 "$CLI"
# No duplicate address detection: the addresses work at once. A kernel
# without IPv6 still runs the rest (IPv6 data needs no IPv6 transport).
V6=1
if ! ip -n "$SRV" addr add fd53:0:0:1::1/64 dev "$VS" nodad ||
	! ip -n "$CLI" addr add fd53:0:0:1::10/64 dev "$VC" nodad; then
	echo "   no IPv6 in this kernel: the IPv6 transport checks are left out"
	V6=0
fi

LOG=$NT_LOGDIR/dnsd.log
PID=$(dn_server_start "$SRV" "$LOG" --listen 10.53.0.1 \
	--listen 172.16.99.1 --listen '[fd53:0:0:1::1]:53')
nt_defer dn_server_stop "$PID"
nt_check "racknet-dnsd is running" dn_server_up "$PID" "$LOG"

DN_NS=$CLI
DN_SERVER=10.53.0.1
nt_check "it answers (SOA $D within 5 s)" \
	nt_wait_for 5 eval "dn_q dig $D SOA && [ \"\$(dn_rcode)\" = NOERROR ]"

# ---- every record type, with each tool ----
SOA_RE="^SOA ns\.$D\. hostmaster\.$D\. [0-9]+ 3600 600 604800 120\$"
soa_ok() {	# soa_ok TOOL
	dn_q "$1" "$D" SOA || return 1
	if ! [[ $(dn_summary) =~ $SOA_RE ]] || ! dn_flag aa ||
		[ "$(dn_rcode)" != NOERROR ]; then
		echo "   $1: SOA answer '$(dn_summary)' (flags $(dn_flags))"
		dn_show
		return 1
	fi
}
# with_additional TOOL NAME TYPE WANT ADDL: the answer, and ADDL among the
# additional section's records.
with_additional() {
	dn_expect "$1" "$2" "$3" NOERROR "$4" || return 1
	if [[ ", $(dn_summary ADDITIONAL), " != *", $5, "* ]]; then
		echo "   $1 $2 $3: additional '$(dn_summary ADDITIONAL)' lacks '$5'"
		dn_show
		return 1
	fi
}
for t in "${TOOLS[@]}"; do
	nt_check "$t: A node1" dn_expect "$t" "node1.$D" A NOERROR "A 10.53.0.21"
	nt_check "$t: AAAA node1 (static IPv6)" \
		dn_expect "$t" "node1.$D" AAAA NOERROR "AAAA fd53:0:0:1::21"
	nt_check "$t: AAAA record" \
		dn_expect "$t" "v6only.$D" AAAA NOERROR "AAAA fd53:0:0:1::99"
	nt_check "$t: A of a reserved address with a name" \
		dn_expect "$t" "printer.$D" A NOERROR "A 10.53.0.30"
	nt_check "$t: PTR 10.53.0.21" dn_expect "$t" \
		"$(dn_rev 10.53.0.21)" PTR NOERROR "PTR node1.$D."
	nt_check "$t: PTR 10.53.1.70 (in the /26: the /24's CNAME, then the PTR)" \
		dn_expect "$t" "$(dn_rev 10.53.1.70)" PTR NOERROR \
		"CNAME 70.64/26.1.53.10.in-addr.arpa., PTR node2.$D."
	nt_check "$t: PTR inside the RFC 2317 zone itself" \
		dn_expect "$t" 70.64/26.1.53.10.in-addr.arpa PTR NOERROR \
		"PTR node2.$D."
	nt_check "$t: PTR fd53:0:0:1::21" dn_expect "$t" \
		"$(dn_rev fd53:0:0:1::21)" PTR NOERROR "PTR node1.$D."
	nt_check "$t: PTR record 10.53.0.200" dn_expect "$t" \
		"$(dn_rev 10.53.0.200)" PTR NOERROR "PTR custom.$D."
	nt_check "$t: SOA $D" soa_ok "$t"
	nt_check "$t: NS $D, with its glue" \
		with_additional "$t" "$D" NS "NS ns.$D." "A 10.53.0.1"
	nt_check "$t: CNAME chain followed (chain -> www -> node1 A)" \
		dn_expect "$t" "chain.$D" A NOERROR \
		"A 10.53.0.21, CNAME node1.$D., CNAME www.$D."
	nt_check "$t: the chain's records in order (chain, www, node1)" \
		eval "dn_q $t chain.$D A && dn_same order \"\$(dn_rrs ANSWER |
			awk '{printf \"%s %s|\", \$1, \$4}')\" \
			'chain.$D. CNAME|www.$D. CNAME|node1.$D. A|'"
	nt_check "$t: CNAME asked for itself" \
		dn_expect "$t" "www.$D" CNAME NOERROR "CNAME node1.$D."
	nt_check "$t: MX, with the exchange's address" \
		with_additional "$t" "$D" MX "MX 10 mail.$D." "A 10.53.0.25"
	nt_check "$t: SRV" dn_expect "$t" "_http._tcp.$D" SRV NOERROR \
		"SRV 0 5 80 node1.$D."
	nt_check "$t: TXT" dn_expect "$t" "info.$D" TXT NOERROR \
		'TXT "hello world"'
	nt_check "$t: TXT keeps its own TTL (60)" \
		eval "dn_q $t info.$D TXT && dn_same TTL \"\$(dn_ttl ANSWER TXT)\" 60"
done

# ---- negative answers ----
# neg TOOL NAME TYPE RCODE: no answer, AA, the zone's SOA in authority
# with the RFC 2308 TTL: min(SOA TTL, SOA minimum), both 120 here.
neg() {
	local t=$1 rc=0
	dn_q "$t" "$2" "$3" || { dn_show; return 1; }
	dn_same "$t $2 $3 rcode" "$(dn_rcode)" "$4" || rc=1
	dn_same "$t $2 $3 answer" "$(dn_summary ANSWER)" "" || rc=1
	dn_flag aa || { echo "   $t: no AA"; rc=1; }
	[[ $(dn_summary AUTHORITY) =~ $SOA_RE ]] ||
		{ echo "   $t: authority '$(dn_summary AUTHORITY)'"; rc=1; }
	dn_same "$t SOA owner" "$(dn_rrs AUTHORITY | awk '{print $1}')" "$D." ||
		rc=1
	dn_same "$t negative TTL" "$(dn_ttl AUTHORITY SOA)" 120 || rc=1
	[ "$rc" -eq 0 ] || dn_show
	return "$rc"
}
for t in "${TOOLS[@]}"; do
	nt_check "$t: NXDOMAIN for a name that does not exist" \
		neg "$t" "nope.$D" A NXDOMAIN
	nt_check "$t: NODATA (NOERROR, empty) for a type node1 lacks" \
		neg "$t" "node1.$D" TXT NOERROR
	nt_check "$t: NODATA for an empty non-terminal (_tcp.$D)" \
		neg "$t" "_tcp.$D" A NOERROR
done
nt_check "dig: NXDOMAIN in a reverse zone (10.53.0.99 has no name)" \
	eval "dn_q dig $(dn_rev 10.53.0.99) PTR && [ \"\$(dn_rcode)\" = NXDOMAIN ] &&
		dn_rrs AUTHORITY | grep -q ' SOA '"

# ---- a delegation: a referral, not an answer ----
referral() {	# referral TOOL
	local rc=0
	dn_q "$1" "host.sub.$D" A || { dn_show; return 1; }
	dn_same "$1 rcode" "$(dn_rcode)" NOERROR || rc=1
	dn_flag aa && { echo "   $1: AA set on a referral"; rc=1; }
	dn_same "$1 answer" "$(dn_summary ANSWER)" "" || rc=1
	dn_same "$1 authority" "$(dn_summary AUTHORITY)" "NS ns1.sub.$D." || rc=1
	dn_same "$1 glue" "$(dn_summary ADDITIONAL)" "A 10.53.0.99" || rc=1
	[ "$rc" -eq 0 ] || dn_show
	return "$rc"
}
for t in "${TOOLS[@]}"; do
	nt_check "$t: a name under sub.$D gets a referral with glue" referral "$t"
done

# ---- the question's case comes back ----
MIXED=nOdE1.LaB.tEsT
case_kept() {	# case_kept TOOL
	dn_q "$1" "$MIXED" A || return 1
	local owner
	owner=$(dn_rrs ANSWER | awk '{print $1; exit}')
	if ! dn_same "$1 answer owner" "$owner" "$MIXED." ||
		! grep -qF ";$MIXED." <<<"${DN_OUT//;; /;}"; then
		dn_show
		return 1
	fi
}
nt_check "dig +nocmd: a 0x20-mixed name is repeated in question and answer" \
	eval "dn_q dig $MIXED A +nocmd && dn_same owner \"\$(dn_rrs ANSWER | awk '{print \$1}')\" '$MIXED.'"
# kdig lowercases the name before it sends it: nothing to see there.
for t in dig drill; do
	nt_check "$t: case of $MIXED kept" case_kept "$t"
done

# ---- transports and sizes ----
# big's TXT (1000 bytes) fits in our 1232-byte UDP limit but not in 512;
# huge's (3000 bytes) fits only over TCP, whatever buffer the client has.
# txt_ok TOOL NAME BYTES PROTO OPT...: all of NAME's TXT, over PROTO, no TC
# (dig and kdig split it in 255-byte strings: count the x's).
txt_ok() {
	local t=$1 name=$2 bytes=$3 proto=$4
	shift 4
	dn_q "$t" "$name" TXT "$@" || { dn_show; return 1; }
	# drill does not say which transport it used.
	if ! dn_same "$t rcode" "$(dn_rcode)" NOERROR ||
		! dn_same "$t TXT bytes" \
			"$(dn_rrs ANSWER | awk '$4 == "TXT"' | tr -cd x | wc -c)" \
			"$bytes" ||
		dn_flag tc ||
		{ [ "$t" != drill ] && ! grep -qE "\\($proto\\)" <<<"$DN_OUT"; }; then
		dn_show
		return 1
	fi
}
many_ok() {	# many_ok TOOL OPT...: the 40 A records, no TC
	dn_q "$1" "many.$D" A "${@:2}" || { dn_show; return 1; }
	if ! dn_same "$1 A records" \
		"$(dn_rrs ANSWER | awk '$4 == "A"' | wc -l)" 40 || dn_flag tc; then
		dn_show
		return 1
	fi
}
tc_set() {	# tc_set TOOL NAME TYPE OPT...: TC over UDP, no partial RRset
	dn_q "$1" "$2" "$3" "${@:4}" || { dn_show; return 1; }
	if ! dn_flag tc || [ "$(dn_rcode)" != NOERROR ] ||
		! dn_same "$1 answer" "$(dn_summary ANSWER)" ""; then
		echo "   $1: flags '$(dn_flags)', rcode $(dn_rcode)"
		dn_show
		return 1
	fi
}
for t in "${TOOLS[@]}"; do
	nt_check "$t: A over TCP" dn_expect "$t" "node1.$D" A NOERROR \
		"A 10.53.0.21" tcp
	nt_check "$t: 3000-byte TXT over TCP" txt_ok "$t" "huge.$D" 3000 TCP tcp
	nt_check "$t: EDNS 512: 1000-byte TXT over UDP has TC set" \
		tc_set "$t" "big.$D" TXT bufsize=512 ignore
	nt_check "$t: EDNS 512: 40 A records over UDP have TC set" \
		tc_set "$t" "many.$D" A bufsize=512 ignore
	nt_check "$t: EDNS 4096: the 1000-byte TXT whole over UDP" \
		txt_ok "$t" "big.$D" 1000 UDP bufsize=4096
	nt_check "$t: EDNS 4096: 40 A records over UDP" many_ok "$t" bufsize=4096
	nt_check "$t: EDNS 4096: the 3000-byte TXT has TC over UDP (our limit 1232)" \
		tc_set "$t" "huge.$D" TXT bufsize=4096 ignore
done
nt_check "dig: our OPT advertises 1232 bytes" \
	eval "dn_q dig node1.$D A bufsize=4096 && grep -q '; EDNS: version: 0, flags:; udp: 1232\$' <<<\"\$DN_OUT\""
nt_check "dig: no EDNS: 40 A records over UDP have TC set (512 bytes)" \
	tc_set dig "many.$D" A noedns ignore
nt_check "dig: no EDNS: A over UDP is answered without OPT" \
	eval "dn_expect dig node1.$D A NOERROR 'A 10.53.0.21' noedns &&
		! grep -q 'OPT PSEUDOSECTION' <<<\"\$DN_OUT\""
for t in dig kdig; do
	nt_check "$t: EDNS 512: TC, then it retries over TCP and gets 1000 bytes" \
		txt_ok "$t" "big.$D" 1000 TCP bufsize=512
	nt_check "$t: EDNS 4096: TC, then over TCP all 3000 bytes" \
		txt_ok "$t" "huge.$D" 3000 TCP bufsize=4096
	nt_check "$t: EDNS 512: 40 A records after the TCP retry" \
		many_ok "$t" bufsize=512
done
nt_check "drill: the 40 A records over TCP" many_ok drill tcp
badvers() {	# badvers TOOL
	dn_q "$1" "node1.$D" A edns=1 || { dn_show; return 1; }
	if ! dn_same "$1 rcode" "$(dn_rcode)" BADVERS ||
		! dn_same "$1 answer" "$(dn_summary ANSWER)" ""; then
		dn_show
		return 1
	fi
}
# drill cannot set the EDNS version.
for t in dig kdig; do
	nt_check "$t: EDNS version 1 -> BADVERS" badvers "$t"
done
nt_check "dig: EDNS version 0 is fine" \
	dn_expect dig "node1.$D" A NOERROR "A 10.53.0.21" edns=0
if [ "$V6" = 1 ]; then
	nt_check "dig over IPv6 (fd53:0:0:1::1)" dn_expect dig "node1.$D" A \
		NOERROR "A 10.53.0.21" server=fd53:0:0:1::1
	nt_check "kdig over IPv6, TCP" dn_expect kdig "$(dn_rev fd53:0:0:1::21)" \
		PTR NOERROR "PTR node1.$D." server=fd53:0:0:1::1 tcp
fi

# ---- AXFR ----
# The owner names the zone must hold: records, hosts, the named reserved
# address, the apex and our NS name (its glue comes from --listen).
want_names=$(
	{
		rn record list --json | jq -r '.[].name'
		rn host list --json | jq -r '.[].hostname + ".lab.test"'
		echo "printer.$D"
		echo "$D"
		echo "ns.$D"
	} | grep -E "(^|\.)$D\$" | sed 's/$/./' | tr '[:upper:]' '[:lower:]' | LC_ALL=C sort -u
)
axfr_rrs() {	# the transfer's records, one space apart
	grep -v '^;' <<<"$DN_OUT" | grep -v '^$' | awk '{$1 = $1; print}'
}
axfr_ok() {	# axfr_ok TOOL
	local rrs first last got rc=0
	dn_q "$1" "$D" AXFR src=10.53.0.10 || { dn_show; return 1; }
	rrs=$(axfr_rrs)
	first=$(head -n 1 <<<"$rrs" | awk '{print $1, $4}')
	last=$(tail -n 1 <<<"$rrs" | awk '{print $1, $4}')
	dn_same "$1 first record" "$first" "$D. SOA" || rc=1
	dn_same "$1 last record" "$last" "$D. SOA" || rc=1
	dn_same "$1 SOA records" "$(awk '$4 == "SOA"' <<<"$rrs" | wc -l)" 2 || rc=1
	got=$(awk '{print tolower($1)}' <<<"$rrs" | LC_ALL=C sort -u)
	dn_same "$1 names" "$(tr '\n' ' ' <<<"$got")" \
		"$(tr '\n' ' ' <<<"$want_names")" || rc=1
	dn_same "$1 many's A records" \
		"$(awk -v n="many.$D." '$1 == n && $4 == "A"' <<<"$rrs" | wc -l)" 40 ||
		rc=1
	grep -qxF "node1.$D. 120 IN AAAA fd53:0:0:1::21" <<<"$rrs" ||
		{ echo "   $1: node1's AAAA missing"; rc=1; }
	[ "$rc" -eq 0 ] || dn_show
	return "$rc"
}
for t in "${TOOLS[@]}"; do
	nt_check "$t: AXFR $D from 10.53.0.10 (allowed): SOA first and last, every name" \
		axfr_ok "$t"
done
nt_check "dig: AXFR of the RFC 2317 zone holds node2's PTR" \
	eval "dn_q dig 64/26.1.53.10.in-addr.arpa AXFR src=10.53.0.10 &&
		axfr_rrs | grep -qx '70.64/26.1.53.10.in-addr.arpa. 120 IN PTR node2.$D.'"
axfr_refused() {	# axfr_refused TOOL SRC
	dn_q "$1" "$D" AXFR "src=$2" || :
	if axfr_rrs | grep -q .; then
		echo "   $1: records transferred to $2"
		dn_show
		return 1
	fi
	# dig only says "Transfer failed."; kdig names the rcode.
	if [ "$1" = dig ]; then
		grep -q '^; Transfer failed\.' <<<"$DN_OUT"
	else
		grep -q 'REFUSED' <<<"$DN_OUT"
	fi || { dn_show; return 1; }
}
for t in dig kdig; do
	nt_check "$t: AXFR from 10.53.0.11 (not in dns-axfr-allow) is refused" \
		axfr_refused "$t" 10.53.0.11
	nt_check "$t: AXFR from 172.16.99.10 (unmanaged) is refused" \
		axfr_refused "$t" 172.16.99.10
done
nt_check "kdig: AXFR of a zone that is not ours is refused" \
	eval "dn_q kdig example.org AXFR src=10.53.0.10; ! axfr_rrs | grep -q . &&
		grep -q REFUSED <<<\"\$DN_OUT\""
nt_check "racknet-dnsd logged the refusal" \
	grep -q "zone transfer of $D to 10.53.0.11 refused" "$LOG"

# ---- a client outside the managed subnets ----
for t in "${TOOLS[@]}"; do
	nt_check "$t: from 172.16.99.10, a name not ours -> REFUSED" \
		eval "DN_AA=0 dn_expect $t www.example.org A REFUSED '' \
			src=172.16.99.10 server=172.16.99.1"
	nt_check "$t: from 172.16.99.10, our name is answered" \
		dn_expect "$t" "node1.$D" A NOERROR "A 10.53.0.21" \
		src=172.16.99.10 server=172.16.99.1
done
nt_check "from the managed subnet, the RA flag is set" \
	eval "dn_q dig node1.$D A && dn_flag ra"
nt_check "from 172.16.99.10, the RA flag is clear" \
	eval "dn_q dig node1.$D A src=172.16.99.10 server=172.16.99.1 && ! dn_flag ra"

# ---- malformed packets ----
# malformed HEX: send the bytes from the client; print the reply's rcode
# (FORMERR...), "none" if nothing came within 1 s, or "bad-reply:HEX" for
# a reply that does not echo the ID or lacks QR.
malformed() {
	local r rc
	r=$(dn_raw "$CLI" "$DN_SERVER" "$1") || return 1
	if [ "$r" = none ]; then
		echo none
	elif [ ${#r} -lt 24 ] || [ "${r:0:4}" != "${1:0:4}" ] ||
		! (((0x${r:4:2} & 0x80) != 0)); then
		echo "bad-reply:$r"
	else
		rc=$((0x${r:7:1}))
		case $rc in
		0) echo NOERROR ;; 1) echo FORMERR ;; 2) echo SERVFAIL ;;
		3) echo NXDOMAIN ;; 4) echo NOTIMP ;; 5) echo REFUSED ;;
		*) echo "rcode$rc" ;;
		esac
	fi
}
# Each line: the packet in hex (header: ID 1234, flags, QD AN NS AR
# counts), then what is wrong with it.
A64=$(printf '61%.0s' $(seq 64))
while read -r hex what; do
	nt_check "malformed: $what -> FORMERR or nothing" \
		eval "r=\$(malformed '$hex'); echo \"   reply: \$r\";
			[ \"\$r\" = FORMERR ] || [ \"\$r\" = none ]"
done <<EOF
1234000001 a 5-byte runt
123401000001000000000000 a header alone claiming a question
1234010000010000000000003f616263 a label running past the end
123401000001000000000000c00c00010001 a compression pointer loop
123401000001000000000000c0ff00010001 a pointer past the packet
12340100000100000000000040${A64}0000010001 a label of type 0x40 (extended)
123401000000000000000000deadbeef no question, trailing garbage
123401000002000000000000036e6f640000010001036e6f640000010001 two questions
123401000001000000000001056e6f6465310000010001000029100000000000ffff an OPT record running past the end
EOF
nt_check "a well-formed query sent raw is answered (the sender works)" \
	eval "[ \"\$(malformed 123400000001000000000000056e6f646531036c616204746573740000010001)\" = NOERROR ]"
nt_check "a response (QR set) is not answered" \
	eval "[ \"\$(malformed 123481800001000000000000056e6f6465310000010001)\" = none ]"
nt_check "racknet-dnsd still runs after the malformed packets" nt_alive "$PID"
for t in "${TOOLS[@]}"; do
	nt_check "$t: still answers after them" \
		dn_expect "$t" "node1.$D" A NOERROR "A 10.53.0.21"
done

# ---- a change in IPAM reaches DNS within 1 s, with a higher serial ----
serial0=$(dn_serial "$D")
rn record add "fresh.$D" A 10.53.0.77 >/dev/null
fresh_ok() {
	dn_q dig "fresh.$D" A && [ "$(dn_summary)" = "A 10.53.0.77" ]
}
nt_check "racknet record add: fresh.$D resolves within 1 s" dn_wait_ms 1000 fresh_ok
echo "   (resolved ${DN_WAITED_MS} ms after racknet record add returned)"
serial1=$(dn_serial "$D")
nt_check "the SOA serial rose ($serial0 -> $serial1)" \
	eval "[ '$serial1' -gt '$serial0' ] 2>/dev/null"
nt_check "kdig and drill see it too" \
	eval "dn_expect kdig fresh.$D A NOERROR 'A 10.53.0.77' &&
		dn_expect drill fresh.$D A NOERROR 'A 10.53.0.77'"
rn record rm "fresh.$D" A >/dev/null
nt_check "racknet record rm: fresh.$D is NXDOMAIN within 1 s" \
	dn_wait_ms 1000 eval "dn_q dig fresh.$D A && [ \"\$(dn_rcode)\" = NXDOMAIN ]"
serial2=$(dn_serial "$D")
nt_check "the SOA serial rose again ($serial1 -> $serial2)" \
	eval "[ '$serial2' -gt '$serial1' ] 2>/dev/null"
rn host set node2 --ip 10.53.1.71 >/dev/null || :
nt_check "a host's new address: its A and PTR within 1 s" \
	dn_wait_ms 1000 eval "dn_q dig node2.$D A && [ \"\$(dn_summary)\" = 'A 10.53.1.71' ] &&
		dn_q dig $(dn_rev 10.53.1.71) PTR &&
		[[ \"\$(dn_summary)\" == *'PTR node2.$D.' ]]"
nt_check "the old PTR is gone" \
	eval "dn_q dig 70.64/26.1.53.10.in-addr.arpa PTR && [ \"\$(dn_rcode)\" = NXDOMAIN ]"

# ---- response rate limiting (dns-rrl, 20 answers/s per /24 by default) ----
# 100 queries at once. From outside the managed subnets: about a second's
# worth (20) answered, half the rest slipped out with TC, the others
# dropped. From a managed subnet: no limit.
rrl_outside() {
	local r full tc
	r=$(dn_burst "$CLI" 172.16.99.10 172.16.99.1 "node1.$D" 100) || return 1
	echo "   outside: $r"
	read -r full tc <<<"${r//[a-z=]/}"
	[ "$full" -ge 10 ] && [ "$full" -le 45 ] && [ "$tc" -ge 10 ] &&
		[ $((full + tc)) -lt 100 ]
}
rrl_managed() {
	local r
	r=$(dn_burst "$CLI" 10.53.0.11 10.53.0.1 "node1.$D" 100) || return 1
	echo "   managed: $r"
	[ "$r" = "full=100 tc=0" ]
}
nt_check "RRL: 100 queries from 172.16.99.10: ~20 answered, some TC, some dropped" \
	rrl_outside
nt_check "RRL: 100 queries from the managed 10.53.0.11: all answered" rrl_managed
nt_check "RRL: counted in racknet dns stats (rrl_slipped, rrl_dropped)" \
	nt_wait_for 3 eval "[ \$(dn_stat rrl_slipped) -ge 10 ] && [ \$(dn_stat rrl_dropped) -ge 1 ]"

# ---- counters ----
# racknet-dnsd publishes them every second.
stats_ok() {
	local q
	q=$(dn_stat queries)
	# Our tool runs, the 11 raw packets and the 200 of the bursts.
	[ "$q" -ge $((DN_QUERIES + 211)) ] && [ "$(dn_stat tcp)" -gt 0 ] &&
		[ "$(dn_stat axfr)" -ge 4 ] && [ "$(dn_stat axfr_refused)" -ge 5 ] &&
		[ "$(dn_stat truncated)" -ge 6 ] && [ "$(dn_stat r_refused)" -ge 3 ] &&
		[ "$(dn_stat r_nxdomain)" -ge 6 ] && [ "$(dn_stat malformed)" -ge 1 ] &&
		[ "$(dn_stat q_a)" -gt 0 ] && [ "$(dn_stat q_ptr)" -gt 0 ]
}
nt_check "racknet dns stats --json counts the queries (>= $((DN_QUERIES + 211))), TCP, AXFR, TC, rcodes" \
	nt_wait_for 3 stats_ok
rn dns stats --json | jq -c '.counters' | sed 's/^/   /' || :
nt_check "racknet-dnsd is still running" nt_alive "$PID"

nt_summary
