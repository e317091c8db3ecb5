"""Translation of user-visible text.

Every module calls ``tr("...")`` from here. ``pylupdate5`` files module-level ``tr`` calls under
the ``@default`` context, so the lookup uses that context too; the German catalogue lives in
``i18n/scicbir_de.ts`` and is compiled to ``.qm`` with ``lrelease``.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication

CONTEXT = "@default"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)
