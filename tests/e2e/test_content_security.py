"""Under the site's real Content Security Policy, no page asks for anything it refuses.

The other browser tests bypass the policy (to inject axe-core); these enforce it and listen for
``securitypolicyviolation`` events, which the browser fires for every refused script, style,
image or connection.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.mark.parametrize("path", ["/", "/sessions/", "/api/docs/"])
def test_page_runs_within_its_content_security_policy(site, new_page, path):
    page = new_page(bypass_csp=False)
    page.add_init_script(LISTEN)

    response = page.goto(site + path)
    page.wait_for_load_state("networkidle")

    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("window.cspViolations") == []
    assert page.errors == []


def test_api_docs_render_with_their_styles(site, new_page):
    page = new_page(bypass_csp=False)

    page.goto(site + "/api/docs/")

    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Convene API")
    # The rules drf-spectacular sets inline, from our file instead (api-docs.css).
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("getComputedStyle(document.documentElement).overflowY") == "scroll"
