#!/bin/bash
#
# No acknowledged lease is lost when racknet-dhcpd is killed under load.
#
#   load: vl 10.50.0.2/16  perfdhcp (a relay agent: giaddr 10.50.0.2),
#         tcpdump -w of everything it exchanges
#    |    (veth pair)
#   srv:  vs 10.50.0.1/16  racknet-dhcpd, killed with SIGKILL mid-run and
#         started again on the same IPAM
#
# perfdhcp runs DORA exchanges for thousands of distinct MACs. Every DHCPACK
# it received (yiaddr, chaddr: read from the capture, before and after the
# kill) must be an active lease of that MAC in `racknet lease list`, and no
# address may have been ACKed to two MACs. The ping check is off: perfdhcp's
# clients are not real hosts.
#
# Needs root, iproute2, jq, tcpdump, perfdhcp (kea-admin), python3; RACKNET
# and RACKNET_DHCPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_need perfdhcp tcpdump python3
dh_init

RATE=${DH_PERF_RATE:-250}	# exchanges started per second
NUM=${DH_PERF_NUM:-2500}	# exchanges in all (about NUM/RATE seconds)
KILL_AFTER=3			# seconds into the run

CIDR=10.50.0.0/16
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add "$CIDR" --vlan lab/0 --gateway 10.50.0.1 --lease-time 3600 >/dev/null
rn range add "$CIDR" 10.50.1.0 10.50.250.255 --type dynamic >/dev/null
rn setting set dhcp-ping-check off >/dev/null

SRV=$(nt_netns_add srv)
LOAD=$(nt_netns_add load)
read -r VS VL <<<"$(nt_veth_add vs "$SRV" vl "$LOAD")"
nt_addr_add "$VS" 10.50.0.1/16 "$SRV"
nt_addr_add "$VL" 10.50.0.2/16 "$LOAD"
nt_wait_for 5 nt_exec "$LOAD" ping -n -c 1 -W 1 10.50.0.1

PCAP=$NT_LOGDIR/load.pcap
CAPLOG=$NT_LOGDIR/tcpdump.log
CAPPID=$(nt_bg "$LOAD" "$CAPLOG" timeout 50 tcpdump -nn -i "$VL" -U \
	-s 1500 -B 8192 -w "$PCAP" 'udp port 67')
nt_wait_for 10 grep -q 'listening on' "$CAPLOG" || true

SRVLOG1=$NT_LOGDIR/dhcpd-1.log
SRVLOG2=$NT_LOGDIR/dhcpd-2.log
SRVPID=$(dh_server_start "$SRV" "$SRVLOG1" --log-level info)
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG1"

PERFPID=$(nt_bg "$LOAD" "$NT_LOGDIR/perfdhcp.log" timeout 40 perfdhcp -4 \
	-l "$VL" -r "$RATE" -n "$NUM" -R 1000000 -d 1 10.50.0.1)

sleep "$KILL_AFTER"
kill -KILL "$SRVPID"
killed_at=$EPOCHREALTIME
nt_check "racknet-dhcpd died on SIGKILL" nt_wait_for 5 eval "! nt_alive $SRVPID"
sleep 0.5
SRVPID=$(dh_server_start "$SRV" "$SRVLOG2" --log-level info)
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd started again on the same IPAM" \
	dh_server_up "$SRVPID" "$SRVLOG2"

nt_check "perfdhcp finished" nt_wait_for 35 eval "! nt_alive $PERFPID"
sleep 0.5	# the last replies into the capture
kill -TERM "$CAPPID" 2>/dev/null || true
nt_wait_for 5 eval "! nt_alive $CAPPID" || true

# The DHCPACKs in the capture: "epoch yiaddr chaddr" per line.
ACKS=$NT_LOGDIR/acks.txt
python3 - "$PCAP" >"$ACKS" <<'EOF'
import struct, sys

data = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', data[:4])[0]
if magic in (0xa1b2c3d4, 0xa1b23c4d):
    end = '<'
elif struct.unpack('>I', data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d):
    end = '>'
    magic = struct.unpack('>I', data[:4])[0]
else:
    sys.exit('not a pcap file')
scale = 1e-9 if magic == 0xa1b23c4d else 1e-6
linktype = struct.unpack(end + 'I', data[20:24])[0]
if linktype != 1:
    sys.exit('link type %d, want Ethernet' % linktype)
off = 24
while off + 16 <= len(data):
    sec, frac, caplen, _ = struct.unpack(end + 'IIII', data[off:off + 16])
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    eth = 14
    etype = struct.unpack('>H', pkt[12:14])[0]
    if etype == 0x8100:
        etype = struct.unpack('>H', pkt[16:18])[0]
        eth = 18
    if etype != 0x0800 or len(pkt) < eth + 20:
        continue
    ihl = (pkt[eth] & 15) * 4
    if pkt[eth + 9] != 17:
        continue
    udp = eth + ihl
    bootp = pkt[udp + 8:]
    if len(bootp) < 240 or bootp[0] != 2 or bootp[236:240] != b'\x63\x82\x53\x63':
        continue
    yiaddr = '.'.join(str(b) for b in bootp[16:20])
    hlen = min(bootp[2], 16)
    chaddr = ':'.join('%02x' % b for b in bootp[28:28 + hlen])
    i, mtype = 240, None
    while i < len(bootp):
        code = bootp[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(bootp):
            break
        n = bootp[i + 1]
        if code == 53 and n >= 1:
            mtype = bootp[i + 2]
        i += 2 + n
    if mtype == 5:
        print('%.6f %s %s' % (sec + frac * scale, yiaddr, chaddr))
EOF

nacks=$(wc -l <"$ACKS")
before=$(awk -v t="$killed_at" '$1 < t' "$ACKS" | wc -l)
after=$((nacks - before))
echo "   perfdhcp: $(grep -E 'sent packets|received packets|drops' "$NT_LOGDIR/perfdhcp.log" | tr -s ' \n' ' ')"
echo "   DHCPACKs captured: $nacks ($before before the kill, $after after)"
nt_check "ACKs came before the kill ($before)" [ "$before" -gt 0 ]
nt_check "ACKs came after the restart ($after)" [ "$after" -gt 0 ]

LEASES=$NT_LOGDIR/leases.txt
rn lease list --json | jq -r '.[] | "\(.ip) \(.mac)"' | sort -u >"$LEASES"
acked_kept() {
	local missing
	missing=$(awk '{print $2, $3}' "$ACKS" | sort -u | comm -23 - "$LEASES")
	if [ -n "$missing" ]; then
		echo "   ACKed but not an active lease of that MAC in IPAM" \
			"($(wc -l <<<"$missing")):"
		head -n 10 <<<"$missing" | sed 's/^/   | /'
		return 1
	fi
}
nt_check "every ACKed (address, MAC) is an active lease of that MAC in IPAM" \
	acked_kept
one_mac_each() {
	local dup
	dup=$(awk '{print $2, $3}' "$ACKS" | sort -u | awk '{print $1}' | uniq -d)
	if [ -n "$dup" ]; then
		echo "   addresses ACKed to two MACs: $(head -n 5 <<<"$dup" | tr '\n' ' ')"
		return 1
	fi
}
nt_check "no address was ACKed to two MACs" one_mac_each
nt_check "racknet-dhcpd logged DHCPACKs after the restart" \
	grep -q 'DHCPACK' "$SRVLOG2"
nt_check "racknet-dhcpd is still running" nt_alive "$SRVPID"

nt_summary
