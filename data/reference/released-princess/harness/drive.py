"""Drive the authors' released princess game (`originalgame`) with fixed action sequences and
record the player's state after every step, one CSV per sequence.

Our own harness: it contains no code of the released game. It imports the game from a checkout
given on the command line, posts one key-down event per step (none for `noop`), calls the game's
own `step`, and reads the player's centre and flags right after the game's physics update
(`continuousUpdate`), before a death or a win resets the position.

Runs under Python 2.7 (pygame 1.9.6) and Python 3 (pygame 2.1.3) alike; see README.md.

    SDL_VIDEODRIVER=dummy python drive.py --game /tmp/released-game --out py2 seqs/seq7.txt ...
"""
from __future__ import print_function

import argparse
import os
import sys
import types

HEADER = "step,action,x,y,done,event,on_ladder,jumping,jump_speed,x_after,y_after"
ACTIONS = ("noop", "left", "right", "up", "down", "jump")


def num(v):
    """A number as the reference files write it: integral values without a fraction."""
    if float(v) == int(v):
        return str(int(v))
    return repr(float(v))


def load_game(game_dir):
    """Imports `originalGame` from a checkout of the released repository without running
    `ple/__init__.py` (which pulls in PIL and the other games)."""
    game_dir = os.path.abspath(game_dir)
    for name, rel in (("ple", "ple"), ("ple.games", os.path.join("ple", "games"))):
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [os.path.join(game_dir, rel)]
            sys.modules[name] = pkg
    sys.path.insert(0, game_dir)
    from ple.games.originalgame import originalGame
    return originalGame


def run_sequence(Game, actions, resets=0):
    import numpy as np
    import pygame
    from pygame.constants import KEYDOWN

    game = Game()
    game.screen = pygame.display.set_mode(game.getScreenDims(), 0, 32)
    game.clock = pygame.time.Clock()
    game.rng = np.random.RandomState(24)
    game.init()
    for _ in range(resets):
        game.init()  # what PLE's reset_game does before every episode: a new board
    pygame.event.clear()

    player = game.newGame.Players[0]
    seen = {}
    physics = player.continuousUpdate

    def observed(*args, **kwargs):
        out = physics(*args, **kwargs)
        pos = player.getPosition()
        seen["x"], seen["y"] = pos[0], pos[1]
        seen["on_ladder"] = player.onLadder
        seen["jumping"] = player.isJumping
        seen["jump_speed"] = player.currentJumpSpeed
        return out

    player.continuousUpdate = observed

    rows = []
    for k, a in enumerate(actions):
        if a != "noop":
            pygame.event.post(pygame.event.Event(KEYDOWN, {"key": game.actions[a]}))
        seen.clear()
        status_before = game.status
        game.step(1000.0 / 30)
        if not seen:
            raise RuntimeError("step %d: the game's physics update was not observed" % (k + 1))
        won = game.status == 1 and status_before != 1
        done = bool(game.game_over())
        # done without a death or a win: the 2,000-action cut (`numactions > 2000`)
        died = done and not won and game.newGame.lives <= 0
        event = "won" if won else ("died" if died else "")
        after = game.newGame.Players[0].getPosition()
        rows.append(",".join([
            str(k + 1), a, num(seen["x"]), num(seen["y"]),
            "true" if done else "false", event,
            str(int(seen["on_ladder"])), str(int(seen["jumping"])), num(seen["jump_speed"]),
            num(after[0]), num(after[1]),
        ]))
        if done:
            break
    return rows


def read_actions(path):
    with open(path) as f:
        actions = [l.strip() for l in f if l.strip()]
    for i, a in enumerate(actions):
        if a not in ACTIONS:
            raise SystemExit("%s:%d: unknown action %r" % (path, i + 1, a))
    return actions


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--game", required=True,
                    help="root of a checkout of rachit-dubey/humanRL_prior_games (holds map.txt)")
    ap.add_argument("--out", required=True, help="folder for seqN.csv (e.g. py2 or py3t)")
    ap.add_argument("seqs", nargs="+", help="action files seqN.txt")
    ap.add_argument("--resets", type=int, default=0,
                    help="re-initialise the game this many times before playing, as an agent's "
                         "later episodes are (changes the Python 2 sprite order; README.md)")
    ap.add_argument("--same-process", action="store_true",
                    help="run all sequences in this process (by default each gets a fresh one)")
    args = ap.parse_args()

    if len(args.seqs) > 1 and not args.same_process:
        # Under Python 2 the game visits its ladders and walls in the order of a dict keyed by
        # the sprite objects, i.e. of their memory addresses: a game created after another one
        # in the same process can visit them in another order (README.md). One fresh process
        # per sequence gives every sequence the same, reproducible layout.
        import subprocess
        for s in args.seqs:
            subprocess.check_call([sys.executable, os.path.abspath(__file__), "--game", args.game,
                                   "--out", args.out, "--resets", str(args.resets), s])
        return

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    seqs = [os.path.abspath(s) for s in args.seqs]
    out = os.path.abspath(args.out)
    if not os.path.isdir(out):
        os.makedirs(out)
    Game = load_game(args.game)
    os.chdir(os.path.abspath(args.game))  # the game reads map.txt from the working directory
    import pygame
    pygame.init()
    for s in seqs:
        rows = run_sequence(Game, read_actions(s), args.resets)
        name = os.path.splitext(os.path.basename(s))[0] + ".csv"
        with open(os.path.join(out, name), "w") as f:
            f.write(HEADER + "\n")
            for r in rows:
                f.write(r + "\n")
        ending = (rows[-1].split(",")[5] or "alive") if rows else "empty"
        print("%s: %d steps, %s" % (name, len(rows), ending))


if __name__ == "__main__":
    main()
