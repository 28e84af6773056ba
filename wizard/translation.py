from modeltranslation.translator import TranslationOptions, register

from wizard.models import LINK_TEXT_FIELDS, NODE_TEXT_FIELDS, LinkTarget, Node


@register(Node)
class NodeTranslationOptions(TranslationOptions):
    fields = NODE_TEXT_FIELDS
    required_languages = {"fr": ("title",)}


@register(LinkTarget)
class LinkTargetTranslationOptions(TranslationOptions):
    fields = LINK_TEXT_FIELDS
    required_languages = {"fr": ("name", "url")}
