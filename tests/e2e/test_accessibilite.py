"""Le contrôle d'accessibilité des parcours (conftest) détecte vraiment une violation grave :
à la capture, et pour une page quittée sans capture, au bilan de fin de parcours."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import Accessibilite, bilan_accessibilite, verifier_page

pytestmark = [pytest.mark.e2e]

PAGE_FAUTIVE = (
    "<!doctype html><html lang='fr'><head><title>Page fautive</title></head>"
    "<body><main><h1>Page fautive</h1><img src='photo.png'></main></body></html>"
)


def test_une_image_sans_alternative_fait_echouer_la_verification_avec_la_regle_et_la_page(
    live_server, page: Page, accessibilite: Accessibilite
) -> None:
    page.route(
        "**/page-fautive/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE_FAUTIVE),
    )
    page.goto(f"{live_server.url}/page-fautive/")

    with pytest.raises(AssertionError) as erreur:
        verifier_page(page)
    message = str(erreur.value)
    assert "règle « image-alt » (critical)" in message
    assert "/page-fautive/ (« Page fautive »)" in message
    assert "cible : img" in message

    # L'analyse lancée au chargement l'a aussi relevée : le bilan du parcours échoue.
    with pytest.raises(AssertionError, match="image-alt"):
        bilan_accessibilite(page, accessibilite)
    accessibilite.erreurs.clear()  # la violation est voulue ici
