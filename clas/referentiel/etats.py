"""Les tables de transitions des propositions à approuver (quatre yeux) : le compte
bancaire d'une Caf et les paramètres du barème d'une année déjà utilisée. À approuver →
approuvée / refusée par une seconde personne, ou remplacée par une nouvelle proposition de
l'auteur avant d'être examinée. Le mécanisme commun `clas.core.etats` les applique."""

from __future__ import annotations

from clas.core.etats import Table, Transition, journal_dans

from .models import (
    ChangementCompteCaf,
    EtatApprobation,
    EvenementCompteCaf,
    EvenementParametres,
    PropositionParametres,
)
from .models import TypeEvenementApprobation as T

E = EtatApprobation
A_APPROUVER = frozenset({E.A_APPROUVER})


journal_du_compte_caf = journal_dans(EvenementCompteCaf, "changement", "caf_id")


journal_des_parametres = journal_dans(EvenementParametres, "proposition", "parametres_id")


COMPTE_CAF: Table[ChangementCompteCaf] = Table(
    "compte_caf",
    ChangementCompteCaf,
    "etat",
    EtatApprobation,
    "ce changement du compte bancaire de la Caf",
    (
        Transition("approuver", A_APPROUVER, E.APPROUVEE, T.COMPTE_CAF_APPROUVE),
        Transition("refuser", A_APPROUVER, E.REFUSEE, T.COMPTE_CAF_REFUSE),
        Transition("remplacer", A_APPROUVER, E.REMPLACEE, T.COMPTE_CAF_REMPLACE),
    ),
    journal_du_compte_caf,
)

PARAMETRES: Table[PropositionParametres] = Table(
    "parametres_bareme",
    PropositionParametres,
    "etat",
    EtatApprobation,
    "cette proposition de paramètres",
    (
        Transition("approuver", A_APPROUVER, E.APPROUVEE, T.PARAMETRES_APPROUVES),
        Transition("refuser", A_APPROUVER, E.REFUSEE, T.PARAMETRES_REFUSES),
        Transition("remplacer", A_APPROUVER, E.REMPLACEE, T.PARAMETRES_REMPLACES),
    ),
    journal_des_parametres,
)
