"""Delivery of messages that leave Engage (SMS, WeChat subscribe messages) through a
transactional outbox: written with the change that causes them, sent by a worker."""
