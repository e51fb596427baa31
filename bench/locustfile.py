"""Readers for the load benchmark (bench/load.py runs locust with this file): 70% pages, 25% searches, 5% exports.

Each simulated reader comes through the TLS proxy the README describes
(``X-Forwarded-Proto: https``) from an address of its own (``X-Forwarded-For``,
with KBASE_TRUSTED_PROXY_HOPS=1 on the server), so per-client limits count
them apart as they would count real readers. Requests are grouped by kind
(page, search, export) in locust's statistics.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, constant, constant_throughput, task

MAX_PRACTICE = int(os.environ.get("LOAD_MAX_PRACTICE", "100000"))
PAGES = [
    "/",
    "/places/",
    "/places/420000/",
    "/places/320200/",
    "/practices/",
    "/practices/?place=湖北",
    "/practices/?theme=talent",
    "/recommendations/",
    "/themes/",
    "/themes/talent/",
    "/documents/",
]
QUERIES = ["人", "人才", "督查", "技术转移", "人才 无锡", "产学研 高校 企业", "萤火虫", "创新", "湖北", "中关村"]


# LOAD_PACE: requests per second per reader (an offered load); unset: none between requests (the capacity).
PACE = float(os.environ.get("LOAD_PACE", "0") or 0)


class Reader(HttpUser):
    wait_time = constant_throughput(PACE) if PACE else constant(0)

    def on_start(self):
        address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": address})

    @task(60)
    def page(self):
        self.client.get(random.choice(PAGES), name="page")

    @task(10)
    def practice(self):
        self.client.get(f"/practices/{random.randint(1, MAX_PRACTICE)}/", name="page")

    @task(25)
    def search(self):
        self.client.get("/search/", params={"q": random.choice(QUERIES)}, name="search")

    @task(5)
    def export(self):
        """One lesson as PDF or Word: typeset in a bounded child during the request (a bigger one is a job)."""
        params = {"source": "practice", "id": random.randint(1, MAX_PRACTICE), "format": random.choice(["pdf", "docx"])}
        with self.client.get(
            "/export/", params=params, name="export", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in (200, 303):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
