# bench/dns-qps/report.awk: the final table of bench/dns-qps/run, from its
# results.tsv (tab-separated; `run --report FILE` prints it again from a
# kept one). Rows: round, kind, then per kind:
#   conf   hosts, big, cpu_rate          (round 0, first)
#   fill   "cli", hosts, seconds          (round 0)
#   rate   server, q/s, lost %, server CPU %, dnsperf CPU %, bytes/response,
#          receive buffer, dnsperf-bound, bad, busy
#   cpu    server, us/q (stat), us/q (schedstat), user us/q, lost %, VmRSS,
#          VmHWM, Pss (KiB), ms to first answer, bad, busy
#   big    server, hosts, VmRSS, VmHWM, Pss (KiB), ms to first answer
# Figures are the median over the rounds with the range (min-max); the
# racknet/peer ratios are computed within each round first.

function med(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) {
		t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function fmt(list, f,   m) {
	if (list == "") return "-"
	m = med(list)
	if (lo == hi) return sprintf(f, m)
	return sprintf(f " (" f "-" f ")", m, lo, hi)
}
function mib(k) { return k / 1024 }
$2 == "conf" { hosts = $3; big = $4; crate = $5 }
$2 == "fill" { printf "racknet IPAM: %d hosts with the CLI in %d s\n", $4, $5 }
$2 == "rate" { q[$3] = q[$3] " " $4; sp[$3] = sp[$3] " " $6; gp[$3] = gp[$3] " " $7
	if ($6 > 0) pr[$3] = pr[$3] " " $4 * 100 / $6
	rs[$3] = $8; rb[$3] = $9; if ($10) gb[$3] = 1; if ($11) bad[$3] = 1; if ($12) busy[$3] = 1; r[$1, $3] = $4; seen[$3] = 1 }
$2 == "cpu" { us[$3] = us[$3] " " $4; su[$3] = su[$3] " " $5; uu[$3] = uu[$3] " " $6
	c[$1, $3] = $4; cs[$1, $3] = $5
	rss[$3] = rss[$3] " " mib($8); hwm[$3] = hwm[$3] " " mib($9); pss[$3] = pss[$3] " " mib($10)
	rdy[$3] = rdy[$3] " " $11; if ($12) bad[$3] = 1; if ($13) busy[$3] = 1
	cl[$3] = cl[$3] " " $7; seen[$3] = 1 }
$2 == "big" { brss[$3] = mib($5); bhwm[$3] = mib($6); bpss[$3] = mib($7); brdy[$3] = $8 }
$1 > nr { nr = $1 }
END {
	printf "\n%-14s %-28s %-14s %-22s %-22s %-22s", "server", "q/s, < 1% lost", "server CPU %",
		"CPU us/q @" crate "/s", "schedstat us/q", "user us/q"
	printf(" %-22s %s\n", "MiB RSS/HWM/Pss " hosts, (big > 0 ? "MiB RSS/HWM/Pss " big : ""))
	split("racknet nsd knot", names, " ")
	for (i = 1; i <= 3; i++) {
		s = names[i]
		if (!seen[s]) continue
		m1 = rss[s] == "" ? "-" : sprintf("%.1f/%.1f/%.1f", med(rss[s]), med(hwm[s]), med(pss[s]))
		m2 = (s in brss) ? sprintf("%.1f/%.1f/%.1f", brss[s], bhwm[s], bpss[s]) : big > 0 ? "-" : ""
		printf "%-14s %-28s %-14s %-22s %-22s %-22s %-22s %s\n", s (bad[s] ? " !" : "") (busy[s] ? " [b]" : ""),
			fmt(q[s], "%d") (gb[s] ? " [d]" : ""), fmt(sp[s], "%d"), fmt(us[s], "%.2f"),
			fmt(su[s], "%.2f"), fmt(uu[s], "%.2f"), m1, m2
	}
	print ""
	for (i = 1; i <= 3; i++) {
		s = names[i]
		if (!seen[s]) continue
		printf "%s: %d B per response, socket receive buffer %d B, %s%% lost in the CPU runs; projected q/s at 100%% of its core (q/s / server CPU share): %s; first answer %s ms after start (%d hosts)",
			s, rs[s], rb[s], fmt(cl[s], "%.2f"), fmt(pr[s], "%d"), fmt(rdy[s], "%d"), hosts
		if (s in brdy) printf ", %d ms (%d hosts)", brdy[s], big
		printf "\n"
	}
	for (i = 1; i <= 3; i++) if (gb[names[i]]) {
		print "[d]: dnsperf-bound in at least one round: dnsperf used >= 90% of its core while the server used < 95% of its own"
		break
	}
	for (i = 1; i <= 3; i++) if (busy[names[i]]) {
		print "[b]: in at least one run other processes used >= 10% of the server's or dnsperf's core: noisy figures"
		break
	}
	for (i = 1; i <= 3; i++) if (bad[names[i]]) {
		print "!: in at least one run this server answered with the wrong rcode mix, or a throughput run lost >= 1%: see its lines above"
		break
	}
	# Ratios per round, then median and range over rounds.
	for (j = 2; j <= 3; j++) {
		p = names[j]
		if (!seen["racknet"] || !seen[p]) continue
		rr = cr = sr = ""
		for (k = 1; k <= nr; k++) {
			if (r[k, "racknet"] != "" && r[k, p] > 0) rr = rr " " r[k, "racknet"] / r[k, p]
			if (c[k, "racknet"] != "" && c[k, p] > 0) cr = cr " " c[k, "racknet"] / c[k, p]
			if (cs[k, "racknet"] != "" && cs[k, p] > 0) sr = sr " " cs[k, "racknet"] / cs[k, p]
		}
		printf "racknet/%s: q/s %s; CPU per query %s (schedstat %s)", p, fmt(rr, "%.3f"), fmt(cr, "%.3f"), fmt(sr, "%.3f")
		if (pss[p] != "") printf "; Pss %d hosts %.2f", hosts, med(pss["racknet"]) / med(pss[p])
		if (bpss[p] > 0) printf ", %d hosts %.2f", big, bpss["racknet"] / bpss[p]
		printf "\n"
	}
}