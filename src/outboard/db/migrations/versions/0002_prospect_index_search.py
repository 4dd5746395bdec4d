"""prospect index full-text search

Dialect-specific DDL that autogenerate cannot express (hand-written, never regenerated):

- SQLite: an FTS5 external-content table over `index_person_details` (title, headline, skills_text,
  posts_text; rowid = person_id), unicode61 without diacritics and without stemming (queries spell out
  the plural forms: sources.index.fts), kept in sync by triggers. The update trigger fires only when an indexed text changed, so re-loading the same file does
  not re-index anyone. The triggers skip a workspace listed in `index_bulk_loads`: a bulk load into an
  empty index adds its rows to the full-text index in one statement at the end (ten times cheaper).
- PostgreSQL: a generated `search_tsv` column on the same table, 'simple' configuration (no stemming, as
  on SQLite), weighted title A, headline B, skills C, posts D (queries restrict a term to one field by
  weight), with a GIN index.

Revision ID: 0002_prospect_index_search
Revises: 0001_initial
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_prospect_index_search"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "title, headline, skills_text, posts_text"
_NEW = "new.person_id, new.title, new.headline, new.skills_text, new.posts_text"
_OLD = "'delete', old.person_id, old.title, old.headline, old.skills_text, old.posts_text"
_LIVE = "NOT EXISTS (SELECT 1 FROM index_bulk_loads b WHERE b.workspace_id = {row}.workspace_id)"

SQLITE_UP = (
    f"CREATE VIRTUAL TABLE index_people_fts USING fts5({_COLUMNS}, content='index_person_details', "
    "content_rowid='person_id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER index_person_details_fts_insert AFTER INSERT ON index_person_details
    WHEN {_LIVE.format(row="new")} BEGIN
        INSERT INTO index_people_fts(rowid, {_COLUMNS}) VALUES ({_NEW});
    END""",
    f"""CREATE TRIGGER index_person_details_fts_delete AFTER DELETE ON index_person_details
    WHEN {_LIVE.format(row="old")} BEGIN
        INSERT INTO index_people_fts(index_people_fts, rowid, {_COLUMNS}) VALUES ({_OLD});
    END""",
    f"""CREATE TRIGGER index_person_details_fts_update AFTER UPDATE OF {_COLUMNS} ON index_person_details
    WHEN (old.title IS NOT new.title OR old.headline IS NOT new.headline OR old.skills_text IS NOT new.skills_text
        OR old.posts_text IS NOT new.posts_text) AND {_LIVE.format(row="new")} BEGIN
        INSERT INTO index_people_fts(index_people_fts, rowid, {_COLUMNS}) VALUES ({_OLD});
        INSERT INTO index_people_fts(rowid, {_COLUMNS}) VALUES ({_NEW});
    END""",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS index_person_details_fts_update",
    "DROP TRIGGER IF EXISTS index_person_details_fts_delete",
    "DROP TRIGGER IF EXISTS index_person_details_fts_insert",
    "DROP TABLE IF EXISTS index_people_fts",
)

POSTGRES_UP = (
    """ALTER TABLE index_person_details ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(headline, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(skills_text, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(posts_text, '')), 'D')) STORED""",
    "CREATE INDEX ix_index_person_details_search_tsv ON index_person_details USING gin (search_tsv)",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_index_person_details_search_tsv",
    "ALTER TABLE index_person_details DROP COLUMN IF EXISTS search_tsv",
)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
