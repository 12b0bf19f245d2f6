"""Scrapy settings: polite by default (robots.txt, AutoThrottle, per-domain limits)."""
import os

BOT_NAME = "rightsradar"
SPIDER_MODULES = ["spiders.news_spider"]
NEWSPIDER_MODULE = "spiders"

CONTACT = os.environ.get("RIGHTSRADAR_CONTACT", "https://github.com/rightsradar/rightsradar")
USER_AGENT = f"rightsradar/0.1 (news monitoring for business & human rights research; +{CONTACT})"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOADER_MIDDLEWARES = {"spiders.middlewares.RetryBackoffMiddleware": 560}
RETRY_BACKOFF_BASE = 2.0    # seconds before the first retry; doubled for each further one
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024   # a news page is never this big: refuse the body
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

LOG_LEVEL = os.environ.get("RIGHTSRADAR_CRAWL_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {"spiders.pipelines.ExtractionPipeline": 100}
# A response yields one item (its page): Scrapy's default of 100 starts 100 asyncio tasks per
# response for nothing, a quarter of the crawler's CPU (bench/ingest_throughput.py).
CONCURRENT_ITEMS = 1
EXTRACTION_WORKERS = int(os.environ.get("RIGHTSRADAR_EXTRACTION_WORKERS", os.cpu_count() or 1))
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
