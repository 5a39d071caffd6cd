# bench/tftp-throughput/report.awk: the final tables of
# bench/tftp-throughput/run, from its results.tsv (tab-separated; `run
# --report FILE` prints them again from a kept one). Rows: round, kind,
# then per kind:
#   conf  size MiB, small MiB, few, many, window, rounds
#   oack  server, the options of its OACK (or "none")        (round 0)
#   idle  server, ms to the first download, VmRSS, Pss (KiB), processes
#   xfer  server, test, wall us, byte-exact downloads, downloads,
#         server CPU us, clients' CPU us, peak VmRSS sum, peak Pss
#         sum (KiB), peak processes, rcvbuf drops server, client, other
#         processes' % of the server's core, of the clients' core, us spent
#         starting the clients, bad (a download wrong), busy (others >= 10%),
#         client-bound (the clients' core >= 90% busy, the server's < 90%)
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
function label(t) {
	if (t == "b512") return size " MiB, blksize 512"
	if (t == "b1468") return size " MiB, blksize 1468"
	if (t == "w16") return size " MiB, 1468, window " window
	if (t == "c20") return few " x " small " MiB, 1468"
	if (t == "c200") return many " x " small " MiB, 1468"
}
$2 == "conf" { size = $3; small = $4; few = $5; many = $6; window = $7 }
$2 == "oack" { oack[$3] = $4 }
$2 == "idle" { rdy[$3] = rdy[$3] " " $4; irss[$3] = irss[$3] " " mib($5); ipss[$3] = ipss[$3] " " mib($6)
	seen[$3] = 1 }
$2 == "xfer" { s = $3; t = $4; k = s SUBSEP t
	w[k] = w[k] " " $5 / 1e6; wr[$1, s, t] = $5
	sc[k] = sc[k] " " $8 / 1e6; scr[$1, s, t] = $8
	cc[k] = cc[k] " " $9 / 1e6
	rss[k] = rss[k] " " mib($10); pss[k] = pss[k] " " mib($11); np[k] = np[k] " " $12
	drop[k] = drop[k] " " $13 + $14
	if ($18) { bad[k] = 1; anybad = 1 }
	if ($19) { busy[k] = 1; anybusy = 1 }
	if ($20) { cbound[k] = 1; anycb = 1 }
	seen[s] = 1; tseen[t] = 1 }
$1 > nr { nr = $1 }
BEGIN { nt = split("b512 b1468 w16 c20 c200", tests, " "); ns = split("racknet tftpd-hpa atftpd dnsmasq", names, " ") }
function row(title, arr, f, mark,   i, s, k, v) {
	printf "%-26s", title
	for (i = 1; i <= ns; i++) {
		s = names[i]
		if (!seen[s]) continue
		k = s SUBSEP t
		v = fmt(arr[k], f)
		if (mark) {
			if (k in bad) v = v " !"
			if (k in busy) v = v " [b]"
			if (k in cbound) v = v " [c]"
			if (t == "w16" && oack[s] != "" && oack[s] !~ /windowsize/) v = v " L"
		}
		printf " %-24s", v
	}
	printf "\n"
}
function header(title,   i) {
	printf "\n%-26s", title
	for (i = 1; i <= ns; i++) if (seen[names[i]]) printf " %-24s", names[i]
	printf "\n"
}
END {
	header("wall time, s")
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), w, "%.2f", 1) }
	header("server CPU, s")
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), sc, "%.2f", 0) }
	header("clients' CPU, s")
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), cc, "%.2f", 0) }
	header("peak VmRSS sum, MiB")
	printf "%-26s", "idle, after one download"
	for (i = 1; i <= ns; i++) if (seen[names[i]]) printf " %-24s", fmt(irss[names[i]], "%.1f")
	printf "\n"
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), rss, "%.1f", 0) }
	header("peak Pss sum, MiB")
	printf "%-26s", "idle, after one download"
	for (i = 1; i <= ns; i++) if (seen[names[i]]) printf " %-24s", fmt(ipss[names[i]], "%.1f")
	printf "\n"
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), pss, "%.1f", 0) }
	header("peak processes")
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), np, "%d", 0) }
	header("rcvbuf drops (both sides)")
	for (j = 1; j <= nt; j++) { t = tests[j]; if (tseen[t]) row(label(t), drop, "%d", 0) }
	print ""
	for (i = 1; i <= ns; i++) if (seen[names[i]])
		printf "%s: OACK %s; first download %s ms after its start\n", names[i],
			oack[names[i]] == "" ? "-" : "<" oack[names[i]] ">", fmt(rdy[names[i]], "%d")
	if (anybad) print "!: a download was wrong or missing, or a client failed, in at least one round"
	if (anycb) print "[c]: client-bound in at least one round: the atftp clients used >= 90% of their core, the server < 90% of its own"
	if (anybusy) print "[b]: other processes used >= 10% of the server's or the clients' core meanwhile: noisy"
	for (i = 1; i <= ns; i++) if (tseen["w16"] && oack[names[i]] != "" && oack[names[i]] !~ /windowsize/) {
		print "L: the server's OACK had no windowsize: this is its lockstep time"; break }
	if (!seen["racknet"]) exit
	# Per round: racknet / the fastest peer of that round (time), and
	# racknet / the peer with the least server CPU (CPU).
	printf "\n%-26s %-24s %-12s %-24s %-12s\n", "racknet / best peer", "time", "fastest", "server CPU", "least CPU"
	for (j = 1; j <= nt; j++) {
		t = tests[j]
		if (!tseen[t] || w["racknet" SUBSEP t] == "") continue
		tr = cr = ""
		for (r = 1; r <= nr; r++) {
			bt = bc = ""
			for (i = 2; i <= ns; i++) {
				p = names[i]
				if (wr[r, p, t] == "") continue
				if (bt == "" || wr[r, p, t] < bt) bt = wr[r, p, t]
				if (bc == "" || scr[r, p, t] < bc) bc = scr[r, p, t]
			}
			if (wr[r, "racknet", t] != "" && bt > 0) tr = tr " " wr[r, "racknet", t] / bt
			if (wr[r, "racknet", t] != "" && bc > 0) cr = cr " " scr[r, "racknet", t] / bc
		}
		fp = lp = ""
		for (i = 2; i <= ns; i++) {
			p = names[i]
			if (w[p SUBSEP t] == "") continue
			if (fp == "" || med(w[p SUBSEP t]) < med(w[fp SUBSEP t])) fp = p
			if (lp == "" || med(sc[p SUBSEP t]) < med(sc[lp SUBSEP t])) lp = p
		}
		printf "%-26s %-24s %-12s %-24s %-12s\n", label(t), fmt(tr, "%.3f"), fp == "" ? "-" : fp,
			fmt(cr, "%.3f"), lp == "" ? "-" : lp
	}
}
