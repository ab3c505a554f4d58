"""Tune a simulation with an ask/tell loop: a PID controller of a damped mass.

The "simulation" integrates a mass on a spring (with friction) driven by a
PID controller towards a set point, and scores the run by its integrated
squared error plus a penalty on control effort and overshoot. Its three
gains are tuned by bbopt: the loop asks for a trial with a fixed search
space, runs the simulation, and tells the score; a simulation that blows up
is told as FAIL, so the sampler learns nothing wrong from it.

Run ``python examples/simulation_ask_tell.py`` (``--quick`` for a tiny
budget, ``--n-trials``, ``--sampler``, ``--seed``).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import bbopt

SPACE = {
    "kp": bbopt.FloatDistribution(0.1, 100.0, log=True),
    "ki": bbopt.FloatDistribution(1e-3, 50.0, log=True),
    "kd": bbopt.FloatDistribution(0.0, 20.0),
}


def simulate(kp: float, ki: float, kd: float, *, t_end: float = 10.0, dt: float = 1e-3,
             mass: float = 1.0, damping: float = 0.4, stiffness: float = 2.0) -> float:
    """Run the closed loop to ``t_end`` and return its cost (inf if it diverged)."""
    n_steps = int(round(t_end / dt))
    position, velocity, integral = 0.0, 0.0, 0.0
    target = 1.0
    previous_error = target - position
    cost = 0.0
    peak = 0.0
    for _ in range(n_steps):
        error = target - position
        integral += error * dt
        derivative = (error - previous_error) / dt
        previous_error = error
        force = kp * error + ki * integral + kd * derivative
        force = max(-50.0, min(50.0, force))  # actuator saturation
        acceleration = (force - damping * velocity - stiffness * position) / mass
        velocity += acceleration * dt  # semi-implicit Euler
        position += velocity * dt
        if not math.isfinite(position) or abs(position) > 1e3:
            return math.inf
        peak = max(peak, position)
        cost += (error * error + 1e-4 * force * force) * dt
    return cost + 10.0 * max(0.0, peak - target) ** 2


def tune(n_trials: int, sampler: str = "tpe", seed: int = 0,
         t_end: float = 10.0) -> bbopt.Study:
    """Tune the gains with ``n_trials`` simulations; return the study."""
    samplers = {
        "tpe": lambda: bbopt.samplers.TPESampler(seed=seed),
        "gp": lambda: bbopt.samplers.GPSampler(seed=seed),
        "qmc": lambda: bbopt.samplers.QMCSampler(seed=seed),
        "random": lambda: bbopt.samplers.RandomSampler(seed=seed),
    }
    study = bbopt.create_study(sampler=samplers[sampler]())
    # A hand-tuned starting point: the sampler evaluates it first.
    study.enqueue_trial({"kp": 5.0, "ki": 1.0, "kd": 1.0})
    for _ in range(n_trials):
        trial = study.ask(SPACE)
        cost = simulate(**trial.params, t_end=t_end)
        if math.isfinite(cost):
            study.tell(trial, cost)
        else:
            study.tell(trial, state=bbopt.TrialState.FAIL)
    return study


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--sampler", choices=["tpe", "gp", "qmc", "random"], default="tpe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a tiny budget (for tests)")
    args = parser.parse_args(argv)
    n_trials, t_end = (15, 3.0) if args.quick else (args.n_trials, 10.0)
    study = tune(n_trials, args.sampler, args.seed, t_end)
    first = study.trials[0].value
    states = [t.state.name for t in study.trials]
    print(f"{len(states)} simulations: {states.count('COMPLETE')} complete, "
          f"{states.count('FAIL')} diverged")
    print(f"hand-tuned gains: cost {first:.4f}")
    print(f"best gains {np.round(list(study.best_params.values()), 3).tolist()}: "
          f"cost {study.best_value:.4f}")
    return {"study": study, "first": first, "best": study.best_value}


if __name__ == "__main__":
    main()
