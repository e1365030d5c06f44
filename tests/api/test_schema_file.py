"""The committed SDL (schema.graphql) is the schema: a change to the types without renewing the file
fails here (renew it with ``kyodo api schema --write``)."""

from kyodo.api.schema import SDL_PATH, sdl


def test_the_committed_sdl_is_the_schema():
    assert SDL_PATH.read_text() == sdl(), "the schema changed: run `kyodo api schema --write` and commit it"


def test_the_sdl_has_the_residents_dataset_and_the_platform_part():
    text = sdl()
    for needle in ("type Person implements Node", "type Household implements Node", "  persons(",
                   "changes(after: String", "municipalityCreate(", "residentChanges("):
        assert needle in text, needle
    # never in the vendor API (docs/api.md): 住民票コード, 個人番号, 本籍
    for withheld in ("residentCode", "myNumber", "honseki", "personalNumber"):
        assert withheld not in text
