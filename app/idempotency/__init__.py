"""Idempotency-Key on the API's creating operations: a request sent again with the same key gets the first one's
answer, and makes no second listing, bid or order (app.idempotency.keys)."""
from app.idempotency.keys import HEADER, REPLAYED, applies_to, forget_expired, keyed, refusing_key

__all__ = ["HEADER", "REPLAYED", "applies_to", "forget_expired", "keyed", "refusing_key"]
