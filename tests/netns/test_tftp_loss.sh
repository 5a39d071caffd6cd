#!/bin/bash
#
# racknet-tftpd recovering from lost, duplicated and stray packets. This
# kernel has no netem, so the client talks to a lossy relay
# (tests/tools/udp-relay) in its own namespace, which drops or repeats
# the Nth packet of a kind, exactly once, keeping TFTP's transfer IDs:
#
#   srv: vs 10.69.0.1/24: racknet-tftpd
#    |
#   cli: vc 10.69.0.10/24; udp-relay 127.0.0.1:6969 -> 10.69.0.1:69;
#        tftp-hpa, atftp, curl, busybox tftp -> 127.0.0.1:6969
#
# Shown: a lost DATA and a lost ACK recovered with each client (the file
# intact; the relay saw the server send the block again), in lock step
# and with atftp's windowsize; a lost OACK sent again; the last DATA
# lost; the final ACK lost (the client has the file, the server gives up
# on it after its retries and frees the transfer); a duplicated ACK
# causing no duplicate DATA (Sorcerer's Apprentice); a stray packet to
# the transfer's port from another port answered with ERROR 5 while the
# transfer goes on, sent by the relay mid-transfer of a real client and
# by a small perl client of our own; the counters (timeouts, stray).
#
# Needs root, iproute2, jq, perl, tftp-hpa, atftp, curl, busybox; RACKNET,
# RACKNET_TFTPD and VLAN_TAGGER or UDP_RELAY (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/tftp.sh
source "$here/../lib/tftp.sh"
nt_init
tf_init
tf_lab

tf_file s1025.bin 1025		# 3 blocks at 512: 512, 512, 1
tf_file s64k.bin 65536		# 128 blocks and an empty 129th
tf_file s4196.bin 4196		# 9 blocks at 512
tf_file s1m.bin 1048576
tf_start
nt_check "racknet-tftpd is running" nt_alive "$TF_PID"

LOSSY=0		# fetches that needed a retransmission after a timeout

# via "RULES" TOOL FILE [OPT...]: a fresh relay with RULES (its counts
# start at 0), FILE fetched through it by TOOL, the relay stopped (its
# summary written). 0 if the file arrived intact.
via() {
	local rules=$1 tool=$2 file=$3 rc=0
	shift 3
	# shellcheck disable=SC2086 # RULES are words
	tf_relay_start $rules || return 1
	tf_fetch_ok "$tool" "$file" server=127.0.0.1 port="$TF_RELAY_PORT" \
		"$@" || rc=1
	tf_relay_stop
	[ "$rc" -eq 0 ] || tf_relay_show
	return "$rc"
}

# relay_is NAME OP N: the last relay's summary count NAME OP N (-eq, -ge).
relay_is() {
	local v ok=0
	v=$(tf_relay_count "$1")
	if [[ $v =~ ^[0-9]+$ ]]; then
		case $2 in
		-eq) [ "$v" -eq "$3" ] && ok=1 ;;
		-ge) [ "$v" -ge "$3" ] && ok=1 ;;
		esac
	fi
	if [ "$ok" -eq 0 ]; then
		echo "   relay: $1=${v:-?}, want $2 $3"
		tf_relay_show
		return 1
	fi
}

# ---- through the relay, nothing lost ----
nt_check "hpa through the relay, no loss: intact, nothing sent twice" \
	eval "via '' hpa s64k.bin && relay_is data -eq 129 &&
		relay_is data_resent -eq 0 && relay_is dropped -eq 0"

# ---- a lost DATA, a lost ACK, with each client ----
# A lost DATA is sent again only when the server's timer fires: the
# client can only repeat its last ACK, which the server must ignore. A
# lost ACK is repeated by whichever side times out first (busybox
# resends its ACK after 100 ms or so), so the relay sees either the
# block again or the ACK again: 130 ACKs for 129 blocks.
# curl asks for a 6 s timeout unless told: 1 s, as the others have.
for t in hpa atftp curl busybox; do
	o=""
	[ "$t" = curl ] && o=timeout=1
	nt_check "$t: DATA #3 lost: the server sends it again, file intact" \
		eval "via '--drop-data 3' $t s64k.bin $o && relay_is dropped -eq 1 &&
			relay_is data_resent -ge 1"
	nt_check "$t: ACK #3 lost: recovered, file intact" \
		eval "via '--drop-ack 3' $t s64k.bin $o && relay_is dropped -eq 1 &&
			relay_is ack -ge 130"
	LOSSY=$((LOSSY + 1))
done
nt_check "hpa: the last DATA (block 3 of 3) lost: sent again" \
	eval "via '--drop-data 3' hpa s1025.bin && relay_is data_resent -ge 1"
nt_check "hpa: two DATA lost in a row (#5 and #6, the resend of block 5)" \
	eval "via '--drop-data 5 --drop-data 6' hpa s4196.bin &&
		relay_is dropped -eq 2 && relay_is data_resent -ge 2"
nt_check "curl: DATA and ACK lost in one transfer (#10, #20)" \
	eval "via '--drop-data 10 --drop-ack 20' curl s64k.bin timeout=1 &&
		relay_is dropped -eq 2"
LOSSY=$((LOSSY + 4))

# ---- options: a lost OACK, losses inside a window ----
nt_check "atftp blksize 1428: the OACK lost, sent again" \
	eval "via '--drop-oack 1' atftp s64k.bin blksize=1428 &&
		relay_is oack -ge 2 && relay_is dropped -eq 1"
# ACK 0 lost: the server can only send the OACK again. curl and busybox
# answer it with ACK 0 again; atftp 0.8 stops ("unexpected OACK"), with
# any server, so it is left out.
nt_check "curl blksize 1428: ACK 0 (of the OACK) lost, the OACK sent again" \
	eval "via '--drop-ack 1' curl s64k.bin blksize=1428 timeout=1 &&
		relay_is oack -eq 2 && relay_is data_resent -eq 0"
nt_check "busybox blksize 1428: ACK 0 lost: recovered" \
	eval "via '--drop-ack 1' busybox s64k.bin blksize=1428 &&
		relay_is dropped -eq 1"
LOSSY=$((LOSSY + 1))	# the OACK for curl
nt_check "atftp blksize 1428 windowsize 8: DATA #5 lost in a window" \
	eval "via '--drop-data 5' atftp s1m.bin blksize=1428 windowsize=8 &&
		relay_is data_resent -ge 1"
nt_check "atftp blksize 1428 windowsize 8: ACK #3 lost" \
	eval "via '--drop-ack 3' atftp s1m.bin blksize=1428 windowsize=8 &&
		relay_is data_resent -ge 1"
LOSSY=$((LOSSY + 1))	# the OACK

# ---- a duplicated ACK: no duplicate DATA (RFC 1123 4.2.3.1) ----
nt_check "hpa: ACK #5 sent twice: no DATA sent twice, 129 in all" \
	eval "via '--dup-ack 5' hpa s64k.bin && relay_is duplicated -eq 1 &&
		relay_is data_resent -eq 0 && relay_is data -eq 129"
nt_check "curl blksize 1024: ACKs #2, #7 and #30 sent twice: still 65 DATA" \
	eval "via '--dup-ack 2 --dup-ack 7 --dup-ack 30' curl s64k.bin blksize=1024 timeout=1 &&
		relay_is duplicated -eq 3 && relay_is data_resent -eq 0 &&
		relay_is data -eq 65"

# ---- the final ACK lost ----
# The client has every byte and leaves; the server sends the last block
# again until its retries run out (5 s or so), then frees the transfer:
# checked after the stray packets below.
nt_check "hpa: the final ACK (#3 of 3) lost: the client has the file" \
	eval "via '--drop-ack 3' hpa s1025.bin && relay_is dropped -eq 1"
LOSSY=$((LOSSY + 1))

# ---- a stray packet from another port: ERROR 5, the transfer goes on ----
nt_check "hpa: the relay's stray ACK mid-transfer gets ERROR 5, file intact" \
	eval "via '--stray 3' hpa s64k.bin && relay_is stray_sent -eq 1 &&
		relay_is stray_err5 -eq 1 && relay_is data_resent -eq 0"
nt_check "atftp windowsize 4: a stray ACK after DATA #10 gets ERROR 5" \
	eval "via '--stray 10' atftp s64k.bin blksize=512 windowsize=4 &&
		relay_is stray_err5 -eq 1"

# stray_client FILE: our own lock-step client: RRQ FILE from one socket;
# after DATA 2, an ACK 2 to the server's transfer port from a second
# socket (a wrong TID); then the transfer goes on from the first. Prints
# "stray=<what came back to the second socket> resent=<blocks seen
# twice>" and writes the file to $TF_DIR/got/stray.out.
stray_client() {
	# shellcheck disable=SC2016 # perl code, perl's variables
	ip netns exec "$TF_NS" perl -e '
		use IO::Socket::INET; use IO::Select; use Socket;
		my ($srv, $file, $out, $me) = @ARGV;
		my $a = IO::Socket::INET->new(Proto => "udp", LocalAddr => $me)
			or die "socket: $!\n";
		my $b = IO::Socket::INET->new(Proto => "udp", LocalAddr => $me)
			or die "socket: $!\n";
		my ($sa, $sb) = (IO::Select->new($a), IO::Select->new($b));
		$a->send(pack("n", 1) . "$file\0octet\0", 0,
			pack_sockaddr_in(69, inet_aton($srv))) or die "send: $!\n";
		my ($data, $blk, $tid, $stray, $resent) = ("", 0, undef, "none", 0);
		for (my $i = 0; $i < 1000; $i++) {
			$sa->can_read(5) or die "no DATA " . ($blk + 1) . " in 5 s\n";
			my $peer = $a->recv(my $p, 65535);
			my ($op, $n) = unpack("nn", $p);
			die "ERROR $n: " . substr($p, 4) . "\n" if $op == 5;
			next if $op != 3;
			$tid //= $peer;
			if ($n != (($blk + 1) & 0xffff)) { $resent++; next; }
			$data .= substr($p, 4);
			$blk++;
			if ($blk == 2) {
				$b->send(pack("nn", 4, 2), 0, $tid);
				if ($sb->can_read(2)) {
					my $from = $b->recv(my $r, 65535);
					my ($o, $c) = unpack("nn", $r);
					$stray = ($from eq $tid ? "" : "other-port-")
						. ($o == 5 ? "ERROR-$c" : "op-$o");
				}
			}
			$a->send(pack("nn", 4, $n), 0, $tid);
			last if length($p) - 4 < 512;
		}
		open(my $f, ">", $out) or die "$out: $!\n";
		binmode $f;
		print $f $data;
		close $f;
		print "stray=$stray resent=$resent\n";
	' "$TF_SERVER" "$1" "$TF_DIR/got/stray.out" "$TF_CLIENT"
}
stray_ok() {
	local r
	r=$(stray_client s4196.bin 2>&1) || { echo "   perl client: $r"; return 1; }
	echo "   perl client: $r"
	[ "$r" = "stray=ERROR-5 resent=0" ] &&
		[ "$(tf_sum "$TF_DIR/got/stray.out")" = "$(tf_sum "$TF_ROOT/s4196.bin")" ]
}
nt_check "a stray ACK from another port of the client gets ERROR 5 from the transfer's port; the transfer completes intact" \
	stray_ok

gave_up() {
	grep -qE "RRQ s1025\.bin: .* after [0-9]+ of 1025 bytes" "$TF_LOG"
}
nt_check "the server gave up on the transfer whose final ACK was lost, and said so" \
	nt_wait_for 15 gave_up
grep -E "RRQ s1025\.bin: .* after" "$TF_LOG" | sed 's/^/   log: /' || :
nt_check "no transfer is left (racknet tftp stats: active 0)" \
	nt_wait_for 3 eval "[ \$(tf_stat active) -eq 0 ]"

# ---- the counters ----
nt_check "racknet tftp stats: retransmits >= $LOSSY, stray >= 3" \
	nt_wait_for 3 eval "tf_stat_ge retransmits $LOSSY && tf_stat_ge stray 3"
rn tftp stats --json 2>&1 | jq -c '.counters // .' 2>&1 | sed 's/^/   /' || :
nt_check "racknet-tftpd is still running" nt_alive "$TF_PID"

nt_summary
