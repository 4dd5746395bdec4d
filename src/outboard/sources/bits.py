"""Compact in-memory sets for one import: memory that stays flat however many rows go through."""

from __future__ import annotations


class IdSet:
    """Ids created by this import: one bit per id from the first one (ids only grow)."""

    def __init__(self) -> None:
        self._base: int | None = None
        self._bits = bytearray()

    def add(self, value: int) -> None:
        if self._base is None:
            self._base = value
        if value < self._base:  # not expected with growing ids, but never wrong
            shift = (self._base - value + 7) // 8
            self._bits[:0] = bytes(shift)
            self._base -= shift * 8
        offset = value - self._base
        if offset // 8 >= len(self._bits):
            self._bits.extend(bytes(offset // 8 - len(self._bits) + 1024))
        self._bits[offset // 8] |= 1 << (offset % 8)

    def __contains__(self, value: object) -> bool:
        if self._base is None or not isinstance(value, int) or value < self._base:
            return False
        offset = value - self._base
        return offset // 8 < len(self._bits) and bool(self._bits[offset // 8] & (1 << (offset % 8)))


class Bloom:
    """A Bloom filter of strings: "surely not seen" or "maybe seen". 2 MiB with 3 probes answers "maybe"
    wrongly for fewer than 1 in 200 strings after a million were added; a wrong "maybe" only costs a lookup."""

    def __init__(self, bits: int = 1 << 24, probes: int = 3):
        self._size = bits
        self._probes = probes
        self._bits = bytearray(bits // 8)

    def _positions(self, text: str) -> list[int]:
        first, second = hash(text), hash((text, 1)) | 1  # stable within a process, which is all we need
        return [(first + i * second) % self._size for i in range(self._probes)]

    def add(self, text: str) -> None:
        for position in self._positions(text):
            self._bits[position >> 3] |= 1 << (position & 7)

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        return all(self._bits[p >> 3] & (1 << (p & 7)) for p in self._positions(text))
