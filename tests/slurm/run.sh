#!/bin/bash
# The Slurm test of issue 5: runs a small study as a Slurm job array (`priors sweep --emit slurm`,
# then `sbatch --wait`) on a single-node cluster started here, and checks that the results tree
# is the same as a local `priors sweep` of the same study.
#
# Needs root (it starts munged, slurmctld and slurmd) and Debian's slurm-wlm and munge, which it
# installs with apt-get when missing. Training is the stand-in trainer fake-train.sh (no
# libtorch), passed with --train-exe, so the test exercises the sweep, the array script and the
# cluster, not the agent. Daemons are stopped on exit.
#
# It runs only with RUN_SLOW_TESTS set (scripts/test and CI set it); without it, it prints one
# line saying it was skipped and exits 0. With it set, a missing requirement fails it.
#
# Usage: tests/slurm/run.sh [path/to/priors]   (default: $PRIORS, else target/release/priors)
set -euo pipefail
if [ -z "${RUN_SLOW_TESTS:-}" ] || [ "$RUN_SLOW_TESTS" = 0 ]; then
  echo "skipped tests/slurm/run.sh: needs root, slurm-wlm and munge; set RUN_SLOW_TESTS=1 to run it (then a missing tool fails it)" >&2
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
priors=${1:-${PRIORS:-$repo/target/release/priors}}
[ -x "$priors" ] || { echo "no priors binary at $priors: build it (cargo build --release -p priors-experiments --no-default-features) or pass its path" >&2; exit 2; }
priors=$(readlink -f "$priors")
[ "$(id -u)" = 0 ] || { echo "tests/slurm/run.sh needs root (munged, slurmctld, slurmd)" >&2; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge
fi

work=$(mktemp -d /tmp/priors-slurm.XXXXXX)
chmod 755 "$work"
started_munge=""
cleanup() {
  for p in slurmd slurmctld; do
    [ -s "$work/$p.pid" ] && kill "$(cat "$work/$p.pid")" 2>/dev/null || true
  done
  [ -n "$started_munge" ] && [ -s /run/munge/munged.pid ] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  sleep 1
  echo "logs and results kept in $work"
}
trap cleanup EXIT

# munge: a key and the daemon (run as the munge user, as Debian's service does).
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then mungekey -c -f -k /etc/munge/munge.key; else create-munge-key -f; fi
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -x munged >/dev/null; then
  runuser -u munge -- munged
  started_munge=1
fi

host=$(hostname -s)
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024) - 512}' /proc/meminfo)
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<EOF
ClusterName=priors-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed)' && break
  sleep 1
done
sinfo -h -o %T | grep -qE '^(idle|mixed)' || { echo "the node never became idle"; cat "$work"/slurm*.log; exit 1; }

# The study: 6 jobs, 2 at a time on the cluster.
cp "$here/fake-train.sh" "$work/fake-train.sh" && chmod 755 "$work/fake-train.sh"
cat > "$work/study.toml" <<EOF
[agents]
levels = ["princess"]
conditions = ["original", "masked-semantics"]
algos = ["ppo"]
bonuses = ["count"]
seeds = [1, 2, 3]
max_steps = 5000
results = "results"

[resources]
max_parallel = 2
cpus_per_task = 1
mem_gb = 1
time_limit = "00:10:00"
max_concurrent_tasks = 2
EOF
export PRIORS_DATA="$repo/data"
"$priors" sweep "$work/study.toml" --results "$work/local" --train-exe "$work/fake-train.sh"
"$priors" sweep "$work/study.toml" --emit slurm --train-exe "$work/fake-train.sh"
sbatch --wait "$work/results/sweep.sbatch"

listing() {
  (cd "$1" && find . -type f ! -name train.log ! -name resumed.txt ! -path './slurm/*' ! -name sweep.sbatch -print0 | sort -z | xargs -0 sha256sum)
}
if diff <(listing "$work/local") <(listing "$work/results"); then
  echo "PASS: the Slurm array's results tree equals the local sweep's ($(listing "$work/results" | wc -l) files)"
else
  echo "FAIL: results trees differ"; exit 1
fi
