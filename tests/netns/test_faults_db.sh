#!/bin/bash
#
# Fault tests (issue 8), part 2: the database under racknet run's daemons
# locked by another writer, on a full disk, and read-only, while
# perfdhcp, dig/kdig and tftp-hpa keep them busy (tests/lib/fault.sh has
# the lab). The IPAM lives on a small file system of the test's own, a
# 16 MiB ext4 image on a loop device mounted under its private folder:
# ext4 because it refuses writes to an immutable file even through a
# descriptor opened before (tmpfs does not), and it is what a server has.
# Without a loop device it falls back to a tmpfs and skips case 4.
#
#   1. sqlite3 holds BEGIN EXCLUSIVE for 3 s, under the 5 s busy timeout:
#      dhcpd waits and goes on, with no error.
#   2. sqlite3 holds it for 8 s: dhcpd logs that the database is locked,
#      sends no ACK while it is (nothing it could not store), and serves
#      again by itself once the lock is gone.
#   3. The file system filled with a file: dhcpd logs that the disk is
#      full, and serves again once the file is removed.
#   4. chattr +i on ipam.db and ipam.db-wal while dhcpd runs (what makes
#      writes fail: the daemons open the file as root, so a mode of 0444
#      would not stop them, and a write through a descriptor already open
#      ignores the mode anyway): dhcpd says what is wrong and recovers once
#      the flag is gone.
#   5. chattr +i on ipam.db, then kill -9 dhcpd: run restarts it, SQLite
#      opens the file read-only; dhcpd says so, ACKs nothing, and serves
#      again once the flag is gone.
# Throughout: every DHCPACK on the wire is an active lease of that MAC in
# IPAM; dnsd and tftpd keep answering (every query and fetch started
# while the fault lasts works, dig/kdig waiting 1 s twice, tftp-hpa 4 s)
# and are never restarted.
#
# Part 1 (kill -9 under load) is test_faults.sh, part 3 (a corrupt
# database) test_faults_corrupt.sh.
#
# Needs root, iproute2, jq, tcpdump, perfdhcp, dig, kdig, tftp (tftp-hpa),
# sqlite3, chattr, python3, mkfs.ext4 and a loop device (else a tmpfs);
# RACKNET, RACKNET_DHCPD, RACKNET_DNSD,
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

LOAD_S=100		# an upper bound: the loads are stopped at the end
RESUME_S=10		# how long dhcpd may take to serve again
MNT=$NT_LOGDIR/mnt
mkdir "$MNT"

unmount() {
	chattr -i "$DH_DB" "$DH_DB-wal" 2>/dev/null || :
	umount "$MNT" 2>/dev/null || umount -l "$MNT" || :
}
FS=ext4
if truncate -s 16M "$NT_LOGDIR/fs.img" &&
	mkfs.ext4 -q -m 0 -E root_owner=0:0 "$NT_LOGDIR/fs.img" &&
	mount -o loop "$NT_LOGDIR/fs.img" "$MNT"; then
	chmod 0755 "$MNT"
else
	echo "   no loop device: the database goes on a tmpfs"
	FS=tmpfs
	mount -t tmpfs -o size=16m,mode=0755 racknet-test "$MNT"
fi
nt_defer unmount	# runs after run is stopped (deferred later)

fl_ipam "$MNT/db"
fl_lab
fl_file small.bin $((256 * 1024))
nt_check "racknet run: dhcpd, dnsd and tftpd running" fl_run_start
nt_check "tcpdump captures port 67" fl_capture_start
fl_perf_start 100 "$LOAD_S"
fl_dns_loop_start "$LOAD_S"
fl_tftp_loop_start small.bin "$LOAD_S" 4
sleep 2
fl_acks
nt_check "dhcpd ACKs under load ($(fl_acks_in 0 9999999999))" \
	[ "$(fl_acks_in 0 9999999999)" -gt 0 ]

# resumed T: dhcpd sent an ACK after T.
resumed() {
	fl_acks && [ "$(fl_acks_in "$1" 9999999999)" -gt 0 ]
}

# others_served FROM TO: dnsd and tftpd answered every try in [FROM, TO).
others_served() {
	nt_check "  dnsd kept answering (dig/kdig)" \
		fl_loop_ok "$FL_DNS_OUT" "$1" "$2"
	nt_check "  tftpd kept serving (tftp-hpa)" \
		fl_loop_ok "$FL_TFTP_OUT" "$1" "$2"
}

DHCPD_ERR='racknet-dhcpd\[[0-9]+\] error: '

# ---- 1 and 2: the database locked by another writer ----
# case_lock SECS: sqlite3 holds the write lock SECS s.
case_lock() {
	local secs=$1 mark p n
	echo "-- the database locked by sqlite3 for $secs s"
	mark=$(fl_mark)
	p=$(fl_now)
	nt_check "sqlite3 holds the write lock" fl_lock_start "$secs"
	sleep 1.5
	echo "   1.5 s into the lock: dnsd in $(fl_where dnsd), tftpd in" \
		"$(fl_where tftpd), dhcpd in $(fl_where dhcpd)"
	nt_check "  and lets go after $secs s" fl_lock_wait
	if [ "$secs" -lt 5 ]; then
		nt_check "  dhcpd logged no error (the wait was under 5 s)" \
			eval "! fl_said $mark '$DHCPD_ERR'"
	else
		nt_check "  dhcpd logged that the database is locked" \
			fl_said "$mark" "$DHCPD_ERR.*database is locked"
		fl_show_since "$mark" "$DHCPD_ERR"
		fl_acks
		n=$(fl_acks_in "$(fl_add "$FL_LOCK_AT" 0.5)" "$FL_UNLOCK_AT")
		nt_check "  no ACK while the lock was held ($n)" [ "$n" -eq 0 ]
	fi
	nt_check "  dhcpd serves again by itself after the lock" \
		nt_wait_for "$RESUME_S" resumed "$FL_UNLOCK_AT"
	others_served "$FL_LOCK_AT" "$FL_UNLOCK_AT"
	nt_check "  every ACK is an active lease in IPAM" fl_acks_stored "$p"
}

# ---- 3: the disk full ----
case_full() {
	local mark p full_at free_at
	echo "-- the $FS file system full"
	mark=$(fl_mark)
	p=$(fl_now)
	dd if=/dev/zero of="$MNT/filler" bs=64k count=1000 >/dev/null 2>&1 || :
	full_at=$(fl_now)
	echo "   $(df -h "$MNT" | tail -n 1)"
	nt_check "the file system is full" \
		eval "! head -c 65536 /dev/zero >'$MNT/more' 2>/dev/null"
	rm -f "$MNT/more"
	nt_check "  dhcpd logs an error (within 20 s)" \
		nt_wait_for 20 fl_said "$mark" "$DHCPD_ERR"
	nt_check "  which says the disk is full" \
		fl_said "$mark" "$DHCPD_ERR.*(disk is full|database or disk is full)"
	fl_show_since "$mark" "$DHCPD_ERR"
	sleep 2
	rm -f "$MNT/filler"
	free_at=$(fl_now)
	errors_logged "$mark" "$full_at" "$free_at"
	nt_check "  dhcpd serves again once the file is removed" \
		nt_wait_for "$RESUME_S" resumed "$free_at"
	others_served "$full_at" "$free_at"
	nt_check "  every ACK is an active lease in IPAM" fl_acks_stored "$p"
}

# ---- 4: read-only under a running dhcpd ----
case_immutable_running() {
	local mark p ro_at rw_at
	echo "-- chattr +i on ipam.db and ipam.db-wal while dhcpd runs"
	if [ "$FS" != ext4 ]; then
		echo "SKIP: on tmpfs a descriptor opened before still writes"
		return 0
	fi
	mark=$(fl_mark)
	p=$(fl_now)
	chattr +i "$DH_DB" "$DH_DB-wal"
	ro_at=$(fl_now)
	nt_check "  dhcpd logs an error (within 10 s)" \
		nt_wait_for 10 fl_said "$mark" "$DHCPD_ERR"
	nt_check "  which says the database cannot be written, and why" \
		fl_said "$mark" "$DHCPD_ERR.*(read-only|readonly|not permitted|ipam\.db)"
	fl_show_since "$mark" "$DHCPD_ERR"
	sleep 2
	chattr -i "$DH_DB" "$DH_DB-wal"
	rw_at=$(fl_now)
	errors_logged "$mark" "$ro_at" "$rw_at"
	nt_check "  dhcpd serves again once the flag is gone" \
		nt_wait_for "$RESUME_S" resumed "$rw_at"
	others_served "$ro_at" "$rw_at"
	nt_check "  every ACK is an active lease in IPAM" fl_acks_stored "$p"
}

# ---- 5: read-only when dhcpd starts ----
# SQLite would open the file for reading only; dhcpd refuses that (it
# could store no lease) and exits, saying why, and run starts it again
# with its backoff until the file can be written.
case_immutable_start() {
	local mark p ro_at back_at rw_at n
	echo "-- chattr +i on ipam.db, then kill -9 dhcpd"
	mark=$(fl_mark)
	p=$(fl_now)
	chattr +i "$DH_DB"
	ro_at=$(fl_now)
	fl_kill dhcpd
	nt_check "  the restarted dhcpd stops: the database is read-only (within 10 s)" \
		nt_wait_for 10 fl_said "$mark" "racknet-dhcpd\[[0-9]+\] (error|warn).*ipam\.db is read-only"
	nt_check "  ... and run says it will try again" \
		nt_wait_for 5 fl_said "$mark" "racknet-run\[[0-9]+\].*dhcpd.*(again|restart)"
	back_at=$(fl_now)
	fl_show_since "$mark" "racknet-dhcpd\[[0-9]+\] (error|warn)"
	sleep 2
	chattr -i "$DH_DB"
	rw_at=$(fl_now)
	errors_logged "$mark" "$back_at" "$rw_at"
	fl_acks
	n=$(fl_acks_in "$back_at" "$rw_at")
	nt_check "  no ACK while the file was read-only ($n)" [ "$n" -eq 0 ]
	nt_check "  dhcpd serves again once the flag is gone (within 20 s)" \
		nt_wait_for 20 resumed "$rw_at"
	others_served "$ro_at" "$rw_at"
	nt_check "  every ACK is an active lease in IPAM" fl_acks_stored "$p"
}

# errors_logged MARK FROM TO: how much dhcpd logged while the fault lasted.
errors_logged() {
	local n
	n=$(tail -n "+$(($1 + 1))" "$FL_RUNLOG" | grep -cE "$DHCPD_ERR") || :
	echo "   dhcpd logged $n error lines in" \
		"$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", b - a }') s"
}

case_lock 3
case_lock 8
case_full
case_immutable_running
case_immutable_start

# ---- the whole run ----
fl_perf_stop
fl_loop_stop
fl_capture_stop
echo "   DHCPACKs captured: $(wc -l <"$FL_ACKS")"
echo "   dig/kdig: $(fl_loop_summary "$FL_DNS_OUT")"
echo "   tftp-hpa: $(fl_loop_summary "$FL_TFTP_OUT")"
nt_check "every ACK of the whole run is an active lease in IPAM" fl_acks_stored
nt_check "no address was ACKed to two MACs" fl_one_mac_each
nt_check "no wrong DNS answer, no hung dig/kdig" fl_loop_clean "$FL_DNS_OUT"
nt_check "no short file taken for a whole one, no hung tftp-hpa" \
	fl_loop_clean "$FL_TFTP_OUT"
nt_check "racknet run still runs, and all three daemons" \
	eval "nt_alive $FL_RUNPID && dh_run_all_running"
nt_check "dnsd and tftpd were never restarted" \
	eval "[ \"\$(dh_run_daemon dnsd restarts)/\$(dh_run_daemon tftpd restarts)\" = 0/0 ]"

nt_summary
