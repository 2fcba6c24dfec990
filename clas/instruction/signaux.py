"""Ce que l'instruction annonce aux applications du dessus, qui s'y abonnent dans leur
`AppConfig.ready` (l'instruction n'importe pas les conventions)."""

from django.dispatch import Signal

# Envoyé dans la transaction qui valide une décision (accord, refus ou sans suite) ;
# argument : decision. Les conventions y établissent celle d'un accord.
decision_validee = Signal()
