from tests.residents.conftest import approve, chief_a, in_a  # noqa: F401  (fixtures)
