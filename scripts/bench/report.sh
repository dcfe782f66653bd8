# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The report of scripts/bench.sh, sourced by it once every row is measured: medians and p90 of
# the samples, the goals (met or not, ratios from numbers of this run), the printed table and the
# JSON (BENCH_JSON). Rows 10 and 11 add theirs (tp_report, lean_report).
# shellcheck disable=SC2154 # bench.sh's variables (samples, work, rows, MED, ...)

# stats FILE: "median p90 n" in ms (p90: nearest rank).
stats() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "0 0 0"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		k = int(0.9 * NR); if (k < 0.9 * NR) k++
		printf "%.3f %.3f %d\n", m / 1000, a[k] / 1000, NR }'
}
rows=$work/rows.tsv
: >"$rows"
declare -A MED
row() { # ID SAMPLES LABEL
	local s
	read -r -a s <<<"$(stats "$samples/$2")"
	MED[$2]=${s[0]}
	printf '%s\t%s\tms\t%s\t%s\t%s\n' "$1" "$3" "${s[0]}" "${s[1]}" "${s[2]}" >>"$rows"
}
row_value() { # ID LABEL UNIT VALUE
	printf '%s\t%s\t%s\t%s\t%s\t1\n' "$1" "$2" "$3" "$4" "$4" >>"$rows"
}
row 1a floor_add_bench "floor ADD, bench chain (plugins only)"
row 1b floor_del_bench "floor DEL, bench chain"
row 1c floor_add_light "floor ADD, light chain"
row 1d floor_add_noop "floor ADD, noop chain"
row 2a helper_exec_alloc "helper alloc+print-cni-result+print-netns-path, via launcher exec"
row 2b helper_exec_dealloc "helper dealloc+is-idle, via launcher exec"
row 2c helper_in_alloc "helper alloc+print-cni-result+print-netns-path, inside the infra"
row 2d helper_in_dealloc "helper dealloc+is-idle, inside the infra"
row 3a launcher_alloc "launcher alloc, warm (bench)"
row 3b launcher_dealloc "launcher dealloc, warm (bench)"
row 4a helper_noop_alloc "noop: helper alloc (inside the infra)"
row 4b helper_noop_dealloc "noop: helper dealloc (inside the infra)"
row 4c helper_noop_sum "noop: helper alloc+dealloc"
row 4d launcher_noop_alloc "noop: launcher alloc"
row 4e launcher_noop_dealloc "noop: launcher dealloc"
row 4f launcher_noop_sum "noop: launcher alloc+dealloc"
row 5a cold_start "cold: launcher start (until ready)"
row 5b cold_stop "cold: launcher stop"
row 5c runc_run "cold: runc run of a trivial container"
row 6a exec_direct "exec is-idle, namespace join (RCI_EXEC=direct)"
row 6b exec_runtime "exec is-idle, $runtime exec (RCI_EXEC=runtime)"
row 6c exec_service "exec is-idle, the infra's helper service (RCI_EXEC=service)"
row 7a par_alloc "$PAR launcher allocs at once (wall)"
row 7b ser_alloc "$PAR launcher allocs one by one (wall)"
row 7c par_dealloc "$PAR launcher deallocs at once (wall)"
row 7d ser_dealloc "$PAR launcher deallocs one by one (wall)"
row 8a scale_first "scale: helper alloc minus plugins, first $WINDOW (default)"
row 8b scale_last "scale: helper alloc minus plugins, last $WINDOW of $scale_n"
row 8c scale_first_total "scale: helper alloc, first $WINDOW"
row 8d scale_last_total "scale: helper alloc, last $WINDOW"
row 8e scale_launcher_first "scale: launcher alloc+dealloc (default), no other attachment"
row 8f scale_launcher_last "scale: launcher alloc+dealloc (default), $scale_n others"
mem_per=$(awk -v r="$rssn" -v n="$scale_n" 'BEGIN { printf "%.2f", r / n }')
mem_delta=$(awk -v a="$rss0" -v b="$rssn" -v n="$scale_n" 'BEGIN { printf "%.2f", (b - a) / n }')
row_value 8g "scale: userspace RSS of the infra at 1 attachment" KiB "$rss0"
row_value 8h "scale: userspace RSS of the infra at $attached attachments" KiB "$rssn"
row_value 8i "scale: userspace RSS / attachments" KiB "$mem_per"
row_value 8j "scale: userspace RSS delta per attachment" KiB "$mem_delta"
row 9a orig_alloc "original design: alloc (3 $runtime execs)"
row 9b orig_dealloc "original design: dealloc (2 $runtime execs)"
row_value 9c "original design: RSS of one sleep holder" KiB "$orig_holder_kib"

goals=$work/goals.tsv
: >"$goals"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
goal() { # LABEL VALUE OP LIMIT
	local met
	met=$(awk -v v="$2" -v l="$4" -v op="$3" \
		'BEGIN { print (op == "<=" ? v <= l : v >= l) ? "met" : "not met" }')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$met" >>"$goals"
}
goal "launcher warm alloc / floor ADD (3a/1a)" \
	"$(ratio "${MED[launcher_alloc]}" "${MED[floor_add_bench]}")" "<=" 1.05
goal "launcher warm dealloc / floor DEL (3b/1b)" \
	"$(ratio "${MED[launcher_dealloc]}" "${MED[floor_del_bench]}")" "<=" 1.05
goal "noop helper alloc+dealloc, ms (4c)" "${MED[helper_noop_sum]}" "<=" 2
goal "noop launcher alloc+dealloc, ms (4f)" "${MED[launcher_noop_sum]}" "<=" 5
goal "cold start / runc run (5a/5c)" "$(ratio "${MED[cold_start]}" "${MED[runc_run]}")" \
	"<=" 3
goal "$PAR parallel / serial allocs (7a/7b)" "$(ratio "${MED[par_alloc]}" "${MED[ser_alloc]}")" \
	"<=" 0.6
goal "scale overhead last/first $WINDOW (8b/8a)" \
	"$(ratio "${MED[scale_last]}" "${MED[scale_first]}")" "<=" 1.2
goal "default alloc+dealloc, $scale_n others / none (8f/8e)" \
	"$(ratio "${MED[scale_launcher_last]}" "${MED[scale_launcher_first]}")" "<=" 1.2
goal "userspace memory per attachment, KiB (8i)" "$mem_per" "<=" 16
goal "original / launcher alloc (9a/3a)" \
	"$(ratio "${MED[orig_alloc]}" "${MED[launcher_alloc]}")" ">=" 4

t_end=${EPOCHREALTIME/./}
elapsed=$(((t_end - t_start) / 1000000))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
notes=()
[ "$quick" = 1 ] && notes+=("BENCH_QUICK=1: a smoke run, not numbers to quote")
[ -n "$scale_note" ] && notes+=("$scale_note")
notes+=("row 8 plugin times come from the helper's --debug log (whole ms)")
notes+=("row 9 stands in rci-bench cni for the Go cnitool and $runtime exec for the engine's exec: a lower bound of the original")
tp_report
lean_report

echo
echo "rootless-cni-infra benchmark: $(nproc) CPUs, $(uname -r), $runtime, load $load_start -> $load_end, ${elapsed}s"
printf '%-4s %-66s %10s %10s %5s\n' row what median p90 n
while IFS=$'\t' read -r id what unit med p90 n; do
	printf '%-4s %-66s %10s %10s %5s\n' "$id" "$what ($unit)" "$med" "$p90" "$n"
done <"$rows"
echo
printf '%-48s %10s %4s %6s  %s\n' goal value op limit status
while IFS=$'\t' read -r what v op lim met; do
	printf '%-48s %10s %4s %6s  %s\n' "$what" "$v" "$op" "$lim" "$met"
done <"$goals"
for n in "${notes[@]}"; do
	echo "note: $n"
done

mkdir -p "$(dirname "$json_out")"
notes_json=$(printf '%s\n' "${notes[@]}" | jq -R . | jq -s .)
jq -n --rawfile rows "$rows" --rawfile goals "$goals" --argjson notes "$notes_json" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
	--argjson cpus "$(nproc)" --arg runtime "$runtime" --arg load_start "$load_start" \
	--arg load_end "$load_end" --argjson elapsed "$elapsed" --argjson quick "$quick" \
	--argjson scale_n "$scale_n" --argjson scale_target "$SCALE" '
	def lines($t): $t | split("\n") | map(select(length > 0) | split("\t"));
	{
		date: $date, kernel: $kernel, cpus: $cpus, runtime: $runtime,
		loadavg: {start: $load_start, end: $load_end}, elapsed_s: $elapsed,
		quick: ($quick == 1), scale: {attachments: $scale_n, target: $scale_target},
		rows: [lines($rows)[] | {id: .[0], what: .[1], unit: .[2],
			median: (.[3] | tonumber? // null), p90: (.[4] | tonumber? // null),
			n: (.[5] | tonumber)}],
		goals: [lines($goals)[] | {goal: .[0], value: (.[1] | tonumber? // null), op: .[2],
			limit: (.[3] | tonumber),
			met: (if .[4] == "met" then true elif .[4] == "not met" then false else null end),
			status: .[4]}],
		notes: $notes
	}' >"$json_out.tmp"
mv "$json_out.tmp" "$json_out"
echo "JSON: $json_out"
