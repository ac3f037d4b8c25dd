"""The CleanRL-style example runs end to end on a tiny budget."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "examples" / "ppo_princess.py"


def test_ppo_example_trains_on_princess_briefly():
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--total-steps", "1024", "--num-envs", "4", "--num-steps", "64"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = [l for l in out.stdout.splitlines() if l.startswith("step=")]
    assert len(lines) == 4 and "losses/policy=" in lines[-1] and "charts/SPS=" in lines[-1]
