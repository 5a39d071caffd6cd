# bench/dns-qps/gen.awk: the lab's DNS data, from one list of hosts, so that
# every server serves the same names. Called by bench/dns-qps/run:
#
#   awk -v what=zones -v n=N -v dir=DIR -f gen.awk
#       DIR/lab.example.zone and one reverse zone per /16 used
#       (DIR/20.10.in-addr.arpa.zone, ...); DIR/zones lists their names
#   awk -v what=hosts -v n=N
#       "hostname ip mac" per line, for the racknet IPAM
#   awk -v what=queries -v n=N -v q=Q -v seed=S
#       Q dnsperf lines, in random order: 60% A of hosts, 20% PTR of their
#       addresses, 10% A of missing names, 10% PTR of addresses no host
#       has (NXDOMAIN both); then `sort -n | cut -f2-` shuffles them
#
# Host i (from 0) is h%06d.lab.example with address 10.(20 + b/256).(b%256).
# (i%250 + 1), b = i/250: 250 hosts per /24, last octets 251-254 unused
# (the reverse NXDOMAINs), at most 2 /16s (128,000 hosts).

function ip(i,   b) {
	b = int(i / 250)
	return sprintf("10.%d.%d.%d", 20 + int(b / 256), b % 256, i % 250 + 1)
}
function soa_ns(f) {
	print "$TTL 3600" >f
	print "@ SOA ns.lab.example. hostmaster.lab.example. 1 3600 600 86400 3600" >f
	print "@ NS ns.lab.example." >f
}
BEGIN {
	n += 0
	if (n < 1 || n > 128000) { print "gen.awk: n must be 1-128000" >"/dev/stderr"; exit 2 }
	if (what == "zones") {
		f = dir "/lab.example.zone"
		print "$ORIGIN lab.example." >f
		soa_ns(f)
		print "ns A 10.53.0.1" >f
		for (i = 0; i < n; i++) printf "h%06d A %s\n", i, ip(i) >f
		close(f)
		print "lab.example" >(dir "/zones")
		for (o2 = 20; o2 <= 20 + int((int((n - 1) / 250)) / 256); o2++) {
			z = o2 ".10.in-addr.arpa"
			f = dir "/" z ".zone"
			print "$ORIGIN " z "." >f
			soa_ns(f)
			lo = (o2 - 20) * 256 * 250
			hi = lo + 256 * 250
			if (hi > n) hi = n
			for (i = lo; i < hi; i++) {
				split(ip(i), a, ".")
				printf "%d.%d PTR h%06d.lab.example.\n", a[4], a[3], i >f
			}
			close(f)
			print z >(dir "/zones")
		}
	} else if (what == "hosts") {
		for (i = 0; i < n; i++)
			printf "h%06d %s 02:00:%02x:%02x:%02x:%02x\n", i, ip(i),
				int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256
	} else if (what == "queries") {
		srand(seed + 0)
		q += 0
		nb = int((n - 1) / 250) + 1	# /24 blocks in use
		for (j = 0; j < q; j++) {
			k = j % 10	# 6 hits, 2 PTR, 1 NX name, 1 NX address
			if (k < 6) {
				line = sprintf("h%06d.lab.example A", int(rand() * n))
			} else if (k < 8) {
				split(ip(int(rand() * n)), a, ".")
				line = sprintf("%d.%d.%d.10.in-addr.arpa PTR", a[4], a[3], a[2])
			} else if (k == 8) {
				line = sprintf("nx%06d.lab.example A", int(rand() * n))
			} else {
				b = int(rand() * nb)
				line = sprintf("%d.%d.%d.10.in-addr.arpa PTR", 251 + int(rand() * 4),
					b % 256, 20 + int(b / 256))
			}
			printf "%.9f\t%s\n", rand(), line
		}
	} else {
		print "gen.awk: what=zones|hosts|queries" >"/dev/stderr"
		exit 2
	}
}
