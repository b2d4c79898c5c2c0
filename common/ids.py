"""Identifiers that are random to the world and ordered for the database."""

import os
import time
import uuid


def time_ordered_uuid() -> uuid.UUID:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.

    As unguessable to a reader as a version 4 UUID for anything but its creation time, but
    new values sort after old ones, so a unique index on them grows at its right-hand edge like
    a serial key: a random UUID lands on a random leaf page, which after every checkpoint costs
    a full-page write in the WAL of the transaction that touches it (docs/performance.md).
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
