#!/bin/bash
#
# The namespace helper itself (tests/lib/netns.sh):
#  - two namespaces joined by a bridge in a third ping each other, and the
#    root namespace gets nothing of the lab;
#  - each namespace has its own /etc/netns/NAME/resolv.conf, and that is
#    what processes inside see as /etc/resolv.conf;
#  - creating things twice is harmless, bad names are refused;
#  - cleanup leaves no namespace, interface, /etc/netns dir or process,
#    whether a test calls it, fails half way, is killed with SIGTERM, or
#    runs past NT_TIMEOUT inside a long foreground command;
#  - the resolv.conf guard: a test that rewrites /etc/resolv.conf fails
#    loudly, even if it passed or skipped, and the file is restored byte
#    for byte.
# The scenarios run as child scripts that source the helper, each with its
# own name prefix.
#
# Needs root, iproute2 and ping.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=$here/../lib/netns.sh
# shellcheck source=tests/lib/netns.sh
source "$lib"
nt_init

if ! command -v ping >/dev/null; then
	echo "SKIP: needs ping (scripts/deps installs it)"
	exit 77
fi


work=$(mktemp -d)
nt_defer rm -rf "$work"

# ---- our own backup of /etc/resolv.conf, restored whatever happens ----
# The helper's guard is what is under test, so do not rely on it alone.
cp -p /etc/resolv.conf "$work/resolv.backup"
resolv_orig=/etc/.resolv.conf.racknet-orig.$$
resolv_sum=$(sha256sum </etc/resolv.conf)
resolv_mode=$(stat -c %a /etc/resolv.conf)
resolv_restore() {
	# The original inode, if the rename scenario left our hard link to it.
	if [ -f "$resolv_orig" ] && cmp -s "$work/resolv.backup" "$resolv_orig"; then
		mv -f "$resolv_orig" /etc/resolv.conf
	fi
	rm -f "$resolv_orig"
	if ! cmp -s "$work/resolv.backup" /etc/resolv.conf ||
		[ "$(stat -c %a /etc/resolv.conf)" != "$resolv_mode" ]; then
		rm -f /etc/resolv.conf.racknet-test
		cat "$work/resolv.backup" >/etc/resolv.conf
		chmod "$resolv_mode" /etc/resolv.conf
		echo "test_netns: restored /etc/resolv.conf from its own backup" >&2
	fi
}
nt_defer resolv_restore	# runs before the helper's own guard

# ---- a bridged pair ----
A=$(nt_netns_add a)
B=$(nt_netns_add b)
S=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$S")
VA=$(nt_bridge_port "$A" va pa "$BR" "$S")
VB=$(nt_bridge_port "$B" vb pb "$BR" "$S")
nt_addr_add "$VA" 10.77.0.1/24 "$A"
nt_addr_add "$VB" 10.77.0.2/24 "$B"
prefix=${A%a}

prefixed() {
	[ "$A" = "${prefix}a" ] && [ "$BR" = "${prefix}br" ] &&
		[ "$VB" = "${prefix}vb" ] && [ "$(nt_name t42)" = "${prefix}t42" ]
}
nt_check "names carry the run's prefix ($prefix)" prefixed
nt_check "ping $A -> $B across $BR" \
	nt_wait_for 10 nt_exec "$A" ping -n -c 1 -W 1 10.77.0.2
nt_check "ping $B -> $A" \
	eval "nt_exec '$B' ping -n -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null"
nt_check "the bridge lives in $S, not in the root namespace" \
	eval "nt_exec '$S' ip link show '$BR' >/dev/null &&
		! ip link show '$BR' >/dev/null 2>&1"
nt_check "the root namespace has no interface named $prefix*" \
	eval "! ip -o link show | grep -qF ': $prefix'"

same_resolv() {	# same_resolv NS: inside NS, /etc/resolv.conf is its own file
	local f=/etc/netns/$1/resolv.conf
	[ -f "$f" ] && grep -qx 'nameserver 127.0.0.1' "$f" &&
		[ "$(nt_exec "$1" cat /etc/resolv.conf)" = "$(cat "$f")" ] &&
		[ "$(nt_exec "$1" cat /etc/resolv.conf)" != "$(cat /etc/resolv.conf)" ]
}
nt_check "/etc/netns/$A/resolv.conf is what $A sees as /etc/resolv.conf" \
	same_resolv "$A"
nt_check "/etc/netns/$B/resolv.conf is what $B sees as /etc/resolv.conf" \
	same_resolv "$B"

again() {
	[ "$(nt_netns_add a)" = "$A" ] && [ "$(nt_bridge_add br "$S")" = "$BR" ]
}
nt_check "creating $A and $BR again is harmless" again
nt_check "a 7 character name is fine, 8 are refused (15 with the prefix)" \
	eval "nt_name abcdefg >/dev/null && ! nt_name abcdefgh 2>/dev/null"
nt_check "a name with a slash is refused" eval "! nt_name 'a/b' 2>/dev/null"
nt_check "a namespace the test did not create is refused" \
	eval "! nt_addr_add lo 10.0.0.1/8 not-ours 2>/dev/null"

# ---- cleanup, from child scripts ----
# A child builds a small lab (namespace, bridge, veth into a second
# namespace, background processes, a tagger if there is one), writes what it
# made to $work/made.N, then ends as told by its argument.
cat >"$work/child.sh" <<'EOF'
set -euo pipefail
source "$1"
how=$2 made=$3
nt_init
x=$(nt_netns_add x)
y=$(nt_netns_add y)
br=$(nt_bridge_add br "$x")
read -r vx vy <<<"$(nt_veth_add vx "$x" vy "$y")"
nt_link_master "$vx" "$br" "$x"
nt_addr_add "$vy" 10.78.0.2/24 "$y"
pid=$(nt_bg "$y" "$NT_LOGDIR/sleep.log" sleep 60)
# One in the root namespace too: only the recorded PID can stop that one.
pids="$pid $(nt_bg "" "$NT_LOGDIR/root-sleep.log" sleep 61)"
if [ -x "${VLAN_TAGGER:-}" ]; then
	nt_tap_vlan "$y" "$vy" 42 t42 >/dev/null
	pids="$pids $(nt_tap_pid "$y" "${vy%vy}t42")"
fi
printf '%s\n' "prefix=${x%x}" "netns=$x $y" "pids=$pids" \
	"state=$NT_LOGDIR" >"$made"
case $how in
explicit)	# call nt_cleanup, then check for ourselves
	rc=0
	nt_cleanup || rc=$?
	echo "cleanup-rc=$rc" >>"$made"
	;;
fail)		# a command fails half way under set -e
	false
	;;
signal)		# wait to be killed (bash runs the trap between sleeps)
	: >"$made.ready"
	for _ in $(seq 1 600); do sleep 0.1; done
	;;
hang)		# stuck in a long foreground command past NT_TIMEOUT
	: >"$made.ready"
	sleep 60
	;;
clobber)	# pass, but append to /etc/resolv.conf (keeps its lines)
	echo "# racknet test_netns: deliberate change" >>/etc/resolv.conf
	;;
replace)	# skip, but replace it by rename, other mode, like a DHCP hook
	{ cat /etc/resolv.conf; echo "# racknet test_netns: replaced"; } \
		>/etc/resolv.conf.racknet-test
	chmod 644 /etc/resolv.conf.racknet-test
	mv /etc/resolv.conf.racknet-test /etc/resolv.conf
	exit 77
	;;
esac
exit 0
EOF

# run_child N HOW [VAR=VALUE...]: run it in the foreground; rc in $child_rc.
run_child() {
	local n=$1 how=$2
	shift 2
	child_rc=0
	env "$@" bash "$work/child.sh" "$lib" "$how" "$work/made.$n" \
		>"$work/out.$n" 2>&1 || child_rc=$?
}

made() {	# made N KEY: a value the child recorded
	sed -n "s/^$2=//p" "$work/made.$1"
}

# nothing_left N: no namespace, /etc/netns dir, interface, process or state
# directory of child N is left.
nothing_left() {
	local n=$1 p ns pid bad=0
	[ -f "$work/made.$n" ] || { echo "   child $n recorded nothing"; return 1; }
	p=$(made "$n" prefix)
	for ns in $(made "$n" netns); do
		if [ -e "/run/netns/$ns" ] || ip netns list | grep -q "^$ns\b"; then
			echo "   namespace $ns is left"
			bad=1
		fi
		[ -e "/etc/netns/$ns" ] && { echo "   /etc/netns/$ns is left"; bad=1; }
	done
	for pid in $(made "$n" pids); do
		nt_alive "$pid" && { echo "   process $pid is left"; bad=1; }
	done
	if pgrep -f -- "$p" >/dev/null; then
		echo "   processes mentioning $p are left: $(pgrep -f -- "$p" | tr '\n' ' ')"
		bad=1
	fi
	if ip -o link show | grep -qF ": $p"; then
		echo "   an interface $p* is left in the root namespace"
		bad=1
	fi
	if [ -e "$(made "$n" state)" ]; then
		echo "   state directory $(made "$n" state) is left"
		bad=1
	fi
	[ "$bad" -eq 0 ] || sed 's/^/   | /' "$work/out.$n"
	[ "$bad" -eq 0 ]
}

run_child 1 explicit
nt_check "explicit nt_cleanup: child exits 0, cleanup returned 0" \
	eval "[ $child_rc -eq 0 ] && [ \"\$(made 1 cleanup-rc)\" = 0 ]"
nt_check "explicit nt_cleanup: nothing left" nothing_left 1

run_child 2 fail
nt_check "failing half way: the child's exit code (1) is kept" \
	[ "$child_rc" -eq 1 ]
nt_check "failing half way: nothing left" nothing_left 2

# In the background, so this shell can send the signal.
bash "$work/child.sh" "$lib" signal "$work/made.3" >"$work/out.3" 2>&1 &
child=$!
nt_wait_for 20 test -e "$work/made.3.ready" || true
kill -TERM "$child" 2>/dev/null || true
child_rc=0
wait "$child" || child_rc=$?
nt_check "SIGTERM: the child exits 143" [ "$child_rc" -eq 143 ]
nt_check "SIGTERM: nothing left" nothing_left 3

run_child 4 hang NT_TIMEOUT=2
nt_check "watchdog: a child stuck past NT_TIMEOUT=2 exits 143" \
	[ "$child_rc" -eq 143 ]
nt_check "watchdog: it says why" \
	grep -q 'watchdog: the test ran longer than NT_TIMEOUT=2s' "$work/out.4"
nt_check "watchdog: nothing left" nothing_left 4

# ---- the resolv.conf guard ----
guard_ok() {	# guard_ok N WANT_INODE: FAIL line, exit 1, file restored exactly
	local n=$1 inode=$2 ok=0
	grep -qx 'FAIL: a test rewrote /etc/resolv.conf (restored it)' \
		"$work/out.$n" || { echo "   no FAIL line"; ok=1; }
	[ "$child_rc" -eq 1 ] || { echo "   child exited $child_rc, not 1"; ok=1; }
	cmp -s "$work/resolv.backup" /etc/resolv.conf ||
		{ echo "   content differs"; ok=1; }
	[ "$(sha256sum </etc/resolv.conf)" = "$resolv_sum" ] ||
		{ echo "   checksum differs"; ok=1; }
	[ "$(stat -c %a /etc/resolv.conf)" = "$resolv_mode" ] ||
		{ echo "   mode differs"; ok=1; }
	if [ "$inode" = same ] &&
		[ "$(stat -c %i /etc/resolv.conf)" != "$resolv_inode" ]; then
		echo "   written in place, yet restored to another inode"
		ok=1
	fi
	[ -e /etc/resolv.conf.racknet-test ] && { echo "   temp file left"; ok=1; }
	[ "$ok" -eq 0 ] || sed 's/^/   | /' "$work/out.$n"
	resolv_restore
	[ "$ok" -eq 0 ]
}

resolv_inode=$(stat -c %i /etc/resolv.conf)
run_child 5 clobber
nt_check "guard: passing test appending to resolv.conf fails; restored in place" \
	guard_ok 5 same
nt_check "guard: and its lab is gone" nothing_left 5

# Replacing the file by rename (as DHCP client hooks do) is only possible
# where it is a regular file and not a mount point: in a container it is
# often bind-mounted, and rename over it fails (EBUSY).
if [ -f /etc/resolv.conf ] && [ ! -L /etc/resolv.conf ] &&
	! mountpoint -q /etc/resolv.conf 2>/dev/null; then
	# A hard link keeps the original inode, to put it back afterwards.
	ln /etc/resolv.conf "$resolv_orig"
	run_child 6 replace
	nt_check "guard: skipping test replacing it (rename, mode 644) fails; restored" \
		guard_ok 6 any
	nt_check "guard: and its lab is gone" nothing_left 6
	nt_check "/etc/resolv.conf is back on its original inode $resolv_inode" \
		[ "$(stat -c %i /etc/resolv.conf)" = "$resolv_inode" ]
else
	echo "note: /etc/resolv.conf is a link or a mount point here: the" \
		"replace-by-rename case of the guard is not exercised"
fi
nt_check "/etc/resolv.conf still has its nameserver line" \
	grep -q '^nameserver ' /etc/resolv.conf

nt_summary
