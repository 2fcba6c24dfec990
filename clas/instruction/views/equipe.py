"""L'équipe d'une Caf (`/equipes/…`) : la liste des agents, l'invitation, la fiche d'un agent
(rôles, désactivation, réactivation, journal, dossiers ouverts à réattribuer).

Ouverte à l'administration nationale (toutes les Caf) et au responsable d'une Caf (la
sienne) ; ce que chacun peut faire d'un agent vient de `comptes.equipes.capacites_equipe`.
Elle vit dans l'instruction parce qu'elle montre les dossiers d'un agent.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clas.comptes import equipes
from clas.comptes.forms import FormulaireDesactivation, FormulaireInvitationAgent, FormulaireRoles
from clas.comptes.models import AgentCaf, EvenementAgent
from clas.comptes.roles import agent_de
from clas.core.forms import ajouter_erreurs, resume_des_erreurs
from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.permissions import peut_attribuer
from clas.referentiel.models import Caf

E = EtatDossier
ETATS_OUVERTS = (E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES)
PAR_PAGE = 50
REFUS_EQUIPE = (
    "Cette page est réservée au responsable de l'équipe de la Caf et à l'administration nationale."
)


def nombre_de_dossiers_ouverts() -> Subquery:
    """Le nombre de dossiers encore à traiter attribués à l'agent de la ligne."""
    return Subquery(
        Dossier.objects.filter(instructeur_id=OuterRef("utilisateur_id"), etat__in=ETATS_OUVERTS)
        .order_by()
        .values("instructeur_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _caf_geree(request: RequeteConnectee, caf_id: int) -> Caf:
    caf = get_object_or_404(Caf, pk=caf_id)
    if not equipes.peut_gerer_equipe(request.user, caf.pk):
        raise PermissionDenied(REFUS_EQUIPE)
    return caf


def _agent_gere(request: RequeteConnectee, pk: int) -> AgentCaf:
    agent = get_object_or_404(AgentCaf.objects.select_related("utilisateur", "caf"), pk=pk)
    if not equipes.peut_gerer_equipe(request.user, agent.caf_id):
        raise PermissionDenied(REFUS_EQUIPE)
    return agent


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def equipes_accueil(request: RequeteConnectee) -> HttpResponse:
    """Le national choisit une Caf ; le responsable va droit à son équipe."""
    if not request.user.est_admin_national:
        agent = agent_de(request.user)
        if agent is None or not equipes.est_responsable_de(request.user, agent.caf_id):
            raise PermissionDenied(REFUS_EQUIPE)
        return redirect("equipe_caf", caf_id=agent.caf_id)
    actifs = Q(agents__actif=True)
    cafs = Caf.objects.annotate(
        nb_agents=Count("agents", filter=actifs),
        nb_responsables=Count("agents", filter=actifs & Q(agents__est_responsable=True)),
        nb_desactives=Count("agents", filter=Q(agents__actif=False)),
    ).order_by("code")
    page = Paginator(cafs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "instruction/equipes_accueil.html",
        {"titre": "Les équipes des Caf", "page": page},
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def equipe_caf(request: RequeteConnectee, caf_id: int) -> HttpResponse:
    caf = _caf_geree(request, caf_id)
    agents = (
        AgentCaf.objects.filter(caf_id=caf.pk)
        .select_related("utilisateur")
        .annotate(
            nb_ouverts=Coalesce(nombre_de_dossiers_ouverts(), 0),
        )
        .order_by("-actif", "utilisateur__nom", "utilisateur__prenom", "utilisateur__email")
    )
    page = Paginator(agents, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "instruction/equipe_caf.html",
        {"titre": f"Équipe — {caf.nom}", "caf": caf, "page": page},
    )


@connexion_requise
@require_http_methods(["GET", "HEAD", "POST"])
def equipe_inviter(request: RequeteConnectee, caf_id: int) -> HttpResponse:
    caf = _caf_geree(request, caf_id)
    national = bool(request.user.est_admin_national)
    formulaire = FormulaireInvitationAgent(request.POST or None, avec_responsable=national)
    if request.method == "POST" and formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            agent = equipes.inviter(
                caf.pk,
                donnees["email"],
                donnees["prenom"],
                donnees["nom"],
                formulaire.roles,
                request.user,
            )
        except ValidationError as erreur:
            ajouter_erreurs(formulaire, erreur)
        else:
            equipes.envoyer_invitation(request, agent, request.user)
            messages.success(
                request,
                f"Invitation envoyée à {agent.utilisateur.email} : le lien est valable "
                f"{equipes.validite_jours()} jours.",
            )
            return redirect("equipe_agent", pk=agent.pk)
    return render(
        request,
        "instruction/equipe_inviter.html",
        {
            "titre": f"Inviter un agent — {caf.nom}",
            "caf": caf,
            "formulaire": formulaire,
            "erreurs": resume_des_erreurs(formulaire),
        },
        status=400 if formulaire.is_bound else 200,
    )


def rendre_agent(
    request: RequeteConnectee,
    agent: AgentCaf,
    formulaire_roles: FormulaireRoles | None = None,
    formulaire_desactivation: FormulaireDesactivation | None = None,
    statut: int = 200,
) -> HttpResponse:
    capacites = equipes.capacites_equipe(request.user, agent)
    national = bool(request.user.est_admin_national)
    if formulaire_roles is None:
        formulaire_roles = FormulaireRoles(
            initial={"roles": sorted(equipes.roles_de(agent))}, avec_responsable=national
        )
    dossiers = (
        Dossier.objects.filter(instructeur_id=agent.utilisateur_id, etat__in=ETATS_OUVERTS)
        .select_related("structure", "campagne")
        .only(
            "pk",
            "numero",
            "etat",
            "depose_le",
            "structure__nom",
            "structure__commune",
            "campagne__annee_scolaire",
        )
        .order_by("depose_le", "pk")
    )
    page = Paginator(dossiers, PAR_PAGE).get_page(request.GET.get("page"))
    journal = EvenementAgent.objects.filter(agent=agent).select_related("auteur")[:100]
    return render(
        request,
        "instruction/equipe_agent.html",
        {
            "titre": f"{agent.utilisateur} — {agent.caf.nom}",
            "agent": agent,
            "capacites": capacites,
            "formulaire_roles": formulaire_roles,
            "formulaire_desactivation": formulaire_desactivation or FormulaireDesactivation(),
            "page": page,
            "journal": journal,
            "lien_file": reverse("instruction_files")
            + f"?file=tous&instructeur={agent.utilisateur_id}",
            # Le responsable réattribue depuis sa file ; le national n'y agit pas.
            "peut_reattribuer": peut_attribuer(request.user, agent.caf_id),
        },
        status=statut,
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def equipe_agent(request: RequeteConnectee, pk: int) -> HttpResponse:
    return rendre_agent(request, _agent_gere(request, pk))


@connexion_requise
@require_POST
def equipe_roles(request: RequeteConnectee, pk: int) -> HttpResponse:
    agent = _agent_gere(request, pk)
    national = bool(request.user.est_admin_national)
    formulaire = FormulaireRoles(request.POST, avec_responsable=national)
    if not formulaire.is_valid():
        return rendre_agent(request, agent, formulaire_roles=formulaire, statut=400)
    roles = formulaire.roles
    if not national:
        # Le responsable ne voit pas la case « responsable » : elle garde sa valeur.
        roles = (roles - {"est_responsable"}) | (equipes.roles_de(agent) & {"est_responsable"})
    try:
        change = equipes.changer_roles(agent, roles, request.user)
    except ValidationError as erreur:
        ajouter_erreurs(formulaire, erreur)
        return rendre_agent(request, agent, formulaire_roles=formulaire, statut=400)
    if change:
        messages.success(
            request, f"Rôles enregistrés : {equipes.libelle_roles(equipes.roles_de(agent))}."
        )
    else:
        messages.info(request, "Les rôles n'ont pas changé.")
    return redirect("equipe_agent", pk=agent.pk)


@connexion_requise
@require_POST
def equipe_desactiver(request: RequeteConnectee, pk: int) -> HttpResponse:
    agent = _agent_gere(request, pk)
    formulaire = FormulaireDesactivation(request.POST)
    if not formulaire.is_valid():
        return rendre_agent(request, agent, formulaire_desactivation=formulaire, statut=400)
    equipes.desactiver(agent, request.user, formulaire.cleaned_data["motif"])
    messages.success(
        request,
        f"{agent.utilisateur} est désactivé : il ne peut plus se connecter. "
        "Réattribuez ses dossiers ouverts ci-dessous.",
    )
    return redirect("equipe_agent", pk=agent.pk)


@connexion_requise
@require_POST
def equipe_reactiver(request: RequeteConnectee, pk: int) -> HttpResponse:
    agent = _agent_gere(request, pk)
    equipes.reactiver(agent, request.user)
    messages.success(
        request, f"{agent.utilisateur} est réactivé : il peut de nouveau se connecter."
    )
    return redirect("equipe_agent", pk=agent.pk)


@connexion_requise
@require_POST
def equipe_renvoyer(request: RequeteConnectee, pk: int) -> HttpResponse:
    agent = _agent_gere(request, pk)
    equipes.envoyer_invitation(request, agent, request.user, renvoi=True)
    messages.success(request, f"Nouvelle invitation envoyée à {agent.utilisateur.email}.")
    return redirect("equipe_agent", pk=agent.pk)
