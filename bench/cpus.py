"""Give the search node CPUs of its own for a measurement, as production does (its cluster runs on machines of its
own), so that a figure compared with the engine's own rate measures the app's path, not two programs sharing cores."""
import os
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_PID = ROOT / "var/opensearch/node.pid"


def _threads(pid):
    return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]


def _postgres_pids():
    pids = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                pids.append(int(entry))
        except OSError:
            continue  # gone meanwhile
    return pids


def _pin(pids, cpus):
    for pid in pids:
        for tid in _threads(pid):
            try:
                os.sched_setaffinity(tid, cpus)
            except OSError:
                continue  # a thread that ended meanwhile


@contextmanager
def engine_apart(engine_cpus):
    """Within the block, the node (search/node/node.sh's) runs on the first `engine_cpus` CPUs and everything else of
    the measurement on the others: PostgreSQL (its new backends inherit the postmaster's CPUs) and this process (the
    worker processes and threads it starts inherit its own). 0 changes nothing."""
    every = sorted(os.sched_getaffinity(0))
    if not engine_cpus:
        yield None
        return
    if engine_cpus >= len(every):
        raise SystemExit(f"--engine-cpus {engine_cpus} leaves no CPU of the {len(every)} for the app")
    node, rest = set(every[:engine_cpus]), set(every[engine_cpus:])
    engine = [int(NODE_PID.read_text().strip())]
    postgres = _postgres_pids()
    _pin(engine, node)
    _pin(postgres + [os.getpid()], rest)
    try:
        yield (sorted(node), sorted(rest))
    finally:
        _pin(engine + _postgres_pids() + [os.getpid()], set(every))
