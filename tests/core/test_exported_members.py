from types import ModuleType

import perfgate


def test_public_api_is_curated():
    exported = set(perfgate.__all__)
    public = {name for name in dir(perfgate) if not name.startswith("_")} | {"__version__"}
    # every exported name exists, and nothing public is left out of __all__ by accident
    assert exported <= set(dir(perfgate))
    modules = {n for n in public if isinstance(getattr(perfgate, n), ModuleType)}
    assert public - modules == exported


def test_the_application_layer_lists_its_use_cases():
    """``perfgate.app`` re-exports the use cases of its modules: the front ends import them from there."""
    from perfgate import app

    public = {n for n in dir(app) if not n.startswith("_") and not isinstance(getattr(app, n), ModuleType)}
    assert set(app.__all__) == public - {"annotations"}
