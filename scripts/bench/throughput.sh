# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Row 10 of scripts/bench.sh (issue 10, section 3), sourced by it: throughput with iperf3
# (-t 3 -J; loopback and our own namespaces only), each of ours side by side in the same run with
# rootless podman doing the same work (shared/PEERS.md), runs interleaved (ours, podman, ours...),
# medians in Gbit/s:
#   published TCP host -> container, and container -> host (-R): the forwarder vs rootlessport
#   published UDP (-u -b 0 -l 1400, what arrives)
#   outbound container -> the host's loopback (10.0.2.2): slirp4netns and pasta vs podman's
#     plain --network slirp4netns:allow_host_loopback=true
#   container -> container on one network vs two podman containers on a `podman network create`
# Ours runs on the shipped default network (image/net.d), in infras of their own with
# --allow-host-loopback. Podman runs from a busybox + iperf3 rootfs (podman-rootfs.sh) with all
# its state under the work dir (--root, --runroot, --tmpdir, --network-config-dir; runc,
# cgroupfs, file events from $CONTAINERS_CONF), so nothing of the user's own podman is touched.
# When iperf3 or podman cannot run, the rows say why and the goals are not judged.
# BENCH_QUICK=1: one row of ours (published TCP through the forwarder, -t 1), no podman.
#
# Uses bench.sh's: work, samples, src, build, quick, L_BIN, log, die. Defines tp_measure (run
# it while the budget is fresh), tp_report (rows and goals, at report time), tp_cleanup.
# shellcheck disable=SC2154 # bench.sh's variables (quick, src, work, samples, rows, goals...)

TP_N=${BENCH_N_TP:-3}
TP_T=3
[ "$quick" = 1 ] && TP_T=1
TP_NET=$src/image/net.d
TP_MISSING=''   # why ours cannot be measured at all
TP_PODMAN=''    # why podman's side is not measured ('' when it is)
TP_SERVERS=()   # background processes (iperf3 servers), killed by tp_cleanup
TP_PODMAN_STARTED_PAUSE=0
LT=("$L_BIN" --root "$work/tp" --cni-config-dir "$TP_NET" --allow-host-loopback)
LP=("$L_BIN" --root "$work/tpp" --cni-config-dir "$TP_NET" --allow-host-loopback
	--net-driver pasta)
PM=(podman --root "$work/podman/storage" --runroot "$work/podman/run"
	--tmpdir "$work/podman/tmp" --network-config-dir "$work/podman/networks"
	--events-backend file)

tp_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# tp_gbps tcp|udp: the received rate of iperf3's JSON on stdin, in Gbit/s.
tp_gbps() {
	if [ "$1" = udp ]; then
		jq -e '.end.sum.bits_per_second * (1 - .end.sum.lost_percent / 100) / 1e9'
	else
		jq -e '.end.sum_received.bits_per_second / 1e9'
	fi
}

# tp_run NAME tcp|udp CMD...: one iperf3 client run; its rate goes to $samples/tp_NAME.
tp_run() {
	local name=$1 kind=$2 out v
	shift 2
	if out=$("$@" 2>>"$work/tp-errors.log") && v=$(tp_gbps "$kind" <<<"$out"); then
		echo "$v" >>"$samples/tp_$name"
	else
		log "throughput: $name failed: $(tail -n 2 "$work/tp-errors.log" | tr '\n' ' ')"
	fi
}

# Starts CMD in the background as a server, killed by tp_cleanup.
tp_serve() {
	"$@" >>"$work/tp-servers.log" 2>&1 &
	TP_SERVERS+=("$!")
}

tp_podman_setup() {
	command -v podman >/dev/null || {
		TP_PODMAN="podman not installed"
		return
	}
	mkdir -p "$work/podman"
	cat >"$work/podman/containers.conf" <<EOF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
network_cmd_options = ["allow_host_loopback=true"]
[network]
network_backend = "netavark"
EOF
	export CONTAINERS_CONF=$work/podman/containers.conf
	# podman keeps its pause process's pid in --tmpdir, ours: a fresh dir, so the pause process
	# the runs below start is ours to end (tp_cleanup).
	[ -e "$work/podman/tmp/pause.pid" ] || TP_PODMAN_STARTED_PAUSE=1
	if ! sh "$src/scripts/bench/podman-rootfs.sh" "$work/podman/rootfs" 2>>"$work/tp-errors.log" ||
		! "${PM[@]}" run --rm --rootfs "$work/podman/rootfs" /bin/true \
			>/dev/null 2>>"$work/tp-errors.log"; then
		TP_PODMAN="podman cannot run a container here: $(tail -n 1 "$work/tp-errors.log")"
	fi
}

tp_measure() {
	local c
	for c in iperf3 python3; do
		command -v "$c" >/dev/null || {
			TP_MISSING="$c not installed"
			return
		}
	done
	[ -r "$TP_NET/default.conflist" ] || {
		TP_MISSING="no shipped default network at $TP_NET"
		return
	}
	local hp pp ho ci pci
	hp=$(tp_free_port)
	"${LT[@]}" alloc tps default -p "$hp:5201" -p "$hp:5201/udp" >/dev/null
	tp_serve "${LT[@]}" enter tps -- iperf3 -s -p 5201
	if [ "$quick" = 1 ]; then
		TP_PODMAN="BENCH_QUICK=1"
		sleep 0.5
		tp_run pub_tcp tcp iperf3 -c 127.0.0.1 -p "$hp" -t "$TP_T" -J
		tp_cleanup
		return
	fi
	log "row 10: throughput, iperf3 -t $TP_T, $TP_N runs of each, interleaved with podman"
	tp_podman_setup
	ho=$(tp_free_port)
	tp_serve iperf3 -s -B 127.0.0.1 -p "$ho"
	"${LT[@]}" alloc tpo default >/dev/null
	"${LP[@]}" alloc tpo default >/dev/null
	"${LT[@]}" alloc tpc default >"$work/tpc.json"
	ci=$(jq -r '.result.ips[0].address | split("/")[0]' "$work/tpc.json")
	tp_serve "${LT[@]}" enter tpc -- iperf3 -s -p 5201
	if [ -z "$TP_PODMAN" ]; then
		pp=$(tp_free_port)
		{
			"${PM[@]}" run -d --name rci-bench-tps -p "$pp:5201" -p "$pp:5201/udp" \
				--rootfs "$work/podman/rootfs" /bin/iperf3 -s >/dev/null
			"${PM[@]}" network create rci-bench-tp >/dev/null
			"${PM[@]}" run -d --name rci-bench-tpc --network rci-bench-tp \
				--rootfs "$work/podman/rootfs" /bin/iperf3 -s >/dev/null
			pci=$("${PM[@]}" inspect -f \
				'{{(index .NetworkSettings.Networks "rci-bench-tp").IPAddress}}' rci-bench-tpc)
		} 2>>"$work/tp-errors.log"
	fi
	sleep 1
	# --rootfs makes the first argument the rootfs: it goes last, after the options.
	local prun=("${PM[@]}" run --rm)
	local rootfs=(--rootfs "$work/podman/rootfs")
	for _ in $(seq "$TP_N"); do
		tp_run pub_tcp tcp iperf3 -c 127.0.0.1 -p "$hp" -t "$TP_T" -J
		[ -z "$TP_PODMAN" ] && tp_run pm_pub_tcp tcp iperf3 -c 127.0.0.1 -p "$pp" -t "$TP_T" -J
		tp_run pub_tcp_r tcp iperf3 -c 127.0.0.1 -p "$hp" -t "$TP_T" -J -R
		[ -z "$TP_PODMAN" ] && tp_run pm_pub_tcp_r tcp iperf3 -c 127.0.0.1 -p "$pp" -t "$TP_T" -J -R
		tp_run pub_udp udp iperf3 -c 127.0.0.1 -p "$hp" -t "$TP_T" -J -u -b 0 -l 1400
		[ -z "$TP_PODMAN" ] &&
			tp_run pm_pub_udp udp iperf3 -c 127.0.0.1 -p "$pp" -t "$TP_T" -J -u -b 0 -l 1400
		tp_run out_slirp tcp "${LT[@]}" enter tpo -- iperf3 -c 10.0.2.2 -p "$ho" -t "$TP_T" -J
		tp_run out_pasta tcp "${LP[@]}" enter tpo -- iperf3 -c 10.0.2.2 -p "$ho" -t "$TP_T" -J
		[ -z "$TP_PODMAN" ] && tp_run pm_out_slirp tcp "${prun[@]}" \
			--network slirp4netns:allow_host_loopback=true "${rootfs[@]}" \
			/bin/iperf3 -c 10.0.2.2 -p "$ho" -t "$TP_T" -J
		tp_run c2c tcp "${LT[@]}" enter tpo -- iperf3 -c "$ci" -p 5201 -t "$TP_T" -J
		[ -z "$TP_PODMAN" ] && tp_run pm_c2c tcp "${prun[@]}" --network rci-bench-tp \
			"${rootfs[@]}" /bin/iperf3 -c "$pci" -p 5201 -t "$TP_T" -J
	done
	# Nothing of row 10 runs on during row 8.
	tp_cleanup
}

# tp_row ID NAME LABEL: median and minimum (in the p90 column) of $samples/tp_NAME, or why not.
tp_row() {
	local f=$samples/tp_$2 why=${TP_MISSING:-}
	[[ "$2" == pm_* ]] && why=${why:-$TP_PODMAN}
	if [ ! -s "$f" ]; then
		printf '%s\t%s: not measured (%s)\tGbit/s\t-\t-\t0\n' "$1" "$3" \
			"${why:-every run failed}" >>"$rows"
		return
	fi
	sort -g "$f" | awk -v id="$1" -v what="$3" '{ a[NR] = $1 } END {
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%s\t%s\tGbit/s\t%.2f\t%.2f\t%d\n", id, what, m, a[1], NR }' >>"$rows"
}

# tp_goal LABEL OURS PODMAN LIMIT: ratio of the medians, >= LIMIT, or not judged (why).
tp_goal() {
	local a b
	a=$(awk -F'\t' -v id="$2" '$1 == id && $4 != "-" { print $4 }' "$rows")
	b=$(awk -F'\t' -v id="$3" '$1 == id && $4 != "-" { print $4 }' "$rows")
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf '%s\t-\t>=\t%s\tnot judged: %s\n' "$1" "$4" \
			"${TP_MISSING:-${TP_PODMAN:-a run failed}}" >>"$goals"
		return
	fi
	goal "$1" "$(ratio "$a" "$b")" ">=" "$4"
}

tp_report() {
	tp_row 10a pub_tcp "published TCP host -> container, forwarder"
	[ "$quick" = 1 ] && {
		notes+=("row 10: BENCH_QUICK=1 measures 10a only (-t 1), without podman")
		return
	}
	tp_row 10b pm_pub_tcp "published TCP host -> container, podman rootlessport"
	tp_row 10c pub_tcp_r "published TCP container -> host (-R), forwarder"
	tp_row 10d pm_pub_tcp_r "published TCP container -> host (-R), podman rootlessport"
	tp_row 10e pub_udp "published UDP host -> container (received), forwarder"
	tp_row 10f pm_pub_udp "published UDP host -> container (received), podman rootlessport"
	tp_row 10g out_slirp "outbound container -> host loopback, slirp4netns"
	tp_row 10h out_pasta "outbound container -> host loopback, pasta"
	tp_row 10i pm_out_slirp "outbound, podman --network slirp4netns"
	tp_row 10j c2c "container -> container, one network"
	tp_row 10k pm_c2c "container -> container, podman bridge network"
	tp_goal "published TCP / rootlessport (10a/10b)" 10a 10b 1.0
	tp_goal "published TCP -R / rootlessport (10c/10d)" 10c 10d 1.0
	tp_goal "outbound pasta / podman slirp4netns (10h/10i)" 10h 10i 2.0
	tp_goal "outbound slirp4netns / podman slirp4netns (10g/10i)" 10g 10i 1.0
	tp_goal "container -> container / podman (10j/10k)" 10j 10k 0.9
	notes+=("row 10: Gbit/s, median of $TP_N interleaved runs; the p90 column holds the minimum")
	[ -n "$TP_PODMAN" ] && notes+=("row 10: podman's side not measured: $TP_PODMAN")
	[ -n "$TP_MISSING" ] && notes+=("row 10: not measured: $TP_MISSING")
	return 0
}

# Idempotent: after tp_measure, and again by bench.sh's cleanup.
tp_cleanup() {
	local p
	for p in "${TP_SERVERS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	TP_SERVERS=()
	"${LT[@]}" stop >/dev/null 2>&1 || true
	"${LP[@]}" stop >/dev/null 2>&1 || true
	if [ -d "$work/podman" ] && command -v podman >/dev/null; then
		"${PM[@]}" rm -f -t 0 rci-bench-tps rci-bench-tpc >/dev/null 2>&1 || true
		"${PM[@]}" network rm -f rci-bench-tp >/dev/null 2>&1 || true
		# Read before the work dir goes (the pid file is in it), killed after the last podman
		# command (`unshare` joins it rather than starting another).
		local pause=''
		[ -s "$work/podman/tmp/pause.pid" ] && pause=$(cat "$work/podman/tmp/pause.pid")
		# Its storage holds files of the user namespace's other IDs: removed from inside it.
		"${PM[@]}" unshare rm -rf "$work/podman" >/dev/null 2>&1 || true
		if [ "$TP_PODMAN_STARTED_PAUSE" = 1 ] && [ -n "$pause" ]; then
			kill "$pause" 2>/dev/null || true
		fi
		TP_PODMAN_STARTED_PAUSE=0
	fi
}
