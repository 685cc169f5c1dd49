"""Entry to the module with non-ASCII names (Python 3 only)."""
import importlib


def entry(park):
    module = importlib.import_module("m\u00f3dulo_\u95a2_\U00020000")
    instance = getattr(module, "Clase_\u00f1")()
    return getattr(instance, "m\u00e9todo")(park)
