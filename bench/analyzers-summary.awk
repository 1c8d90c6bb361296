# analyzers-summary.awk - mean ARI/NMI per (estimator, cluster, case, k mode)
# from the TSV of bench/analyzers-quality.sh.
# Usage: awk -f bench/analyzers-summary.awk quality.tsv
BEGIN { FS = OFS = "\t" }
NR == 1 { next }
{
	mode = $5 == "auto" ? "auto" : "given"
	key = $3 OFS $4 OFS $1 OFS mode
	if (!(key in n)) order[++keys] = key
	n[key]++; ari[key] += $7; nmi[key] += $8
	ks[key] = ks[key] (ks[key] == "" ? "" : ",") $6
}
END {
	print "estimator", "cluster", "case", "k", "seeds", "mean_ari", "mean_nmi", "k_found"
	for (i = 1; i <= keys; i++) {
		key = order[i]
		printf "%s\t%d\t%.2f\t%.2f\t%s\n", key, n[key], ari[key] / n[key], nmi[key] / n[key], ks[key]
	}
}
