"""Cross-site scripting payloads, one list for every test that shows user text.

Each payload calls `__xss(n)` if it ever runs, and each element it would
inject carries a `data-xss` attribute, so a test can tell both "nothing ran"
and "nothing we did not write is live in the page". A browser test defines
`__xss` before the page loads (see `record_xss`).
"""

PAYLOADS = [
    "<script data-xss>__xss(1)</script>",
    "<img data-xss src=x onerror=__xss(2)>",
    "<svg data-xss onload=__xss(3)>",
    '"><img data-xss src=x onerror=__xss(4)>',
    "'><img data-xss src=x onerror=__xss(5)>",
    "</script><script data-xss>__xss(6)</script>",
    "</textarea><img data-xss src=x onerror=__xss(7)>",
    "</title><img data-xss src=x onerror=__xss(8)>",
    '<iframe data-xss srcdoc="<script>parent.__xss(9)</script>"></iframe>',
    '<a data-xss href="javascript:__xss(10)" id="xss-link">x</a>',
    "<details data-xss open ontoggle=__xss(11)>",
    "<body data-xss onload=__xss(12)>",
    "<input data-xss autofocus onfocus=__xss(13)>",
    "<math><mtext><table><mglyph><style><img data-xss src=x onerror=__xss(14)>",
    "]]><img data-xss src=x onerror=__xss(15)>",
    "<!--><img data-xss src=x onerror=__xss(16)>-->",
    "[click](javascript:__xss(17))",
    "![x](javascript:__xss(18))",
    "<object data-xss data=javascript:__xss(19)></object>",
    '<div data-xss style="background:url(javascript:__xss(20))">',
    "&lt;img data-xss src=x onerror=__xss(21)&gt;",
    "<video data-xss><source onerror=__xss(22)></video>",
    '<form data-xss action="javascript:__xss(23)"><button>go</button></form>',
    "{{ 7|add:7 }}{% now 'Y' %}",  # template injection: must stay literal
]

# Defined in every page before its own scripts run.
RECORDER = "window.__xssHits = []; window.__xss = n => window.__xssHits.push(n);"


def record_xss(page):
    """Count payloads that run, and dialogs, in this Playwright page."""
    page.add_init_script(RECORDER)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def live_payloads(page) -> dict:
    """What ran and what was injected, in the page as it stands."""
    return page.evaluate(
        """() => {
            const html = e => e.outerHTML.slice(0, 80);
            const urls = ["href", "src", "action", "data", "formaction"]
                .map(a => `[${a}^="javascript:" i]`).join(", ");
            return {
                ran: window.__xssHits || [],
                injected: [...document.querySelectorAll("[data-xss]")].map(html),
                javascript_urls: [...document.querySelectorAll(urls)].map(html),
            };
        }"""
    )
