"""Mozilla's HTTP Observatory scores the production settings A+ (100 or more).

The site runs as in production (gunicorn, DEBUG off, collectstatic, the
README's HSTS settings) but serving TLS itself, with a throwaway certificate
made here by openssl. The scanner (npm @mdn/mdn-http-observatory, installed by
`make setup` with --ignore-scripts) is told to trust that certificate through
NODE_EXTRA_CA_CERTS: scanning with verification off instead
(NODE_TLS_REJECT_UNAUTHORIZED=0) would score HSTS as served over an invalid
certificate. Where Node, the scanner or openssl is missing the test is
skipped, saying which, unless E2E_REQUIRED is set (CI sets it).
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from .test_production_server import free_port, production_env  # noqa: F401

SCANNER = settings.BASE_DIR / "node_modules" / "@mdn" / "mdn-http-observatory"
BIN = Path(sys.executable).parent


def missing_tools():
    missing = [tool for tool in ("node", "openssl") if not shutil.which(tool)]
    if not (SCANNER / "src" / "scan.js").exists():
        missing.append("@mdn/mdn-http-observatory (npm ci)")
    return missing


pytestmark = pytest.mark.skipif(
    bool(missing_tools()) and not os.environ.get("E2E_REQUIRED"),
    reason="not installed: " + ", ".join(missing_tools()),
)


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_site(production_env, certificate):  # noqa: F811
    cert, key = certificate
    env = production_env | {
        "SECURE_COOKIES": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    port = free_port()
    server = subprocess.Popen(
        [
            *(BIN / "gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--certfile", cert, "--keyfile", key, "--workers", "2"),
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        context = ssl.create_default_context(cafile=cert)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"https://127.0.0.1:{port}/robots.txt", context=context)
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + server.stderr.read1().decode())
        yield f"127.0.0.1:{port}", cert
    finally:
        server.terminate()
        server.wait(timeout=10)


def scan(host, cert):
    # The scanner reads the HSTS preload list from this file, which its
    # install script would download; an empty list is enough here.
    preload = SCANNER / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}")
    result = subprocess.run(
        ["node", SCANNER / "src" / "scan.js", host],
        env={"PATH": os.environ["PATH"], "NODE_EXTRA_CA_CERTS": str(cert)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    assert "error" not in report, report
    return report


def test_the_observatory_grades_the_production_site_a_plus(tls_site):
    report = scan(*tls_site)
    summary = report["scan"]
    lost = {name: t["result"] for name, t in report["tests"].items() if t["scoreModifier"] < 0}
    print(f"Observatory: {summary['grade']} ({summary['score']}/100)")
    assert lost == {}, lost
    assert summary["score"] >= 100
    assert summary["grade"] == "A+"
    assert report["tests"]["content-security-policy"]["pass"]
    assert report["tests"]["strict-transport-security"]["result"] == (
        "hsts-implemented-max-age-at-least-six-months"
    )
