"""The one place an OpenSearch client is built."""
from opensearchpy import OpenSearch


def build_client(config):
    """A client for SEARCH_URL, with optional basic auth and CA bundle (production clusters)."""
    options = {
        "hosts": [config["SEARCH_URL"]],
        "timeout": config.get("SEARCH_TIMEOUT", 5),
        "max_retries": 0,
        "retry_on_timeout": False,
        "http_compress": False,
    }
    if config.get("SEARCH_USER"):
        options["http_auth"] = (config["SEARCH_USER"], config.get("SEARCH_PASSWORD") or "")
    if config.get("SEARCH_CA_CERTS"):
        options.update(use_ssl=True, verify_certs=True, ca_certs=config["SEARCH_CA_CERTS"])
    return OpenSearch(**options)
