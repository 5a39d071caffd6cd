#!/bin/bash
#
# Fault tests (issue 8), part 1: kill -9 of each daemon under load, under
# racknet run (tests/lib/fault.sh has the lab):
#
#   srv: racknet run --no-chrony --user racknet
#        (racknet-dhcpd, racknet-dnsd, racknet-tftpd)
#    |
#   cli: perfdhcp (150 DORA/s, random MACs) + tcpdump of port 67,
#        dig/kdig every 0.1 s, tftp-hpa fetching a 24 MiB file in a loop
#        (6 MiB under valgrind)
#
# While all of it runs: kill -9 racknet-dhcpd, then racknet-dnsd, then
# racknet-tftpd in the middle of a transfer. Each comes back under run
# (restarts=1 in `racknet status`, its last exit "killed by signal 9",
# one line of run's saying so). DHCP: every DHCPACK on the wire, before
# and after the kill, is an active lease of that MAC in IPAM, no address
# went to two MACs, and ACKs keep coming after the restart. DNS: every
# query before the kill is answered, and answers resume after the
# restart. TFTP: fetches work before and after; the one cut by the kill
# fails cleanly (tftp-hpa says it timed out) or completes, never ends
# with a short file taken for a whole one.
#
# Part 2 (the database locked, full, read-only) is test_faults_db.sh,
# part 3 (a corrupt database) test_faults_corrupt.sh.
#
# Needs root, iproute2, jq, tcpdump, perfdhcp, dig, kdig, tftp (tftp-hpa),
# sqlite3, python3; RACKNET, RACKNET_DHCPD, RACKNET_DNSD, RACKNET_TFTPD
# (set by ctest).
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

# How long the clients run (a loaded machine stretches the kills; under
# valgrind, NT_SLOW, each restart takes seconds).
LOAD_S=$((24 * NT_SLOW))
fl_ipam "$NT_LOGDIR/db"
fl_lab
# About 1.5 s a fetch here (lockstep 512-byte blocks, under 32 MiB so
# that no block number wraps): the kill lands inside one. Under valgrind
# (scripts/valgrind) tftpd is about ten times slower: 6 MiB takes 3-4 s.
BIG_MIB=24
[ -n "${RN_VALGRIND:-}" ] && BIG_MIB=6
fl_file big.bin $((BIG_MIB * 1024 * 1024))

nt_check "racknet run: dhcpd, dnsd and tftpd running" fl_run_start
nt_check "tcpdump captures port 67" fl_capture_start
fl_perf_start 150 $((LOAD_S - 2))
fl_dns_loop_start "$LOAD_S"
fl_tftp_loop_start big.bin "$LOAD_S" 4
T0=$(fl_now)
sleep 3

# ---- kill -9 each daemon in turn, each time under load ----
# kill_one NAME: kill NAME, wait until run has it back; sets K[NAME]
# (just after the kill) and R[NAME] (back, as status sees it).
declare -A K R
kill_one() {
	local n=$1 mark old
	mark=$(fl_mark)
	fl_kill "$n" "${2:-}" || return 1
	old=$FL_KILLED_PID
	K[$n]=$FL_KILLED_AT
	nt_check "$n (pid $old) killed with SIGKILL: running again within 5 s" \
		nt_wait_for 5 fl_restarted "$n" "$old"
	R[$n]=$(fl_now)
	nt_check "  status: $n restarts=1" dh_same restarts "$(dh_run_daemon "$n" restarts)" 1
	nt_check "  status: its last exit was signal 9" \
		dh_same "last exit" "$(dh_run_daemon "$n" last_exit)" "was killed by signal 9 (Killed)"
	nt_check "  run logged it, restarting in 1 s" \
		fl_said "$mark" "racknet-run\[$FL_RUNPID\] warn: racknet-$n \(pid $old\) was killed by signal 9 \(Killed\) after [0-9]+ s; restarting it in 1 s"
}

kill_one dhcpd
sleep 1
kill_one dnsd
sleep 1
# tftpd while a fetch is in flight, 0.3 s into one that starts after we
# look (its PID known beforehand: racknet status takes a second under
# valgrind). A fetch may end within the 0.3 s (a loaded machine starts
# them late): then wait for the next one, three times at most.
TFTPD_PID=$(dh_run_daemon tftpd pid)
IN_FLIGHT=""
for _ in 1 2 3; do
	nt_wait_for 5 fl_tftp_in_flight "$(grep -c '^S ' "$FL_TFTP_OUT")" || break
	sleep 0.3
	IN_FLIGHT=$(tail -n 1 "$FL_TFTP_OUT" | awk '$1 == "S" { print $2 }')
	[ -n "$IN_FLIGHT" ] && break
done
nt_check "a TFTP fetch is in flight" [ -n "$IN_FLIGHT" ]
kill_one tftpd "$TFTPD_PID"

# Let the load run to its end.
nt_wait_for $((LOAD_S + 10)) eval "! nt_alive $FL_DNS_PID && ! nt_alive $FL_TFTP_PID" || :
fl_perf_stop
fl_loop_stop
fl_capture_stop

# ---- DHCP: no acknowledged lease lost, clients served after ----
fl_acks
nacks=$(wc -l <"$FL_ACKS")
before=$(fl_acks_in 0 "${K[dhcpd]}")
after=$(fl_acks_in "${R[dhcpd]}" 9999999999)
echo "   DHCPACKs captured: $nacks ($before before the kill, $after after the restart)"
nt_check "DHCP: ACKs before the kill ($before)" [ "$before" -gt 0 ]
nt_check "DHCP: ACKs after the restart ($after)" [ "$after" -gt 0 ]
nt_check "DHCP: every ACKed (address, MAC) is an active lease of that MAC in IPAM" \
	fl_acks_stored
nt_check "DHCP: no address was ACKed to two MACs" fl_one_mac_each

# ---- DNS: answered before, answers again after ----
echo "   dig/kdig: $(fl_loop_summary "$FL_DNS_OUT")"
first_ok=$(awk -v k="${K[dnsd]}" '$1 > k && $3 == "ok" && !f { printf "%.2f", $2 - k; f = 1 }' \
	"$FL_DNS_OUT")
echo "   DNS: the first answer after the kill came ${first_ok:-never} s after it"
# (A query takes 2 s at most: one that started later may meet the kill.)
nt_check "DNS: every query before the kill was answered" \
	fl_loop_ok "$FL_DNS_OUT" "$T0" "$(fl_add "${K[dnsd]}" -2.5)"
nt_check "DNS: answers resume after the restart (5 or more, the last too)" \
	fl_loop_resumed "$FL_DNS_OUT" "${R[dnsd]}" 5
nt_check "DNS: no wrong answer, no hung client" fl_loop_clean "$FL_DNS_OUT"

# ---- TFTP: the cut transfer ends cleanly, fetches work after ----
echo "   tftp-hpa: $(fl_loop_summary "$FL_TFTP_OUT")"
cut=$(grep -v '^S ' "$FL_TFTP_OUT" | awk -v s="$IN_FLIGHT" '$1 == s')
echo "   the fetch the kill cut: ${cut:-none}"
nt_check "TFTP: fetches worked before the kill" \
	fl_loop_ok "$FL_TFTP_OUT" "$T0" "$(fl_add "$IN_FLIGHT" -0.000001)"
cut_by_kill() {
	[ -n "$cut" ] && fl_after "$(awk '{ print $2 }' <<<"$cut")" "${K[tftpd]}"
}
cut_clean() {
	[ -n "$cut" ] && awk '$3 == "ok" || $3 == "err" { f = 1 } END { exit !f }' <<<"$cut"
}
nt_check "TFTP: the kill landed inside that fetch" cut_by_kill
nt_check "TFTP: the fetch in flight at the kill ended, whole or with an error" \
	cut_clean
nt_check "TFTP: fetches work after the restart (2 or more, the last too)" \
	fl_loop_resumed "$FL_TFTP_OUT" "${R[tftpd]}" 2
nt_check "TFTP: no short file taken for a whole one, no hung client" \
	fl_loop_clean "$FL_TFTP_OUT"

# ---- run ----
nt_check "racknet run still runs, and all three daemons" \
	eval "nt_alive $FL_RUNPID && dh_run_all_running"
nt_check "racknet status shows one restart each" \
	eval "rn status >'$NT_LOGDIR/status.txt' && awk '\$1 ~ /^(dhcpd|dnsd|tftpd)\$/ && \$5 == 1 { n++ } END { exit n != 3 }' '$NT_LOGDIR/status.txt'"

nt_summary
