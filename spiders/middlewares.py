"""Downloader middleware: retries wait before they go, longer each time (Scrapy retries at once)."""
from __future__ import annotations

import asyncio


class RetryBackoffMiddleware:
    """A request that RetryMiddleware sent again (meta["retry_times"] = n) waits
    RETRY_BACKOFF_BASE * 2^(n-1) seconds, at most RETRY_BACKOFF_MAX, before it is downloaded."""

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE", 2.0),
                   crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    def delay(self, retry_times: int) -> float:
        return min(self.cap, self.base * 2 ** (retry_times - 1)) if retry_times > 0 else 0.0

    async def process_request(self, request):
        wait = self.delay(request.meta.get("retry_times", 0))
        if wait:
            await asyncio.sleep(wait)
        return None
