#!/bin/bash
#
# Fault tests (issue 8), part 3: a corrupt database at start.
#
# Two broken copies of a good IPAM: garbage over the first 100 bytes (the
# SQLite header), and the file cut to half its length. Each of
# racknet-dhcpd, racknet-dnsd and racknet-tftpd, started on each (as root,
# in the server namespace, 8 s at most), exits with a failure status (not
# a crash, not a hang) and a message that names the file and the problem;
# `racknet run` on them refuses to start, saying the same.
#
# Then under racknet run (tests/lib/fault.sh has the lab): the daemons are
# killed and come back on the garbage file. run keeps its own, good,
# connection: its daemons are started through small wrappers that hand
# them the database named in a file of the test's (--db, last on their
# command line, wins), so the copy they open can be switched while run
# stays up. (Breaking the file run itself uses does not work: SQLite's
# WAL would hand a restarted daemon run's last good copy of the page.)
# Each failed start is one line of run's, with the delay doubling (1 s
# after the kill, then 2 s, then 4 s), the daemon's own message names the
# file, `racknet status` shows it waiting, and run uses almost no CPU
# meanwhile. Once the good file is back, the next attempt starts each
# daemon again by itself.
#
# Part 1 (kill -9 under load) is test_faults.sh, part 2 (locked, full,
# read-only) test_faults_db.sh.
#
# Needs root, iproute2, jq, sqlite3; RACKNET, RACKNET_DHCPD, RACKNET_DNSD,
# RACKNET_TFTPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
# shellcheck source=tests/lib/fault.sh
source "$here/../lib/fault.sh"
nt_init
fl_init

fl_ipam "$NT_LOGDIR/db"
GOOD=$DH_DB
fl_lab
nt_check "the good IPAM has no WAL left (all of it is in the file)" \
	eval "[ ! -s '$GOOD-wal' ] && sqlite3 '$GOOD' 'PRAGMA quick_check' | grep -qx ok"

BAD=$NT_LOGDIR/bad
mkdir -m 0755 "$BAD"
cp "$GOOD" "$BAD/garbage.db"
head -c 100 /dev/urandom |
	dd of="$BAD/garbage.db" conv=notrunc status=none
cp "$GOOD" "$BAD/truncated.db"
truncate -s $(($(stat -c %s "$GOOD") / 2)) "$BAD/truncated.db"
echo "   the good file: $(stat -c %s "$GOOD") bytes; truncated.db:" \
	"$(stat -c %s "$BAD/truncated.db")"

# What each kind of damage must be called (SQLite's words or ours).
declare -A WHY=(
	[garbage]='file is not a database|is corrupt|not a racknet IPAM'
	[truncated]='malformed|is corrupt|truncated|file is not a database'
)

# ---- each daemon, started on each file ----
# start_on NAME FILE: run racknet-NAME on FILE; OUT, RC.
start_on() {
	local -a cmd
	case $1 in
	dhcpd) cmd=("$RACKNET_DHCPD" --interface "$FL_VS") ;;
	dnsd) cmd=("$RACKNET_DNSD" --listen "$FL_SERVER:53") ;;
	tftpd) cmd=("$RACKNET_TFTPD" --root "$FL_ROOT" \
		--tftp-listen "$FL_SERVER:69" --http-listen "$FL_SERVER:8080") ;;
	esac
	RC=0
	OUT=$(timeout 8 ip netns exec "$FL_SRV" "${cmd[@]}" --db "$2" \
		--log-level info 2>&1) || RC=$?
}

# exits_clearly WHAT FILE KIND: an exit status that says "failed" (not 0,
# not a signal, not the timeout's 124), FILE and the reason named.
exits_clearly() {
	local ok=0
	if [ "$RC" -eq 0 ]; then
		echo "   $1: exited 0"
		ok=1
	elif [ "$RC" -eq 124 ]; then
		echo "   $1: still running after the timeout (a hang, or it serves)"
		ok=1
	elif [ "$RC" -gt 128 ]; then
		echo "   $1: killed by signal $((RC - 128))"
		ok=1
	fi
	if ! grep -qF -- "$2" <<<"$OUT"; then
		echo "   $1: the message does not name $2"
		ok=1
	fi
	if ! grep -qE -- "${WHY[$3]}" <<<"$OUT"; then
		echo "   $1: the message does not say what is wrong (${WHY[$3]})"
		ok=1
	fi
	[ "$ok" -eq 0 ] || tail -n 6 <<<"$OUT" | sed 's/^/      | /'
	return "$ok"
}

for kind in garbage truncated; do
	f=$BAD/$kind.db
	for n in dhcpd dnsd tftpd; do
		start_on "$n" "$f"
		nt_check "$n on $kind.db: fails, naming the file and the problem" \
			exits_clearly "$n" "$f" "$kind"
	done
	RC=0
	OUT=$(timeout 10 ip netns exec "$FL_SRV" "$RACKNET" --db "$f" run \
		--no-chrony --state-dir "$NT_LOGDIR/state-$kind" \
		--root "$FL_ROOT" --interface "$FL_VS" \
		--dns-listen "$FL_SERVER:53" --tftp-listen "$FL_SERVER:69" \
		--no-http --user "$FL_USER" 2>&1) || RC=$?
	nt_check "racknet run on $kind.db: refuses, naming the file and the problem" \
		exits_clearly run "$f" "$kind"
done

# ---- under racknet run: restarts on the garbage file back off ----
WRAP=$NT_LOGDIR/wrap
DBFILE=$NT_LOGDIR/daemon-db
mkdir -m 0755 "$WRAP"
echo "$GOOD" >"$DBFILE"
for n in dhcpd dnsd tftpd; do
	real=RACKNET_${n^^}
	cat >"$WRAP/racknet-$n" <<EOF
#!/bin/sh
# racknet-$n as racknet run starts it, on the database named in $DBFILE.
exec ${!real} "\$@" --db "\$(cat $DBFILE)"
EOF
	chmod 0755 "$WRAP/racknet-$n"
done

nt_check "racknet run (through the wrappers): all three running" \
	fl_run_start --dhcpd "$WRAP/racknet-dhcpd" --dnsd "$WRAP/racknet-dnsd" \
	--tftpd "$WRAP/racknet-tftpd"
echo "$BAD/garbage.db" >"$DBFILE"
mark=$(fl_mark)
ticks0=$(fl_cpu_ticks "$FL_RUNPID")
declare -A OLD
for n in dhcpd dnsd tftpd; do
	fl_kill "$n"
	OLD[$n]=$FL_KILLED_PID
done
T_KILL=$(fl_now)

# The third death (the second failed start) is followed by a 4 s wait. A
# failed start takes under a second (0 s), or one under valgrind.
waiting_4s() {
	local n
	for n in dhcpd dnsd tftpd; do
		fl_said "$mark" "racknet-$n \(pid [0-9]+\) exited with status 1 after [01] s; restarting it in 4 s" ||
			return 1
	done
}
nt_check "each daemon failed to start twice on garbage.db (within 8 s)" \
	nt_wait_for 8 waiting_4s
T_WAIT=$(fl_now)
STATUS=$(dh_run_status)		# one snapshot, inside the 4 s wait
ticks1=$(fl_cpu_ticks "$FL_RUNPID")
for n in dhcpd dnsd tftpd; do
	nt_check "$n: run said signal 9, restarting in 1 s" \
		fl_said "$mark" "racknet-run\[$FL_RUNPID\] warn: racknet-$n \(pid ${OLD[$n]}\) was killed by signal 9 \(Killed\) after [0-9]+ s; restarting it in 1 s"
	nt_check "  then status 1, restarting in 2 s" \
		fl_said "$mark" "racknet-run\[$FL_RUNPID\] warn: racknet-$n \(pid [0-9]+\) exited with status 1 after [01] s; restarting it in 2 s"
	nt_check "  then status 1, restarting in 4 s" \
		fl_said "$mark" "racknet-run\[$FL_RUNPID\] warn: racknet-$n \(pid [0-9]+\) exited with status 1 after [01] s; restarting it in 4 s"
	nt_check "  no other start in between (2 failed starts)" \
		dh_same "failed starts" "$(tail -n "+$((mark + 1))" "$FL_RUNLOG" |
			grep -cE "racknet-$n \(pid [0-9]+\) exited with status 1")" 2
	nt_check "  $n's own message names the file and says why" \
		fl_said "$mark" "racknet-$n\[[0-9]+\] error: .*$BAD/garbage\.db.*(${WHY[garbage]})"
	nt_check "  status: $n waiting, restarts=2, last exit status 1" \
		dh_same "$n" "$(jq -r --arg n "$n" '.daemons[] | select(.name == $n) |
			"\(.state) \(.restarts) \(.last_exit)"' <<<"$STATUS")" \
		"waiting 2 exited with status 1"
done
fl_show_since "$mark" 'racknet-(dhcpd|dnsd|tftpd)\[[0-9]+\] error'
secs=$(awk -v a="$T_KILL" -v b="$T_WAIT" 'BEGIN { printf "%.1f", b - a }')
echo "   run used $((ticks1 - ticks0)) clock ticks of CPU in those $secs s"
nt_check "run did not spin: under 0.5 s of CPU in $secs s" \
	[ $((ticks1 - ticks0)) -lt $(($(getconf CLK_TCK) / 2)) ]
nt_check "run still runs" nt_alive "$FL_RUNPID"

# ---- the good file back: the next attempt starts each daemon ----
echo "$GOOD" >"$DBFILE"
nt_check "the good file back: all three running again at the next attempt (8 s)" \
	nt_wait_for 8 dh_run_all_running
for n in dhcpd dnsd tftpd; do
	nt_check "  $n: restarts=3" dh_same restarts "$(dh_run_daemon "$n" restarts)" 3
done
nt_check "  dhcpd serves again" \
	fl_said "$mark" "racknet-dhcpd\[[0-9]+\] notice: serving DHCPv4"

nt_summary
