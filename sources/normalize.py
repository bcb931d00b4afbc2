"""One spelling per source URL.

The same article reached through a newsletter, a social post and a search
engine arrives as three URLs. Normalising them (scheme and host case, default
ports, trailing slashes, tracking parameters, fragments) lets ten stories that
cite it share one Source row.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https")

# Parameters that identify the campaign or click, never the document.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidURL(ValueError):
    """The text is not an absolute http(s) URL; the message says why."""


def is_tracking_parameter(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Return the canonical spelling of an http(s) URL, or raise InvalidURL."""
    parts, port = _split(url)
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, _netloc(parts, scheme, port), path, _query(parts.query), ""))


def _split(url: str):
    """The URL's parts and port, once it is known to be an absolute http(s) URL."""
    text = (url or "").strip()
    if not text:
        raise InvalidURL("empty URL")
    if any(ch.isspace() for ch in text):
        raise InvalidURL("a URL cannot contain spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme and scheme not in ALLOWED_SCHEMES:
        raise InvalidURL(f"only http and https URLs can be cited, not {scheme}:")
    if not scheme or not parts.netloc:
        raise InvalidURL("not a URL (it needs to start with https:// or http://)")
    return parts, port


def _netloc(parts, scheme: str, port) -> str:
    """Lowercase host, no trailing dot, no user, and the port only if not the default."""
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "." not in host.strip("[]"):
        raise InvalidURL("not a URL (the host name is missing or incomplete)")
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return netloc


def _query(query: str) -> str:
    """The parameters without tracking ones, sorted, so their order does not matter."""
    pairs = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    ]
    return urlencode(sorted(pairs), doseq=True)
