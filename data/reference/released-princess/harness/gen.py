"""Generate action sequences for the released princess game: seeded random walks with various
biases, and adversarial scenarios aimed at ladder tops and feet, ledges, walls, the enemy, the
fire and the goal.

Our own code. The scenarios are closed-loop: they are played against the released game itself
(imported from the checkout given with --game, as drive.py does) so that they reach the places
they aim at, and what is written is the plain action list that was played (one action a line,
`noop` first). Recording the trajectories is drive.py's job, each sequence in a fresh process.

    SDL_VIDEODRIVER=dummy python gen.py --game /tmp/released-game --out ../seqs --first 7

Runs under Python 2.7 (the recording stack); deterministic for a given game and seed list.
"""
from __future__ import print_function

import argparse
import os
import random
import sys

sys.dont_write_bytecode = True  # no drive.pyc next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drive  # noqa: E402

MIN_TICKS = 300


class Sim(object):
    """One released game, stepped one action at a time, with a snapshot of the player's state
    so that an action can be tried and taken back (used to keep random walks alive)."""

    def __init__(self, Game):
        import numpy as np
        import pygame
        self.pygame = pygame
        from pygame.constants import KEYDOWN
        self.KEYDOWN = KEYDOWN
        g = Game()
        g.screen = pygame.display.set_mode(g.getScreenDims(), 0, 32)
        g.clock = pygame.time.Clock()
        g.rng = np.random.RandomState(24)
        g.init()
        pygame.event.clear()
        self.g = g
        self.b = g.newGame
        self.p = g.newGame.Players[0]
        self.seen = {}
        physics = self.p.continuousUpdate
        p, seen = self.p, self.seen

        def observed(*args, **kwargs):
            out = physics(*args, **kwargs)
            seen["x"], seen["y"] = p.getPosition()
            seen["ladder"] = p.onLadder
            seen["jumping"] = p.isJumping
            seen["vy"] = p.currentJumpSpeed
            return out

        self.p.continuousUpdate = observed
        self.actions = []
        self.done = False
        self.event = ""
        x, y = self.p.getPosition()
        self.o = {"x": x, "y": y, "ladder": 0, "jumping": 0, "vy": 0}

    # -- state ---------------------------------------------------------------------------------
    def snapshot(self):
        p, b, g = self.p, self.b, self.g
        groups = (b.playerGroup, b.wallGroup, b.ladderGroup, b.enemyGroup, b.enemyGroup2,
                  b.allyGroup)
        return (p.getPosition(), p.rect.center, p.isJumping, p.onLadder, p.currentJumpSpeed,
                p.image, b.lives, b.score, b.direction, b.cycles, g.status, g.numactions,
                groups, list(b.enemyGroup.sprites()), list(b.enemyGroup2.sprites()),
                len(self.actions), self.done, self.event, dict(self.o))

    def restore(self, s):
        p, b, g = self.p, self.b, self.g
        (pos, centre, p.isJumping, p.onLadder, p.currentJumpSpeed, p.image, b.lives, b.score,
         b.direction, b.cycles, g.status, g.numactions, groups, e1, e2, n, self.done,
         self.event, o) = s
        p.setPosition(pos)
        p.rect.center = centre
        (b.playerGroup, b.wallGroup, b.ladderGroup, b.enemyGroup, b.enemyGroup2,
         b.allyGroup) = groups
        b.enemyGroup.empty()
        b.enemyGroup.add(*e1)
        b.enemyGroup2.empty()
        b.enemyGroup2.add(*e2)
        del self.actions[n:]
        self.o = o

    # -- stepping ------------------------------------------------------------------------------
    def step(self, a):
        if self.done:
            raise RuntimeError("step after the end of the episode")
        if a != "noop":
            self.pygame.event.post(self.pygame.event.Event(self.KEYDOWN,
                                                           {"key": self.g.actions[a]}))
        status_before = self.g.status
        self.seen.clear()
        self.g.step(1000.0 / 30)
        self.o = dict(self.seen)
        self.actions.append(a)
        won = self.g.status == 1 and status_before != 1
        self.done = bool(self.g.game_over())
        died = self.done and not won and self.b.lives <= 0
        self.event = "won" if won else ("died" if died else "")
        return self.o

    def survives(self, a, horizon=30):
        """Whether `a` followed by `horizon` noops leaves the player alive (or winning)."""
        s = self.snapshot()
        try:
            self.step(a)
            for _ in range(horizon):
                if self.done:
                    break
                self.step("noop")
            return self.event != "died"
        finally:
            self.restore(s)

    @property
    def x(self):
        return self.o["x"]

    @property
    def y(self):
        return self.o["y"]

    @property
    def ladder(self):
        return bool(self.o["ladder"])

    @property
    def standing(self):
        return not self.o["ladder"] and not self.o["jumping"]


class Stop(Exception):
    """The episode ended inside a scenario."""


class Play(object):
    """Scenario building blocks on top of a Sim."""

    def __init__(self, sim, rng):
        self.s = sim
        self.rng = rng

    def do(self, a, n=1):
        for _ in range(n):
            if self.s.done:
                raise Stop()
            self.s.step(a)

    def do_safe(self, a):
        """`a` if it survives the look-ahead, else noop."""
        self.do(a if self.s.survives(a) else "noop")

    def settle(self, limit=40):
        """Noop until standing or on a ladder."""
        for _ in range(limit):
            if self.s.ladder or self.s.standing:
                return
            self.do("noop")

    def walk_to(self, x, limit=60, safe=False):
        """Walk (left/right presses) until within 3.5 px of x or stuck."""
        last = None
        for _ in range(limit):
            if abs(self.s.x - x) <= 3.5:
                return True
            here = self.s.x
            a = "left" if self.s.x > x else "right"
            if safe and not self.s.survives(a):
                return False
            self.do(a)
            if self.s.x == here and last == here:
                return False
            last = here
        return False

    def climb(self, a="up", limit=80):
        """Press up (or down) until the height stops changing for 4 ticks."""
        best, stale = self.s.y, 0
        for _ in range(limit):
            self.do(a)
            y = self.s.y
            better = y < best if a == "up" else y > best
            if better:
                best, stale = y, 0
            else:
                stale += 1
            if stale >= 4 or not (self.s.ladder or a == "up"):
                return

    def random(self, n, weights, hold=(1, 1), safe=True):
        """n ticks of random actions drawn with `weights` (action -> weight), each held for a
        random number of ticks in `hold`; with `safe`, an action that leads to death (within a
        30-tick noop look-ahead) is replaced by a surviving one when there is one."""
        names = sorted(weights)
        total = float(sum(weights[k] for k in names))
        t = 0
        while t < n:
            r = self.rng.random() * total
            for a in names:
                r -= weights[a]
                if r < 0:
                    break
            k = self.rng.randint(hold[0], hold[1])
            for _ in range(min(k, n - t)):
                if self.s.done:
                    raise Stop()
                b = a
                if safe and not self.s.survives(b):
                    alts = [c for c in names + ["noop"] if c != b and self.s.survives(c)]
                    if alts:
                        b = self.rng.choice(alts)
                self.do(b)
                t += 1

    def home(self):
        """Off any ladder and standing, on whichever floor."""
        if self.s.ladder:
            self.climb("up")
            if self.s.ladder and self.s.x < 100:
                self.walk_to(64)
            elif self.s.ladder:
                self.do("left", 3)
        self.settle()

    def pass_enemy(self):
        """From the upper floor right of the enemy to its left, in a high jump over it."""
        self.walk_to(134)
        self.settle()
        self.do("jump")
        self.do("noop", 2)
        self.do("left", 6)
        self.settle()

    def stomp(self):
        """Land on the enemy from a jump at x 127: left as the player comes down to it."""
        self.walk_to(127)
        self.settle()
        self.do("jump")
        for _ in range(20):
            if self.s.o["vy"] < 0 and self.s.y >= 33:
                break
            self.do("noop")
        self.do("left")
        self.settle()

    def jump_gap_upper(self):
        """Over the upper floor's gap, right to left."""
        self.walk_to(92)
        self.settle()
        self.do("jump")
        self.do("left", 6)
        self.settle()

    def to_tier2(self):
        """From anywhere on the bottom tier: up the left ladder (x 36) and onto the middle
        floor, standing at x 99."""
        self.settle()
        if self.s.y < 150:
            return
        self.walk_to(36)
        self.climb("up")
        self.walk_to(99)
        self.settle()

    def to_right_ladder(self, x=204):
        """From the middle floor over the gap to the foot of the right ladder."""
        self.walk_to(127)
        self.settle()
        self.do("jump")
        self.do("right", 6)
        self.settle()
        self.walk_to(x)

    def to_tier3(self):
        """Up the right ladder and off at its top onto the upper floor, standing near x 183."""
        self.to_tier2()
        if self.s.y < 100:
            return
        if self.s.x < 160:
            self.to_right_ladder(204)
        else:
            self.walk_to(204)
        self.climb("up")
        self.do("left", 3)
        self.settle()


UNIFORM = {a: 1 for a in drive.ACTIONS}


def random_seq(sim, seed, weights, hold, safe, length):
    play = Play(sim, random.Random(seed))
    try:
        play.random(length - len(sim.actions), weights, hold, safe)
    except Stop:
        pass


def scenario(sim, seed, body, length, tail_weights=None):
    """Runs `body(play)`, then a safe random walk until `length` ticks."""
    play = Play(sim, random.Random(seed))
    try:
        body(play)
        if len(sim.actions) < length:
            play.random(length - len(sim.actions), tail_weights or UNIFORM, (1, 4), True)
    except Stop:
        pass


# -- the adversarial scenarios -----------------------------------------------------------------

def ladder_top_left(x, rounds):
    """Climb the left ladder at `x` to its top, then, round after round, a varied number of
    extra ups (the top cycles through three heights) and one probe action, then back."""
    def body(p):
        p.settle()
        for r in range(rounds):
            p.walk_to(x)
            p.climb("up")
            p.do("up", p.rng.randint(0, 3))
            a = p.rng.choice(["left", "right", "down", "jump", "noop", "up"])
            p.do(a, p.rng.randint(1, 3))
            p.do(p.rng.choice(["noop", "left", "right", "down"]), p.rng.randint(1, 4))
            p.settle()
    return body


def ladder_feet_left(rounds):
    """At the foot of the left ladder: up (jump-latch), down, jump, sideways presses at
    various heights, dropping off the ladder."""
    def body(p):
        p.settle()
        for r in range(rounds):
            p.walk_to(p.rng.choice([22, 29, 36, 43, 50]))
            p.do(p.rng.choice(["up", "jump", "down", "noop"]))
            p.do("up", p.rng.randint(0, 12))
            seq = [p.rng.choice(["left", "right", "down", "jump", "up", "noop"])
                   for _ in range(p.rng.randint(2, 6))]
            for a in seq:
                p.do(a)
            p.climb("down", 30)
            p.settle()
    return body


def tier2_ladder_top(rounds):
    """From the middle floor back onto the left ladder's top: walking left off the floor,
    down at the edge, jumping at the edge, then climbing out again."""
    def body(p):
        p.to_tier2()
        for r in range(rounds):
            p.walk_to(p.rng.choice([57, 50, 43, 64]))
            for _ in range(p.rng.randint(1, 5)):
                p.do(p.rng.choice(["left", "down", "jump", "noop", "up", "left"]))
            p.do("down", p.rng.randint(0, 6))
            p.do(p.rng.choice(["left", "right", "up", "noop"]), p.rng.randint(1, 3))
            p.settle()
            if p.s.ladder or p.s.y > 150:
                p.climb("up")
                p.walk_to(36)
                p.climb("up")
            p.walk_to(92)
            p.settle()
    return body


def ledge_gap_middle(rounds):
    """Along the middle floor near the gap over the fire: walking to the edges, small jumps,
    jumps across, landing on the far ledge's corner (every action checked to survive)."""
    def body(p):
        p.to_tier2()
        for r in range(rounds):
            p.walk_to(p.rng.choice([113, 120, 127, 134, 141]))
            p.do_safe(p.rng.choice(["jump", "right", "noop"]))
            for _ in range(p.rng.randint(0, 7)):
                p.do_safe(p.rng.choice(["right", "right", "left", "noop"]))
            p.settle()
            if p.s.x > 150:
                p.walk_to(p.rng.choice([162, 169, 176, 183]), safe=True)
                p.do_safe("jump")
                for _ in range(p.rng.randint(3, 7)):
                    p.do_safe(p.rng.choice(["left", "left", "noop"]))
                p.settle()
    return body


def right_ladder(x, rounds):
    """The right ladder at `x`: foot, climbing, sideways off it, and its top."""
    def body(p):
        p.to_tier2()
        p.to_right_ladder(x)
        for r in range(rounds):
            p.walk_to(x)
            p.do(p.rng.choice(["up", "jump", "noop"]))
            p.do("up", p.rng.randint(0, 20))
            if p.rng.random() < 0.5:
                p.climb("up")
                p.do("up", p.rng.randint(0, 3))
            for _ in range(p.rng.randint(1, 4)):
                p.do_safe(p.rng.choice(["left", "right", "down", "jump", "up", "noop"]))
            p.settle()
            if p.s.y < 100:  # came off on the upper floor: back down the ladder
                p.walk_to(204)
                p.climb("down")
                p.settle()
    return body


def upper_floor(rounds):
    """The upper floor: its gap, walking off its right edge onto the ladder, jumps, back and
    forth near the enemy without touching it."""
    def body(p):
        p.to_tier2()
        p.to_tier3()
        for r in range(rounds):
            p.random(p.rng.randint(5, 15), {"left": 2, "right": 2, "jump": 1, "noop": 1,
                                            "down": 1, "up": 1}, (1, 3), True)
            p.settle()
            if p.s.y > 100:
                if p.s.y > 150:
                    p.to_tier2()
                p.to_tier3()
    return body


def fall_through_gap_upper():
    """Walk left off the upper floor into its gap and fall to the middle floor, climb back,
    and again from the far side."""
    def body(p):
        p.to_tier2()
        p.to_tier3()
        p.pass_enemy()
        p.walk_to(92)
        p.do("left", 3)
        p.settle()
        p.to_tier3()
        p.pass_enemy()
        p.walk_to(64)
        p.do("left", 3)
        p.jump_gap_upper()
        p.do("right", 4)
        p.settle()
    return body


def random_on(tier, weights, hold):
    """A safe random walk that starts on the middle (2) or upper (3) floor."""
    def body(p):
        p.to_tier2()
        if tier == 3:
            p.to_tier3()
        p.random(MIN_TICKS + 20 - len(p.s.actions), weights, hold, True)
    return body


def enemy(kind, wander):
    """Meet the enemy after `wander` safe random ticks on the lower floors: walking into it
    from the right, or from the left after jumping over it; stomping it (a descending jump
    that lands on it); touching it while rising (which also removes it), or landing just
    beside it."""
    def body(p):
        p.random(wander, {"left": 3, "up": 2, "down": 1, "jump": 1, "noop": 1, "right": 1},
                 (1, 4), True)
        p.home()
        p.to_tier3()
        if kind == "side":
            p.walk_to(134)
            p.settle()
            p.do("left", 6)
        elif kind == "left side":
            p.pass_enemy()
            p.settle()
            p.do("right", 6)
        elif kind == "stomp":
            p.stomp()
            p.do("left", 4)
            p.do("right", 6)
        elif kind == "rise":
            p.walk_to(127)
            p.settle()
            p.do("jump")
            p.do("left")
            p.do("noop", 20)
            p.do("left", 4)
        elif kind == "beside":
            p.walk_to(141)
            p.settle()
            p.do("jump")
            p.do("left")
            p.do("noop", 13)
            p.do("left", 4)
        p.do("noop", 10)
    return body


def fire(how, wander):
    """Die in the fire after `wander` safe random ticks: walking right off the bottom floor,
    or falling through the middle floor's gap."""
    def body(p):
        p.random(wander, {"left": 3, "up": 2, "down": 1, "jump": 1, "noop": 1, "right": 1},
                 (1, 4), True)
        p.home()
        if how == "walk":
            while p.s.y < 190:
                p.walk_to(36)
                p.climb("down")
                p.settle()
            p.do("right", 20)
        else:
            if p.s.y > 150:
                p.to_tier2()
            # stop inside the gap (walking over it at full speed reaches the far side)
            if p.s.x > 150:
                p.walk_to(162)
                p.do("left")
            else:
                p.walk_to(141)
                p.do("right")
        p.do("noop", 30)
    return body


def goal(wander, stomp):
    """The whole level after `wander` safe random ticks: middle floor, right ladder, upper
    floor, past the enemy (jumping over it, or stomping it), over the gap, to the princess."""
    def body(p):
        p.random(wander, {"left": 3, "up": 2, "down": 1, "jump": 1, "noop": 1, "right": 1},
                 (1, 4), True)
        p.home()
        p.to_tier3()
        if stomp:
            p.stomp()
        else:
            p.pass_enemy()
        p.jump_gap_upper()
        p.walk_to(22)
        p.do("noop", 20)
    return body


def issue_path():
    """Issue 14's path: up the left ladder at x 50 until tick 143 (y 157, on the ladder), left
    off its top, then the same at every height of the top's three-step cycle."""
    def body(p):
        p.do("noop", 7)
        p.do("left", 10)
        p.do("up", 125)
        p.do("left", 6)
        for extra in range(3):
            p.walk_to(50)
            p.climb("up")
            p.do("up", extra)
            p.do("left", 2)
            p.do("right", 2)
    return body

def plan():
    """(kind, description, function(sim)) for every sequence, in order."""
    out = []
    L = MIN_TICKS

    def add(kind, what, f):
        out.append((kind, what, f))

    add("issue path", "issue 14's path: left off the left ladder's top at tick 143, then "
        "the top's other heights", lambda sim: scenario(sim, 401, issue_path(), L))
    # Random walks from the start (safe: an action that dies within 30 noop ticks is replaced).
    biases = [
        ("uniform", UNIFORM, (1, 1)),
        ("uniform, held 1-6", UNIFORM, (1, 6)),
        ("left/up", {"noop": 1, "left": 3, "right": 1, "up": 3, "down": 1, "jump": 1}, (1, 3)),
        ("up/jump", {"noop": 1, "left": 1, "right": 1, "up": 3, "down": 1, "jump": 3}, (1, 2)),
        ("right/jump", {"noop": 1, "left": 1, "right": 3, "up": 1, "down": 1, "jump": 3}, (1, 3)),
        ("down/left", {"noop": 1, "left": 3, "right": 1, "up": 2, "down": 3, "jump": 1}, (1, 4)),
        ("no noop, held 2-8", {"left": 1, "right": 1, "up": 1, "down": 1, "jump": 1}, (2, 8)),
    ]
    seed = 201
    for name, w, hold in biases:
        for _ in range(2):
            add("random", "safe random walk from the start, %s, seed %d" % (name, seed),
                lambda sim, s=seed, w=w, hold=hold: random_seq(sim, s, w, hold, True, L + 50))
            seed += 1
    # Unsafe random walks (may die early: the episode's end is part of the test).
    for name, w, hold in biases[:4]:
        add("random", "random walk from the start (deaths allowed), %s, seed %d" % (name, seed),
            lambda sim, s=seed, w=w, hold=hold: random_seq(sim, s, w, hold, False, L + 50))
        seed += 1
    # Safe random walks from the middle and upper floors.
    for tier in (2, 3):
        for name, w, hold in (biases[0], biases[2], biases[4], biases[6]):
            add("random", "safe random walk from floor %d, %s, seed %d" % (tier, name, seed),
                lambda sim, s=seed, t=tier, w=w, hold=hold:
                scenario(sim, s, random_on(t, w, hold), L))
            seed += 1
    # Ladder tops and feet.
    seed = 301
    for x in (50, 43, 36, 29, 22):
        for _ in range(2):
            add("left ladder top", "left ladder top at x %d, probes at the top, seed %d"
                % (x, seed), lambda sim, s=seed, x=x: scenario(sim, s, ladder_top_left(x, 12), L))
            seed += 1
    for _ in range(3):
        add("left ladder foot", "left ladder foot and mid-ladder exits, seed %d" % seed,
            lambda sim, s=seed: scenario(sim, s, ladder_feet_left(12), L))
        seed += 1
    for _ in range(3):
        add("left ladder from above", "middle floor back onto the left ladder's top, seed %d"
            % seed, lambda sim, s=seed: scenario(sim, s, tier2_ladder_top(8), L))
        seed += 1
    for _ in range(2):
        add("ledges", "middle floor edges over the fire gap, seed %d" % seed,
            lambda sim, s=seed: scenario(sim, s, ledge_gap_middle(10), L))
        seed += 1
    for x in (204, 197, 211, 190):
        add("right ladder", "right ladder at x %d: foot, climb, sideways, top, seed %d"
            % (x, seed), lambda sim, s=seed, x=x: scenario(sim, s, right_ladder(x, 10), L))
        seed += 1
    for _ in range(2):
        add("upper floor", "upper floor: gap, right edge, jumps, seed %d" % seed,
            lambda sim, s=seed: scenario(sim, s, upper_floor(12), L))
        seed += 1
    add("upper floor", "off the upper floor through its gap, twice, seed %d" % seed,
        lambda sim, s=seed: scenario(sim, s, fall_through_gap_upper(), L))
    seed += 1
    # Endings, each after a long safe random prefix.
    for kind, wander in (("side", 200), ("left side", 170), ("stomp", 180), ("rise", 220),
                         ("beside", 210), ("side", 250)):
        add("enemy", "enemy (%s) after %d random ticks, seed %d" % (kind, wander, seed),
            lambda sim, s=seed, k=kind, n=wander: scenario(sim, s, enemy(k, n), L))
        seed += 1
    for how, wander in (("walk", 280), ("gap", 270), ("gap", 300)):
        add("fire", "fire (%s) after %d random ticks, seed %d" % (how, wander, seed),
            lambda sim, s=seed, h=how, n=wander: scenario(sim, s, fire(h, n), L))
        seed += 1
    for wander, stomp in ((220, False), (240, True), (260, False), (230, True)):
        add("goal", "to the princess after %d random ticks%s, seed %d"
            % (wander, ", stomping the enemy" if stomp else ", jumping over the enemy", seed),
            lambda sim, s=seed, n=wander, st=stomp: scenario(sim, s, goal(n, st), L))
        seed += 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--game", required=True, help="root of the released game's checkout")
    ap.add_argument("--out", required=True, help="folder for seqN.txt")
    ap.add_argument("--first", type=int, default=7, help="number of the first sequence")
    ap.add_argument("--only", type=int, nargs="*", help="generate only these numbers")
    args = ap.parse_args()
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    out = os.path.abspath(args.out)
    Game = drive.load_game(args.game)
    os.chdir(os.path.abspath(args.game))
    import pygame
    pygame.init()
    for i, (kind, what, f) in enumerate(plan()):
        n = args.first + i
        if args.only and n not in args.only:
            continue
        sim = Sim(Game)
        sim.step("noop")  # every sequence starts with noop (the reference files' convention)
        f(sim)
        acts = sim.actions
        with open(os.path.join(out, "seq%d.txt" % n), "w") as fh:
            fh.write("\n".join(acts) + "\n")
        print("seq%d\t%s\t%d actions\t%s\t%s" % (n, kind, len(acts), sim.event or "alive", what))


if __name__ == "__main__":
    main()
