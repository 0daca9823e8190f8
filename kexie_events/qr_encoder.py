"""A fast encoder for one QR symbol: version 5, error correction M, mask 0, alphanumeric data.

That is exactly what a ticket code needs, so everything that does not depend on the data (the
finder, timing and alignment patterns, the format information, the order in which data bits
are placed, the mask) is computed once, and each code costs only its bits, its Reed-Solomon
check bytes and one pass over the data positions. The output equals what the ``qrcode``
library makes with the same version, level and mask (a test compares them) and is what
``kexie_events.qr`` uses for tickets.
"""

from __future__ import annotations

from functools import cache

VERSION = 5
SIZE = 4 * VERSION + 17
BLOCKS = 2
DATA_PER_BLOCK = 43
EC_PER_BLOCK = 24
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
CAPACITY = 122  # characters of alphanumeric data in version 5-M
_FORMAT_M_MASK0 = 0b101010000010010


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


EXP, LOG = _gf_tables()


@cache
def _generator(degree: int) -> list[int]:
    """Coefficients (as logs) of the Reed-Solomon generator polynomial, highest first."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            if coefficient:
                nxt[j + 1] ^= EXP[LOG[coefficient] + i]
        poly = nxt
    return [LOG[c] for c in poly[1:]]


def _ec_bytes(data: list[int]) -> list[int]:
    generator = _generator(EC_PER_BLOCK)
    remainder = [0] * EC_PER_BLOCK
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            shift = LOG[factor]
            remainder = [r ^ EXP[g + shift] for r, g in zip(remainder, generator, strict=True)]
    return remainder


@cache
def _template() -> tuple[tuple[tuple[bool, ...], ...], tuple[tuple[int, int], ...]]:
    """The function patterns of the symbol and the data positions in placement order."""
    grid: list[list[bool | None]] = [[None] * SIZE for _ in range(SIZE)]

    def finder(top: int, left: int) -> None:
        for r in range(-1, 8):
            for c in range(-1, 8):
                y, x = top + r, left + c
                if 0 <= y < SIZE and 0 <= x < SIZE:
                    ring = max(abs(r - 3), abs(c - 3))
                    grid[y][x] = ring != 2 and ring != 4

    finder(0, 0)
    finder(0, SIZE - 7)
    finder(SIZE - 7, 0)
    for i in range(8, SIZE - 8):
        grid[6][i] = grid[i][6] = i % 2 == 0
    center = 30  # version 5 has one alignment pattern, centred at (30, 30)
    for r in range(-2, 3):
        for c in range(-2, 3):
            grid[center + r][center + c] = max(abs(r), abs(c)) != 1
    bits = [(_FORMAT_M_MASK0 >> i) & 1 == 1 for i in range(15)]
    for i in range(15):  # format information, as ISO/IEC 18004 places it
        if i < 6:
            grid[i][8] = bits[i]
        elif i < 8:
            grid[i + 1][8] = bits[i]
        else:
            grid[SIZE - 15 + i][8] = bits[i]
        if i < 8:
            grid[8][SIZE - i - 1] = bits[i]
        elif i < 9:
            grid[8][15 - i - 1 + 1] = bits[i]
        else:
            grid[8][15 - i - 1] = bits[i]
    grid[SIZE - 8][8] = True  # the dark module
    positions = []
    column = SIZE - 1
    upward = True
    while column > 0:
        if column == 6:
            column -= 1
        rows = range(SIZE - 1, -1, -1) if upward else range(SIZE)
        for row in rows:
            for x in (column, column - 1):
                if grid[row][x] is None:
                    positions.append((row, x))
        upward = not upward
        column -= 2
    fixed = tuple(tuple(bool(v) for v in row) for row in grid)
    return fixed, tuple(positions)


def _codewords(text: str) -> list[int]:
    bits: list[int] = []

    def put(value: int, length: int) -> None:
        bits.extend((value >> (length - 1 - i)) & 1 for i in range(length))

    put(0b0010, 4)
    put(len(text), 9)
    for i in range(0, len(text) - 1, 2):
        put(ALPHANUMERIC.index(text[i]) * 45 + ALPHANUMERIC.index(text[i + 1]), 11)
    if len(text) % 2:
        put(ALPHANUMERIC.index(text[-1]), 6)
    capacity = BLOCKS * DATA_PER_BLOCK * 8
    bits.extend([0] * min(4, capacity - len(bits)))
    bits.extend([0] * (-len(bits) % 8))
    data = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    pad = (0xEC, 0x11)
    data += [pad[i % 2] for i in range(BLOCKS * DATA_PER_BLOCK - len(data))]
    blocks = [data[i * DATA_PER_BLOCK : (i + 1) * DATA_PER_BLOCK] for i in range(BLOCKS)]
    ec = [_ec_bytes(block) for block in blocks]
    out = [block[i] for i in range(DATA_PER_BLOCK) for block in blocks]
    out += [block[i] for i in range(EC_PER_BLOCK) for block in ec]
    return out


def fits(text: str) -> bool:
    """Whether ``text`` can be encoded by this fast path."""
    return len(text) <= CAPACITY and all(ch in ALPHANUMERIC for ch in text)


def matrix(text: str) -> list[list[bool]]:
    """The modules of the symbol (``True`` is dark), without the quiet zone."""
    fixed, positions = _template()
    grid = [list(row) for row in fixed]
    codewords = _codewords(text)
    bits = [(byte >> (7 - i)) & 1 for byte in codewords for i in range(8)]
    bits += [0] * (len(positions) - len(bits))  # remainder bits
    for (row, column), bit in zip(positions, bits, strict=True):
        grid[row][column] = bool(bit) != ((row + column) % 2 == 0)  # mask 0
    return grid
