from django.core.management import call_command

from tests import factories
from wizard import exchange
from wizard.models import Node


def test_export_import_export_gives_the_same_bytes(db, tmp_path):
    wizard = factories.make_wizard()
    first = exchange.to_text(exchange.dump(wizard))
    Node.objects.all().delete()
    exchange.load(exchange.read(first.encode()))
    assert exchange.to_text(exchange.dump(Node.objects.wizards().get())) == first
    assert not Node.objects.find_problems() or all(not part for part in Node.objects.find_problems())
    call_command("exportwizard", "demo", "-o", tmp_path / "out.yaml")
    assert (tmp_path / "out.yaml").read_text() == first
