"""Throttled logins: after too many wrong passwords from one address, or for one account, further attempts are
refused with 429 and Retry-After — before any password is hashed, so a flood costs the service almost nothing.
Counted with the ``limits`` library in the database, shared by every process and instance."""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from digcomp.errors import TooManyRequests

PER_ADDRESS = parse("20/minute")  # any accounts from one address: guessing, spraying many addresses
PER_ACCOUNT_ADDRESS = parse("10/15 minutes")  # one account from one address
PER_ACCOUNT = parse("30/15 minutes")  # one account from anywhere: refuses only addresses it never logged in from
KNOWN_FOR = parse("1/30 days")  # an address the account logged in from lately: the owner's own


ACCOUNT_WIDE = 2  # the position of the account-wide limit in ``LoginThrottle._limits``


class LoginThrottle:
    """Counts failures per address, per (account, address) and per account. The account-wide count never locks
    the owner out: an address the account logged in from successfully in the last 30 days is judged by its own
    counts only, so a flood of wrong passwords from elsewhere cannot keep her from her own computer or phone."""

    def __init__(self, storage: Storage) -> None:
        self.limiter = FixedWindowRateLimiter(storage)

    @staticmethod
    def _account(email: str) -> str:
        """The account as the counters name it: a digest of the address, so the table holds no e-mail addresses and
        every key fits its column whatever was typed."""
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]

    def _limits(self, address: str, email: str) -> list[tuple[RateLimitItem, str]]:
        """Per address, per account and address, and account-wide (``ACCOUNT_WIDE``, its position)."""
        account = self._account(email)
        return [
            (PER_ADDRESS, f"address:{address}"),
            (PER_ACCOUNT_ADDRESS, f"account-address:{account}:{address}"),
            (PER_ACCOUNT, f"account:{account}"),
        ]

    def known(self, address: str, email: str) -> bool:
        """The account logged in from this address lately."""
        return not self.limiter.test(KNOWN_FOR, "login", f"known:{self._account(email)}:{address}")

    def check(self, address: str, email: str) -> None:
        """Refuse before the password is checked when a limit is used up."""
        own_address = self.known(address, email)
        for number, (item, key) in enumerate(self._limits(address, email)):
            # every limit is read whoever asks (the same work, so the time taken tells nothing); the account-wide one
            # never refuses the owner's own address for what others did
            if not self.limiter.test(item, "login", key) and not (own_address and number == ACCOUNT_WIDE):
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

    def succeeded(self, address: str, email: str) -> None:
        """Remember the address as the account's own (for 30 days)."""
        key = f"known:{self._account(email)}:{address}"
        if not self.known(address, email):
            self.limiter.hit(KNOWN_FOR, "login", key)
