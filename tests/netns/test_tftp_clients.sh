#!/bin/bash
#
# racknet-tftpd serving files to real TFTP clients from another namespace:
#
#   srv: vs 10.69.0.1/24: racknet-tftpd (TFTP :69, HTTP :8080)
#    |
#   cli: vc 10.69.0.10/24: tftp-hpa, atftp, curl, busybox tftp
#
# Shown, with each client: files of edge sizes (0, 1, a block less or
# more, exact multiples, so an empty last block) fetched byte-exact; a
# file in a subfolder and one through a symlink that stays inside the
# root; atftp's blksize (8, 1428, 65464), tsize, timeout and windowsize;
# curl's and busybox's blksize; a missing file -> ERROR 1; "..",
# absolute paths, a symlink out of the root and a folder -> ERROR 2
# (access violation); every kind of write request refused with an ERROR
# and nothing written; a 40 MiB file at blksize 512 (block numbers roll
# over past 65535); netascii (tftp-hpa's ascii mode) converted both
# ways; 200 concurrent transfers with mixed clients, every checksum
# right; `racknet tftp stats --json` counting all of it; bad --busy-poll
# and --max-sessions values refused; SIGTERM mid-transfer stopping the
# server at once.
#
# Needs root, iproute2, jq, perl, tftp-hpa, atftp, curl, busybox;
# RACKNET and RACKNET_TFTPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/tftp.sh
source "$here/../lib/tftp.sh"
nt_init
tf_init
tf_lab

TOOLS=(hpa atftp curl busybox)

# ---- the root ----
declare -A SIZES=([s0]=0 [s1]=1 [s511]=511 [s512]=512 [s513]=513
	[s1024]=1024 [s4284]=4284 [s65536]=65536 [s1m]=1048583)
for f in "${!SIZES[@]}"; do
	tf_file "files/$f.bin" "${SIZES[$f]}"
done
tf_file sub/dir/deep.bin 7000
ln -s ../files/s4284.bin "$TF_ROOT/sub/inside-link.bin"
ln -s ../outside.txt "$TF_ROOT/escape.txt"
ln -s / "$TF_ROOT/rootdir"
tf_file big.bin $((40 << 20))
# Text for netascii: LF lines, one CR LF and one lone CR. On the wire
# LF is CR LF and CR is CR NUL, so the CR LF line goes as CR NUL CR LF.
{
	for i in $(seq 1 300); do
		echo "line $i of a text file served in netascii mode"
	done
	printf 'a crlf line\r\na lone cr\rin the middle, a cr nul \r\0 too\n'
} >"$TF_ROOT/files/lines.txt"
# Binary bytes in netascii: every pair of bytes (CR NUL, CR LF, ...)
# somewhere; seeded, so the same file every run.
perl -e 'srand(42); print map { chr(int(rand(256))) } 1 .. 65536' \
	>"$TF_ROOT/files/binary.bin"

# ---- bad arguments: exit 2 and a line naming the flag ----
# bad_arg WANT ARG...: racknet-tftpd refuses ARG... before it opens
# anything, saying WANT.
bad_arg() {
	local want=$1 out rc=0
	shift
	out=$("$RACKNET_TFTPD" --db "$TF_DB" --root "$TF_ROOT" "$@" 2>&1) || rc=$?
	[ "$rc" = 2 ] && grep -qF -- "$want" <<<"$out" && return 0
	echo "   rc $rc: $out" | head -3
	return 1
}
for v in 1001 -1 x 50us ''; do
	nt_check "--busy-poll '$v' refused" \
		bad_arg "--busy-poll '$v' is not a number from 0 to 1000" --busy-poll "$v"
done
nt_check "--max-sessions 0 refused" bad_arg "--max-sessions '0' is not a number from 1" --max-sessions 0

tf_start --max-sessions 512
nt_check "racknet-tftpd is running, TFTP and HTTP ports open" nt_alive "$TF_PID"

# ---- files of every edge size, with each client ----
# curl takes "tsize 0" in an OACK for an error (its tftp.c: "invalid
# tsize") and stops without a word to the server: it fetches the empty
# file without options.
for t in "${TOOLS[@]}"; do
	for f in s0 s1 s511 s512 s513 s1024 s4284 s65536 s1m; do
		o=()
		[ "$t:$f" = curl:s0 ] && o=(noopts)
		nt_check "$t: files/$f.bin (${SIZES[$f]} bytes${o:+, no options}) byte-exact" \
			tf_fetch_ok "$t" "files/$f.bin" "${o[@]}"
	done
	nt_check "$t: a file two folders down" tf_fetch_ok "$t" sub/dir/deep.bin
	nt_check "$t: a symlink that stays inside the root" \
		tf_fetch_ok "$t" sub/inside-link.bin
done
nt_check "hpa: ./files//s513.bin (a ./ and a double slash) is files/s513.bin" \
	tf_fetch_ok hpa ./files//s513.bin want="$TF_ROOT/files/s513.bin"

# ---- options ----
# oack_has WHAT: atftp's trace shows an OACK carrying WHAT ("blksize: 1428")
oack_has() {
	if ! grep -q "received OACK <.*$1" <<<"$TF_OUT"; then
		echo "   no OACK with '$1' in atftp's trace:"
		grep -E 'OACK|sent RRQ' <<<"$TF_OUT" | sed 's/^/      | /'
		return 1
	fi
}
# logged NAME TEXT: racknet-tftpd's info line for a transfer of NAME says
# TEXT (e.g. "blksize 1428 windowsize 8").
logged() {
	nt_wait_for 2 eval "grep -F 'RRQ $1' '$TF_LOG' | grep -qF '$2'" && return 0
	echo "   no log line for $1 with '$2'; the lines for $1:"
	grep -F "$1" "$TF_LOG" | tail -n 3 | sed 's/^/      | /'
	return 1
}
for b in 8 1428 65464; do
	nt_check "atftp: blksize $b, the OACK says $b" eval \
		"tf_fetch_ok atftp files/s4284.bin blksize=$b trace && oack_has 'blksize: $b'"
done
nt_check "atftp: blksize 1428 on 1 MiB, logged as used" eval \
	"tf_fetch_ok atftp files/s1m.bin blksize=1428 && logged files/s1m.bin 'blksize 1428'"
nt_check "atftp: tsize, the OACK carries the file's size" eval \
	"tf_fetch_ok atftp files/s65536.bin tsize trace && oack_has 'tsize: 65536'"
nt_check "atftp: timeout 2 is accepted" eval \
	"tf_fetch_ok atftp files/s1024.bin timeout=2 trace && oack_has 'timeout: 2'"
nt_check "atftp: windowsize 8 with blksize 1428 on 1 MiB, logged as used" eval \
	"tf_fetch_ok atftp files/s1m.bin blksize=1428 windowsize=8 trace &&
	 oack_has 'windowsize: 8' && logged files/s1m.bin 'windowsize 8'"
nt_check "atftp: windowsize 16 on the 0-byte file" \
	tf_fetch_ok atftp files/s0.bin windowsize=16
nt_check "atftp: windowsize 4, blksize 256 on 1024 bytes (4 blocks, then an empty one)" \
	tf_fetch_ok atftp files/s1024.bin blksize=256 windowsize=4
nt_check "curl: blksize 1428, and the tsize it always asks for is the size" \
	eval "tf_fetch_ok curl files/s1m.bin blksize=1428 verbose &&
		grep -q 'tsize parsed from OACK (${SIZES[s1m]})' <<<\"\$TF_OUT\""
nt_check "curl: blksize 8" tf_fetch_ok curl files/s4284.bin blksize=8
nt_check "curl: no options at all" tf_fetch_ok curl files/s65536.bin noopts
nt_check "busybox: blksize 1428" tf_fetch_ok busybox files/s1m.bin blksize=1428
nt_check "busybox: blksize 65464" tf_fetch_ok busybox files/s65536.bin blksize=65464

# ---- missing files: ERROR 1 at once ----
MISSING=0
for t in "${TOOLS[@]}"; do
	for p in nope.bin files/nope.bin no/such/dir/x.bin; do
		nt_check "$t: $p -> ERROR 1 (file not found)" \
			tf_expect_error "$t" "$p" 1
		MISSING=$((MISSING + 1))
	done
done
nt_check "hpa: the client says the server's message" \
	eval "tf_expect_error hpa nope.bin 1 && grep -qi 'not found' <<<\"\$TF_OUT\""

# ---- traversal and other refused paths: ERROR 2 ----
DENIED=0
for t in "${TOOLS[@]}"; do
	for p in ../outside.txt files/../../outside.txt "$TF_DIR/outside.txt" \
		/etc/passwd escape.txt rootdir/etc/passwd files; do
		nt_check "$t: '$p' -> ERROR 2 (access violation)" \
			tf_expect_error "$t" "$p" 2
		DENIED=$((DENIED + 1))
	done
done
# curl would fold "x/../" itself without --path-as-is, and sends the
# name as given with it; hpa can send a backslash.
nt_check "hpa: '..\\outside.txt' -> ERROR 2 or 1, never the file" \
	eval "! tf_get hpa '..\\outside.txt' $TF_DIR/got/bs &&
		[[ \$(tf_err_code hpa) =~ ^[12]\$ ]]"

# ---- writes are refused ----
echo "an upload" >"$TF_DIR/upload.txt"
for t in "${TOOLS[@]}"; do
	nt_check "$t: put -> an ERROR from the server, nothing written" \
		eval "! tf_put $t $TF_DIR/upload.txt up-$t.txt &&
			[ \"\$(tf_err_code $t)\" != none ] &&
			[ ! -e '$TF_ROOT/up-$t.txt' ] || { tf_show; false; }"
done
nt_check "put over an existing file leaves it as it was" \
	eval "! tf_put hpa $TF_DIR/upload.txt files/s1024.bin &&
		[ \$(stat -c %s '$TF_ROOT/files/s1024.bin') = 1024 ]"

# ---- 40 MiB at blksize 512: 81920 blocks, the wire numbers roll over ----
nt_check "hpa: 40 MiB at blksize 512 (block numbers past 65535) byte-exact" \
	tf_fetch_ok hpa big.bin
nt_check "its log line says 41943040 bytes" logged big.bin 41943040

# ---- netascii ----
# tftp-hpa in ascii mode turns CR LF back into LF and CR NUL into CR: the
# file arrives as it is on disk only if the server converted it (LF ->
# CR LF, CR -> CR NUL); a server that converts only LF loses the NUL of
# the file's own CR NUL.
nt_check "hpa: netascii (mode ascii): the text arrives as it is on disk" \
	tf_fetch_ok hpa files/lines.txt ascii
nt_check "hpa: the same file in octet mode, unchanged" \
	tf_fetch_ok hpa files/lines.txt
nt_check "hpa: a binary file in ascii mode comes back whole (CR, LF, NUL)" \
	tf_fetch_ok hpa files/binary.bin ascii

# ---- 200 concurrent transfers, mixed clients ----
# atftp gives up on a repeated OACK ("unexpected OACK"), which a loaded
# machine causes when its ACK 0 takes longer than the server's 1 s: it
# asks for a 3 s timeout here (the loss test shows the repeated OACK).
N=200
CONC=$TF_DIR/conc
mkdir -p "$CONC" "$TF_ROOT/conc"
for i in $(seq 0 19); do
	tf_file "conc/c$i.bin" $((i * 9000 + 123))
done
{
	echo "cd '$CONC'"
	for i in $(seq 1 $N); do
		f=conc/c$((i % 20)).bin
		case $((i % 4)) in
		0) c="tftp -l -m binary $TF_SERVER -c get $f $i" ;;
		1) c="atftp --option 'blksize 1428' --option 'timeout 3' -g -r $f -l $i $TF_SERVER" ;;
		2) c="curl -sS -o $i tftp://$TF_SERVER/$f" ;;
		3) c="busybox tftp -b 1024 -g -r $f -l $i $TF_SERVER" ;;
		esac
		echo "( timeout 40 $c >$i.log 2>&1; echo \$? >$i.rc ) &"
	done
	echo "wait"
} >"$CONC/run.sh"
conc_ok() {
	local i f bad=0 t0
	t0=$(tf_now_ms)
	timeout 50 ip netns exec "$TF_NS" bash "$CONC/run.sh" || :
	echo "   $N transfers took $(($(tf_now_ms) - t0)) ms"
	for i in $(seq 1 "$N"); do
		f=$TF_ROOT/conc/c$((i % 20)).bin
		if [ "$(cat "$CONC/$i.rc" 2>/dev/null)" != 0 ] ||
			grep -qE '^Error code|timed out' "$CONC/$i.log" ||
			[ "$(tf_sum "$CONC/$i" 2>/dev/null)" != "$(tf_sum "$f")" ]; then
			bad=$((bad + 1))
			[ "$bad" -le 5 ] && echo "   transfer $i ($(sed -n "$((i + 1))p" "$CONC/run.sh" |
				cut -c1-70)...): rc $(cat "$CONC/$i.rc" 2>/dev/null), $(head -c 200 "$CONC/$i.log")"
		fi
	done
	echo "   $((N - bad)) of $N right"
	[ "$bad" -eq 0 ]
}
nt_check "$N concurrent transfers (hpa, atftp, curl, busybox): every checksum right" conc_ok
TF_GETS=$((TF_GETS + N))

# ---- the counters ----
stats_ok() {
	tf_stat_ge completed "$TF_GETS" && tf_stat_ge not_found "$MISSING" &&
		tf_stat_ge access_denied "$DENIED" && tf_stat_ge write_refused 4 &&
		tf_stat_ge bytes $((40 << 20)) && tf_stat_ge requests "$TF_GETS" &&
		tf_stat_ge peak 2
}
nt_check "racknet tftp stats --json: >= $TF_GETS completed, $MISSING not found, $DENIED denied, 4 writes refused" \
	nt_wait_for 3 stats_ok
rn tftp stats --json 2>&1 | jq -c '.counters // .' 2>&1 | sed 's/^/   /' || :
nt_check "racknet-tftpd is still running" nt_alive "$TF_PID"

# ---- SIGTERM in the middle of a transfer ----
# The loop is polling then (--busy-poll): the signal must still stop it
# at once, and the transfer in flight is logged as stopped. The client
# (40 MiB at blksize 512, seconds) runs in the background; tftpd is
# stopped once it has 64 KiB.
TERM_OUT=$TF_DIR/got/term.out
rm -f -- "$TERM_OUT"
ip netns exec "$TF_NS" timeout $((60 * NT_SLOW)) atftp --option "blksize 512" \
	-g -r big.bin -l "$TERM_OUT" "$TF_SERVER" "$TF_PORT" >"$TF_DIR/term.log" 2>&1 &
TERM_CLIENT=$!
grown() { [ "$(stat -c %s "$TERM_OUT" 2>/dev/null || echo 0)" -gt 65536 ]; }
nt_check "a 40 MiB transfer is under way" nt_wait_for 10 grown
nt_check "SIGTERM mid-transfer: racknet-tftpd exits within 5 s" nt_stop "$TF_PID"
nt_check "the transfer in flight is logged as stopped" \
	grep -q "big.bin.*stopped: the server is shutting down" "$TF_LOG"
wait "$TERM_CLIENT" 2>/dev/null || :

nt_summary
