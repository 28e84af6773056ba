"""Translation status: for each translated field and target language, up to date, missing or outdated.

French is the source language. When a translation is saved (in the admin, by an import of translations or of a
whole wizard), a `TranslationState` row keeps a fingerprint of the French text it was made from; the translation
is outdated as soon as the French text no longer has that fingerprint. Detection reads the content, never dates:
a French text changed and changed back is up to date again, and a save that touched nothing flags nothing.
"""

from wizard.translations.completeness import Completeness, Need, completeness, items, overview
from wizard.translations.snapshots import MissingTranslations, check_publishable, missing_for_publish, outdated_by
from wizard.translations.status import (
    MISSING,
    OUTDATED,
    SOURCE_LANGUAGE,
    STATUS_LABELS,
    UP_TO_DATE,
    Item,
    LanguageSummary,
    Report,
    confirm,
    confirm_all,
    every_field,
    fields_of,
    fingerprint,
    items_of,
    language_name,
    needing,
    nodes_needing,
    record,
    record_changed,
    record_form,
    reference_counts,
    report,
    status,
    target_languages,
    text,
    translated,
    wizard_subjects,
)

__all__ = [
    "MISSING",
    "OUTDATED",
    "SOURCE_LANGUAGE",
    "STATUS_LABELS",
    "UP_TO_DATE",
    "Completeness",
    "Item",
    "LanguageSummary",
    "MissingTranslations",
    "Need",
    "Report",
    "check_publishable",
    "completeness",
    "confirm",
    "confirm_all",
    "every_field",
    "fields_of",
    "fingerprint",
    "items",
    "items_of",
    "language_name",
    "missing_for_publish",
    "needing",
    "nodes_needing",
    "outdated_by",
    "overview",
    "record",
    "record_changed",
    "record_form",
    "reference_counts",
    "report",
    "status",
    "target_languages",
    "text",
    "translated",
    "wizard_subjects",
]
