"""La frise sur la page du dossier et l'accueil « Ma structure » : lue des vraies données
(décision, convention, acompte, bilan, indu), réservée aux membres de la structure, en un
nombre constant de requêtes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.core.templatetags.clas_format import date_fr
from clas.dossiers.models import Dossier
from tests.dossiers.suivi_fabrique import campagne, dossier_complet
from tests.factories import MembreStructureFactory, StructureFactory
from tests.outils import texte

from .regularisation_fabrique import client_de

pytestmark = pytest.mark.django_db


def _frise(page: str) -> str:
    debut = page.index('id="frise"')
    return page[debut : page.index("</section>", debut)]


def _etape(frise: str, titre: str) -> str:
    """Le texte de l'étape de ce titre dans la frise."""
    bloc = re.search(
        rf"<li[^>]*>(?:(?!</li>).)*\d\. {titre}</strong>(?:(?!</li>).)*</li>", frise, re.S
    )
    assert bloc, titre
    return bloc.group(0)


def test_la_convention_a_signer_est_l_etape_en_cours_de_la_structure(
    convention, utilisateurs
) -> None:
    page = texte(client_de(utilisateurs["porteur"]).get(f"/dossiers/{convention.dossier_id}/"))
    frise = _frise(page)
    assert "Étape 4 sur 8" in frise
    assert 'class="fr-stepper"' in frise
    assert "Étape faite" in _etape(frise, "Décision")
    assert "Accord : 4\u00a0500,00\u00a0€ accordés." in _etape(frise, "Décision")
    convention_ = _etape(frise, "Convention")
    assert 'aria-current="step"' in convention_ and "Étape en cours" in convention_
    assert "À vous de jouer" in frise
    assert "un signataire de la structure la signe" in frise
    bilan = _etape(frise, "Bilan")
    assert "Étape à venir" in bilan
    assert f"avant le {convention.date_limite_bilan:%d/%m/%Y}" in bilan


def test_l_acompte_paye_fait_passer_au_bilan_avec_son_echeance(
    regul_acompte_paye, utilisateurs
) -> None:
    page = texte(
        client_de(utilisateurs["porteur"]).get(f"/dossiers/{regul_acompte_paye.dossier_id}/")
    )
    frise = _frise(page)
    assert "Étape 6 sur 8" in frise
    assert "Payé : 3\u00a0150,00\u00a0€." in _etape(frise, "Acompte")
    limite = f"{regul_acompte_paye.date_limite_bilan:%d/%m/%Y}"
    assert f"Déposez le bilan de fin d'année avant le {limite}" in _etape(frise, "Bilan")
    assert f"Échéance : {limite}." in frise


def test_un_indu_ouvert_est_a_rembourser_avant_son_echeance(regul_indu, utilisateurs) -> None:
    dossier_id = regul_indu.convention.dossier_id
    frise = _frise(texte(client_de(utilisateurs["porteur"]).get(f"/dossiers/{dossier_id}/")))
    assert "Étape 7 sur 8" in frise
    indu = _etape(frise, "Indu")
    assert "Remboursez l'indu de 2\u00a0150,00\u00a0€" in indu
    assert f"avant le {regul_indu.echeance:%d/%m/%Y}" in indu
    assert "Étape faite" in _etape(frise, "Bilan")


def test_la_page_du_dossier_garde_un_nombre_constant_de_requetes_avec_la_frise(
    regul_indu, utilisateurs
) -> None:
    client = client_de(utilisateurs["porteur"])
    url = f"/dossiers/{regul_indu.convention.dossier_id}/"
    with CaptureQueriesContext(connection) as premiere:
        client.get(url)
    with CaptureQueriesContext(connection) as seconde:
        assert client.get(url).status_code == 200
    assert len(seconde) == len(premiere)


# --- L'accueil « Ma structure » -----------------------------------------------------------


def test_ma_structure_montre_la_campagne_ouverte_ses_dossiers_et_la_prochaine_etape(
    convention, utilisateurs, caf_rhone
) -> None:
    ouverte = campagne(caf_rhone, utilisateurs["valideur"], annee="2027-2028")
    page = texte(client_de(utilisateurs["porteur"]).get("/structure/"))
    bloc = page[page.index('id="dossiers-structure"') :]
    assert f"« {ouverte.titre} »" in bloc
    assert f"Dépôts ouverts jusqu'au <strong>{date_fr(ouverte.cloture)}</strong>" in bloc
    assert "Créer le dossier" in bloc
    tableau = bloc[bloc.index('data-testid="dossiers-structure"') :]
    dossier = convention.dossier
    assert dossier.numero in tableau
    assert "Accepté" in tableau
    assert "Convention (à vous) :" in tableau
    assert "un signataire de la structure la signe" in tableau


def test_un_brouillon_dit_de_le_deposer_avant_la_cloture(
    structure_a, caf_rhone, utilisateurs
) -> None:
    ouverte = campagne(caf_rhone, utilisateurs["valideur"])
    dossier_complet(structure_a, ouverte, utilisateurs["porteur"])
    page = texte(client_de(utilisateurs["porteur"]).get("/structure/"))
    bloc = page[page.index('id="dossiers-structure"') :]
    assert "Votre dossier : brouillon." in bloc
    assert "Ouvrir le dossier" in bloc
    assert "Créer le dossier" not in bloc
    assert "Dépôt (à vous) :" in bloc
    assert "déposez-le avant le" in bloc


def test_le_porteur_d_une_autre_structure_ne_voit_pas_les_dossiers_de_a(
    convention, utilisateurs
) -> None:
    page = texte(client_de(utilisateurs["porteur_autre"]).get("/structure/"))
    assert convention.dossier.numero not in page
    assert 'data-testid="dossiers-structure"' not in page


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable", "national"])
def test_un_agent_n_a_pas_de_bloc_de_dossiers_sur_ma_structure(
    convention, utilisateurs, persona
) -> None:
    page = texte(client_de(utilisateurs[persona]).get("/structure/"))
    assert 'id="dossiers-structure"' not in page
    assert convention.dossier.numero not in page


def test_l_accueil_garde_un_nombre_constant_de_requetes_quel_que_soit_le_nombre_de_dossiers(
    convention, utilisateurs, caf_rhone, structure_a
) -> None:
    client = client_de(utilisateurs["porteur"])
    with CaptureQueriesContext(connection) as peu:
        assert client.get("/structure/").status_code == 200
    for rang in range(8):
        ancienne = campagne(
            caf_rhone, utilisateurs["valideur"], annee=f"{2010 + rang}-{2011 + rang}", ouverte=False
        )
        Dossier.objects.create(
            structure=structure_a, campagne=ancienne, cree_par=utilisateurs["porteur"]
        )
    autre = StructureFactory(caf=caf_rhone)
    MembreStructureFactory(utilisateur=utilisateurs["porteur"], structure=autre)
    with CaptureQueriesContext(connection) as beaucoup:
        page = texte(client.get("/structure/"))
    assert len(beaucoup) == len(peu), [q["sql"] for q in beaucoup.captured_queries]
    # Cinq dossiers par structure, les autres sur « Mes dossiers » (paginée).
    assert "Voir les 4 autres dossiers" in page


def test_la_page_caf_d_un_dossier_accepte_garde_un_nombre_borne_de_requetes(
    regul_indu, utilisateurs
) -> None:
    """Côté Caf, la page d'un dossier accepté (convention, versements, bilan, indu) : la
    convention est lue une fois pour toutes les sections, et l'historique qui s'allonge
    n'ajoute aucune requête."""
    from clas.dossiers.evenements import TypeEvenement
    from clas.dossiers.models import Evenement

    client = client_de(utilisateurs["instructeur"])
    url = f"/instruction/dossiers/{regul_indu.convention.dossier_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as avant:
        assert client.get(url).status_code == 200
    dossier = regul_indu.convention.dossier
    for rang in range(30):
        Evenement.noter(
            dossier, TypeEvenement.MODIFICATION, f"Modification {rang}", utilisateurs["porteur"]
        )
    with CaptureQueriesContext(connection) as apres:
        assert client.get(url).status_code == 200

    assert len(apres) == len(avant) <= 30, [q["sql"] for q in apres.captured_queries]
    # Chaque chose est lue une fois et partagée par les sections qui la montrent
    # (convention et avenants, versements et régularisation, bilan et régularisation) ;
    # les personnes citées (décision, signature) viennent avec ce qui les cite.
    for table in (
        "conventions_convention",
        "conventions_avenant",
        "versements_versement",
        "versements_mouvement",
        "bilans_bilan",
        "instruction_decision",
        "comptes_utilisateur",
    ):
        lectures = [q["sql"] for q in apres.captured_queries if _table_lue(q["sql"]) == table]
        assert len(lectures) <= 1, lectures
    # L'explication figée de la décision (80 Ko pour 30 collectifs) n'est transférée qu'une
    # fois, sans l'entrée ni les paramètres figés, que la page ne montre pas.
    explications = [
        q["sql"] for q in apres.captured_queries if '"instruction_decision"."resultat"' in q["sql"]
    ]
    assert len(explications) == 1, explications
    assert '"instruction_decision"."entree_bareme"' not in explications[0]


def _table_lue(sql: str) -> str:
    """La table du premier FROM (pas celles des sous-requêtes)."""
    trouvee = re.search(r'FROM "(\w+)"', sql)
    return trouvee.group(1) if trouvee else ""
