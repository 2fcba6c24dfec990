"""Le mécanisme commun des machines à états (clas.core.etats) et la règle qu'il porte :
aucun champ d'état n'est écrit hors des tables de transitions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import models

from clas.core.etats import TABLES, Table, Transition, TransitionImpossible, libelle_etat
from clas.dossiers.evenements import CATALOGUE, TypeEvenement

RACINE = Path(__file__).resolve().parents[2] / "clas"
CHAMPS_D_ETAT = {"etat", "statut"}
# Le statut d'un intervenant (salarié, bénévole) n'est pas l'état d'un flux.
RECEVEURS_EXEMPTES = ("Intervenant",)


def _ecritures_d_etat(chemin: Path) -> list[str]:
    """Chaque écriture d'un champ d'état dans ce fichier : affectation d'attribut,
    `update(etat=…)`, `create(etat=…)`, `update_fields=[…"etat"…]`, `setattr(x, "etat")`."""
    source = chemin.read_text(encoding="utf-8")
    arbre = ast.parse(source)
    trouvees = []
    for noeud in ast.walk(arbre):
        cibles: list[ast.expr] = []
        if isinstance(noeud, ast.Assign):
            cibles = list(noeud.targets)
        elif isinstance(noeud, ast.AugAssign | ast.AnnAssign):
            cibles = [noeud.target]
        for cible in cibles:
            if isinstance(cible, ast.Attribute) and cible.attr in CHAMPS_D_ETAT:
                trouvees.append(f"{chemin}:{noeud.lineno} affecte .{cible.attr}")
        if not isinstance(noeud, ast.Call):
            continue
        fonction = noeud.func
        if isinstance(fonction, ast.Name) and fonction.id == "setattr" and len(noeud.args) > 1:
            champ = noeud.args[1]
            if isinstance(champ, ast.Constant) and champ.value in CHAMPS_D_ETAT:
                trouvees.append(f"{chemin}:{noeud.lineno} setattr {champ.value}")
        if not isinstance(fonction, ast.Attribute):
            continue
        dans_l_appel = []
        for mot in noeud.keywords:
            if fonction.attr in {"update", "create", "get_or_create", "update_or_create"} and (
                mot.arg in CHAMPS_D_ETAT
            ):
                dans_l_appel.append(f"{chemin}:{noeud.lineno} {fonction.attr}({mot.arg}=…)")
            if mot.arg == "update_fields" and isinstance(mot.value, ast.List | ast.Tuple):
                noms = {e.value for e in mot.value.elts if isinstance(e, ast.Constant)}
                if noms & CHAMPS_D_ETAT:
                    dans_l_appel.append(f"{chemin}:{noeud.lineno} update_fields avec {noms}")
        # Le texte du receveur seulement pour un appel suspect : le relire à chaque appel
        # (get_source_segment recoupe tout le fichier) rendait le scan quadratique.
        if dans_l_appel:
            receveur = ast.get_source_segment(source, fonction.value) or ""
            if not any(exempte in receveur for exempte in RECEVEURS_EXEMPTES):
                trouvees += dans_l_appel
    return trouvees


def test_aucun_champ_d_etat_n_est_ecrit_hors_des_tables():
    fichiers = [
        p
        for p in RACINE.rglob("*.py")
        if "migrations" not in p.parts and p != RACINE / "core" / "etats.py"
    ]
    assert len(fichiers) > 50
    ecritures = [e for f in fichiers for e in _ecritures_d_etat(f)]
    assert ecritures == [], "\n".join(ecritures)


def test_le_scan_voit_chaque_forme_d_ecriture(tmp_path):
    """Le scan lui-même : chaque façon d'écrire un état est trouvée."""
    fichier = tmp_path / "exemple.py"
    fichier.write_text(
        "v.etat = 'paye'\n"
        "Versement.objects.filter(pk=1).update(etat='paye')\n"
        "Versement.objects.create(convention=c, etat='valide')\n"
        "v.save(update_fields=['statut', 'traitee_le'])\n"
        "setattr(v, 'etat', 'paye')\n"
        "Versement.objects.filter(etat='paye')\n"  # une lecture : permise
        "Intervenant.objects.create(statut='benevole')\n",  # pas un état de flux
        encoding="utf-8",
    )
    assert len(_ecritures_d_etat(fichier)) == 5


def test_chaque_flux_a_sa_table():
    assert set(TABLES) >= {"dossier", "proposition", "avenant", "versement", "bilan", "indu"}


def test_chaque_transition_ecrit_un_evenement_du_catalogue_du_bon_objet():
    for objet, table in TABLES.items():
        for transition in table.transitions.values():
            assert transition.evenement in CATALOGUE, (objet, transition.nom)
            assert CATALOGUE[transition.evenement].objet == objet, (objet, transition.nom)
            assert transition.sources, (objet, transition.nom)


def test_libelle_d_etat_en_francais():
    assert libelle_etat("versement", "mis_en_paiement") == "Mis en paiement"
    assert libelle_etat("indu", "ouvert") == "À rembourser"
    assert libelle_etat("inconnu", "x") == "x"


class _Etats(models.TextChoices):
    A = "a", "A"
    B = "b", "B"


def _table(*transitions: Transition) -> Table:
    return Table("essai", models.Model, "etat", _Etats, "l'essai", transitions, lambda *a: None)


def test_une_table_fausse_echoue_a_la_declaration():
    with pytest.raises(ValueError, match="sources"):
        _table(Transition("t", frozenset(), "b", TypeEvenement.NOTE))
    with pytest.raises(ValueError, match="sources"):
        _table(Transition("t", frozenset({"*"}), "b", TypeEvenement.NOTE))
    with pytest.raises(ValueError, match="cible"):
        _table(Transition("t", frozenset({"a"}), "z", TypeEvenement.NOTE))
    with pytest.raises(ValueError, match="double"):
        _table(
            Transition("t", frozenset({"a"}), "b", TypeEvenement.NOTE),
            Transition("t", frozenset({"b"}), "a", TypeEvenement.NOTE),
        )
    TABLES.pop("essai", None)


def test_transition_impossible_est_une_action_impossible_en_francais():
    from clas.core.exceptions import ActionImpossible

    assert issubclass(TransitionImpossible, ActionImpossible)


def test_en_masse_ce_qui_est_commun_s_ecrit_en_une_fois_le_reste_objet_par_objet() -> None:
    """`appliquer_en_masse` écrit en un UPDATE les champs de même valeur pour tous (le lot),
    et par bulk_update ceux propres à chacun (la référence du virement)."""
    from clas.core.etats import _champs_communs

    champs = [{"lot": 7, "reference": "A1", "note": "x"}, {"lot": 7, "reference": "A2"}]
    assert _champs_communs(champs) == {"lot": 7}
    assert _champs_communs([{"lot": 7, "reference": "A1"}]) == {"lot": 7, "reference": "A1"}
