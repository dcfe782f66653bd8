# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Row 11 of scripts/bench.sh (issue 12), sourced by it: what an engine waits for on every
# container start and stop with the shipped default network, warm, against rootless podman with
# netavark (and aardvark-dns) in the same run, and parallel allocs on that network.
#   11a  ours: launcher alloc + dealloc on `default`, another container on it all along (its
#        dnsmasq and masquerade rule exist, as podman's rootless netns does below)
#   11b  podman run --rm --network NET of /bin/true, NET a `podman network create` bridge with
#        another container on it all along (its rootless netns and aardvark-dns stay up)
#   11c  podman run --rm --network none of /bin/true, interleaved with 11b
#   11d  podman's network cost: median(11b) - median(11c)
#   11e/11f  BENCH_PAR launcher allocs on `default` at once vs one by one (wall), 11g/11h their
#        deallocs
# Podman runs as throughput.sh sets it up (tp_podman_setup: containers.conf with runc,
# cgroupfs, file events, network_backend "netavark"; all its state under the work dir). Without
# podman the rows say why and the goal is not judged. BENCH_QUICK=1: ours only.
#
# Uses bench.sh's: L, N, PAR, quick, samples, work, sample, psample, sample_parallel_serial, log,
# die, and throughput.sh's PM, TP_PODMAN, tp_podman_setup. Defines lean_measure, lean_report,
# lean_cleanup.
# shellcheck disable=SC2154 # bench.sh's and throughput.sh's variables

LEAN_PODMAN=''	    # why podman's side is not measured ('' when it is)
LEAN_NET=rci-bench-lean
LEAN_KEEP=rci-bench-lkeep

lean_podman_setup() {
	if [ "$quick" = 1 ]; then
		LEAN_PODMAN="BENCH_QUICK=1"
		return
	fi
	tp_podman_setup
	LEAN_PODMAN=$TP_PODMAN
	[ -n "$LEAN_PODMAN" ] && return
	if ! "${PM[@]}" network create "$LEAN_NET" >/dev/null 2>>"$work/lean-errors.log" ||
		! "${PM[@]}" run -d --name "$LEAN_KEEP" --network "$LEAN_NET" \
			--rootfs "$work/podman/rootfs" /bin/sleep 100000 \
			>/dev/null 2>>"$work/lean-errors.log"; then
		LEAN_PODMAN="podman cannot keep a container on a bridge network: $(tail -n 1 \
			"$work/lean-errors.log")"
	fi
}

lean_measure() {
	log "row 11: default network alloc+dealloc, warm, vs rootless podman (netavark) ($N each)"
	launcher alloc lkeep default >/dev/null
	lean_podman_setup
	local i prun=("${PM[@]}" run --rm)
	for i in $(seq "$N"); do
		sample lean_ours "${L[@]}" alloc "d$i" default ::: "${L[@]}" dealloc "d$i" default
		[ -n "$LEAN_PODMAN" ] && continue
		# --rootfs makes the first argument the rootfs: it goes last, after the options.
		sample lean_pm_net "${prun[@]}" --network "$LEAN_NET" --rootfs "$work/podman/rootfs" \
			/bin/true
		sample lean_pm_none "${prun[@]}" --network none --rootfs "$work/podman/rootfs" /bin/true
	done
	log "row 11: $PAR allocs on the default network at once vs one by one"
	sample_parallel_serial lean_ default d
	launcher dealloc lkeep default >/dev/null
	# Row 10 reuses podman's storage and removes it: only our network and container go here.
	lean_cleanup
}

lean_report() {
	row 11a lean_ours "default network: launcher alloc+dealloc, warm"
	if [ -s "$samples/lean_pm_net" ]; then
		row 11b lean_pm_net "podman run --rm, bridge network (netavark), warm"
		row 11c lean_pm_none "podman run --rm, --network none"
		local cost
		cost=$(awk -v a="${MED[lean_pm_net]}" -v b="${MED[lean_pm_none]}" \
			'BEGIN { printf "%.3f", a - b }')
		MED[lean_pm_cost]=$cost
		row_value 11d "podman's network cost (11b - 11c medians)" ms "$cost"
		goal "default alloc+dealloc / podman netavark (11a/11d)" \
			"$(ratio "${MED[lean_ours]}" "$cost")" "<=" 0.8
	else
		printf '11b\tpodman run --rm, bridge network: not measured (%s)\tms\t-\t-\t0\n' \
			"$LEAN_PODMAN" >>"$rows"
		printf '%s\t-\t<=\t0.8\tnot judged: %s\n' \
			"default alloc+dealloc / podman netavark (11a/11d)" "$LEAN_PODMAN" >>"$goals"
	fi
	row 11e lean_par_alloc "$PAR launcher allocs at once, default network (wall)"
	row 11f lean_ser_alloc "$PAR launcher allocs one by one, default network (wall)"
	row 11g lean_par_dealloc "$PAR launcher deallocs at once, default network (wall)"
	row 11h lean_ser_dealloc "$PAR launcher deallocs one by one, default network (wall)"
	goal "$PAR parallel / serial allocs, default (11e/11f)" \
		"$(ratio "${MED[lean_par_alloc]}" "${MED[lean_ser_alloc]}")" "<=" 0.6
	[ -n "$LEAN_PODMAN" ] && notes+=("row 11: podman's side not measured: $LEAN_PODMAN")
	return 0
}

# Idempotent: after lean_measure, and again by bench.sh's cleanup (before tp_cleanup, which
# removes podman's storage).
lean_cleanup() {
	if [ -d "$work/podman" ] && command -v podman >/dev/null; then
		"${PM[@]}" rm -f -t 0 "$LEAN_KEEP" >/dev/null 2>&1 || true
		"${PM[@]}" network rm -f "$LEAN_NET" >/dev/null 2>&1 || true
	fi
}
