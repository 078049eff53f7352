from tests.plugin.exchanges.conftest import world

__all__ = ["world"]
