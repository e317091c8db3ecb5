"""The service's name for the request-params validation (``scicbir.params``), which the typed
requests of every use case share with it."""

from scicbir.params import Params, ParamsError

__all__ = ["Params", "ParamsError"]
