"""Background jobs: RQ workers on Redis when ``REDIS_URL`` is set, inline otherwise."""
