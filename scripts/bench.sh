#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make bench` (issue 7): how much we add on top of the CNI plugins' own time, and how we compare
# with the original design. Runs rootless on a real infra started by the launcher, with its own
# state dir, XDG_RUNTIME_DIR and networks:
#   bench  bridge (host-local) + portmap + firewall + tuning
#   light  bridge (host-local, a /20): the bridge alone, row 1c
#   noop   tests/plugins/noop-plugin (the fastest valid plugin: what remains is our cost)
# Prints one table (median, p90, n per row; ratios from numbers of this run), the goals met or
# not, and writes the same numbers as JSON. Cleans up everything it started, also on failure.
#
# Rows: 1 floor (tests/bench/rci-bench floor: the plugins exec'd directly, inside the infra's
# namespaces); 2 helper alloc+print-cni-result+print-netns-path and dealloc+is-idle, through
# `launcher exec` and timed inside the infra; 3 launcher alloc/dealloc, warm; 4 no-op chain;
# 5 cold start/stop vs `runc run` of a trivial container; 6 exec path, namespace join vs runtime
# exec; 7 parallel vs serial allocs; 8 scale (our overhead first vs last window, userspace
# memory per attachment); 9 the original design, emulated (scripts/bench/orig-rci-infra.sh, one
# `<runtime> exec` per subcommand); 10 throughput with iperf3, ours vs rootless podman side by
# side (scripts/bench/throughput.sh); 11 the shipped default network's whole cost per container,
# warm, against rootless podman with netavark in the same run, and parallel allocs on it
# (scripts/bench/lean.sh). Row 8 scales on the shipped default network (issue 12: the whole cost
# with 1000 other attachments).
#
# As root (initial user namespace): runs itself as the unprivileged test user
# (tests/setup-rootless-user.sh), like scripts/demo.sh.
#
# Env: BUILD         build dir (default <repo>/build): launcher, helper, init, tests/bench/rci-bench,
#                    tests/plugins/noop-plugin (`make bench` builds them)
#      BENCH_JSON    where to write the JSON (default $BUILD/bench.json)
#      BENCH_QUICK=1 a few iterations of everything (the smoke run of `make check`)
#      BENCH_N (30) chain rows 1-3; BENCH_N_FAST (100) rows 4, 6; BENCH_N_ORIG (10) row 9;
#      BENCH_N_COLD (5) row 5; BENCH_PAR (32) row 7; BENCH_SCALE (1000), BENCH_WINDOW (100) row 8;
#      BENCH_N_TP (3) row 10's runs of each;
#      BENCH_BUDGET  seconds the whole run may take (default 570); row 8 stops early to fit,
#                    and says so
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$src/build}
build=$(cd "$build" && pwd)
json_out=${BENCH_JSON:-$build/bench.json}
case "$json_out" in
/*) ;;
*) json_out=$PWD/$json_out ;;
esac

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}
log() { printf '# %s\n' "$*" >&2; }

in_initial_userns() {
	[ "$(awk 'NR == 1 { print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ]
}

# ---- as root: run as the test user ------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && in_initial_userns; then
	user=$("$src/tests/setup-rootless-user.sh")
	group=$(id -gn "$user")
	rtmp=$(mktemp -d /tmp/rci-bench-root.XXXXXX)
	trap 'rm -rf "$rtmp"' EXIT
	chown "$user:$group" "$rtmp"
	script=$src/scripts/bench.sh
	ubuild=$build
	if ! runuser -u "$user" -- test -x "$build/tests/bench/rci-bench" 2>/dev/null ||
		! runuser -u "$user" -- test -r "$src/scripts/bench/orig-rci-infra.sh" 2>/dev/null ||
		! runuser -u "$user" -- test -r "$src/image/net.d/default.conflist" 2>/dev/null; then
		mkdir -p "$rtmp/src/scripts" "$rtmp/src/tests" "$rtmp/src/image" "$rtmp/build/tests"
		cp -a "$src/scripts/bench.sh" "$src/scripts/bench" "$rtmp/src/scripts/"
		cp -a "$src/image/net.d" "$rtmp/src/image/"
		cp -a "$build/rootless-cni-launcher" "$build/rootless-cni-infra" \
			"$build/rootless-cni-infra-init" "$build/rootless-cni-forwarder" "$rtmp/build/"
		cp -a "$build/tests/bench" "$build/tests/plugins" "$rtmp/build/tests/"
		cp -a "$build/cni" "$rtmp/build/"
		chown -R "$user:$group" "$rtmp/src" "$rtmp/build"
		script=$rtmp/src/scripts/bench.sh
		ubuild=$rtmp/build
	fi
	install -d -m 0700 -o "$user" -g "$group" "$rtmp/xdg" "$rtmp/out"
	log "running as the unprivileged user \`$user'"
	envs=(HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user"
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin LANG=C.UTF-8
		XDG_RUNTIME_DIR="$rtmp/xdg" BUILD="$ubuild" BENCH_JSON="$rtmp/out/bench.json")
	for v in BENCH_QUICK BENCH_N BENCH_N_FAST BENCH_N_ORIG BENCH_N_COLD BENCH_PAR BENCH_SCALE \
		BENCH_WINDOW BENCH_BUDGET BENCH_N_TP; do
		[ -n "${!v:-}" ] && envs+=("$v=${!v}")
	done
	rc=0
	runuser -u "$user" -- env -i "${envs[@]}" bash "$script" || rc=$?
	if [ -f "$rtmp/out/bench.json" ]; then
		mkdir -p "$(dirname "$json_out")"
		cp "$rtmp/out/bench.json" "$json_out"
		echo "JSON copied to $json_out"
	fi
	exit "$rc"
fi

# ---- parameters --------------------------------------------------------------------------------
t_start=${EPOCHREALTIME/./}
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
	d_n=3 d_fast=5 d_orig=2 d_cold=1 d_par=4 d_scale=12 d_window=4
else
	d_n=30 d_fast=100 d_orig=10 d_cold=5 d_par=32 d_scale=1000 d_window=100
fi
N=${BENCH_N:-$d_n}
N_FAST=${BENCH_N_FAST:-$d_fast}
N_ORIG=${BENCH_N_ORIG:-$d_orig}
N_COLD=${BENCH_N_COLD:-$d_cold}
PAR=${BENCH_PAR:-$d_par}
SCALE=${BENCH_SCALE:-$d_scale}
WINDOW=${BENCH_WINDOW:-$d_window}
BUDGET=${BENCH_BUDGET:-570}
for v in N N_FAST N_ORIG N_COLD PAR SCALE WINDOW BUDGET; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, got \`${!v}'"
done
[ "$SCALE" -ge $((2 * WINDOW)) ] || die "BENCH_SCALE must be at least 2 * BENCH_WINDOW"

L_BIN=$build/rootless-cni-launcher
RB=$build/tests/bench/rci-bench
NOOP_DIR=$build/tests/plugins
ORIG=$src/scripts/bench/orig-rci-infra.sh
SYS_CNI=/usr/lib/cni
for f in "$L_BIN" "$build/rootless-cni-infra" "$build/rootless-cni-infra-init" "$RB" \
	"$NOOP_DIR/noop-plugin" "$build/rootless-cni-forwarder" "$build/cni/rootless-cni-dns" \
	"$build/cni/rootless-cni-ipam"; do
	[ -x "$f" ] || die "\`$f' not found (run \`make bench', or make all test-bins)"
done
[ -r "$ORIG" ] || die "\`$ORIG' not found"
for p in bridge host-local portmap firewall tuning; do
	[ -x "$SYS_CNI/$p" ] || die "CNI plugin $SYS_CNI/$p not found (containernetworking-plugins)"
done
for c in jq nsenter unshare awk slirp4netns; do
	command -v "$c" >/dev/null || die "\`$c' not found (scripts/install-deps.sh installs it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rci-bench.XXXXXX")
state=$work/state
conf=$work/net.d
samples=$work/samples
errlog=$work/errors.log
mkdir -p "$conf" "$samples"
: >"$errlog"
export XDG_CONFIG_HOME=$work/config
# The shipped networks (default, dualstack) beside ours, wherever this tree was copied to.
export RCI_DEFAULT_NET_DIR=$src/image/net.d
L=("$L_BIN" --root "$state" --cni-config-dir "$conf" --cni-plugin-dir "$SYS_CNI:$NOOP_DIR")
launcher() { "${L[@]}" "$@"; }
# Row 10 (throughput): tp_measure, tp_report, tp_cleanup.
# shellcheck source=scripts/bench/throughput.sh
. "$src/scripts/bench/throughput.sh"
# Row 11 (the default network against podman): lean_measure, lean_report, lean_cleanup.
# shellcheck source=scripts/bench/lean.sh
. "$src/scripts/bench/lean.sh"

# ---- cleanup -----------------------------------------------------------------------------------
ipid='' iuserns='' runc_root=''
# Live processes of ours in the infra's user namespace (what a killed run could leave behind).
userns_pids() {
	[ -n "$iuserns" ] || return 0
	ps -u "$(id -u)" -o pid=,userns=,stat= |
		awk -v ino="$iuserns" '$2 == ino && $3 !~ /^[ZX]/ { print $1 }'
}
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	if [ -n "$ipid" ] && [ -d "/proc/$ipid" ]; then
		# Fast: the netns and every veth die with the infra's namespaces.
		kill -KILL "$ipid" 2>/dev/null || true
	fi
	launcher stop >/dev/null 2>&1 || true
	lean_cleanup
	tp_cleanup
	for p in $(userns_pids); do
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ -n "$runc_root" ] && [ -d "$runc_root" ]; then
		for p in "$runc_root"/*/; do
			[ -d "$p" ] && runc --root "$runc_root" delete --force "$(basename "$p")" \
				>/dev/null 2>&1
		done
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- networks ----------------------------------------------------------------------------------
bridge_plugin() {
	jq -n --arg br "$1" --arg subnet "$2" '{type: "bridge", bridge: $br, isGateway: true,
		ipMasq: true, hairpinMode: true,
		ipam: {type: "host-local", ranges: [[{subnet: $subnet}]], routes: [{dst: "0.0.0.0/0"}]}}'
}
jq -n --argjson br "$(bridge_plugin rcib0 10.77.0.0/16)" '{cniVersion: "1.0.0", name: "bench",
	plugins: [$br, {type: "portmap", capabilities: {portMappings: true}}, {type: "firewall"},
		{type: "tuning"}]}' >"$conf/bench.conflist"
jq -n --argjson br "$(bridge_plugin rcil0 10.78.0.0/20)" \
	'{cniVersion: "1.0.0", name: "light", plugins: [$br]}' >"$conf/light.conflist"
jq -n '{cniVersion: "1.0.0", name: "noop", plugins: [{type: "noop-plugin"}]}' \
	>"$conf/noop.conflist"

# ---- measuring ---------------------------------------------------------------------------------
# sample NAME CMD... [::: CMD...]...: times the command group once, appends microseconds.
sample() {
	local name=$1 us
	shift
	us=$("$RB" time -e "$errlog" -- "$@") ||
		die "timed command failed: $* ($(tail -n 5 "$errlog" | tr '\n' ' '))"
	echo "$us" >>"$samples/$name"
}
# psample NAME CMD... ::: CMD...: the same, all commands at once.
psample() {
	local name=$1 us
	shift
	us=$("$RB" time -p -e "$errlog" -- "$@") ||
		die "timed commands failed: $* ($(tail -n 5 "$errlog" | tr '\n' ' '))"
	echo "$us" >>"$samples/$name"
}
# sample_parallel_serial PREFIX NET IDTAG: $PAR launcher allocs of NET at once, then their deallocs
# at once, then $PAR allocs one after the other and their deallocs (rows 7 and 11); samples
# PREFIXpar_alloc, PREFIXpar_dealloc, PREFIXser_alloc, PREFIXser_dealloc. IDs: IDTAG p1.., IDTAG s1..
sample_parallel_serial() {
	local prefix=$1 net=$2 tag=$3 i par=() ser=() pdel=() sdel=()
	for i in $(seq "$PAR"); do
		[ "$i" -gt 1 ] && par+=(:::) ser+=(:::) pdel+=(:::) sdel+=(:::)
		par+=("${L[@]}" alloc "${tag}p$i" "$net")
		pdel+=("${L[@]}" dealloc "${tag}p$i" "$net")
		ser+=("${L[@]}" alloc "${tag}s$i" "$net")
		sdel+=("${L[@]}" dealloc "${tag}s$i" "$net")
	done
	psample "${prefix}par_alloc" "${par[@]}"
	psample "${prefix}par_dealloc" "${pdel[@]}"
	sample "${prefix}ser_alloc" "${ser[@]}"
	sample "${prefix}ser_dealloc" "${sdel[@]}"
}

infra_info() {
	local rec=$state/infra.json
	[ -f "$rec" ] || die "no $rec: the infra is not running"
	ipid=$(jq -r .pid "$rec")
	cni_path_in=$(jq -r .cniPath "$rec")
	runtime=$(jq -r .runtime "$rec")
	runtime_path=$(jq -r .runtimePath "$rec")
	runtime_root=$(jq -r .runtimeRoot "$rec")
	slirp_pid=$(jq -r .slirpPid "$rec")
	iuserns=$(ps -o userns= -p "$ipid" | tr -d ' ')
	# The runtime's own exec into the infra, as an engine of the original design did it.
	RX=(nsenter -t "$ipid" -U --preserve-credentials "$runtime_path" --root "$runtime_root")
	case "$runtime" in
	*crun*) RX+=(--cgroup-manager=disabled) ;;
	*) RX+=(--rootless=true) ;;
	esac
	RX+=(exec --env "${IN_ENV[0]}" --env CNI_PATH="$cni_path_in" rootless-cni-infra)
}

IN_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
	RCI_CNI_CONFIG_DIR=/etc/cni/net.d:/usr/local/share/rootless-cni-infra/net.d)
# Runs CMD inside the infra (its user, mount and network namespaces), with the helper's env.
in_infra() {
	nsenter -t "$ipid" -U -m -n --preserve-credentials env -i "${IN_ENV[@]}" \
		CNI_PATH="$cni_path_in" RCI_INFRA_PID="$ipid" "$@"
}

# Copies the tools into the infra's /tmp (a tmpfs of its own): our build dir is not mounted there.
infra_tools() {
	in_infra sh -c 'cat >/tmp/rci-bench && chmod 0755 /tmp/rci-bench' <"$RB"
	in_infra sh -c 'cat >/tmp/orig-rci-infra.sh && chmod 0755 /tmp/orig-rci-infra.sh' <"$ORIG"
}


# Userspace memory of the infra: RSS (KiB) of every process in its user namespace + slirp4netns.
infra_rss_kib() {
	local p total=0 kb
	for p in $({ userns_pids && echo "$slirp_pid"; } | sort -u); do
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || kb=0
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

now_s() { echo $((${EPOCHREALTIME/./} / 1000000)); }
budget_left() { echo $((BUDGET - ($(now_s) - t_start / 1000000))); }

# ---- the run -----------------------------------------------------------------------------------
log "work dir $work; build $build; quick=$quick"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

log "starting the infra"
launcher start >/dev/null
infra_info
infra_tools
# The keeper holds the infra up: a dealloc of the last attachment would stop it.
launcher alloc keeper noop >/dev/null

# Row 1: the floor. Also for the light and noop chains (row 8's and row 4's references).
log "row 1: floor (rci-bench, $N ADD+DEL of each chain)"
in_infra /tmp/rci-bench mkns /run/rci-bench-ns
for net in bench light noop; do
	in_infra /tmp/rci-bench floor -n "$N" "/etc/cni/net.d/$net.conflist" /run/rci-bench-ns \
		>"$work/floor-$net" 2>>"$errlog" || die "floor $net failed: $(tail -n 3 "$errlog")"
	awk '{ print $1 }' "$work/floor-$net" >"$samples/floor_add_$net"
	awk '{ print $2 }' "$work/floor-$net" >"$samples/floor_del_$net"
done
in_infra /tmp/rci-bench rmns /run/rci-bench-ns

log "row 2: helper through launcher exec ($N)"
for i in $(seq "$N"); do
	sample helper_exec_alloc "${L[@]}" exec -- alloc "h$i" bench "pod-h$i" "" "" \
		::: "${L[@]}" exec -- print-cni-result "h$i" bench \
		::: "${L[@]}" exec -- print-netns-path "h$i"
	sample helper_exec_dealloc "${L[@]}" exec -- dealloc "h$i" bench \
		::: "${L[@]}" exec -- is-idle
done

# One shell inside the infra times the helper itself (no exec path): prints "TAG US" lines.
# shellcheck disable=SC2016 # expanded by the inner shell
inner_loop='
	set -e
	n=$1 net=$2 tag=$3 H=/usr/local/bin/rootless-cni-infra T=/tmp/rci-bench
	for i in $(seq "$n"); do
		id=$tag$i
		if [ "$4" = full ]; then
			a=$($T time -- $H alloc "$id" "$net" "pod-$id" "" "" ::: \
				$H print-cni-result "$id" "$net" ::: $H print-netns-path "$id")
			d=$($T time -- $H dealloc "$id" "$net" ::: $H is-idle)
		else
			a=$($T time -- $H alloc "$id" "$net" "pod-$id" "" "")
			d=$($T time -- $H dealloc "$id" "$net")
		fi
		echo "A $a"
		echo "D $d"
	done'
inner() {
	local out=$1
	shift
	in_infra bash -c "$inner_loop" sh "$@" >"$work/inner" 2>>"$errlog" ||
		die "the loop inside the infra failed: $(tail -n 3 "$errlog")"
	awk '$1 == "A" { print $2 }' "$work/inner" >"$samples/${out}_alloc"
	awk '$1 == "D" { print $2 }' "$work/inner" >"$samples/${out}_dealloc"
}
log "row 2: helper timed inside the infra ($N)"
inner helper_in "$N" bench hi full

log "row 3: launcher alloc/dealloc, warm ($N)"
for i in $(seq "$N"); do
	sample launcher_alloc "${L[@]}" alloc "w$i" bench
	sample launcher_dealloc "${L[@]}" dealloc "w$i" bench
done

log "row 4: no-op chain ($N_FAST)"
inner helper_noop "$N_FAST" noop hn single
paste "$samples/helper_noop_alloc" "$samples/helper_noop_dealloc" |
	awk '{ print $1 + $2 }' >"$samples/helper_noop_sum"
for i in $(seq "$N_FAST"); do
	sample launcher_noop_alloc "${L[@]}" alloc "n$i" noop
	sample launcher_noop_dealloc "${L[@]}" dealloc "n$i" noop
done
paste "$samples/launcher_noop_alloc" "$samples/launcher_noop_dealloc" |
	awk '{ print $1 + $2 }' >"$samples/launcher_noop_sum"

log "row 6: exec path ($N_FAST is-idle each way)"
for i in $(seq "$N_FAST"); do
	RCI_EXEC=service sample exec_service "${L[@]}" exec -- is-idle
	RCI_EXEC=direct sample exec_direct "${L[@]}" exec -- is-idle
	RCI_EXEC=runtime sample exec_runtime "${L[@]}" exec -- is-idle
done

log "row 9: the original design, emulated ($N_ORIG; one $runtime exec per subcommand)"
for i in $(seq "$N_ORIG"); do
	sample orig_alloc "${RX[@]}" /tmp/orig-rci-infra.sh alloc "o$i" bench "pod-o$i" \
		::: "${RX[@]}" /tmp/orig-rci-infra.sh print-cni-result "o$i" bench \
		::: "${RX[@]}" /tmp/orig-rci-infra.sh print-netns-path "o$i"
	sample orig_dealloc "${RX[@]}" /tmp/orig-rci-infra.sh dealloc "o$i" bench \
		::: "${RX[@]}" /tmp/orig-rci-infra.sh is-idle
done
# What one `sleep` holder costs (it lives as long as its container).
"${RX[@]}" /tmp/orig-rci-infra.sh alloc orss bench pod-orss >/dev/null 2>>"$errlog"
hpid=$(in_infra cat /run/orig-rci-infra/orss/pid)
orig_holder_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$hpid/status")
"${RX[@]}" /tmp/orig-rci-infra.sh dealloc orss bench >/dev/null 2>>"$errlog"

log "row 7: $PAR allocs at once vs $PAR one after the other"
sample_parallel_serial "" bench ""
[ "$(launcher exec -- list | jq length)" = 1 ] || die "attachments left after row 7"

log "row 5: cold start and stop ($N_COLD) vs runc run of a trivial container"
launcher dealloc keeper noop >/dev/null
[ ! -f "$state/infra.json" ] || die "the infra did not stop when idle"
ipid=''
for i in $(seq "$N_COLD"); do
	sample cold_start "${L[@]}" start
	sample cold_stop "${L[@]}" stop
done
# The trivial container: the host's /usr read-only, /bin/true, own user and network namespaces.
bundle=$work/trivial
runc_root=$work/runc-root
mkdir -p "$bundle/rootfs"/{usr,proc,dev,sys,tmp,etc} "$runc_root"
for d in bin sbin lib lib64; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$bundle/rootfs/$d"
	elif [ -d "/$d" ]; then
		mkdir -p "$bundle/rootfs/$d"
	fi
done
(cd "$bundle" && runc spec --rootless)
jq '.process.args = ["/bin/true"] | .process.terminal = false | .root.readonly = true
	| .linux.namespaces += [{type: "network"}]
	| .mounts += [{destination: "/usr", type: "bind", source: "/usr",
		options: ["rbind", "ro", "nosuid", "nodev"]}]' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
for d in bin sbin lib lib64; do
	if [ -d "/$d" ] && [ ! -L "/$d" ]; then
		jq --arg d "/$d" '.mounts += [{destination: $d, type: "bind", source: $d,
			options: ["rbind", "ro", "nosuid", "nodev"]}]' "$bundle/config.json" \
			>"$bundle/config.json.new"
		mv "$bundle/config.json.new" "$bundle/config.json"
	fi
done
for i in $(seq "$N_COLD"); do
	sample runc_run runc --root "$runc_root" run --bundle "$bundle" "rci-bench-trivial-$i"
done

# Before row 8, which takes what is left of the budget; row 11 first: row 10 removes podman's
# storage when it ends.
launcher start >/dev/null
infra_info
launcher alloc keeper noop >/dev/null
lean_measure
launcher dealloc keeper noop >/dev/null
tp_measure

log "row 8: scale, up to $SCALE attachments on the shipped default network"
launcher start >/dev/null
infra_info
infra_tools
launcher alloc keeper noop >/dev/null
t_win=$(now_s)
for i in $(seq "$WINDOW"); do
	sample scale_launcher_first "${L[@]}" alloc "lf$i" default ::: "${L[@]}" dealloc "lf$i" default
done
# After the first window: the network's dnsmasq, started by its first alloc, is there already.
rss0=$(infra_rss_kib)
# Inside one shell: each helper alloc under --debug, its plugins' time from the log (in ms).
# Stops at the deadline: what is left of the budget, minus the time the rows after it take.
# What follows the loop: the same launcher window again (allowing it to take twice as long: the
# bridge has grown), the report and the cleanup (a killed infra, no per-attachment teardown).
after=$((($(now_s) - t_win) * 2 + 20))
deadline=$(($(now_s) + $(budget_left) - after))
# Three phases: the first window and the last are measured one by one; the attachments between
# them are made by 3 helpers at once (not measured: they are the "other attachments"), until the
# fill deadline, which leaves the last window the time the first took, twice. Prints "M I US MS"
# per measured alloc and "F COUNT" for the fill.
# shellcheck disable=SC2016 # expanded by the inner shell
scale_loop='
	n=$1 w=$2 deadline=$3 H=/usr/local/bin/rootless-cni-infra T=/tmp/rci-bench
	measured() {
		: >/tmp/scale.err
		us=$($T time -e /tmp/scale.err -- $H --debug alloc "s$1" default "s$1" "" "") || {
			cat /tmp/scale.err >&2
			exit 1
		}
		ms=$(sed -n "s/.*: debug: plugin: [^ ]* ADD .* (\([0-9]*\) ms)$/\1/p" /tmp/scale.err |
			awk "{ s += \$1 } END { print s + 0 }")
		echo "M $1 $us $ms"
	}
	t0=${EPOCHREALTIME%.*}
	for i in $(seq "$w"); do measured "$i"; done
	fill_deadline=$((deadline - 2 * (${EPOCHREALTIME%.*} - t0)))
	export H fill_deadline
	seq $((w + 1)) $((n - w)) | xargs -P 3 -I{} sh -c "
		[ \$(date +%s) -lt \$fill_deadline ] || exit 0
		\$H alloc s{} default s{} \"\" \"\" >/dev/null && echo s{}" >/tmp/scale.fill || exit 1
	made=$(wc -l </tmp/scale.fill)
	echo "F $made"
	for i in $(seq $((n - w + 1)) "$n"); do measured "$i"; done'
in_infra bash -c "$scale_loop" sh "$SCALE" "$WINDOW" "$deadline" >"$work/scale" 2>>"$errlog" ||
	die "the scale loop failed: $(tail -n 3 "$errlog")"
scale_n=$(awk '$1 == "M" { n++ } $1 == "F" { n += $2 } END { print n + 0 }' "$work/scale")
scale_note=''
[ "$scale_n" -lt "$SCALE" ] &&
	scale_note="budget: stopped at $scale_n of $SCALE attachments"
awk -v w="$WINDOW" '$1 == "M" && ++k <= w { print $3 - 1000 * $4 }' "$work/scale" \
	>"$samples/scale_first"
awk -v w="$WINDOW" '$1 == "M" && ++k > w { print $3 - 1000 * $4 }' "$work/scale" \
	>"$samples/scale_last"
awk -v w="$WINDOW" '$1 == "M" && ++k <= w { print $3 }' "$work/scale" >"$samples/scale_first_total"
awk -v w="$WINDOW" '$1 == "M" && ++k > w { print $3 }' "$work/scale" >"$samples/scale_last_total"
rssn=$(infra_rss_kib)
attached=$((scale_n + 1))
for i in $(seq "$WINDOW"); do
	sample scale_launcher_last "${L[@]}" alloc "ll$i" default ::: "${L[@]}" dealloc "ll$i" default
done
veths=$(in_infra ip -o link show type veth | awk 'END { print NR }')
[ "$veths" -ge "$scale_n" ] || die "only $veths veths for $scale_n attachments"

# ---- report ------------------------------------------------------------------------------------
# The table, the goals and the JSON (scripts/bench/report.sh).
# shellcheck source=scripts/bench/report.sh
. "$src/scripts/bench/report.sh"
