"""Ce que les versements annoncent aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (les versements n'importent pas les bilans)."""

from django.dispatch import Signal

# Envoyé dans la transaction qui marque des versements payés (lot payé, retour de la
# banque) ; arguments : conventions (chacune une fois), auteur.
versements_payes = Signal()
