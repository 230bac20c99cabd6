"""The random numbers kernels draw: a 32-bit xorshift generator kept in a state word.

Elements that need randomness (RandomSample, RandomSource, RandomBitErrors,
IPFragmenter's IP IDs, the rewriters' port choice, FromDump's sampling) keep
the generator's state in one int64 word of their own state array, seeded at
configure time, so each element's sequence is its own and the same compiled
or interpreted.  Click uses random() (click_random); the sequences differ.
"""
from numba import njit


@njit(cache=True, _nrt=False)
def xorshift32(words, i):
    """The next 32-bit value of the generator whose state is words[i] (never 0)."""
    x = words[i]
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    words[i] = x
    return x
