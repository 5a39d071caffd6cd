#!/bin/bash
#
# racknet-tftpd's HTTP boot server, asked by curl (and, for the bytes on
# the wire, a few raw requests from perl) from a client namespace:
#
#   srv: vs 10.69.0.1/24: racknet-tftpd (TFTP :69, HTTP :8080)
#    |
#   cli: vc 10.69.0.10/24: curl
#
# Shown: GET byte-exact (empty, small, 16 MiB: sendfile), HEAD (the right
# Content-Length, no body on the wire), Range requests (A-B, A-, -N, one
# byte, an end past the size clamped, several ranges -> the whole file,
# unsatisfiable -> 416 with "bytes */SIZE"), keep-alive (two URLs on one
# connection), traversal ("..", %2e%2e, %2f, a symlink out of the root)
# -> 403, a folder -> 403, a missing file -> 404, a PUT refused, HTTP/1.0;
# the HTTP counters in `racknet tftp stats --json`; --max-http: with 4
# keep-alive connections open a fifth is not served until one closes.
#
# Needs root, iproute2, jq, perl, curl; RACKNET and RACKNET_TFTPD (set by
# ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/tftp.sh
source "$here/../lib/tftp.sh"
nt_init
tf_init
tf_lab

tf_file files/empty.bin 0
tf_file files/small.bin 1000
tf_file files/big.bin $((16 << 20))
tf_file "files/with space.bin" 777
echo "a line of text" >"$TF_ROOT/files/text.txt"
ln -s ../outside.txt "$TF_ROOT/escape.txt"
SIZE=1000
MAX_HTTP=4
tf_start --max-http "$MAX_HTTP"
nt_check "racknet-tftpd is running" nt_alive "$TF_PID"

BODY=$TF_DIR/got/http.body

# get_ok PATH FILE [CURL_ARG...]: 200 and the body is FILE's bytes.
get_ok() {
	local path=$1 want=$2
	shift 2
	if ! tf_http "$path" "$@" || [ "$TF_HTTP_CODE" != 200 ]; then
		echo "   GET /$path: curl status $TF_RC, HTTP $TF_HTTP_CODE"
		tf_show
		return 1
	fi
	[ -e "$BODY" ] || : >"$BODY"	# curl writes no file for no body
	if [ "$(tf_sum "$BODY")" != "$(tf_sum "$want")" ]; then
		echo "   GET /$path: $(stat -c %s "$BODY") bytes, not those of $want"
		return 1
	fi
	[ "$(tf_http_header Content-Length)" = "$(stat -c %s "$want")" ] || {
		echo "   Content-Length '$(tf_http_header Content-Length)'"
		return 1
	}
}
# code_is PATH CODE [CURL_ARG...]
code_is() {
	local path=$1 want=$2
	shift 2
	tf_http "$path" "$@" || :
	if [ "$TF_HTTP_CODE" != "$want" ]; then
		echo "   /$path $*: HTTP $TF_HTTP_CODE, want $want"
		tf_show
		return 1
	fi
}

# ---- GET ----
nt_check "GET an empty file: 200, Content-Length 0" \
	get_ok files/empty.bin "$TF_ROOT/files/empty.bin"
nt_check "GET 1000 bytes byte-exact" get_ok files/small.bin "$TF_ROOT/files/small.bin"
nt_check "GET 16 MiB byte-exact" get_ok files/big.bin "$TF_ROOT/files/big.bin"
nt_check "GET a name with a space (%20)" \
	get_ok "files/with%20space.bin" "$TF_ROOT/files/with space.bin"
nt_check "GET over HTTP/1.0" \
	get_ok files/small.bin "$TF_ROOT/files/small.bin" --http1.0
nt_check "GET /files//small.bin (a double slash)" \
	get_ok files//small.bin "$TF_ROOT/files/small.bin"

# ---- HEAD ----
nt_check "HEAD (curl -I): 200, Content-Length 16777216" \
	eval "tf_http files/big.bin -I && [ \"\$TF_HTTP_CODE\" = 200 ] &&
		[ \"\$(tf_http_header Content-Length)\" = $((16 << 20)) ]"
# raw REQUEST: send REQUEST (\r\n written as \n in it) on one
# connection, read until the server closes it (at most 3 s); print
# "TOTAL HEAD" (the reply's bytes, and those up to the end of the first
# head, its blank line included), then the reply.
raw() {
	# shellcheck disable=SC2016 # perl code, perl's variables
	ip netns exec "$TF_NS" perl -e '
		use IO::Socket::INET; use IO::Select;
		my ($srv, $port, $req) = @ARGV;
		$req =~ s/\n/\r\n/g;
		my $s = IO::Socket::INET->new(PeerAddr => $srv, PeerPort => $port,
			Proto => "tcp", Timeout => 3) or die "connect: $!\n";
		print $s $req;
		my ($all, $sel, $end) = ("", IO::Select->new($s), time + 3);
		while (time <= $end && $sel->can_read(1)) {
			my $n = sysread($s, my $buf, 65536);
			last if !$n;
			$all .= $buf;
		}
		my $h = index($all, "\r\n\r\n");
		print length($all), " ", ($h < 0 ? -1 : $h + 4), "\n", $all;' \
		"$TF_SERVER" "$TF_HTTP_PORT" "$1"
}
head_no_body() {
	local r len hlen head
	r=$(raw $'HEAD /files/small.bin HTTP/1.1\nHost: t\nConnection: close\n\n')
	read -r len hlen <<<"$(head -n 1 <<<"$r")"
	head=$(tail -n +2 <<<"$r")
	# The whole reply is its head: status, headers, the blank line.
	if ! grep -q '^HTTP/1.1 200' <<<"$head" ||
		! grep -qi "^Content-Length: $SIZE"$'\r'"\$" <<<"$head" ||
		[ "$len" != "$hlen" ]; then
		echo "   reply of $len bytes, its head $hlen:"
		sed 's/^/      | /' <<<"$head"
		return 1
	fi
}
nt_check "HEAD on the wire: Content-Length $SIZE, and no body after the head" head_no_body

# ---- Range ----
# range_ok RANGE FIRST LAST: 206, Content-Range bytes FIRST-LAST/SIZE, the
# body is those bytes of small.bin.
range_ok() {
	local want=$TF_DIR/got/want.bin n=$(($3 - $2 + 1)) dn
	tail -c +$(($2 + 1)) "$TF_ROOT/files/small.bin" | head -c "$n" >"$want"
	if ! tf_http files/small.bin -r "$1" || [ "$TF_HTTP_CODE" != 206 ]; then
		echo "   Range $1: HTTP $TF_HTTP_CODE"
		tf_show
		return 1
	fi
	dn=$(tf_http_header Content-Range)
	if [ "$dn" != "bytes $2-$3/$SIZE" ] ||
		[ "$(tf_http_header Content-Length)" != "$n" ] ||
		[ "$(tf_sum "$BODY")" != "$(tf_sum "$want")" ]; then
		echo "   Range $1: Content-Range '$dn', Content-Length" \
			"'$(tf_http_header Content-Length)', $(stat -c %s "$BODY") bytes" \
			"(want bytes $2-$3/$SIZE, $n)"
		return 1
	fi
}
nt_check "Range bytes=100-199: 206, those 100 bytes" range_ok 100-199 100 199
nt_check "Range bytes=900-: 206, the last 100 bytes" range_ok 900- 900 999
nt_check "Range bytes=-10: 206, the last 10 bytes" range_ok -10 990 999
nt_check "Range bytes=0-0: one byte" range_ok 0-0 0 0
nt_check "Range bytes=999-999: the last byte" range_ok 999-999 999 999
nt_check "Range bytes=990-5000: the end clamped to the size" range_ok 990-5000 990 999
nt_check "Range bytes=-5000: more than the size is the whole file (206)" \
	range_ok -5000 0 999
big_range() {
	local off=$((9 << 20)) n=$((1 << 20))
	tail -c +$((off + 1)) "$TF_ROOT/files/big.bin" | head -c "$n" >"$TF_DIR/got/want.bin"
	tf_http files/big.bin -r "$off-$((off + n - 1))" && [ "$TF_HTTP_CODE" = 206 ] &&
		[ "$(tf_sum "$BODY")" = "$(tf_sum "$TF_DIR/got/want.bin")" ]
}
nt_check "Range: 1 MiB from 9 MiB into the 16 MiB file" big_range
nt_check "two ranges (bytes=0-1,5-6): the whole file with 200" \
	get_ok files/small.bin "$TF_ROOT/files/small.bin" -r 0-1,5-6
unsatisfiable() {
	code_is files/small.bin 416 -r "$1" || return 1
	if [ "$(tf_http_header Content-Range)" != "bytes */$SIZE" ]; then
		echo "   Range $1: Content-Range '$(tf_http_header Content-Range)'"
		return 1
	fi
}
nt_check "Range bytes=1000- (first byte past the end): 416, bytes */$SIZE" \
	unsatisfiable 1000-
nt_check "Range bytes=5000-6000: 416" unsatisfiable 5000-6000
nt_check "Range bytes=-0: 416" unsatisfiable -0
nt_check "Range on the empty file (bytes=0-): 416" \
	code_is files/empty.bin 416 -r 0-

# ---- keep-alive ----
keepalive() {
	local out
	out=$(timeout 20 ip netns exec "$TF_NS" curl -sS \
		-o /dev/null -o /dev/null -o /dev/null \
		-w '%{http_code} %{num_connects}\n' \
		"http://$TF_SERVER:$TF_HTTP_PORT/files/small.bin" \
		"http://$TF_SERVER:$TF_HTTP_PORT/files/big.bin" \
		"http://$TF_SERVER:$TF_HTTP_PORT/files/empty.bin" 2>&1) || :
	echo "   code and new connections per URL: $(tr '\n' ' ' <<<"$out")"
	[ "$out" = $'200 1\n200 0\n200 0' ]
}
nt_check "keep-alive: three URLs, one connection" keepalive
raw_keepalive() {
	local r
	r=$(raw $'GET /files/text.txt HTTP/1.1\nHost: t\n\nGET /files/text.txt HTTP/1.1\nHost: t\nConnection: close\n\n')
	if [ "$(grep -c '^HTTP/1.1 200' <<<"$r")" != 2 ] ||
		[ "$(grep -c '^a line of text' <<<"$r")" != 2 ]; then
		sed 's/^/      | /' <<<"$r"
		return 1
	fi
}
nt_check "keep-alive: two pipelined requests, two answers" raw_keepalive

# ---- refused ----
for p in ../outside.txt files/../../outside.txt %2e%2e/outside.txt \
	files/%2E%2E/%2e%2e/outside.txt %2fetc/passwd escape.txt files; do
	nt_check "GET /$p -> 403" code_is "$p" 403
done
nt_check "GET //etc/passwd -> 403 or 404, never the file" \
	eval "tf_http /etc/passwd || :; [[ \$TF_HTTP_CODE =~ ^40[34]\$ ]] ||
		{ echo \"   HTTP \$TF_HTTP_CODE\"; false; }"
for p in nope.bin files/nope.bin no/such/dir/x; do
	nt_check "GET /$p -> 404" code_is "$p" 404
done
echo "an upload" >"$TF_DIR/upload.txt"
nt_check "PUT is refused (4xx), nothing written" \
	eval "tf_http up.txt -T $TF_DIR/upload.txt || :; [[ \$TF_HTTP_CODE == 4?? ]] &&
		[ ! -e $TF_ROOT/up.txt ] || { echo \"   HTTP \$TF_HTTP_CODE\"; false; }"
nt_check "POST is refused (4xx)" \
	eval "tf_http files/small.bin -d x=1 || :; [[ \$TF_HTTP_CODE == 4?? ]] ||
		{ echo \"   HTTP \$TF_HTTP_CODE\"; false; }"
nt_check "a request line of junk gets 400 or a closed connection" \
	eval "r=\$(raw \$'NOT HTTP AT ALL\n\n'); ! grep -q '^HTTP/1.[01] 200' <<<\"\$r\""

# ---- the connection limit ----
# limit N: N keep-alive connections each get an answer and stay open;
# one more sends its request and gets nothing for 2 s; the first closes;
# the extra one is answered within 3 s. Prints "open N, extra early
# 0|1, extra after 0|1".
limit() {
	# shellcheck disable=SC2016 # perl code, perl's variables
	ip netns exec "$TF_NS" perl -e '
		use IO::Socket::INET; use IO::Select;
		my ($srv, $port, $n) = @ARGV;
		my $req = "GET /files/text.txt HTTP/1.1\r\nHost: t\r\n\r\n";
		sub answered { my ($s, $t) = @_; my $sel = IO::Select->new($s);
			return 0 if !$sel->can_read($t);
			my $got = sysread($s, my $buf, 65536);
			return ($got && $buf =~ m{^HTTP/1.1 200}) ? 1 : 0; }
		my @open;
		for (1 .. $n) {
			my $s = IO::Socket::INET->new(PeerAddr => $srv,
				PeerPort => $port, Proto => "tcp", Timeout => 3)
				or die "connect: $!\n";
			print $s $req;
			push @open, $s if answered($s, 3);
		}
		my $x = IO::Socket::INET->new(PeerAddr => $srv, PeerPort => $port,
			Proto => "tcp", Timeout => 3) or die "connect: $!\n";
		print $x $req;
		my $early = answered($x, 2);
		close(shift @open);
		my $after = $early || answered($x, 3);
		print "open ", scalar(@open) + 1, ", extra early $early, extra after $after\n";' \
		"$TF_SERVER" "$TF_HTTP_PORT" "$1"
}
got=$(limit "$MAX_HTTP")
echo "   $got"
nt_check "--max-http $MAX_HTTP: $MAX_HTTP connections served and kept open" \
	[ "${got%%,*}" = "open $MAX_HTTP" ]
nt_check "  one more is not served while they are open" \
	grep -q "extra early 0" <<<"$got"
nt_check "  ... and is once one of them closes" grep -q "extra after 1" <<<"$got"
nt_check "  racknet-tftpd said so" \
	grep -q "HTTP: $MAX_HTTP connections open (--max-http)" "$TF_LOG"

# ---- counters ----
nt_check "racknet tftp stats: http_ok, http_partial, http_not_found, http_denied, http_bytes" \
	nt_wait_for 3 eval "tf_stat_ge http_ok 10 && tf_stat_ge http_partial 8 &&
		tf_stat_ge http_not_found 3 && tf_stat_ge http_denied 7 &&
		tf_stat_ge http_bytes $((16 << 20))"
rn tftp stats --json 2>&1 | jq -c '.counters // .' 2>&1 | sed 's/^/   /' || :
nt_check "racknet-tftpd is still running" nt_alive "$TF_PID"

# ---- stopping with connections open ----
# One idle keep-alive connection and one 16 MiB response the client does
# not read: SIGTERM closes both, logs the cut transfer and exits. (evhttp
# frees its listener before its connections; the close callback used to
# re-enable the freed listener: scripts/valgrind found it.)
# shellcheck disable=SC2016 # perl code, perl's variables
HOLD=$(nt_bg "$TF_NS" "$NT_LOGDIR/hold.log" perl -e '
	use IO::Socket::INET;
	$| = 1;
	my ($srv, $port) = @ARGV;
	my @s;
	for my $path ("/files/text.txt", "/files/big.bin") {
		my $s = IO::Socket::INET->new(PeerAddr => $srv, PeerPort => $port,
			Proto => "tcp", Timeout => 3) or die "connect: $!\n";
		print $s "GET $path HTTP/1.1\r\nHost: t\r\n\r\n";
		push @s, $s;
	}
	sysread($s[0], my $buf, 65536);
	print "held\n";
	sleep 30;' "$TF_SERVER" "$TF_HTTP_PORT")
nt_check "two connections held open, one mid-response" \
	nt_wait_for 5 grep -q held "$NT_LOGDIR/hold.log"
tf_stop
nt_check "SIGTERM with them open: racknet-tftpd stopped" eval "! nt_alive $TF_PID"
nt_check "  and logged the cut response" \
	grep -q "GET /files/big.bin: 200, aborted after .* (of 16777216: the connection ended first)" \
	"$TF_LOG"
kill "$HOLD" 2>/dev/null || :

nt_summary
