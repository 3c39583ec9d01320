# Sourced by the pairwise bench scripts (bench-ab.sh, bench-fleet.sh): the median and the range of
# a space-separated list of seconds.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR == 1 {lo=$1} {hi=$1} END {print lo "–" hi}'; }
