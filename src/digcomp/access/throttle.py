"""Throttled logins: after too many wrong passwords from one address, or for one account, further attempts are
refused with 429 and Retry-After — before any password is hashed, so a flood costs the service almost nothing.
Counted with the ``limits`` library in the database, shared by every process and instance."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from digcomp.errors import TooManyRequests

PER_ADDRESS = parse("20/minute")
PER_ACCOUNT = parse("10/15 minutes")


class LoginThrottle:
    def __init__(self, storage: Storage) -> None:
        self.limiter = FixedWindowRateLimiter(storage)

    def _limits(self, address: str, email: str) -> list[tuple[RateLimitItem, str]]:
        return [(PER_ADDRESS, f"address:{address}"), (PER_ACCOUNT, f"account:{email.strip().lower()}")]

    def check(self, address: str, email: str) -> None:
        """Refuse before the password is checked when a limit is used up."""
        for item, key in self._limits(address, email):
            if not self.limiter.test(item, "login", key):
                reset = self.limiter.get_window_stats(item, "login", key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests(
                    "too many failed logins; try again in {seconds} seconds", retry_after=wait, seconds=wait
                )

    def spend(self, address: str, email: str) -> None:
        """Count an attempt that must be rare whatever its outcome (asking for a password e-mail), refused like a
        failed login once the limit is used up."""
        self.check(address, email)
        self.failed(address, email)

    def failed(self, address: str, email: str) -> None:
        for item, key in self._limits(address, email):
            self.limiter.hit(item, "login", key)
