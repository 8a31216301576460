from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.schema import HEAD_REVISION, current_revision, head_revision, migrate_if_behind


def test_the_head_revision_constant_matches_the_newest_migration_script() -> None:
    assert head_revision() == HEAD_REVISION


def test_migrate_if_behind_creates_a_new_database_and_then_leaves_it_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        migrate_if_behind(engine)
        assert current_revision(engine) == HEAD_REVISION
        migrate_if_behind(engine)  # a current database: a single query, no error
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()
