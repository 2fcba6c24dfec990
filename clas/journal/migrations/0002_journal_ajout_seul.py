"""La base refuse elle-même de modifier ou supprimer une entrée du journal : un trigger sur
PostgreSQL (UPDATE et DELETE ; TRUNCATE, réservé au propriétaire de la table, reste
possible pour vider une base de test ou restaurer une sauvegarde), un trigger sur SQLite
(UPDATE : Django vide les tables SQLite par DELETE entre certains tests)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

PG_CREER = """
CREATE OR REPLACE FUNCTION journal_entree_immuable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal est en ajout seul : % refusé sur l''entrée n° %.',
        TG_OP, OLD.numero;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_entree_immuable BEFORE UPDATE OR DELETE ON journal_entree
    FOR EACH ROW EXECUTE FUNCTION journal_entree_immuable();
"""
PG_RETIRER = """
DROP TRIGGER IF EXISTS journal_entree_immuable ON journal_entree;
DROP FUNCTION IF EXISTS journal_entree_immuable();
"""
SQLITE_CREER = """
CREATE TRIGGER journal_entree_immuable BEFORE UPDATE ON journal_entree
BEGIN
    SELECT RAISE(ABORT, 'Le journal est en ajout seul : modification refusée.');
END;
"""
SQLITE_RETIRER = "DROP TRIGGER IF EXISTS journal_entree_immuable;"


def _executer(schema_editor: BaseDatabaseSchemaEditor, sql: dict[str, str]) -> None:
    requete = sql.get(schema_editor.connection.vendor)
    if requete:
        schema_editor.execute(requete, params=None)


def creer(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _executer(schema_editor, {"postgresql": PG_CREER, "sqlite": SQLITE_CREER})


def retirer(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _executer(schema_editor, {"postgresql": PG_RETIRER, "sqlite": SQLITE_RETIRER})


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_journal_entree")]

    operations = [migrations.RunPython(creer, retirer)]
