"""Ce que les structures annoncent aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (les structures n'importent pas les dossiers)."""

from django.dispatch import Signal

# Envoyé dans la transaction, avant la suppression d'une pièce du coffre-fort ; argument :
# piece. Un abonné refuse la suppression en levant `ActionImpossible`.
piece_a_supprimer = Signal()

# Envoyé dans la transaction où un valideur accepte de nouvelles coordonnées bancaires ;
# arguments : structure (ses coordonnées déjà changées), changement, auteur. Les versements
# y renvoient à la validation ceux qui avaient été validés sur l'ancien compte.
coordonnees_acceptees = Signal()

# Envoyé dans la transaction où un agent confirme le transfert d'une structure vers une autre
# Caf ; arguments : structure (déjà à sa nouvelle Caf), transfert, auteur. Les dossiers y
# rattachent leurs brouillons à la campagne de la nouvelle Caf.
structure_transferee = Signal()
