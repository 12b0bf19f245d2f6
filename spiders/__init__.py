"""Fetching and extraction: Scrapy spiders, feed parsing and main-text extraction. No SQL here."""
