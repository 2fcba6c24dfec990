"""Ce que les structures annoncent aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (les structures n'importent pas les dossiers)."""

from django.dispatch import Signal

# Envoyé dans la transaction, avant la suppression d'une pièce du coffre-fort ; argument :
# piece. Un abonné refuse la suppression en levant `ActionImpossible`.
piece_a_supprimer = Signal()
