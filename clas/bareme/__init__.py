"""Le barème de la prestation de service Clas, en Python pur (aucune dépendance à Django).

`calculer` applique CLAS.md §2.2 ; `lire_entree` et `resultat_vers_json` forment le contrat
JSON commun à la ligne de commande, à l'API et au simulateur.
"""

from clas.bareme.argent import CENTIME, arrondir, formater_euros, formater_nombre
from clas.bareme.calcul import (
    CollectifEntree,
    Entree,
    Etape,
    MotifIneligibilite,
    ParametreUtilise,
    Resultat,
    ResultatCollectif,
    calculer,
)
from clas.bareme.contrat import (
    EncodeurDeLot,
    EntreeInvalide,
    Erreur,
    entree_vers_json,
    lire_entree,
    resultat_vers_json,
)
from clas.bareme.parametres import (
    LIBELLES_PARAMETRES,
    NOMS_PARAMETRES,
    PARAMETRES_ENTIERS,
    Parametres,
)

__all__ = [
    "CENTIME",
    "LIBELLES_PARAMETRES",
    "NOMS_PARAMETRES",
    "PARAMETRES_ENTIERS",
    "CollectifEntree",
    "EncodeurDeLot",
    "Entree",
    "EntreeInvalide",
    "Erreur",
    "Etape",
    "MotifIneligibilite",
    "ParametreUtilise",
    "Parametres",
    "Resultat",
    "ResultatCollectif",
    "arrondir",
    "calculer",
    "entree_vers_json",
    "formater_euros",
    "formater_nombre",
    "lire_entree",
    "resultat_vers_json",
]
