"""Translation of user-visible text.

Every module calls ``tr("...")`` from here. ``pylupdate5`` files module-level ``tr`` calls under
the ``@default`` context, so the lookup uses that context too; the German catalogue lives in
``i18n/scicbir_de.ts`` and is compiled to ``.qm`` with ``lrelease``.

Counts use Qt's plural handling: ``tr("%n files failed", None, n)`` (the count as the third
positional argument, which is what ``pylupdate5`` recognises as a plural message) puts ``n``
for ``%n`` and picks the language's form ("1 Datei", "3 Dateien"). English plural forms come
from ``i18n/scicbir_en.ts``, a catalogue of the plural messages only, so the English source text
is written once in its plural form.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication

CONTEXT = "@default"


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)
