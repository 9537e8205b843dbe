"""The one place an OpenSearch client is built."""
import decimal

import orjson
from opensearchpy import JSONSerializer, OpenSearch

from search.connection import KeptAliveConnection


class FastJSONSerializer(JSONSerializer):
    """orjson for the bodies the app sends (a bulk request of 2,000 documents spent a tenth of its time in json)."""

    def dumps(self, data):
        if isinstance(data, str):
            return data
        return orjson.dumps(data, default=_default).decode()

    def loads(self, s):
        return orjson.loads(s)


def _default(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Cannot send {type(value).__name__} to the search engine")


def search_hosts(url):
    """The node addresses of SEARCH_URL: one, or several separated by commas (the nodes of a cluster)."""
    return [host.strip() for host in url.split(",") if host.strip()]


def build_client(config):
    """A client for SEARCH_URL, with optional basic auth and CA bundle (production clusters).

    Given several nodes, a request that cannot reach one (refused, reset: the node is down) is sent to the next, and the
    lost node is left out for a while; a node that answers too slowly is not asked again (no retry on timeout: a
    cluster that is slow would get the load twice). Each node is reached over one kept-alive connection per thread
    (search.connection)."""
    hosts = search_hosts(config["SEARCH_URL"])
    options = {
        "hosts": hosts,
        "timeout": config.get("SEARCH_TIMEOUT", 5),
        "max_retries": len(hosts) - 1,
        "retry_on_timeout": False,
        "http_compress": False,
        "serializer": FastJSONSerializer(),
        "connection_class": KeptAliveConnection,
    }
    if config.get("SEARCH_USER"):
        options["http_auth"] = (config["SEARCH_USER"], config.get("SEARCH_PASSWORD") or "")
    if config.get("SEARCH_CA_CERTS"):
        options.update(use_ssl=True, verify_certs=True, ca_certs=config["SEARCH_CA_CERTS"])
    return OpenSearch(**options)
