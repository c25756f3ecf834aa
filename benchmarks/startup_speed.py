"""How fast the `matchmaker` command and a gunicorn worker start, against the floor of starting Python at all.

    .venv/bin/python benchmarks/startup_speed.py             7 runs of each
    .venv/bin/python benchmarks/startup_speed.py --runs 15

Prints the median wall-clock time of `python -c pass` (the floor), `matchmaker --help`, `matchmaker needs expire`
on an empty SQLite database (set up once in a temporary folder), and gunicorn from launch to its first answer on
/healthz (one worker, the production config). The commands alternate, so a burst of someone else's load on a
shared machine lands on all of them alike. Targets (issue 14): commands under 0.5 s, a worker under 1 s.
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PORT = 5159  # helper 5's range; override with --port


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run (CPU: the process's own work, less disturbed by others' load)."""
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _gunicorn_boot(env: dict[str, str], port: int) -> tuple[float, float]:
    """From launching gunicorn to the first answer from its worker (CPU: master and worker until then)."""
    if not _free(port):
        raise SystemExit(f"Port {port} is in use: pass --port")
    started, cpu = time.perf_counter(), _children_cpu()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    response.read()
                wall = time.perf_counter() - started
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("gunicorn exited before answering") from None
                if time.perf_counter() - started > 60:
                    raise SystemExit("gunicorn did not answer within 60 s") from None
                time.sleep(0.01)
    finally:
        server.terminate()
        server.wait()
    return wall, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/empty.db",
            "MATCHMAKER_ENV": "development",
            "PYTHONDONTWRITEBYTECODE": "0",
        }
        subprocess.run([str(BIN / "matchmaker"), "setup"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        cases = {
            "python -c pass (the floor)": lambda: _timed([sys.executable, "-c", "pass"], env),
            "matchmaker --help": lambda: _timed([str(BIN / "matchmaker"), "--help"], env),
            "matchmaker needs expire (empty database)": lambda: _timed(
                [str(BIN / "matchmaker"), "needs", "expire"], env
            ),
            "gunicorn: launch to first answer (1 worker)": lambda: _gunicorn_boot(env, args.port),
        }
        for run in cases.values():  # warm the file cache and bytecode once
            run()
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, run in cases.items():
                times[name].append(run())

    floor = statistics.median(wall for wall, _ in times["python -c pass (the floor)"])
    print(f"Start-up, median of {args.runs} runs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    for name, runs in times.items():
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(
            f"  {name:46} {1000 * wall:6.0f} ms wall (min {1000 * min(r[0] for r in runs):5.0f})"
            f" {1000 * cpu:6.0f} ms CPU  {wall / floor:5.1f}x the floor"
        )


if __name__ == "__main__":
    main()
