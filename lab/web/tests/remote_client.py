"""The stdlib remote client (priors_gym/remote.py) plays the solver's route through a real
``priors-serve`` process: reward 1 at the goal, the frame as PNG and raw RGBA, refusals as
RemoteError, and the server's verifier accepts the recorded episode.

Needs the server binary and a route: ``PRIORS_SERVE_BIN`` and ``PRIORS_ROUTE_CSV``. The Rust
test ``lab/web/tests/python_client.rs`` sets both and runs this file under RUN_SLOW_TESTS; it
lives here, outside python/tests, so that pytest never collects it as a skipped test, and
without them it fails. Runs with plain ``python3`` (no packages).
"""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
spec = importlib.util.spec_from_file_location(
    "remote", REPO / "python" / "priors_gym" / "remote.py"
)
remote = importlib.util.module_from_spec(spec)
spec.loader.exec_module(remote)

TOKEN = "python-token-0123456789"


class RemoteClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("PRIORS_SERVE_BIN")
        route = os.environ.get("PRIORS_ROUTE_CSV")
        if not binary or not route:
            raise RuntimeError(
                "needs PRIORS_SERVE_BIN and PRIORS_ROUTE_CSV (run it through lab/web/tests/python_client.rs)"
            )
        cls.route = remote._actions(route)
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="priors-remote-"))
        (cls.tmp / "experiment.toml").write_text(
            'level = "princess"\nconditions = ["original"]\ndesign = "latin-square"\n'
        )
        (cls.tmp / "tokens.txt").write_text(f"py {TOKEN}\n")
        cls.server = subprocess.Popen(
            [binary, "--experiment", str(cls.tmp / "experiment.toml"), "--data",
             str(cls.tmp / "data"), "--tokens", str(cls.tmp / "tokens.txt"), "--port", "0"],
            stdout=subprocess.PIPE, text=True)
        line = cls.server.stdout.readline()
        assert line.startswith("listening on http://"), line
        cls.url = line.split()[2]

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_the_route_reaches_the_goal_and_the_episode_verifies(self):
        env = remote.RemoteEnv(self.url, TOKEN)
        info = env.info()
        self.assertEqual(info["level"], "princess")
        self.assertIn("right", info["actions"])
        env.reset()
        self.assertEqual(env.frame()[:4], b"\x89PNG")
        reward, last = 0.0, None
        for i in range(0, len(self.route), 25):
            last = env.step(self.route[i:i + 25])
            reward += last["reward"]
        self.assertEqual(reward, 1.0)
        self.assertTrue(last["done"])
        self.assertEqual(last["outcome"], "won")
        self.assertEqual(last["tick"], len(self.route))
        w, h, rgba = env.frame_rgba()
        self.assertEqual(len(rgba), w * h * 4)
        with self.assertRaises(remote.RemoteError) as e:
            env.step("noop")
        self.assertEqual(e.exception.status, 409)
        end = env.end()
        self.assertEqual(end["status"], "complete")
        self.assertEqual(end["verdict"], "verified")
        self.assertTrue((self.tmp / "data" / end["folder"] / "ticks.csv").exists())

    def test_refusals_are_remote_errors(self):
        with self.assertRaises(remote.RemoteError) as e:
            remote.RemoteEnv(self.url, "not-a-token").info()
        self.assertEqual(e.exception.status, 401)
        env = remote.RemoteEnv(self.url, TOKEN)
        env.reset()
        with self.assertRaises(remote.RemoteError) as e:
            env.step("fly")
        self.assertEqual(e.exception.status, 400)
        self.assertIn("unknown action", e.exception.message)
        self.assertEqual(env.step("noop")["tick"], 1)
        self.assertEqual(env.end()["status"], "aborted")


if __name__ == "__main__":
    unittest.main()
