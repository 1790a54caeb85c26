"""The model seam: ``Model.complete(messages, *, schema=None, **options) -> Reply``."""
