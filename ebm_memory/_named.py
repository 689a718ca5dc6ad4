"""Identity by settings for function objects that serve as static ``jax.jit`` arguments."""

from __future__ import annotations


class NamedBySettings:
    """Mixin: equality, hash and repr from ``name`` and ``params`` (not the function object),
    so objects built twice with the same settings share compiled code."""

    name: str
    params: tuple[tuple[str, float], ...]
    _namespace = ""

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (self.name, self.params) == (other.name, other.params)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name, self.params))

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.params)
        return f"{self._namespace}.{self.name}({settings})"
