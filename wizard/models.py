import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from wizard import destinations, markdown

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lowercase letters, digits and single hyphens, for example “local-manager”."),
)
# Fields that modeltranslation turns into one column per language (wizard/translation.py registers them).
NODE_TEXT_FIELDS = ("title", "label", "body", "note")
MARKDOWN_FIELDS = ("body", "note")
LINK_TEXT_FIELDS = ("name", "url")
# Treebeard's bookkeeping: where a node is, never what it says. A revert must not write these back.
POSITION_FIELDS = ("path", "depth", "numchild")


class NodeQuerySet(MP_NodeQuerySet):
    def wizards(self) -> "NodeQuerySet":
        return self.filter(depth=1)


class NodeManager(MP_NodeManager):
    def get_queryset(self) -> NodeQuerySet:
        # MP_NodeManager builds its own queryset class by name, so from_queryset() would not take effect.
        return NodeQuerySet(self.model, using=self._db).order_by("path")

    def wizards(self) -> NodeQuerySet:
        return self.get_queryset().wizards()


class Node(MP_Node):
    """A root node is a wizard; its descendants are the wizard's steps, in the order editors give them."""

    class Kind(models.TextChoices):
        START = "start", _("start page")
        INFO = "info", _("information page")
        CHOICE = "choice", _("choice")
        TASK = "task", _("task")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.CharField(
        max_length=80,
        validators=[slug_validator],
        help_text=_("The same in every language; part of the page's address, unique among its siblings."),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TASK)
    title = models.CharField(_("title"), max_length=250)
    label = models.CharField(
        _("label"), max_length=250, blank=True, help_text=_("The text of the choice that leads to this step.")
    )
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_("Markdown. Link with [text](link:KEY) to a link target and [text](node:PATH) to a step."),
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Markdown, shown after the body."))
    updated_at = models.DateTimeField(auto_now=True)

    objects = NodeManager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [
            # Roots never change slug under a sibling's feet, so this one can be a plain database rule;
            # uniqueness among deeper siblings is checked in validate_placement (see there why).
            models.UniqueConstraint(fields=["slug"], condition=Q(depth=1), name="unique_wizard_slug"),
        ]

    def __str__(self) -> str:
        return self.title or self.slug

    @property
    def is_wizard(self) -> bool:
        return self.depth == 1

    def get_wizard(self) -> "Node":
        return self if self.is_wizard else Node.objects.get(path=self.path[: self.steplen])

    def get_step_path(self) -> str:
        """The slugs from below the wizard root down to this step, joined by "/" ("" for the wizard)."""
        ancestors = Node.objects.filter(path__in=self._ancestor_paths()[1:]).order_by("depth")
        return "/".join([*ancestors.values_list("slug", flat=True), self.slug]) if not self.is_wizard else ""

    def _ancestor_paths(self) -> list[str]:
        return [self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)]

    def clean(self) -> None:
        super().clean()
        if self.pk and self.path:
            self.validate_placement(Node.objects.get_parent(self))

    def validate_placement(self, parent: "Node | None", *, references: bool = True) -> None:
        """Check the rules that depend on where the node stands: kind, sibling slugs, references.

        Not a unique index: treebeard renumbers sibling subtrees one row at a time when it reorders them,
        so an index on (parent path, slug) would trip over two profiles that both have a "find-managers" task.
        """
        errors: dict[str, list[str]] = {}
        if parent is None and self.kind != self.Kind.START:
            errors.setdefault("kind", []).append(_("A wizard (a root step) is a start page."))
        if parent is not None and self.kind == self.Kind.START:
            errors.setdefault("kind", []).append(_("Only a wizard's root is a start page."))
        siblings = Node.objects.get_children(parent) if parent else Node.objects.wizards()
        if siblings.filter(slug=self.slug).exclude(pk=self.pk).exists():
            errors.setdefault("slug", []).append(_("Another step at this place already has the slug “%s”.") % self.slug)
        if references:
            wizard = parent.get_wizard() if parent else self
            steps = wizard_step_paths(wizard) if wizard.pk else {}
            # Editors write paths, the database keeps uids (wizard/references.py): either names a step.
            node_paths = {*steps, *(str(node.uid) for node in steps.values())}
            link_keys = set(LinkTarget.objects.values_list("key", flat=True))
            for name in MARKDOWN_FIELDS:
                for lang in settings.WIZARD_LANGUAGES:
                    column = f"{name}_{lang}"
                    text = getattr(self, column) or ""
                    found = markdown.problems(text, link_keys=link_keys, node_paths=node_paths, suggest=True)
                    for message in found:
                        errors.setdefault(column, []).append(message)
        if errors:
            raise ValidationError(errors)


def wizard_step_paths(wizard: "Node") -> dict[str, "Node"]:
    """Every step of a wizard by its step path, in tree order, in one query."""
    step_paths: dict[str, str] = {}  # treebeard path → step path
    found: dict[str, Node] = {}
    for node in Node.objects.get_tree(wizard):
        if node.depth == wizard.depth:
            step_paths[node.path] = ""
            continue
        prefix = step_paths[node.path[: -node.steplen]]
        step_paths[node.path] = f"{prefix}/{node.slug}" if prefix else node.slug
        found[step_paths[node.path]] = node
    return found


class LinkTarget(models.Model):
    """An external destination, edited once and used everywhere by its key, with a URL per language."""

    key = models.CharField(
        max_length=80,
        unique=True,
        validators=[slug_validator],
        help_text=_("Stable: bodies refer to it as link:KEY. Renaming it breaks those references."),
    )
    name = models.CharField(_("name"), max_length=250)
    url = models.URLField(
        _("URL"),
        max_length=1000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "The page in this language. Left empty, readers of this language get the French page, unless "
            "“No page in” names another."
        ),
    )
    no_page = models.JSONField(
        _("no page in"),
        default=dict,
        blank=True,
        help_text=_(
            "Languages the destination site has no page in, each with the language of the page to link instead, "
            'like {"en": "fr"}. The page then says which language the destination is in.'
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("link target")
        verbose_name_plural = _("link targets")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def clean(self) -> None:
        super().clean()
        if self.no_page is None:  # the admin's empty field: no language lacks a page
            self.no_page = {}
        if messages := destinations.problems(self.urls(), self.no_page):
            raise ValidationError({"no_page": messages})

    def urls(self) -> dict[str, str]:
        """The URL of each language that has one."""
        return {lang: url for lang in settings.WIZARD_LANGUAGES if (url := getattr(self, f"url_{lang}"))}

    def destination(self, lang: str) -> "destinations.Destination | None":
        return destinations.destination(self.urls(), lang, no_page=self.no_page)

    def get_usages(self) -> list[tuple[Node, str]]:
        """The steps whose body or note refer to this target, with the field columns that do (from the index)."""
        found: dict[int, list[str]] = {}
        for row in Reference.objects.filter(target_key=self.key).order_by("field", "language"):
            column = f"{row.field}_{row.language}"
            if column not in found.setdefault(row.source_id, []):
                found[row.source_id].append(column)
        nodes = Node.objects.filter(pk__in=found).order_by("path")
        return [(node, ", ".join(found[node.pk])) for node in nodes]


class Reference(models.Model):
    """The reference index: one `link:` or `node:` reference in one field and language of a step's text.

    Kept by the actions (wizard/references.py `reindex`), never by save(): "where used", the refusal to delete what
    is referenced and the broken-reference check read it instead of scanning every text.
    """

    source = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="references")
    field = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    target_uid = models.UUIDField(null=True, blank=True, db_index=True, help_text=_("The step referred to."))
    target_key = models.CharField(max_length=80, blank=True, db_index=True, help_text=_("The link target's key."))
    target_path = models.CharField(max_length=1000, blank=True, help_text=_("A step path that named no step."))

    class Meta:
        verbose_name = _("reference")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_uid__isnull=False, target_key="", target_path="")
                | Q(target_uid__isnull=True, target_key__gt="", target_path="")
                | Q(target_uid__isnull=True, target_key="", target_path__gt=""),
                name="reference_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.target_key and f"link:{self.target_key}" or f"node:{self.target_uid or self.target_path}"
        return f"{self.source} · {self.field} ({self.language}) → {target}"


class Placement(models.Model):
    """Where a step stood when a revision stored it: its parent, by identity (reversion meta, see cms.actions.steps).

    Recovering a deleted step reads it: treebeard's stored `path` would by then name whichever step took its place.
    """

    revision = models.ForeignKey("reversion.Revision", on_delete=models.CASCADE, related_name="placements")
    node_uid = models.UUIDField(db_index=True)
    parent_uid = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.node_uid} under {self.parent_uid}"


class TranslationState(models.Model):
    """What the French text of one field was when its translation into one language was last saved or confirmed.

    A translation is outdated when the French text no longer has this hash (wizard/translations/). One row per
    translated field and target language of a step or a link target; rows go with their step or target.
    """

    node = models.ForeignKey(Node, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    link_target = models.ForeignKey(LinkTarget, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    field = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    source_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the French text the translation follows."))
    # The translation as it was then: a later change of it (an import, a form) is a new translation.
    target_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.CheckConstraint(
                condition=Q(node__isnull=False, link_target__isnull=True)
                | Q(node__isnull=True, link_target__isnull=False),
                name="translation_state_one_subject",
            ),
            models.UniqueConstraint(
                fields=["node", "field", "language"],
                condition=Q(node__isnull=False),
                name="unique_node_translation_state",
            ),
            models.UniqueConstraint(
                fields=["link_target", "field", "language"],
                condition=Q(link_target__isnull=False),
                name="unique_link_translation_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node or self.link_target} · {self.field} · {self.language}"


class Feedback(models.Model):
    """One visitor's answer to "Did this page help you?" on a task page. No personal data, no cookie.

    The step is kept by its `uid`, stable across releases, with the address it had when the answer was given.
    """

    wizard_slug = models.CharField(_("wizard"), max_length=80, db_index=True)
    step_uid = models.UUIDField(_("step"), db_index=True)
    step_path = models.CharField(_("step path"), max_length=1000)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    release_number = models.PositiveIntegerField(_("release"))
    is_helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.wizard_slug}/{self.step_path} ({self.language}): {'yes' if self.is_helpful else 'no'}"
