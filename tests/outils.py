"""Petits outils partagés par les tests : lire une page HTML, l'exemple de CLAS.md §2.2."""

from __future__ import annotations

import copy
import html
from html.parser import HTMLParser
from typing import Any

from django.http import HttpResponse

# L'exemple chiffré de CLAS.md §2.2 : 8 889,00 €.
EXEMPLE_CLAS: dict[str, Any] = {
    "annee_scolaire": "2025-2026",
    "depenses_totales": "24000.00",
    "cofinancements": "10000.00",
    "collectifs": [
        {
            "nom": "Les Hirondelles",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "milieu_rural": False,
            "enfant_en_situation_de_handicap": False,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
            "bonus_accompagnement_parents": True,
        },
        {
            "nom": "Les Mésanges",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "milieu_rural": False,
            "enfant_en_situation_de_handicap": False,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
            "bonus_accompagnement_parents": False,
        },
        {
            "nom": "Les Rouges-gorges",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "milieu_rural": False,
            "enfant_en_situation_de_handicap": False,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
            "bonus_accompagnement_parents": False,
        },
    ],
}


def exemple_clas() -> dict[str, Any]:
    """Une copie modifiable de l'exemple chiffré."""
    return copy.deepcopy(EXEMPLE_CLAS)


def requetes_de_la_page(client: Any, url: str) -> int:
    """Le nombre de requêtes SQL d'un affichage de la page (qui doit répondre 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, reponse.status_code
    return len(requetes)


def texte(reponse: HttpResponse) -> str:
    """Le contenu de la réponse, entités HTML décodées (« quelqu&#x27;un » → « quelqu'un »)."""
    return html.unescape(reponse.content.decode())


class _Champs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.valeurs: dict[str, str] = {}
        self.coches: set[str] = set()
        self.cases: list[tuple[str, str]] = []
        self.entrees: list[tuple[str, str]] = []  # chaque <input>, même répété sous un nom
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributs = dict(attrs)
        nom = attributs.get("name")
        if tag == "input" and nom:
            if attributs.get("type") == "checkbox":
                if "checked" in attributs:
                    self.coches.add(nom)
                    self.cases.append((nom, attributs.get("value") or "on"))
            elif attributs.get("type") not in {"submit", "button"}:
                self.valeurs[nom] = attributs.get("value") or ""
                self.entrees.append((nom, attributs.get("value") or ""))
        elif tag == "textarea" and nom:
            self._textarea = nom
            self.valeurs[nom] = ""
        elif tag == "select" and nom:
            self._select = nom
        elif tag == "option" and "selected" in attributs:
            self.valeurs[self._select] = attributs.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.valeurs[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            # Comme un navigateur : le saut de ligne qui suit <textarea> n'est pas la valeur.
            self.valeurs[self._textarea] = self.valeurs[self._textarea].removeprefix("\n")
            self._textarea = None


def champs(reponse: HttpResponse) -> dict[str, str]:
    """Les valeurs affichées dans les champs du formulaire (input, textarea, select)."""
    analyseur = _Champs()
    analyseur.feed(reponse.content.decode())
    return analyseur.valeurs


def formulaire_du_navigateur(reponse: HttpResponse) -> dict[str, list[str]]:
    """Ce qu'un navigateur renverrait du formulaire de la page sans y toucher : chaque champ
    avec sa valeur affichée (champs cachés compris, dont la version), chaque case cochée avec
    sa valeur. Les champs de fichier sont laissés vides."""
    analyseur = _Champs()
    analyseur.feed(reponse.content.decode())
    donnees: dict[str, list[str]] = {}
    for nom, valeur in analyseur.entrees:  # un nom répété (champs cachés) : chaque valeur
        donnees.setdefault(nom, []).append(valeur)
    for nom, valeur in analyseur.valeurs.items():
        donnees.setdefault(nom, [valeur])
    for nom, valeur in analyseur.cases:
        donnees.setdefault(nom, []).append(valeur)
    return donnees


def cases_cochees(reponse: HttpResponse) -> set[str]:
    analyseur = _Champs()
    analyseur.feed(reponse.content.decode())
    return analyseur.coches


def formulaire_parametres(annee: str, motif: str = "Circulaire Cnaf de test") -> dict[str, str]:
    """Ce que renvoie le formulaire des paramètres d'une année si l'on n'y change rien."""
    from clas.referentiel.forms import FormulaireParametres
    from clas.referentiel.models import ParametresBareme

    formulaire = FormulaireParametres(instance=ParametresBareme.objects.get(annee_scolaire=annee))
    donnees = {nom: str(formulaire[nom].value()) for nom in formulaire.fields}
    donnees["motif"] = motif
    return donnees


def formulaire_simulateur(entree: dict[str, Any], action: str = "calculer") -> dict[str, str]:
    """Ce que le formulaire HTML du simulateur envoie pour une entrée du contrat JSON."""
    donnees = {
        "annee_scolaire": entree["annee_scolaire"],
        "depenses_totales": str(entree.get("depenses_totales", "")),
        "cofinancements": str(entree.get("cofinancements", "")),
        "action": action,
    }
    for rang, collectif in enumerate(entree["collectifs"]):
        donnees[f"collectifs-{rang}-ligne"] = "1"
        for nom, valeur in collectif.items():
            if isinstance(valeur, bool):
                if valeur:
                    donnees[f"collectifs-{rang}-{nom}"] = "1"
            else:
                donnees[f"collectifs-{rang}-{nom}"] = str(valeur)
    return donnees


def formulaire_exemple(action: str = "calculer") -> dict[str, str]:
    return formulaire_simulateur(EXEMPLE_CLAS, action)


def rendre_section(gabarit: str, dossier: Any, utilisateur: Any = None, page: Any = None) -> str:
    """Une section « après la décision » telle que la page du dossier la rend : le contexte
    que calcule sa fonction inscrite (clas/core/sections.py), puis son gabarit."""
    from django.template.loader import render_to_string

    from clas.core.sections import inscrites

    cote = "caf" if gabarit.endswith("_caf.html") else "structure"
    (section,) = [s for s in inscrites(cote) if s.gabarit == gabarit]  # type: ignore[arg-type]
    contexte = section.fonction(dossier, utilisateur, page or {})
    return render_to_string(gabarit, {"dossier": dossier, "section": contexte})


def lire_pdf(contenu: bytes) -> dict[str, Any]:
    """Ce qu'un lecteur trouve dans un PDF : son texte (espaces normalisés), s'il est balisé
    (PDF/UA : arbre de structure et `/MarkInfo /Marked true`), sa langue et son titre."""
    from io import BytesIO

    from pypdf import PdfReader

    lecteur = PdfReader(BytesIO(contenu))
    racine = lecteur.trailer["/Root"]
    marque = racine.get("/MarkInfo", {})
    metadonnees = lecteur.xmp_metadata
    xmp = metadonnees.stream.get_data().decode("utf-8", "replace") if metadonnees else ""
    texte_pdf = " ".join(page.extract_text() or "" for page in lecteur.pages)
    return {
        "texte": " ".join(texte_pdf.replace("\u202f", " ").replace("\xa0", " ").split()),
        "balise": bool(marque.get("/Marked")) and "/StructTreeRoot" in racine,
        "pdf_ua": "pdfuaid:part" in xmp,
        "langue": str(racine.get("/Lang", "")),
        "titre": (lecteur.metadata.title if lecteur.metadata else None) or "",
    }


def verifier_pdf_accessible(contenu: bytes, titre: str) -> str:
    """Un PDF de la plateforme : balisé PDF/UA, en français, titré, avec son « Objet » et le
    service à joindre. Renvoie son texte."""
    pdf = lire_pdf(contenu)
    assert pdf["balise"], "le PDF n'est pas balisé (Tagged: no)"
    assert pdf["pdf_ua"], "le PDF ne se déclare pas PDF/UA"
    assert pdf["langue"] == "fr"
    assert titre in pdf["titre"]
    assert "Objet :" in pdf["texte"]
    assert "Service chargé du dossier :" in pdf["texte"]
    return str(pdf["texte"])
