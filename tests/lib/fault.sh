# shellcheck shell=bash
#
# tests/lib/fault.sh: the lab of the fault tests (tests/netns/test_faults*.sh):
# racknet run supervising racknet-dhcpd, racknet-dnsd and racknet-tftpd in
# one namespace, and clients that keep them busy from another while a test
# breaks something (a kill -9, a locked, full, read-only or corrupt
# database) and then reads what the clients saw. Source it after netns.sh
# and dhcp.sh; call fl_init after nt_init.
#
#   srv: vs 10.71.0.1/16   racknet run --no-chrony --user racknet
#    |   (veth)              dhcpd on vs, dnsd and tftpd on 10.71.0.1
#   cli: vc 10.71.0.2/16   perfdhcp (a relay agent), tcpdump of port 67,
#                            a dig/kdig loop, a tftp-hpa loop
#
#   fl_init                  tools, RACKNET*, helper scripts; the daemons'
#                            user must reach the database: NT_LOGDIR o+x
#   fl_ipam DIR              a fresh IPAM at DIR/ipam.db (DH_DB): subnet
#                            10.71.0.0/16, range 10.71.1.0-10.71.250.255,
#                            domain lab.test, node9 = 10.71.0.9, no ping check
#   fl_lab                   the namespaces (FL_SRV, FL_CLI, FL_VS, FL_VC)
#   fl_file NAME SIZE        SIZE random bytes at FL_ROOT/NAME
#   fl_run_start [ARG...]    racknet run in FL_SRV (FL_RUNPID, FL_RUNLOG),
#                            stopped at cleanup; 0 once all three run
#   dh_run_status / dh_run_all_running  `racknet status --json` / all three run
#   dh_run_daemon NAME FIELD          FIELD of daemon NAME in `racknet status --json`
#   fl_kill NAME [PID]       kill -9 that daemon (PID, else the pid status
#                            shows: a child of our run); FL_KILLED_PID,
#                            FL_KILLED_AT
#   fl_restarted NAME OLD    NAME runs again with a pid other than OLD
#   fl_mark / fl_said MARK RE  run's log (which carries the daemons' lines)
#                            has a line matching RE (grep -E) after MARK;
#                            fl_show_since MARK RE prints the last 5
#   fl_where NAME            where daemon NAME is blocked: wchan (syscall)
#   fl_cpu_ticks PID         utime + stime of PID, in clock ticks
#   fl_capture_start / _stop tcpdump of port 67 in FL_CLI
#   fl_perf_start RATE SECS  perfdhcp: RATE DORA/s for SECS s, random MACs
#                            (fl_perf_stop)
#   fl_acks                  the DHCPACKs captured so far: FL_ACKS, lines
#                            "epoch yiaddr chaddr"
#   fl_acks_in FROM TO       how many of them came in [FROM, TO)
#   fl_acks_stored [FROM]    every ACKed (address, MAC), from FROM on, is an
#                            active lease of that MAC in IPAM
#   fl_one_mac_each          no address was ACKed to two MACs
#   fl_dns_loop_start SECS   dig and kdig in turn (1 s, 2 tries) for node9,
#                            every 0.1 s: FL_DNS_OUT
#   fl_tftp_loop_start NAME SECS [TIMEOUT]
#                            tftp-hpa fetches of FL_ROOT/NAME one after the
#                            other (rexmt 1 s, give up after TIMEOUT s,
#                            default 4): FL_TFTP_OUT
#   fl_tftp_in_flight [N]    a fetch has started and not ended (and it is
#                            not one of the first N)
#   fl_loop_ok FILE FROM TO  every try that started in [FROM, TO) worked
#                            (and there was one)
#   fl_loop_resumed FILE T N N tries started after T worked, and the last
#   fl_loop_clean FILE       no try ended "bad" (see below)
#   fl_loop_summary FILE     counts of ok, err and bad; the slowest try
#   fl_loop_stop             stop both loops
#   fl_lock_start SECS       the sqlite3 CLI holds BEGIN EXCLUSIVE for SECS
#                            s; returns once it has the lock: FL_LOCK_AT
#   fl_lock_wait             until the CLI committed: FL_UNLOCK_AT (the time
#                            it was told to commit), 1 if it failed
#   fl_now                   EPOCHREALTIME; fl_after A B: A > B; fl_add T S
#
# The loops write one line per try: "START END RESULT DETAIL". RESULT is ok
# (the right answer, the whole file), err (the client said it failed: a
# clean failure) or bad (the client claimed success with a wrong answer or
# a short file, or did not end within its bound: never acceptable). The
# tftp loop also writes "S START" before each fetch, so a test can kill
# tftpd while one is in flight (fl_tftp_in_flight).
#
# Every load is bounded: perfdhcp and the loops by time and count, each
# client call by timeout. Traffic stays between the two namespaces.

[ -n "${FL__SOURCED:-}" ] && return 0
FL__SOURCED=1

FL_SERVER=10.71.0.1
FL_CLIENT=10.71.0.2
FL_CIDR=10.71.0.0/16
FL_FIRST=10.71.1.0
FL_LAST=10.71.250.255
FL_NODE=node9.lab.test
FL_NODE_IP=10.71.0.9
FL_USER=racknet
FL_SRV=""
FL_CLI=""
FL_VS=""
FL_VC=""
FL_BIN=""
FL_ROOT=""
FL_STATE=""
FL_RUNPID=""
FL_RUNLOG=""
FL_PCAP=""
FL_CAPPID=""
FL_ACKS=""
FL_PERFPID=""
FL_DNS_OUT=""
FL_DNS_PID=""
FL_TFTP_OUT=""
FL_TFTP_PID=""
FL_KILLED_PID=""
FL_KILLED_AT=""
FL_LOCKS=0
FL_LOCK_PID=""
FL_LOCK_DIR=""
FL_LOCK_AT=""
FL_UNLOCK_AT=""

fl_init() {
	dh_init
	dh_need perfdhcp tcpdump python3 dig kdig tftp sqlite3 chattr
	dh_need_daemons
	# A daemon that opens the database again after dropping root (to
	# recover from an error, say) does so as the user: let it through
	# the private folder by path, without listing it.
	chmod o+x "$NT_LOGDIR" || exit 1
	FL_BIN=$NT_LOGDIR/fl-bin
	FL_ROOT=$NT_LOGDIR/tftp
	FL_STATE=$NT_LOGDIR/state
	FL_PCAP=$NT_LOGDIR/dhcp.pcap
	FL_ACKS=$NT_LOGDIR/acks.txt
	FL_DNS_OUT=$NT_LOGDIR/dns-loop.txt
	FL_TFTP_OUT=$NT_LOGDIR/tftp-loop.txt
	mkdir -p "$FL_BIN" && mkdir -m 0755 "$FL_ROOT" || exit 1
	fl__scripts || exit 1
}

fl_now() {
	echo "$EPOCHREALTIME"
}

# fl_after A B: the time A is later than B.
fl_after() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'
}

# fl_add T S: T + S seconds.
fl_add() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a + b }'
}

fl_ipam() {
	mkdir -m 0750 "$1" || return 1
	DH_DB=$1/ipam.db
	rn init >/dev/null &&
		rn setting set default-domain lab.test >/dev/null &&
		rn setting set dhcp-ping-check off >/dev/null &&
		rn domain add lab.test >/dev/null &&
		rn fabric add lab >/dev/null &&
		rn vlan add lab 0 >/dev/null &&
		rn subnet add "$FL_CIDR" --vlan lab/0 --gateway "$FL_SERVER" \
			--domain lab.test --lease-time 3600 >/dev/null &&
		rn range add "$FL_CIDR" "$FL_FIRST" "$FL_LAST" \
			--type dynamic >/dev/null &&
		rn host add node9 --mac 02:00:00:71:00:09 --ip "$FL_NODE_IP" \
			>/dev/null
}

fl_lab() {
	FL_SRV=$(nt_netns_add srv) && FL_CLI=$(nt_netns_add cli) || exit 1
	read -r FL_VS FL_VC <<<"$(nt_veth_add vs "$FL_SRV" vc "$FL_CLI")"
	[ -n "$FL_VC" ] || exit 1
	nt_addr_add "$FL_VS" "$FL_SERVER/16" "$FL_SRV" &&
		nt_addr_add "$FL_VC" "$FL_CLIENT/16" "$FL_CLI" || exit 1
	nt_wait_for 5 nt_exec "$FL_CLI" ping -n -c 1 -W 1 "$FL_SERVER" ||
		exit 1
}

fl_file() {
	head -c "$2" /dev/urandom >"$FL_ROOT/$1" && chmod 0644 "$FL_ROOT/$1"
}

# ---- racknet run ----


fl_run_start() {
	FL_RUNLOG=$NT_LOGDIR/run.log
	nt_bg "$FL_SRV" "$FL_RUNLOG" "$RACKNET" --db "$DH_DB" run --no-chrony \
		--state-dir "$FL_STATE" --root "$FL_ROOT" \
		--interface "$FL_VS" --dns-listen "$FL_SERVER:53" \
		--tftp-listen "$FL_SERVER:69" --http-listen "$FL_SERVER:8080" \
		--user "$FL_USER" --log-level info "$@" >/dev/null || return 1
	FL_RUNPID=$NT_BG_PID
	nt_defer fl_run_stop
	nt_wait_for 20 dh_run_all_running
}

fl_run_stop() {
	[ -n "$FL_RUNPID" ] && nt_alive "$FL_RUNPID" || return 0
	kill -TERM "$FL_RUNPID" 2>/dev/null || :
	nt_wait_for 15 eval "! nt_alive $FL_RUNPID" || :
}

fl_kill() {
	FL_KILLED_PID=${2:-$(dh_run_daemon "$1" pid)}
	if [ -z "$FL_KILLED_PID" ] || [ "$FL_KILLED_PID" = 0 ] ||
		! nt_alive "$FL_KILLED_PID"; then
		echo "   fl_kill: $1 has no live pid ('$FL_KILLED_PID')"
		return 1
	fi
	kill -KILL "$FL_KILLED_PID"
	# shellcheck disable=SC2034 # read by the tests
	FL_KILLED_AT=$(fl_now)
}

fl_restarted() {
	local p
	p=$(dh_run_daemon "$1" pid)
	[ "$(dh_run_daemon "$1" state)" = running ] && [ -n "$p" ] &&
		[ "$p" != "$2" ] && [ "$p" != 0 ]
}

fl_mark() {
	wc -l <"$FL_RUNLOG"
}

# fl_said MARK RE: a line of run's log after line MARK matches RE. (Not
# grep -q: tail, cut short, would fail the pipeline.)
fl_said() {
	tail -n "+$(($1 + 1))" "$FL_RUNLOG" | grep -E -- "$2" >/dev/null
}

# fl_show_since MARK RE: those lines, indented (the last 5).
fl_show_since() {
	tail -n "+$(($1 + 1))" "$FL_RUNLOG" | { grep -E -- "$2" || :; } |
		tail -n 5 | sed 's/^/      | /'
}

# fl_where NAME: where daemon NAME waits now: its wchan and system call
# ("do_epoll_wait (232)": idle in its event loop; "hrtimer_nanosleep (230)"
# under SQLite: sleeping in the busy handler).
fl_where() {
	local p
	p=$(dh_run_daemon "$1" pid)
	echo "$(cat "/proc/$p/wchan" 2>/dev/null) ($(cut -d' ' -f1 \
		"/proc/$p/syscall" 2>/dev/null))"
}

fl_cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	# After "(comm)", utime and stime are fields 12 and 13.
	echo $((${12} + ${13}))
}

# ---- DHCP load and the capture ----

fl_capture_start() {
	local log=$NT_LOGDIR/tcpdump.log
	FL_CAPPID=$(nt_bg "$FL_CLI" "$log" timeout 300 tcpdump -nn \
		-i "$FL_VC" -U -s 1500 -B 8192 -w "$FL_PCAP" 'udp port 67') ||
		return 1
	nt_wait_for 10 grep -q 'listening on' "$log"
}

fl_capture_stop() {
	[ -n "$FL_CAPPID" ] || return 0
	sleep 0.3	# the last replies
	nt_stop "$FL_CAPPID" || :
}

fl_perf_start() {
	FL_PERFPID=$(nt_bg "$FL_CLI" "$NT_LOGDIR/perfdhcp.log" \
		timeout $(($2 + 20)) perfdhcp -4 -l "$FL_VC" -r "$1" -p "$2" \
		-R 1000000 -d 1 "$FL_SERVER")
}

fl_perf_stop() {
	[ -n "$FL_PERFPID" ] || return 0
	nt_stop "$FL_PERFPID" || :
	# Its statistics, when it ran to its end (a SIGTERM loses them).
	grep -q 'sent packets' "$NT_LOGDIR/perfdhcp.log" || return 0
	echo "   perfdhcp: $(grep -E 'sent packets|received packets|drops' \
		"$NT_LOGDIR/perfdhcp.log" | tr -s ' \n' ' ')"
}

fl_acks() {
	python3 "$FL_BIN/pcap-acks.py" "$FL_PCAP" >"$FL_ACKS"
}

fl_acks_in() {
	awk -v a="$1" -v b="$2" '$1 >= a && $1 < b' "$FL_ACKS" | wc -l
}

fl_acks_stored() {
	local from=${1:-0} missing leases=$NT_LOGDIR/leases.txt
	fl_acks || return 1
	rn lease list --json | jq -r '.[] | "\(.ip) \(.mac)"' |
		sort -u >"$leases" || return 1
	missing=$(awk -v f="$from" '$1 >= f { print $2, $3 }' "$FL_ACKS" |
		sort -u | comm -23 - "$leases")
	if [ -n "$missing" ]; then
		echo "   ACKed on the wire but not an active lease of that MAC" \
			"in IPAM ($(wc -l <<<"$missing")):"
		while read -r a m; do
			grep -m1 " $a $m\$" "$FL_ACKS"
		done <<<"$(head -n 10 <<<"$missing")" | sed 's/^/   | /'
		return 1
	fi
}

fl_one_mac_each() {
	local dup
	dup=$(awk '{ print $2, $3 }' "$FL_ACKS" | sort -u |
		awk '{ print $1 }' | uniq -d)
	if [ -n "$dup" ]; then
		echo "   addresses ACKed to two MACs: $(head -n 5 <<<"$dup" | tr '\n' ' ')"
		return 1
	fi
}

# ---- the DNS and TFTP loops ----

fl_dns_loop_start() {
	: >"$FL_DNS_OUT"
	FL_DNS_PID=$(nt_bg "$FL_CLI" "$NT_LOGDIR/dns-loop.log" bash \
		"$FL_BIN/dns-loop" "$FL_SERVER" "$FL_NODE" "$FL_NODE_IP" \
		"$FL_DNS_OUT" "$1")
}

fl_tftp_loop_start() {
	: >"$FL_TFTP_OUT"
	FL_TFTP_PID=$(nt_bg "$FL_CLI" "$NT_LOGDIR/tftp-loop.log" bash \
		"$FL_BIN/tftp-loop" "$FL_SERVER" "$1" \
		"$(sha256sum <"$FL_ROOT/$1" | cut -d' ' -f1)" \
		"$NT_LOGDIR/tftp-got" "$FL_TFTP_OUT" "$2" "${3:-4}")
}

fl_loop_stop() {
	local p
	for p in "$FL_DNS_PID" "$FL_TFTP_PID"; do
		[ -n "$p" ] && nt_stop "$p"
	done
	return 0
}

# A fetch is in flight: the loop's last line is its "S" line. With N, one
# that is not among the first N fetches.
fl_tftp_in_flight() {
	tail -n 1 "$FL_TFTP_OUT" | grep -q '^S ' &&
		[ "$(grep -c '^S ' "$FL_TFTP_OUT")" -gt "${1:-0}" ]
}

# fl__tries FILE: the finished tries, "START END RESULT DETAIL".
fl__tries() {
	grep -v '^S ' "$1"
}

fl_loop_ok() {
	local file=$1 from=$2 to=$3 n bad
	n=$(fl__tries "$file" | awk -v a="$from" -v b="$to" \
		'$1 >= a && $1 < b' | wc -l)
	bad=$(fl__tries "$file" | awk -v a="$from" -v b="$to" \
		'$1 >= a && $1 < b && $3 != "ok"')
	if [ "$n" -eq 0 ]; then
		echo "   ${file##*/}: no try started in that window"
		return 1
	fi
	if [ -n "$bad" ]; then
		echo "   ${file##*/}: $(wc -l <<<"$bad") of $n tries failed:"
		head -n 8 <<<"$bad" | sed 's/^/   | /'
		return 1
	fi
}

fl_loop_resumed() {
	local file=$1 t=$2 want=$3 n last
	n=$(fl__tries "$file" | awk -v a="$t" '$1 > a && $3 == "ok"' | wc -l)
	last=$(fl__tries "$file" | tail -n 1)
	if [ "$n" -lt "$want" ] || [ "$(awk '{ print $3 }' <<<"$last")" != ok ]; then
		echo "   ${file##*/}: $n tries worked after $t (want $want);" \
			"the last: $last"
		return 1
	fi
}

fl_loop_clean() {
	local bad
	bad=$(fl__tries "$1" | awk '$3 != "ok" && $3 != "err"')
	if [ -n "$bad" ]; then
		echo "   ${1##*/}: unclean tries:"
		head -n 8 <<<"$bad" | sed 's/^/   | /'
		return 1
	fi
}

# fl_loop_summary FILE: "N tries: A ok, B err, C bad; slowest S s".
fl_loop_summary() {
	fl__tries "$1" | awk '{ n++; c[$3]++; d = $2 - $1; if (d > m) m = d }
		END { printf "%d tries: %d ok, %d err, %d bad; slowest %.2f s\n",
			n, c["ok"], c["err"], c["bad"], m }'
}

# ---- the database locked by another writer ----

fl_lock_start() {
	local secs=$1
	FL_LOCKS=$((FL_LOCKS + 1))
	FL_LOCK_DIR=$NT_LOGDIR/lock-$FL_LOCKS
	mkdir -p "$FL_LOCK_DIR" || return 1
	# The CLI waits up to 20 s for dhcpd's own transaction to end, then
	# holds the write lock across a sleep of its own (.shell), and says
	# when it got the lock and when it was told to let go.
	cat >"$FL_LOCK_DIR/script.sql" <<EOF
.timeout 20000
.bail on
BEGIN EXCLUSIVE;
.shell date +%s.%N >$FL_LOCK_DIR/locked
.shell sleep $secs
.shell date +%s.%N >$FL_LOCK_DIR/unlocking
COMMIT;
.shell date +%s.%N >$FL_LOCK_DIR/unlocked
EOF
	# shellcheck disable=SC2016 # the inner shell expands them
	FL_LOCK_PID=$(nt_bg "" "$FL_LOCK_DIR/sqlite3.log" sh -c \
		'exec sqlite3 "$1" <"$2"' sh "$DH_DB" "$FL_LOCK_DIR/script.sql")
	FL_LOCK_AT=""
	FL_UNLOCK_AT=""
	if ! nt_wait_for 25 test -s "$FL_LOCK_DIR/locked"; then
		echo "   sqlite3 did not get the lock:"
		sed 's/^/   | /' "$FL_LOCK_DIR/sqlite3.log"
		return 1
	fi
	# shellcheck disable=SC2034 # read by the tests
	FL_LOCK_AT=$(cat "$FL_LOCK_DIR/locked")
	# Seen from outside too: another writer that will not wait fails.
	if sqlite3 -cmd '.timeout 0' "$DH_DB" 'BEGIN IMMEDIATE; ROLLBACK;' \
		>/dev/null 2>&1; then
		echo "   a second writer was not locked out"
		return 1
	fi
}

fl_lock_wait() {
	nt_wait_for 40 eval "! nt_alive $FL_LOCK_PID" || return 1
	# shellcheck disable=SC2034 # read by the tests
	FL_UNLOCK_AT=$(cat "$FL_LOCK_DIR/unlocking" 2>/dev/null)
	if [ ! -s "$FL_LOCK_DIR/unlocked" ]; then
		echo "   sqlite3 did not commit:"
		sed 's/^/   | /' "$FL_LOCK_DIR/sqlite3.log"
		return 1
	fi
}

# ---- helper scripts ----

fl__scripts() {
	cat >"$FL_BIN/pcap-acks.py" <<'EOF'
# The DHCPACKs in a pcap file (Ethernet, maybe still being written):
# "epoch yiaddr chaddr" per line. Written by tests/lib/fault.sh.
import struct
import sys

data = open(sys.argv[1], 'rb').read()
if len(data) < 24:
    sys.exit(0)
for end in ('<', '>'):
    magic = struct.unpack(end + 'I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        break
else:
    sys.exit('not a pcap file')
scale = 1e-9 if magic == 0xa1b23c4d else 1e-6
if struct.unpack(end + 'I', data[20:24])[0] != 1:
    sys.exit('not Ethernet')
off = 24
while len(data) - off >= 16:
    sec, frac, caplen, _ = struct.unpack(end + 'IIII', data[off:off + 16])
    if len(data) - off - 16 < caplen:
        break  # the record tcpdump is still writing
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(pkt) < 34 or struct.unpack('>H', pkt[12:14])[0] != 0x0800:
        continue
    ihl = (pkt[14] & 15) * 4
    if pkt[23] != 17:
        continue
    bootp = pkt[14 + ihl + 8:]
    if (len(bootp) < 240 or bootp[0] != 2 or
            bootp[236:240] != b'\x63\x82\x53\x63'):
        continue
    yiaddr = '.'.join(str(b) for b in bootp[16:20])
    chaddr = ':'.join('%02x' % b for b in bootp[28:28 + min(bootp[2], 16)])
    i, mtype = 240, None
    while i < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        if i + 1 >= len(bootp):
            break
        n = bootp[i + 1]
        if bootp[i] == 53 and n >= 1 and i + 2 < len(bootp):
            mtype = bootp[i + 2]
        i += 2 + n
    if mtype == 5:
        print('%.6f %s %s' % (sec + frac * scale, yiaddr, chaddr))
EOF
	cat >"$FL_BIN/dns-loop" <<'EOF'
# dns-loop SERVER NAME WANT OUT SECS: dig and kdig in turn, one query every
# 0.1 s for SECS s (at most 5000): "START END ok|err|bad DETAIL" per query.
# Written by tests/lib/fault.sh.
server=$1 name=$2 want=$3 out=$4 secs=$5
end=$((EPOCHSECONDS + secs))
for ((i = 0; i < 5000 && EPOCHSECONDS < end; i++)); do
	t0=$EPOCHREALTIME
	rc=0
	if ((i % 2)); then
		a=$(timeout 5 kdig +short +time=1 +retry=1 "@$server" "$name" A 2>/dev/null) || rc=$?
	else
		a=$(timeout 5 dig +short +time=1 +tries=2 "@$server" "$name" A 2>/dev/null) || rc=$?
	fi
	t1=$EPOCHREALTIME
	if [ "$rc" -eq 0 ] && [ "$a" = "$want" ]; then
		r=ok
	elif [ "$rc" -eq 124 ] || { [ "$rc" -eq 0 ] && [ -n "$a" ] &&
		! grep -qE '^;;' <<<"$a"; }; then
		r=bad	# hung, or a wrong answer
	else
		r=err
	fi
	a=${a//[[:space:]]/_}
	echo "$t0 $t1 $r rc=$rc ${a:0:80}" >>"$out"
	sleep 0.1
done
EOF
	cat >"$FL_BIN/tftp-loop" <<'EOF'
# tftp-loop SERVER REMOTE SHA256 TMP OUT SECS TIMEOUT: tftp-hpa fetches of
# REMOTE one after the other for SECS s (at most 2000), each retransmitting
# after 1 s and giving up after TIMEOUT s. "S START" before each fetch,
# "START END ok|err|bad DETAIL" after it. Written by tests/lib/fault.sh.
server=$1 remote=$2 want=$3 tmp=$4 out=$5 secs=$6 tmo=$7
end=$((EPOCHSECONDS + secs))
for ((i = 0; i < 2000 && EPOCHSECONDS < end; i++)); do
	rm -f "$tmp"
	t0=$EPOCHREALTIME
	echo "S $t0" >>"$out"
	rc=0
	said=$(printf 'binary\nrexmt 1\ntimeout %s\nget %s %s\nquit\n' \
		"$tmo" "$remote" "$tmp" | timeout $((tmo + 10)) tftp "$server" 2>&1) || rc=$?
	t1=$EPOCHREALTIME
	said=${said//tftp> /}
	got=$(sha256sum <"$tmp" 2>/dev/null | cut -d' ' -f1)
	size=$(stat -c %s "$tmp" 2>/dev/null || echo 0)
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
		r=ok
	elif [ "$rc" -ne 124 ] && grep -qiE 'timed out|error|refused|tftp:' <<<"$said"; then
		r=err	# the client says it failed: clean
	else
		r=bad	# success claimed with a wrong file, or hung
	fi
	said=$(tr -s '\n ' '__' <<<"$said")
	echo "$t0 $t1 $r rc=$rc bytes=$size ${said:0:120}" >>"$out"
	sleep 0.1
done
EOF
}
