"""Shared test inputs."""

from ebm_memory import lagrangians

CONVEX_LAGRANGIANS = [
    lagrangians.quadratic(),
    lagrangians.absolute(),
    lagrangians.softmax(2.0),
    lagrangians.polynomial(2),
    lagrangians.polynomial(4),
    lagrangians.rectified_polynomial(3),
    lagrangians.relu(),
    lagrangians.exponential(0.5),
    lagrangians.spherical(),
    lagrangians.tanh(1.5),
    lagrangians.sigmoid(2.0),
    lagrangians.layernorm(1.3, 0.2),
]
