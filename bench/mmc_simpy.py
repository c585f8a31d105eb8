#!/usr/bin/python3
"""mmc_simpy.py - the M/M/c model of bench/sim_bench.c in SimPy, the peer
limsim is compared with by bench/run.

Poisson arrivals at rate rho * c, exponential sessions of mean 1 s drawn at
the arrival, c servers (a SimPy Resource), FIFO. Debian's python3-simpy is
SimPy 2 (module SimPy, the process-class API); SimPy 3 and later (module
simpy, environments) is used instead when it is the one installed.

SimPy runs about a hundred times slower than limsim, so it does not run
limsim's horizon: a short calibration run measures its rate, then one run
is sized to last about --wall seconds (never more than --horizon simulated
seconds). Rates are per session, so the horizons need not match.

Prints "key value" lines: simpy_version, sessions, wall_s, sessions_per_s,
wait_mean_s.
"""

import argparse
import random
import sys
import time

CALIBRATION_HORIZON_S = 10000.0


class Stats:
    def __init__(self):
        self.sessions = 0
        self.wait_sum = 0.0


def run_simpy2(horizon, servers, lam, seed):
    """One run with SimPy 2's classes; returns Stats."""
    from SimPy.Simulation import (Process, Resource, Simulation, hold,
                                  release, request)

    stats = Stats()
    arrivals, lengths = random.Random(seed), random.Random(seed + 1)

    class Session(Process):
        def run(self, length, slots):
            arrived = self.sim.now()
            yield request, self, slots
            stats.sessions += 1
            stats.wait_sum += self.sim.now() - arrived
            yield hold, self, length
            yield release, self, slots

    class Source(Process):
        def run(self, slots):
            while True:
                yield hold, self, arrivals.expovariate(lam)
                s = Session(sim=self.sim)
                self.sim.activate(s, s.run(lengths.expovariate(1.0), slots))

    sim = Simulation()
    sim.initialize()
    slots = Resource(capacity=servers, sim=sim)
    source = Source(sim=sim)
    sim.activate(source, source.run(slots))
    sim.simulate(until=horizon)
    return stats


def run_simpy3(horizon, servers, lam, seed):
    """One run with SimPy 3+'s environment; returns Stats."""
    import simpy

    stats = Stats()
    arrivals, lengths = random.Random(seed), random.Random(seed + 1)
    env = simpy.Environment()
    slots = simpy.Resource(env, capacity=servers)

    def session(length):
        arrived = env.now
        with slots.request() as grant:
            yield grant
            stats.sessions += 1
            stats.wait_sum += env.now - arrived
            yield env.timeout(length)

    def source():
        while True:
            yield env.timeout(arrivals.expovariate(lam))
            env.process(session(lengths.expovariate(1.0)))

    env.process(source())
    env.run(until=horizon)
    return stats


def pick_runner():
    """The run function and the SimPy version found, or exits."""
    try:
        import simpy
        return run_simpy3, simpy.__version__
    except ImportError:
        pass
    try:
        import SimPy
        return run_simpy2, SimPy.__version__
    except ImportError:
        sys.exit("mmc_simpy.py: SimPy not found: apt-get install "
                 "python3-simpy (or run scripts/deps)")


def timed(runner, horizon, servers, lam):
    start = time.perf_counter()
    stats = runner(horizon, servers, lam, 1)
    return stats, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--wall", type=float, default=10.0,
                   help="seconds the measured run should take (10)")
    p.add_argument("--horizon", type=float, default=2e6,
                   help="most simulated seconds (2000000)")
    p.add_argument("--servers", type=int, default=4)
    p.add_argument("--rho", type=float, default=0.75)
    a = p.parse_args()
    if not (a.wall > 0 and a.horizon > 0 and a.servers >= 1
            and 0 < a.rho < 1):
        p.error("expected --wall > 0, --horizon > 0, --servers >= 1 and "
                "0 < --rho < 1")

    runner, version = pick_runner()
    lam = a.rho * a.servers
    stats, wall = timed(runner, CALIBRATION_HORIZON_S, a.servers, lam)
    per_simulated_s = wall / CALIBRATION_HORIZON_S
    horizon = min(a.horizon, max(CALIBRATION_HORIZON_S,
                                 a.wall / per_simulated_s))
    stats, wall = timed(runner, horizon, a.servers, lam)

    print("simpy_version %s" % version)
    print("horizon_s %.0f" % horizon)
    print("sessions %d" % stats.sessions)
    print("wall_s %.6f" % wall)
    print("sessions_per_s %.0f" % (stats.sessions / wall))
    print("wait_mean_s %.6f" % (stats.wait_sum / stats.sessions))


if __name__ == "__main__":
    main()
