"""Positions computed exactly every few minutes, and read off a polynomial in between.

Finding an eclipse's contacts takes the apparent Sun and Moon at a few thousand instants (a
20-second grid over ten hours, then bisection to a millisecond). Skyfield spends about 4 ms on
each instant it is asked for, most of it on nutation and light time, so asking it for every one
made an eclipse cost a second. The positions themselves are smooth: the fastest term in them is
the observer's daily circle around the Earth's axis. So Skyfield computes them every ``STEP``
seconds, and any other instant is read off the degree-5 polynomial through the six nearest
samples. Its error is of the order ``R (ωh)⁶ / 720`` for that circle (R = 6,378 km, ω the
Earth's rotation, h the step): about a micrometre for ten minutes, far below the metre a
millisecond of the Moon's shadow is worth.
"""

from __future__ import annotations

import numpy as np

#: Seconds between exact samples.
STEP = 600.0
#: Samples the polynomial goes through; the instant read lies between the middle two.
POINTS = 6
#: Samples a track needs beyond each end of the span it is read in.
MARGIN = POINTS // 2


def samples(first: float, last: float, step: float = STEP) -> np.ndarray:
    """The instants to compute exactly so that a track can be read anywhere in first..last."""
    count = int(np.ceil((last - first) / step))
    return first + step * np.arange(-MARGIN, count + MARGIN + 1, dtype=float)


class Track:
    """Vectors sampled on an even grid of instants, interpolated at any instant within it.

    ``values`` maps a name to an array of shape (3, n): one vector per sample (any unit).
    Instants are floats in the same scale as ``times`` (seconds of TT since J2000 here).
    """

    def __init__(self, times: np.ndarray, values: dict[str, np.ndarray]):
        self.first = float(times[0])
        self.step = float(times[1] - times[0])
        self.count = len(times)
        self.names = tuple(values)
        # One (3k, n) array, so that reading k vectors is one gather and one product.
        self.stacked = np.concatenate([values[name] for name in self.names])

    def at(self, seconds) -> dict[str, np.ndarray]:
        """The vectors at ``seconds`` (a float gives (3,) arrays, an array (3, m) arrays)."""
        scalar = np.ndim(seconds) == 0
        u = (np.atleast_1d(np.asarray(seconds, dtype=float)) - self.first) / self.step
        start = np.floor(u).astype(int) - (MARGIN - 1)
        if start.min() < 0 or start.max() > self.count - POINTS:
            raise ValueError("instant outside the sampled track")
        weights = _lagrange_weights(u - start)
        index = start[None, :] + _NODES[:, None]  # (POINTS, m)
        vectors = np.einsum("jm,cjm->cm", weights, self.stacked[:, index])
        if scalar:
            vectors = vectors[:, 0]
        return {name: vectors[3 * i : 3 * i + 3] for i, name in enumerate(self.names)}


_NODES = np.arange(POINTS)
#: The denominators of the Lagrange basis polynomials on the nodes 0..POINTS-1.
_DENOMINATORS = np.array(
    [np.prod([j - k for k in range(POINTS) if k != j]) for j in range(POINTS)], dtype=float
)


def _lagrange_weights(x: np.ndarray) -> np.ndarray:
    """The weights of the samples at nodes 0..5 for positions ``x``: shape (POINTS, m).

    The product of ``x - k`` over the other nodes is taken as a running product from each
    side, which stays exact when ``x`` falls on a node.
    """
    diff = x[None, :] - _NODES[:, None]
    left = np.ones_like(diff)
    right = np.ones_like(diff)
    left[1:] = np.cumprod(diff[:-1], axis=0)
    right[:-1] = np.cumprod(diff[:0:-1], axis=0)[::-1]
    return left * right / _DENOMINATORS[:, None]
