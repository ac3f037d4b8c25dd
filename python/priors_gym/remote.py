"""A remote agent for ``priors serve`` (the study server): play a level over HTTP.

Standard library only (``urllib``, ``json``), so this one file can be copied next to any agent
harness (LLM and VLM loops included) without installing ``priors_gym``. The wire format is
documented in ``lab/web/README.md``; every episode is recorded on the server as a session folder
that ``priors verify`` and ``priors analyze`` read.

Example::

    from remote import RemoteEnv            # or: from priors_gym.remote import RemoteEnv
    env = RemoteEnv("http://127.0.0.1:8080", token="...")
    print(env.info())                       # level, conditions, actions, budget
    ep = env.reset(condition="original")
    r = env.step(["right", "right", "up+jump"])
    png = env.frame()                       # the frame a participant sees, as PNG bytes
    print(env.end())                        # status and the verifier's verdict
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = ["RemoteEnv", "RemoteError"]


class RemoteError(Exception):
    """The server refused a request: ``status`` is the HTTP status, ``message`` its reason."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class RemoteEnv:
    """One agent's connection to a study server.

    ``base_url``: the server, e.g. ``http://127.0.0.1:8080``; ``token``: a token from the
    server's tokens file. Methods return the server's JSON answers as dicts.
    """

    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self.episode: Optional[str] = None

    def _request(
        self, method: str, path: str, body: Optional[Dict[str, Any]] = None
    ) -> Tuple[bytes, Dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                message = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode(errors="replace")
            raise RemoteError(e.code, message) from None

    def _json(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        raw, _ = self._request(method, path, body)
        return json.loads(raw)

    def info(self) -> Dict[str, Any]:
        """The level, the conditions an episode may ask for, the action names, the frame size
        and the ticks left in this agent's budget."""
        return self._json("GET", "/api/v1/info")

    def reset(self, condition: Optional[str] = None) -> Dict[str, Any]:
        """Starts a new episode (a new session folder on the server); returns its state."""
        body = {} if condition is None else {"condition": condition}
        r = self._json("POST", "/api/v1/reset", body)
        self.episode = r["episode"]
        return r

    def step(self, actions: Union[str, Sequence[str]]) -> Dict[str, Any]:
        """Plays one action (a name such as ``"right"`` or ``"left+jump"``) or a list of them,
        one tick each; returns ``tick``, ``reward`` (summed over the actions), ``done``,
        ``outcome``, ``deaths``, ``taken`` and ``budget_left``."""
        body: Dict[str, Any] = {"episode": self._episode()}
        if isinstance(actions, str):
            body["action"] = actions
        else:
            body["actions"] = list(actions)
        return self._json("POST", "/api/v1/step", body)

    def frame(self) -> bytes:
        """The current frame as PNG bytes."""
        raw, _ = self._request("GET", f"/api/v1/frame?episode={self._episode()}&format=png")
        return raw

    def frame_rgba(self) -> Tuple[int, int, bytes]:
        """The current frame as ``(width, height, RGBA bytes)``, rows top to bottom."""
        raw, headers = self._request(
            "GET", f"/api/v1/frame?episode={self._episode()}&format=rgba"
        )
        return int(headers["x-priors-width"]), int(headers["x-priors-height"]), raw

    def end(self) -> Dict[str, Any]:
        """Ends the episode (recorded as aborted unless it reached the goal or the time limit)
        and returns its ``status`` and the server's ``verdict`` on the recorded folder."""
        r = self._json("POST", "/api/v1/end", {"episode": self._episode()})
        self.episode = None
        return r

    def _episode(self) -> str:
        if self.episode is None:
            raise RuntimeError("no episode: call reset() first")
        return self.episode


def _actions(route_csv: str) -> List[str]:
    """The actions of a ``tick,action`` CSV (as ``priors solve`` writes)."""
    out = []
    with open(route_csv) as f:
        header = f.readline().strip().split(",")
        col = header.index("action")
        for line in f:
            if line.strip():
                out.append(line.strip().split(",")[col])
    return out
